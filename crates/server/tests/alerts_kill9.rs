//! Alert rules across kill -9: two console processes (the real binary) on one database,
//! two rules sending to a real local receiver that refuses at first. The process evaluating
//! is killed as soon as it has committed its first notices, and the process sending
//! webhooks is killed mid-way; each is started again. In the end every event was noticed
//! exactly once per rule, every delivery was made, and the receiver saw each rule's events
//! in copy order (a delivery cut off between the receiver's answer and its record is sent
//! again, with the same `X-Console-Delivery`, and nothing else repeats).

mod common;

use std::collections::{BTreeMap, HashSet};
use std::time::{Duration, Instant};

use common::alerting::{copy_events, Receiver};
use common::fleet::{fleet, start_replica, Fleet, FleetOptions};
use reqwest::header;

const EVENTS: i64 = 1_500;

async fn create_rule(fleet: &Fleet, via: usize, name: &str, hook: &str) -> (i64, String) {
    let (browser, csrf) = fleet.admin_browser(via).await;
    let url = &fleet.replicas[via].url;
    let response = browser
        .post(format!("{url}/api/alerts/create"))
        .header(header::ORIGIN, url.as_str())
        .header(header::ACCEPT, "application/json")
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("name", name),
            ("query", "action:grantAdminAccess"),
            ("email_to", ""),
            ("webhook_url", hook),
            ("webhook_format", "json"),
        ])
        .send()
        .await
        .expect("create a rule");
    let status = response.status();
    let body: serde_json::Value = response.json().await.expect("json");
    assert!(status.is_success(), "{status}: {body}");
    (
        body["id"].as_i64().expect("an id"),
        body["secret"].as_str().expect("a secret").to_string(),
    )
}

async fn scalar(fleet: &Fleet, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(&fleet.db)
        .await
        .expect("a count")
}

/// Kills the holder of `lease` once `ready` says so, starts it again, and returns the
/// figure once it was dead.
async fn kill_holder_when(
    fleet: &mut Fleet,
    lease: &str,
    what: &str,
    sql: &str,
    ready: impl Fn(i64) -> bool,
) -> i64 {
    let started = Instant::now();
    loop {
        let figure = scalar(fleet, sql).await;
        if ready(figure) {
            if let Some(holder) = fleet.holder(lease).await {
                fleet.kill(holder).await;
                let at = scalar(fleet, sql).await;
                eprintln!("killed replica {holder} ({lease}) at {what} = {figure}, then {at}");
                fleet.replicas[holder] = start_replica(
                    holder,
                    &fleet.sim,
                    &fleet.database_url,
                    &fleet.data_root,
                    fleet.lease_seconds,
                )
                .await;
                return at;
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(90),
            "{what} never came to the point of the kill"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test]
async fn every_event_is_delivered_once_in_order_across_kill_9_and_a_refusing_receiver() {
    let mut fleet = fleet(FleetOptions {
        replicas: 2,
        audit_events: 200,
        ..FleetOptions::default()
    })
    .await;
    let receiver = Receiver::start().await;
    let (a, secret_a) = create_rule(&fleet, 0, "A", &receiver.url).await;
    let (b, secret_b) = create_rule(&fleet, 1, "B", &receiver.url).await;
    receiver.refuse_next(3);

    // Three pages' worth, as three sync transactions.
    let mut expected = Vec::new();
    for page in 0..3 {
        expected.extend(
            copy_events(
                &fleet.db,
                "grantAdminAccess",
                EVENTS / 3,
                &format!("p{page}x"),
            )
            .await,
        );
    }
    assert_eq!(expected.len() as i64, EVENTS);

    // The evaluator is killed as soon as its first step has committed.
    let notices = "SELECT count(*) FROM alert_notices";
    let at = kill_holder_when(&mut fleet, "alerts-evaluator", "notices", notices, |n| {
        n > 0
    })
    .await;
    assert!(at < 2 * EVENTS, "killed mid-way through the evaluation");
    // The sender is killed a third of the way.
    let delivered = "SELECT count(*) FROM alert_deliveries WHERE status = 'delivered'";
    kill_holder_when(
        &mut fleet,
        "alerts-webhooks",
        "deliveries",
        delivered,
        |n| n >= EVENTS * 2 / 3,
    )
    .await;

    let started = Instant::now();
    while scalar(&fleet, delivered).await < 2 * EVENTS {
        assert!(
            started.elapsed() < Duration::from_secs(180),
            "not every delivery was made: {} of {}",
            scalar(&fleet, delivered).await,
            2 * EVENTS
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // The database: one notice per rule and event, nothing failed.
    assert_eq!(scalar(&fleet, notices).await, 2 * EVENTS);
    assert_eq!(
        scalar(
            &fleet,
            "SELECT count(DISTINCT (rule_id, event_id)) FROM alert_notices"
        )
        .await,
        2 * EVENTS
    );
    assert_eq!(
        scalar(
            &fleet,
            "SELECT count(*) FROM alert_deliveries WHERE status <> 'delivered'"
        )
        .await,
        0
    );
    assert!(receiver.refused() >= 3);

    // The receiver: per rule, every event, first arrivals in copy order, repeats only of a
    // delivery cut off by a kill.
    let mut per_rule: BTreeMap<i64, Vec<(String, String)>> = BTreeMap::new();
    for r in receiver.accepted() {
        let rule = r.json()["rule"]["id"].as_i64().expect("the rule");
        let secret = if rule == a { &secret_a } else { &secret_b };
        assert!(r.signed_with(secret), "signed with its rule's secret");
        let event = r.json()["event"]["id"]
            .as_str()
            .expect("the event")
            .to_string();
        per_rule
            .entry(rule)
            .or_default()
            .push((r.delivery.clone(), event));
    }
    for rule in [a, b] {
        let got = per_rule.remove(&rule).unwrap_or_default();
        let mut seen = HashSet::new();
        let mut first = Vec::new();
        let mut repeats = 0;
        for (delivery, event) in &got {
            if seen.insert(event.clone()) {
                first.push(event.clone());
            } else {
                repeats += 1;
                assert!(
                    got.iter()
                        .filter(|(d, _)| d == delivery)
                        .all(|(_, e)| e == event),
                    "a repeat is the same delivery"
                );
            }
        }
        assert_eq!(first, expected, "rule {rule}: every event, in copy order");
        assert!(
            repeats <= 1,
            "rule {rule}: {repeats} repeats; at most the one cut off"
        );
    }
}
