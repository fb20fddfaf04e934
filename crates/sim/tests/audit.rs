//! The audit log over HTTP: both walking directions, cursors, filters, and the events the
//! simulator writes when its state changes.

mod common;

use std::collections::HashSet;

use common::Sim;
use serde_json::{json, Value};

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Follows `follow` ("next" or "previous") until it is null; returns every event.
async fn walk(sim: &Sim, query: &str, follow: &str) -> Vec<Value> {
    let mut events = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..1000 {
        let mut url = sim.ent_url(&format!("/auditLogEvents?{query}"));
        if let Some(c) = &cursor {
            url.push_str(&format!("&{follow}={}", urlencode(c)));
        }
        let page = sim.ok(&url).await;
        events.extend(page["events"].as_array().cloned().unwrap_or_default());
        match page["pagination"][follow].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => return events,
        }
    }
    panic!("the walk did not end");
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn ids(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| e["id"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test]
async fn both_directions_see_the_same_events_in_opposite_orders() {
    let sim = Sim::start().await;
    let end = urlencode(&now());
    let desc = walk(&sim, &format!("pageSize=37&endTime={end}"), "previous").await;
    let asc = walk(
        &sim,
        &format!("pageSize=50&sortOrder=ascending&endTime={end}"),
        "next",
    )
    .await;
    assert_eq!(desc.len(), sim.info.counts.audit_events);
    let mut reversed = ids(&desc);
    reversed.reverse();
    assert_eq!(ids(&asc), reversed);
    let unique: HashSet<_> = ids(&asc).into_iter().collect();
    assert_eq!(unique.len(), asc.len(), "no duplicates");
    let times: Vec<&str> = asc.iter().filter_map(|e| e["timestamp"].as_str()).collect();
    let mut sorted = times.clone();
    sorted.sort();
    assert_eq!(times, sorted, "ascending by timestamp");
    sim.shutdown().await;
}

#[tokio::test]
async fn an_open_stream_always_has_next_and_stays_put_when_caught_up() {
    let sim = Sim::start().await;
    let mut url = sim.ent_url("/auditLogEvents?pageSize=1000&sortOrder=ascending");
    let first = sim.ok(&url).await;
    let next = first["pagination"]["next"]
        .as_str()
        .expect("next")
        .to_string();
    url.push_str(&format!("&next={}", urlencode(&next)));
    let caught_up = sim.ok(&url).await;
    assert_eq!(caught_up["events"].as_array().map(Vec::len), Some(0));
    assert_eq!(
        caught_up["pagination"]["next"],
        json!(next),
        "the cursor did not move"
    );

    // Something happens; the same cursor now finds it.
    let (status, body) = sim.create_workspace("Audit me").await;
    assert_eq!(status, 200, "{body}");
    let page = sim.ok(&url).await;
    let events = page["events"].as_array().cloned().unwrap_or_default();
    assert_eq!(events.len(), 1);
    let e = &events[0];
    assert_eq!(e["action"], "createWorkspace");
    assert_eq!(e["modelId"], body["id"]);
    assert_eq!(e["actor"]["type"], "user");
    assert_eq!(e["actor"]["user"]["id"], json!(sim.info.admins[0].id));
    assert_eq!(e["context"]["enterpriseAccountId"], json!(sim.ent()));
    assert!(e["origin"]["personalAccessTokenId"].is_string());
    assert_ne!(
        page["pagination"]["next"],
        json!(next),
        "the cursor moved on"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn with_end_time_next_runs_out() {
    let sim = Sim::start().await;
    let end = urlencode(&now());
    let page = sim
        .ok(&sim.ent_url(&format!(
            "/auditLogEvents?pageSize=1000&sortOrder=ascending&endTime={end}"
        )))
        .await;
    assert_eq!(page["pagination"]["next"], Value::Null);
    let newest = sim
        .ok(&sim.ent_url(&format!("/auditLogEvents?endTime={end}")))
        .await;
    assert_eq!(newest["pagination"]["next"], Value::Null);
    assert!(newest["pagination"]["previous"].is_string());
    sim.shutdown().await;
}

#[tokio::test]
async fn filters_take_repeated_values_in_both_encodings() {
    let sim = Sim::start().await;
    let end = urlencode(&now());
    let all = walk(&sim, &format!("pageSize=1000&endTime={end}"), "previous").await;
    let count = |action: &str| all.iter().filter(|e| e["action"] == action).count();
    let both = walk(
        &sim,
        &format!("pageSize=1000&endTime={end}&eventType=loginUser&eventType[]=viewBase"),
        "previous",
    )
    .await;
    assert_eq!(both.len(), count("loginUser") + count("viewBase"));
    assert!(both.len() < all.len());

    let user = all
        .iter()
        .find_map(|e| e["actor"]["user"]["id"].as_str())
        .expect("a user actor")
        .to_string();
    let by_user = walk(
        &sim,
        &format!("pageSize=1000&endTime={end}&originatingUserId={user}"),
        "previous",
    )
    .await;
    assert!(!by_user.is_empty());
    assert!(by_user
        .iter()
        .all(|e| e["actor"]["user"]["id"] == json!(user)));

    let ws = all
        .iter()
        .find_map(|e| e["context"]["workspaceId"].as_str())
        .expect("a workspace")
        .to_string();
    let in_ws = walk(
        &sim,
        &format!("pageSize=1000&endTime={end}&modelId={ws}"),
        "previous",
    )
    .await;
    assert!(!in_ws.is_empty(), "events of bases match their workspace");
    assert!(in_ws
        .iter()
        .all(|e| e["context"]["workspaceId"] == json!(ws)));

    let groups = walk(
        &sim,
        &format!("pageSize=1000&endTime={end}&category=groups"),
        "previous",
    )
    .await;
    assert!(groups.iter().all(|e| e["modelType"] == "group"));
    sim.shutdown().await;
}

#[tokio::test]
async fn bad_queries_are_422() {
    let sim = Sim::start().await;
    for q in [
        "pageSize=0",
        "pageSize=1001",
        "pageSize=ten",
        "sortOrder=up",
        "startTime=yesterday",
        "next=bm9wZQ==",
        "next=MDFNODFQTUpTMlY1UkZINlJHVDY4Mk00N1Q=&previous=MDFNODFQTUpTMlY1UkZINlJHVDY4Mk00N1Q=",
    ] {
        let (status, body) = sim.get(&sim.ent_url(&format!("/auditLogEvents?{q}"))).await;
        assert_eq!(status, 422, "{q}: {body}");
        assert!(body["error"]["type"].is_string());
    }
    let ok = sim
        .ok(&sim.ent_url("/auditLogEvents?pageSize=1000&previous=null"))
        .await;
    assert_eq!(
        ok["events"].as_array().map(Vec::len),
        Some(sim.info.counts.audit_events)
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn page_size_edges() {
    let sim = Sim::start().await;
    let end = urlencode(&now());
    // 1: one event per page, both cursors, and a walk by 1 sees the same as a walk by 1000.
    let one = sim
        .ok(&sim.ent_url(&format!("/auditLogEvents?pageSize=1&endTime={end}")))
        .await;
    assert_eq!(one["events"].as_array().map(Vec::len), Some(1));
    assert!(one["pagination"]["previous"].is_string());
    let by_one = walk(
        &sim,
        &format!("pageSize=1&sortOrder=ascending&endTime={end}"),
        "next",
    )
    .await;
    let by_thousand = walk(
        &sim,
        &format!("pageSize=1000&sortOrder=ascending&endTime={end}"),
        "next",
    )
    .await;
    assert_eq!(by_one.len(), sim.info.counts.audit_events);
    assert_eq!(ids(&by_one), ids(&by_thousand));
    // Default 10.
    let default = sim.ok(&sim.ent_url("/auditLogEvents")).await;
    assert_eq!(default["events"].as_array().map(Vec::len), Some(10));
    // 1000 is the most; 0, 1001 and negative are refused.
    for (size, status) in [("1000", 200), ("0", 422), ("1001", 422), ("-1", 422)] {
        let (got, body) = sim
            .get(&sim.ent_url(&format!("/auditLogEvents?pageSize={size}")))
            .await;
        assert_eq!(got, status, "pageSize={size}: {body}");
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn categories_repeated_or_bracketed_are_the_same_filter() {
    let sim = Sim::start().await;
    let end = urlencode(&now());
    let all = walk(&sim, &format!("pageSize=1000&endTime={end}"), "previous").await;
    let base = format!("pageSize=1000&endTime={end}");
    let repeated = walk(
        &sim,
        &format!("{base}&category=groups&category=share"),
        "previous",
    )
    .await;
    let bracketed = walk(
        &sim,
        &format!("{base}&category[]=groups&category%5B%5D=share"),
        "previous",
    )
    .await;
    let mixed = walk(
        &sim,
        &format!("{base}&category=groups&category[]=share"),
        "previous",
    )
    .await;
    assert!(!repeated.is_empty());
    assert_eq!(ids(&repeated), ids(&bracketed));
    assert_eq!(ids(&repeated), ids(&mixed));
    let groups = walk(&sim, &format!("{base}&category=groups"), "previous").await;
    let shares = walk(&sim, &format!("{base}&category=share"), "previous").await;
    assert!(!groups.is_empty() && !shares.is_empty());
    assert_eq!(repeated.len(), groups.len() + shares.len());
    assert!(repeated.len() < all.len());
    // An unknown category matches nothing; it is not an error.
    let none = walk(
        &sim,
        &format!("{base}&category=nothingLikeThis"),
        "previous",
    )
    .await;
    assert!(none.is_empty());
    sim.shutdown().await;
}

#[tokio::test]
async fn empty_pages_keep_their_cursor() {
    let sim = Sim::start().await;
    // A filter that matches nothing: the open stream still gives `next`, page after page.
    let url = sim.ent_url("/auditLogEvents?pageSize=100&sortOrder=ascending&eventType=noSuchEvent");
    let first = sim.ok(&url).await;
    assert_eq!(first["events"], json!([]));
    let next = first["pagination"]["next"]
        .as_str()
        .expect("next")
        .to_string();
    let again = sim.ok(&format!("{url}&next={}", urlencode(&next))).await;
    assert_eq!(again["events"], json!([]));
    assert!(again["pagination"]["next"].is_string());
    // Descending from the top of an open stream: `next` (to poll for newer) and `previous`.
    let top = sim.ok(&sim.ent_url("/auditLogEvents?pageSize=5")).await;
    assert!(top["pagination"]["next"].is_string());
    assert!(top["pagination"]["previous"].is_string());
    // The bottom of a descending walk has no `previous`.
    let end = urlencode(&now());
    let mut cursor = top["pagination"]["previous"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let mut pages = 0;
    loop {
        let page = sim
            .ok(&sim.ent_url(&format!(
                "/auditLogEvents?pageSize=100&endTime={end}&previous={}",
                urlencode(&cursor)
            )))
            .await;
        pages += 1;
        match page["pagination"]["previous"].as_str() {
            Some(c) => cursor = c.to_string(),
            None => break,
        }
        assert!(pages < 10);
    }
    // Malformed cursors of every kind are 422.
    for bad in [
        "%%%",
        "bm90IGEgdWxpZA==",
        "MDFH",
        "MDFHUk5OMlM4MFhTNkY0R0M2QVlZTVZNNDQ=x",
    ] {
        for name in ["next", "previous"] {
            let (status, body) = sim
                .get(&sim.ent_url(&format!("/auditLogEvents?{name}={}", urlencode(bad))))
                .await;
            assert_eq!(status, 422, "{name}={bad}: {body}");
        }
    }
    sim.shutdown().await;
}

/// The millisecond time inside a ULID.
fn ulid_ms(id: &str) -> u64 {
    const ALPHABET: &str = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    id.chars()
        .take(10)
        .fold(0, |n, c| n * 32 + ALPHABET.find(c).unwrap_or(0) as u64)
}

fn ms_of(time: &str) -> u64 {
    chrono::DateTime::parse_from_rfc3339(time)
        .map(|t| t.timestamp_millis() as u64)
        .unwrap_or_default()
}

/// With `audit_delay`, events keep the time they happened, appear `delay` later, and a
/// client that follows `next` from a caught-up cursor receives every one of them, once.
#[tokio::test]
async fn late_events_reach_a_client_that_follows_next() {
    let delay = std::time::Duration::from_millis(1500);
    let sim = Sim::start_with(airtable_sim::SimConfig {
        size: airtable_sim::SimSize::tiny(),
        audit_delay: delay,
        ..airtable_sim::SimConfig::default()
    })
    .await;
    let asc = sim.ent_url("/auditLogEvents?pageSize=1000&sortOrder=ascending");
    let caught_up = sim.ok(&asc).await;
    assert_eq!(
        caught_up["events"].as_array().map(Vec::len),
        Some(sim.info.counts.audit_events)
    );
    let mut cursor = caught_up["pagination"]["next"]
        .as_str()
        .expect("next")
        .to_string();
    let held = cursor.clone();

    // Two changes, 200 ms apart. Right after each (well within the delay) it is not
    // visible: the held cursor stays where it was, a cursor handed out now (after the
    // change) is not past it either, and the newest page does not show it.
    let mut made = Vec::new();
    for name in ["Late one", "Late two"] {
        let before = chrono::Utc::now().timestamp_millis() as u64;
        let (status, body) = sim.create_workspace(name).await;
        assert_eq!(status, 200, "{body}");
        let after = chrono::Utc::now().timestamp_millis() as u64;
        made.push((
            body["id"].as_str().unwrap_or_default().to_string(),
            before,
            after,
        ));
        let page = sim.ok(&format!("{asc}&next={}", urlencode(&held))).await;
        assert_eq!(page["events"], json!([]));
        assert_eq!(
            page["pagination"]["next"],
            json!(held),
            "the cursor does not pass it"
        );
        let fresh = sim.ok(&asc).await["pagination"]["next"]
            .as_str()
            .expect("next")
            .to_string();
        assert_eq!(fresh, held);
        let newest = sim.ok(&sim.ent_url("/auditLogEvents?pageSize=1")).await;
        assert_ne!(newest["events"][0]["action"], "createWorkspace");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    // A window ending now is not complete while events may still appear in it: `next` stays.
    let window = sim
        .ok(&format!(
            "{asc}&endTime={}&next={}",
            urlencode(&now()),
            urlencode(&held)
        ))
        .await;
    assert!(window["pagination"]["next"].is_string());

    // Poll with the cursor, as an ingester does, until both have arrived.
    let mut received: Vec<(Value, u64)> = Vec::new();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while received.len() < 2 && std::time::Instant::now() < deadline {
        let page = sim.ok(&format!("{asc}&next={}", urlencode(&cursor))).await;
        let at = chrono::Utc::now().timestamp_millis() as u64;
        for e in page["events"].as_array().into_iter().flatten() {
            received.push((e.clone(), at));
        }
        cursor = page["pagination"]["next"]
            .as_str()
            .expect("next")
            .to_string();
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(received.len(), 2, "both arrived, once each: {received:?}");
    for ((event, seen_at), (wsp, before, after)) in received.iter().zip(&made) {
        assert_eq!(event["action"], "createWorkspace");
        assert_eq!(event["modelId"], json!(wsp), "in the order they happened");
        let ts = ms_of(event["timestamp"].as_str().unwrap_or_default());
        // The timestamp is when it happened, not when it became visible.
        assert!(
            (*before..=*after).contains(&ts),
            "{ts} in {before}..={after}"
        );
        assert_eq!(ulid_ms(event["id"].as_str().unwrap_or_default()), ts);
        assert!(
            *seen_at >= ts + delay.as_millis() as u64,
            "seen {seen_at} before {ts} + delay"
        );
    }
    // Once the watermark has passed the end of a window that holds both, the walk ends.
    let end = chrono::DateTime::from_timestamp_millis(made[1].2 as i64 + 1)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    tokio::time::sleep(delay).await;
    let done = sim
        .ok(&format!(
            "{asc}&endTime={}&next={}",
            urlencode(&end),
            urlencode(&cursor)
        ))
        .await;
    assert_eq!(done["events"], json!([]));
    assert_eq!(
        done["pagination"]["next"],
        Value::Null,
        "settled: the walk ends"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn a_future_end_time_keeps_the_walk_open_until_it_passes() {
    let sim = Sim::start().await;
    let soon = chrono::Utc::now() + chrono::Duration::milliseconds(800);
    let end = urlencode(&soon.to_rfc3339_opts(chrono::SecondsFormat::Millis, true));
    let url = sim.ent_url(&format!(
        "/auditLogEvents?pageSize=1000&sortOrder=ascending&endTime={end}"
    ));
    let page = sim.ok(&url).await;
    let next = page["pagination"]["next"]
        .as_str()
        .expect("open until endTime")
        .to_string();
    let (status, body) = sim.create_workspace("Before the end").await;
    assert_eq!(status, 200, "{body}");
    tokio::time::sleep(std::time::Duration::from_millis(900)).await;
    let last = sim.ok(&format!("{url}&next={}", urlencode(&next))).await;
    assert_eq!(last["events"][0]["modelId"], body["id"]);
    assert_eq!(last["pagination"]["next"], Value::Null);
    sim.shutdown().await;
}

/// A straggler (every n-th recorded event, published later than the rest) is passed by a
/// caught-up cursor: following `next` never returns it, and only reading the window again
/// (by time, as the console's late-window sweep does) finds it once it is published.
#[tokio::test]
async fn a_straggler_is_passed_by_the_cursor_and_found_by_a_second_read() {
    let extra = std::time::Duration::from_millis(1500);
    let sim = Sim::start_with(airtable_sim::SimConfig {
        size: airtable_sim::SimSize::tiny(),
        audit_stragglers: Some(airtable_sim::AuditStragglers { every: 2, extra }),
        ..airtable_sim::SimConfig::default()
    })
    .await;
    let asc = sim.ent_url("/auditLogEvents?pageSize=1000&sortOrder=ascending");
    let caught_up = sim.ok(&asc).await;
    let mut cursor = caught_up["pagination"]["next"]
        .as_str()
        .expect("next")
        .to_string();
    let since = now();
    // The first recorded event is on time, the second a straggler.
    let mut made = Vec::new();
    for name in ["On time", "Straggler"] {
        let (status, body) = sim.create_workspace(name).await;
        assert_eq!(status, 200, "{body}");
        made.push(body["id"].as_str().unwrap_or_default().to_string());
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let on_time = sim.create_workspace("After it").await.1["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let created = |events: &[Value]| -> Vec<String> {
        events
            .iter()
            .filter(|e| e["action"] == "createWorkspace")
            .map(|e| e["modelId"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    // Following `next` now returns the two on-time events and moves past the straggler.
    let page = sim.ok(&format!("{asc}&next={}", urlencode(&cursor))).await;
    let seen = created(page["events"].as_array().map(Vec::as_slice).unwrap_or(&[]));
    assert_eq!(seen, vec![made[0].clone(), on_time.clone()], "{page}");
    cursor = page["pagination"]["next"]
        .as_str()
        .expect("next")
        .to_string();

    tokio::time::sleep(extra + std::time::Duration::from_millis(300)).await;
    // Published now, but behind the cursor: `next` never returns it…
    let after = sim.ok(&format!("{asc}&next={}", urlencode(&cursor))).await;
    assert!(
        created(after["events"].as_array().map(Vec::as_slice).unwrap_or(&[])).is_empty(),
        "{after}"
    );
    // …and reading the window again by time does, in the order the events happened.
    let window = sim
        .ok(&format!("{asc}&startTime={}", urlencode(&since)))
        .await;
    let all = created(
        window["events"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or(&[]),
    );
    assert_eq!(
        all,
        vec![made[0].clone(), made[1].clone(), on_time],
        "{window}"
    );
}
