//! Concurrency run (not a test): many rounds of one approval request approved by many
//! simultaneous requests; each request must be carried out exactly once.
//!
//! ```text
//! cargo bench -p console-server --bench approval_races -- [--rounds 200] [--concurrent 50]
//! ```
//!
//! The real `console-server` binary runs as a child process in demo mode (simulator
//! in-process, `demo` world) on a fresh `bench_races_…` database. The demo's operator asks
//! for a risky action on a different user each round (deactivate, then delete once every
//! user has been deactivated), the demo's approver reads the request's fingerprint, then
//! sends `--concurrent` approvals of it at the same moment, each on its own connection.
//! Counted per round: approvals answered 200 (must be 1), 409 (the rest), anything else;
//! the console's executions of the action in its action log (must be 1); the request's
//! final status (must be `succeeded`); Airtable's state of the user (must show the change).
//! Exits non-zero if any round executed other than once.

mod support;

use std::time::{Duration, Instant};

use anyhow::Context as _;
use reqwest::StatusCode;
use support::ConsoleProcess;

async fn approve_once(
    client: reqwest::Client,
    url: String,
    origin: String,
    fields: Vec<(String, String)>,
) -> Option<StatusCode> {
    client
        .post(url)
        .header(reqwest::header::ORIGIN, origin)
        .header(reqwest::header::ACCEPT, "application/json")
        .form(&fields)
        .send()
        .await
        .ok()
        .map(|r| r.status())
}

async fn user_state(sim_url: &str, token: &str, enterprise: &str, user: &str) -> String {
    let response = reqwest::Client::new()
        .get(format!(
            "{sim_url}/v0/meta/enterpriseAccounts/{enterprise}/users/{user}"
        ))
        .bearer_auth(token)
        .send()
        .await;
    match response {
        Ok(r) if r.status() == StatusCode::NOT_FOUND => "gone".into(),
        Ok(r) => r
            .json::<serde_json::Value>()
            .await
            .ok()
            .and_then(|v| v["state"].as_str().map(str::to_string))
            .unwrap_or_else(|| "unknown".into()),
        Err(e) => format!("unreachable: {e}"),
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut rounds = 200usize;
    let mut concurrent = 50usize;
    for (flag, value) in support::flags() {
        let value = value.with_context(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--rounds" => rounds = value?.parse()?,
            "--concurrent" => concurrent = value?.parse()?,
            other => {
                anyhow::bail!("unknown argument {other:?}; see the header of approval_races.rs")
            }
        }
    }
    let port = support::free_port(&[])?;
    let sim_port = support::free_port(&[port])?;
    let database_url = support::fresh_database_url(&support::postgres_base(), "races");
    let env = support::demo_env(port, sim_port, &database_url, "demo", &[]);
    let mut console = ConsoleProcess::spawn("bench-races", &env)?;
    console.wait_healthy(Duration::from_secs(120)).await?;
    let url = console.url.clone();
    let sim_url = format!("http://127.0.0.1:{sim_port}");
    let info = support::sim_info(&sim_url).await?;
    let db = sqlx::PgPool::connect(&database_url).await?;
    // The demo gives the second seeded admin the operator role, the third the approver role.
    let requester = support::sign_in(&url, &info.admins[1].email, &info).await?;
    let approver = support::sign_in(&url, &info.admins[2].email, &info).await?;
    support::take_snapshot(&url, &requester, &db).await?;
    let targets: Vec<String> = sqlx::query_scalar(
        "SELECT user_id FROM snapshot_users
          WHERE snapshot_id = (SELECT max(id) FROM snapshots)
            AND NOT is_admin AND NOT is_service_account AND is_managed
            AND state = 'provisioned'
          ORDER BY user_id",
    )
    .fetch_all(&db)
    .await?;
    anyhow::ensure!(!targets.is_empty(), "no user to act on");
    anyhow::ensure!(
        rounds <= 2 * targets.len(),
        "{rounds} rounds need {} users; the world has {}",
        rounds.div_ceil(2),
        targets.len()
    );
    // One connection per simultaneous approval, all in the approver's session.
    let clients: Vec<reqwest::Client> = (0..concurrent)
        .map(|_| support::browser_on(approver.jar.clone()))
        .collect();

    println!(
        "approval races: {rounds} rounds of {concurrent} simultaneous approvals of one request"
    );
    let started = Instant::now();
    let (mut ok_total, mut conflict_total, mut other_total) = (0usize, 0usize, 0usize);
    let mut executions_hist = std::collections::BTreeMap::<i64, usize>::new();
    let mut bad_rounds = Vec::new();
    let mut round_ms = Vec::new();
    for round in 0..rounds {
        let target = &targets[round % targets.len()];
        let kind = if round < targets.len() {
            "deactivate_user"
        } else {
            "delete_user"
        };
        let action = serde_json::json!({ "kind": kind, "user": target }).to_string();
        let (status, body) = support::post_form(
            &url,
            &requester,
            "/api/approvals/request",
            &[("action", &action), ("reason", "race run")],
        )
        .await?;
        anyhow::ensure!(
            status == StatusCode::OK,
            "request {action}: {status} {body}"
        );
        let body: serde_json::Value = serde_json::from_str(&body)?;
        let id = body["Requested"]["id"]
            .as_str()
            .context("no request id")?
            .to_string();
        let detail: serde_json::Value = approver
            .browser
            .get(format!("{url}/api/approvals/get?id={id}"))
            .send()
            .await?
            .json()
            .await?;
        let fingerprint = detail["compared_fingerprint"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let call_hash = detail["call_hash"].as_str().unwrap_or_default().to_string();
        let fields = vec![
            ("id".to_string(), id.clone()),
            ("call_hash".to_string(), call_hash),
            ("fingerprint".to_string(), fingerprint),
            ("comment".to_string(), "race".to_string()),
            ("csrf_token".to_string(), approver.csrf.clone()),
        ];
        let t = Instant::now();
        let statuses = futures::future::join_all(clients.iter().map(|c| {
            approve_once(
                c.clone(),
                format!("{url}/api/approvals/approve"),
                url.clone(),
                fields.clone(),
            )
        }))
        .await;
        round_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        let ok = statuses
            .iter()
            .filter(|s| **s == Some(StatusCode::OK))
            .count();
        let conflict = statuses
            .iter()
            .filter(|s| **s == Some(StatusCode::CONFLICT))
            .count();
        let other = statuses.len() - ok - conflict;
        ok_total += ok;
        conflict_total += conflict;
        other_total += other;
        let executions: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM console_actions WHERE approval_id = $1::uuid AND action = $2",
        )
        .bind(&id)
        .bind(kind)
        .fetch_one(&db)
        .await?;
        *executions_hist.entry(executions).or_default() += 1;
        let status: String =
            sqlx::query_scalar("SELECT status FROM approval_requests WHERE id = $1::uuid")
                .bind(&id)
                .fetch_one(&db)
                .await?;
        let state = user_state(&sim_url, &info.token, &info.enterprise_account_id, target).await;
        let want_state = if kind == "delete_user" {
            "gone"
        } else {
            "deactivated"
        };
        if ok != 1 || executions != 1 || status != "succeeded" || state != want_state {
            bad_rounds.push(format!(
                "round {}: {kind} {target}: {ok} approvals answered 200, {executions} executions, \
                 status {status}, user {state}; other answers {:?}",
                round + 1,
                statuses
                    .iter()
                    .filter(|s| **s != Some(StatusCode::OK) && **s != Some(StatusCode::CONFLICT))
                    .collect::<Vec<_>>()
            ));
        }
    }
    let elapsed = started.elapsed();
    round_ms.sort_by(f64::total_cmp);
    let alive = console.alive();
    let panics = console.panics();

    println!();
    println!("| rounds | approvals sent | answered 200 | answered 409 | other | executions per request | rounds not exactly once | p50 / p99 per round of {concurrent} (ms) |");
    println!("|---:|---:|---:|---:|---:|---|---:|---:|");
    println!(
        "| {rounds} | {} | {ok_total} | {conflict_total} | {other_total} | {} | {} | {:.0} / {:.0} |",
        rounds * concurrent,
        executions_hist
            .iter()
            .map(|(e, n)| format!("{e}: {n} requests"))
            .collect::<Vec<_>>()
            .join(", "),
        bad_rounds.len(),
        support::percentile(&round_ms, 50.0),
        support::percentile(&round_ms, 99.0),
    );
    println!(
        "\nserver alive: {alive}; panics in its log: {}; total {:.1} s",
        panics.len(),
        elapsed.as_secs_f64()
    );
    for bad in &bad_rounds {
        println!("{bad}");
    }
    drop(db);
    console.stop();
    support::drop_database(&database_url).await;
    anyhow::ensure!(
        bad_rounds.is_empty() && other_total == 0 && alive && panics.is_empty(),
        "not every request was carried out exactly once; server log: {}",
        console.log.display()
    );
    std::fs::remove_dir_all(&console.data_dir).ok();
    Ok(())
}
