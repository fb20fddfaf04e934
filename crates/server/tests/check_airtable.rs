//! `console-server check-airtable` against the simulator: a healthy configuration passes; a
//! token missing scopes names exactly those; a wrong enterprise id, a token Airtable does
//! not accept and OAuth mistakes are named in plain words; a rate-limited token is reported
//! as rate-limited, at once, not as a broken token; and the command changes nothing.

mod common;

use std::{
    collections::HashMap,
    time::{Duration, Instant},
};

use airtable_sim::{RateLimits, RunningSim, SimConfig};
use console_server::{check_airtable, config::Settings, Outcome, Report, Subject};
use serde_json::{json, Value};

use common::spawn_tiny_sim;

/// Base64 of 32 bytes, for CONSOLE_LOG_KEY and CONSOLE_TOKEN_KEY.
const KEY: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
/// A well-formed enterprise account id the simulator does not have.
const WRONG_ENTERPRISE: &str = "entAAAAAAAAAAAAAA";

fn settings(pairs: &[(&str, &str)]) -> Settings {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Settings::from_lookup(|name| map.get(name).cloned()).expect("valid settings")
}

/// Service-account mode against `sim` with `token` and `enterprise`.
fn service_account(sim: &RunningSim, token: &str, enterprise: &str) -> Settings {
    settings(&[
        ("AIRTABLE_API_URL", &sim.base_url()),
        ("AIRTABLE_SERVICE_TOKEN", token),
        ("AIRTABLE_ENTERPRISE_ID", enterprise),
        ("CONSOLE_TRUSTED_EMAIL_HEADER", "X-Forwarded-Email"),
        ("CONSOLE_LOG_KEY", KEY),
    ])
}

/// OAuth mode against `sim`'s sign-in (its demo client), with the sim's own token as the
/// service token; `extra` overrides.
fn oauth(sim: &RunningSim, extra: &[(&str, &str)]) -> Settings {
    let base = sim.base_url();
    let authorize = format!("{base}/oauth2/v1/authorize");
    let token_url = format!("{base}/oauth2/v1/token");
    let info = sim.info();
    let mut pairs: Vec<(&str, &str)> = vec![
        ("AIRTABLE_API_URL", &base),
        ("AIRTABLE_OAUTH_AUTHORIZE_URL", &authorize),
        ("AIRTABLE_OAUTH_TOKEN_URL", &token_url),
        ("AIRTABLE_OAUTH_CLIENT_ID", "console-demo"),
        ("AIRTABLE_OAUTH_CLIENT_SECRET", "console-demo-secret"),
        ("AIRTABLE_ENTERPRISE_ID", &info.enterprise_account_id),
        ("AIRTABLE_SERVICE_TOKEN", &info.token),
        ("CONSOLE_TOKEN_KEY", KEY),
        ("CONSOLE_LOG_KEY", KEY),
        ("CONSOLE_FIRST_ADMIN", "ada@example.com"),
    ];
    for (name, value) in extra {
        pairs.retain(|(n, _)| n != name);
        pairs.push((name, value));
    }
    settings(&pairs)
}

async fn check(settings: &Settings) -> Report {
    check_airtable(settings).await.expect("the check runs")
}

fn outcome(report: &Report, subject: Subject) -> Outcome {
    report
        .check(subject)
        .unwrap_or_else(|| panic!("a {subject:?} check in\n{report}"))
        .outcome
}

fn detail(report: &Report, subject: Subject) -> String {
    report
        .check(subject)
        .map(|c| c.detail.clone())
        .unwrap_or_default()
}

/// Mints a personal access token at the simulator with exactly `scopes`, acting as `user`
/// (the super admin when `None`).
async fn mint(sim: &RunningSim, scopes: &[&str], user: Option<&str>) -> String {
    let answer: Value = reqwest::Client::new()
        .post(format!("{}/_sim/tokens", sim.base_url()))
        .json(&json!({ "scopes": scopes, "user": user }))
        .send()
        .await
        .expect("mint a token")
        .json()
        .await
        .expect("json");
    answer["token"].as_str().expect("a token").to_string()
}

/// The simulator's audit events: a check that wrote anything would add one.
async fn audit_events(sim: &RunningSim) -> u64 {
    let info: Value = reqwest::get(format!("{}/_sim/info", sim.base_url()))
        .await
        .expect("info")
        .json()
        .await
        .expect("json");
    info["counts"]["audit_events"].as_u64().expect("a count")
}

#[tokio::test]
async fn a_healthy_configuration_passes_and_changes_nothing() {
    let sim = spawn_tiny_sim(SimConfig::default()).await;
    let before = audit_events(&sim).await;
    let report = check(&oauth(&sim, &[])).await;
    let text = report.to_string();
    assert!(report.passed(), "{text}");
    assert_eq!(report.exit_code(), 0);
    for subject in [
        Subject::Mode,
        Subject::OAuthClient,
        Subject::AuthorizePage,
        Subject::ClientSecret,
        Subject::ServiceToken,
        Subject::Enterprise,
        Subject::Scopes,
        Subject::AuditLog,
    ] {
        assert_eq!(
            outcome(&report, subject),
            Outcome::Ok,
            "{subject:?}\n{text}"
        );
    }
    // The simulator's token is a personal access token: its write scopes cannot be tried.
    assert_eq!(outcome(&report, Subject::WriteScopes), Outcome::Skip);
    assert!(report.missing_scopes.is_empty(), "{text}");
    assert!(!report.rate_limited);
    assert!(
        text.contains("ok   the service token works (signed in as "),
        "{text}"
    );
    assert!(
        text.contains("register exactly this redirect URL in the integration at https://airtable.com/create/oauth: http://127.0.0.1:3000/auth/callback"),
        "{text}"
    );
    assert!(
        text.contains(
            "not checked (would need a change): enterprise.account:write, enterprise.user:write"
        ),
        "{text}"
    );
    assert!(
        detail(&report, Subject::Enterprise).contains(&sim.info().enterprise_account_id),
        "{text}"
    );
    assert!(text.contains("What the console would do"), "{text}");
    assert!(
        text.contains("sign people in with Airtable's OAuth (client console-demo"),
        "{text}"
    );
    assert!(
        text.contains("copy new audit-log events every 60 s (the first run reads back 180 days"),
        "{text}"
    );
    assert!(
        text.contains("make ada@example.com console admin"),
        "{text}"
    );
    assert!(text.ends_with("Every check passed.\n"), "{text}");
    assert!(!text.contains(KEY), "no key is printed");
    assert!(
        !text.contains("console-demo-secret"),
        "no secret is printed"
    );
    assert!(!text.contains(&sim.info().token), "no token is printed");
    assert_eq!(audit_events(&sim).await, before, "nothing was changed");

    // Service-account mode: the same checks without OAuth's.
    let info = sim.info();
    let report = check(&service_account(
        &sim,
        &info.token,
        &info.enterprise_account_id,
    ))
    .await;
    assert!(report.passed(), "{report}");
    assert_eq!(outcome(&report, Subject::OAuthClient), Outcome::Skip);
    assert!(report.check(Subject::AuthorizePage).is_none());
    assert!(report.to_string().contains("X-Forwarded-Email header"));
    sim.shutdown().await;
}

#[tokio::test]
async fn a_token_missing_scopes_names_exactly_those() {
    let sim = spawn_tiny_sim(SimConfig::default()).await;
    let lacking = [
        "user.email:read",
        "enterprise.user:read",
        "block:manage",
        "enterprise.user:write",
    ];
    let scopes: Vec<&str> = console_core::tokens::oauth::SCOPES
        .iter()
        .copied()
        .filter(|s| !lacking.contains(s))
        .collect();
    let token = mint(&sim, &scopes, None).await;
    let info = sim.info();
    let report = check(&service_account(&sim, &token, &info.enterprise_account_id)).await;
    let text = report.to_string();
    assert_eq!(
        report.missing_scopes,
        ["user.email:read", "enterprise.user:read", "block:manage"],
        "the read scopes it lacks, and only those\n{text}"
    );
    assert_eq!(outcome(&report, Subject::Scopes), Outcome::Fail, "{text}");
    assert!(
        text.contains(
            "FAIL the token lacks the scopes: user.email:read, enterprise.user:read, block:manage ("
        ),
        "{text}"
    );
    // What it has still works; the write scope it lacks is named as not checked.
    assert_eq!(outcome(&report, Subject::ServiceToken), Outcome::Ok);
    assert!(
        detail(&report, Subject::ServiceToken).contains("the token lacks user.email:read"),
        "{text}"
    );
    assert_eq!(outcome(&report, Subject::Enterprise), Outcome::Ok, "{text}");
    assert_eq!(outcome(&report, Subject::AuditLog), Outcome::Ok, "{text}");
    assert!(detail(&report, Subject::WriteScopes).contains("enterprise.user:write"));
    assert_eq!(report.exit_code(), 1);
    assert!(text.ends_with("1 check failed.\n"), "{text}");

    // Without the audit-log scope the audit check says so too.
    let token = mint(
        &sim,
        &["enterprise.account:read", "enterprise.user:read"],
        None,
    )
    .await;
    let report = check(&service_account(&sim, &token, &info.enterprise_account_id)).await;
    assert_eq!(
        outcome(&report, Subject::AuditLog),
        Outcome::Fail,
        "{report}"
    );
    assert!(detail(&report, Subject::AuditLog).contains("enterprise.auditLogs:read"));
    assert!(report.missing_scopes.contains(&"enterprise.auditLogs:read"));
    assert!(report.missing_scopes.contains(&"schema.bases:read"));
    sim.shutdown().await;
}

#[tokio::test]
async fn a_wrong_enterprise_id_or_token_is_named_in_plain_words() {
    let sim = spawn_tiny_sim(SimConfig::default()).await;
    let info = sim.info();
    let report = check(&service_account(&sim, &info.token, WRONG_ENTERPRISE)).await;
    let text = report.to_string();
    assert_eq!(
        outcome(&report, Subject::ServiceToken),
        Outcome::Ok,
        "{text}"
    );
    assert_eq!(
        outcome(&report, Subject::Enterprise),
        Outcome::Fail,
        "{text}"
    );
    let said = detail(&report, Subject::Enterprise);
    assert!(
        said.starts_with(&format!(
            "Airtable refuses enterprise account {WRONG_ENTERPRISE} (403): the id is wrong"
        )),
        "{said}"
    );
    assert!(said.contains("Check AIRTABLE_ENTERPRISE_ID"), "{said}");
    // Not mistaken for missing scopes: the token has them all.
    assert!(report.missing_scopes.is_empty(), "{text}");
    assert_eq!(outcome(&report, Subject::AuditLog), Outcome::Skip, "{text}");
    assert_eq!(report.exit_code(), 1);

    // Not an enterprise account id at all.
    let report = check(&service_account(&sim, &info.token, "acme")).await;
    assert_eq!(outcome(&report, Subject::Enterprise), Outcome::Fail);
    assert!(
        detail(&report, Subject::Enterprise)
            .starts_with("AIRTABLE_ENTERPRISE_ID (\"acme\") is not an enterprise account id"),
        "{report}"
    );

    // The right id, but the token's user is no admin of it.
    let person = &info.non_admins[0];
    let token = mint(
        &sim,
        console_core::tokens::oauth::SCOPES,
        Some(person.email.as_str()),
    )
    .await;
    let report = check(&service_account(&sim, &token, &info.enterprise_account_id)).await;
    assert_eq!(outcome(&report, Subject::Enterprise), Outcome::Fail);
    assert!(
        detail(&report, Subject::Enterprise)
            .contains(&format!("or {} is not an admin of it", person.email)),
        "{report}"
    );

    // A token Airtable does not accept.
    let report = check(&service_account(
        &sim,
        "patNotAToken0000.0000",
        &info.enterprise_account_id,
    ))
    .await;
    assert_eq!(outcome(&report, Subject::ServiceToken), Outcome::Fail);
    assert!(
        detail(&report, Subject::ServiceToken)
            .starts_with("Airtable does not accept AIRTABLE_SERVICE_TOKEN (401)"),
        "{report}"
    );
    assert_eq!(outcome(&report, Subject::Enterprise), Outcome::Skip);
    sim.shutdown().await;
}

#[tokio::test]
async fn oauth_mistakes_are_named() {
    let sim = spawn_tiny_sim(SimConfig {
        oauth_redirect_uris: vec!["https://console.example.com/auth/callback".into()],
        ..SimConfig::default()
    })
    .await;
    let registered = check(&oauth(
        &sim,
        &[("CONSOLE_PUBLIC_URL", "https://console.example.com")],
    ))
    .await;
    assert!(registered.passed(), "{registered}");

    let report = check(&oauth(&sim, &[])).await;
    assert_eq!(outcome(&report, Subject::AuthorizePage), Outcome::Fail);
    assert!(
        detail(&report, Subject::AuthorizePage).contains(
            "refuses client console-demo or the redirect URL http://127.0.0.1:3000/auth/callback (status 400)"
        ),
        "{report}"
    );
    assert!(
        detail(&report, Subject::AuthorizePage).contains("is not registered"),
        "Airtable's own words: {report}"
    );

    let report = check(&oauth(
        &sim,
        &[
            ("CONSOLE_PUBLIC_URL", "https://console.example.com"),
            ("AIRTABLE_OAUTH_CLIENT_SECRET", "not-the-secret"),
        ],
    ))
    .await;
    assert_eq!(outcome(&report, Subject::AuthorizePage), Outcome::Ok);
    assert_eq!(outcome(&report, Subject::ClientSecret), Outcome::Fail);
    assert!(
        detail(&report, Subject::ClientSecret).contains("check AIRTABLE_OAUTH_CLIENT_SECRET"),
        "{report}"
    );
    assert!(!report.to_string().contains("not-the-secret"));

    let report = check(&oauth(
        &sim,
        &[("CONSOLE_PUBLIC_URL", "http://console.example.com")],
    ))
    .await;
    assert_eq!(outcome(&report, Subject::OAuthClient), Outcome::Fail);
    assert!(
        detail(&report, Subject::OAuthClient).contains("is not https"),
        "{report}"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn a_rate_limited_token_is_reported_as_such_at_once() {
    let sim = spawn_tiny_sim(SimConfig {
        rate_limits: Some(RateLimits {
            per_token_per_second: 2,
            ..RateLimits::default()
        }),
        ..SimConfig::default()
    })
    .await;
    let info = sim.info();
    // Spend the token's budget: past it, Airtable refuses it for 30 seconds.
    let http = reqwest::Client::new();
    let mut statuses = Vec::new();
    for _ in 0..4 {
        let answer = http
            .get(format!("{}/v0/meta/whoami", sim.base_url()))
            .bearer_auth(&info.token)
            .send()
            .await
            .expect("whoami");
        statuses.push(answer.status().as_u16());
    }
    assert_eq!(statuses.last(), Some(&429), "{statuses:?}");

    let started = Instant::now();
    let report = check(&service_account(
        &sim,
        &info.token,
        &info.enterprise_account_id,
    ))
    .await;
    let text = report.to_string();
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "not waited out: {:?}",
        started.elapsed()
    );
    assert!(report.rate_limited, "{text}");
    assert_eq!(outcome(&report, Subject::ServiceToken), Outcome::Fail);
    assert!(
        text.contains("FAIL Airtable is rate-limiting this token; wait 30 s and run again"),
        "{text}"
    );
    assert!(
        !text.contains("does not accept"),
        "not a broken token: {text}"
    );
    for subject in [Subject::Enterprise, Subject::Scopes, Subject::AuditLog] {
        assert_eq!(outcome(&report, subject), Outcome::Skip, "{subject:?}");
    }
    assert!(report.missing_scopes.is_empty(), "{text}");
    assert_eq!(report.exit_code(), 1);
    sim.shutdown().await;
}

#[tokio::test]
async fn a_429_part_way_stops_the_checks_after_it() {
    let sim = spawn_tiny_sim(SimConfig::default()).await;
    let info = sim.info();
    let answer = reqwest::Client::new()
        .post(format!("{}/_sim/faults", sim.base_url()))
        .json(&json!({ "path": "/v0/meta/enterpriseAccounts/*/auditLogEvents", "rate429": 1.0 }))
        .send()
        .await
        .expect("set a fault");
    assert_eq!(answer.status(), 200);
    let report = check(&service_account(
        &sim,
        &info.token,
        &info.enterprise_account_id,
    ))
    .await;
    let text = report.to_string();
    assert_eq!(
        outcome(&report, Subject::ServiceToken),
        Outcome::Ok,
        "{text}"
    );
    assert_eq!(outcome(&report, Subject::Enterprise), Outcome::Ok, "{text}");
    assert_eq!(outcome(&report, Subject::AuditLog), Outcome::Fail, "{text}");
    assert!(
        detail(&report, Subject::AuditLog).starts_with("Airtable is rate-limiting this token"),
        "{text}"
    );
    // The reads after the 429 were not sent, so no scope is called missing.
    assert_eq!(outcome(&report, Subject::Scopes), Outcome::Skip, "{text}");
    assert!(report.missing_scopes.is_empty(), "{text}");
    let stats = sim_stats(&sim).await;
    assert_eq!(
        stats["requests"], 4,
        "whoami, enterprise, users, audit; nothing after the 429: {stats}"
    );
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_command_prints_the_report_and_exits_with_its_status() {
    let sim = spawn_tiny_sim(SimConfig::default()).await;
    let info = sim.info();
    let base = sim.base_url();
    let run = |enterprise: Option<&str>| {
        let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_console-server"));
        command.env_clear().arg("check-airtable");
        if let Some(enterprise) = enterprise {
            command
                .env("AIRTABLE_API_URL", &base)
                .env("AIRTABLE_SERVICE_TOKEN", &info.token)
                .env("AIRTABLE_ENTERPRISE_ID", enterprise)
                .env("CONSOLE_TRUSTED_EMAIL_HEADER", "X-Forwarded-Email")
                .env("CONSOLE_LOG_KEY", KEY);
        }
        command.output()
    };
    let out = run(Some(&info.enterprise_account_id))
        .await
        .expect("the command runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("ok   the service token works"), "{stdout}");
    assert!(stdout.contains("What the console would do"), "{stdout}");

    let out = run(Some(WRONG_ENTERPRISE)).await.expect("the command runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains(&format!(
            "FAIL Airtable refuses enterprise account {WRONG_ENTERPRISE}"
        )),
        "{stdout}"
    );

    // No credentials: demo mode, nothing to check.
    let out = run(None).await.expect("the command runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("warn no Airtable credentials are set"),
        "{stdout}"
    );

    // A configuration it cannot run with.
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_console-server"))
        .env_clear()
        .arg("check-airtable")
        .env("AIRTABLE_OAUTH_CLIENT_ID", "abc")
        .output()
        .await
        .expect("the command runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("AIRTABLE_OAUTH_CLIENT_SECRET"));
    sim.shutdown().await;
}

/// An OAuth access token for `user_id` with `scope` (space-separated), through the
/// simulator's sign-in page and token endpoint.
async fn oauth_token(sim: &RunningSim, user_id: &str, scope: &str) -> String {
    use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};
    use sha2::{Digest, Sha256};
    const VERIFIER: &str = "check-verifier-0123456789-0123456789-0123456789";
    const REDIRECT: &str = "http://127.0.0.1:9/auth/callback";
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client");
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(VERIFIER.as_bytes()));
    let signed_in = http
        .post(format!("{}/oauth2/v1/authorize", sim.base_url()))
        .form(&[
            ("client_id", "console-demo"),
            ("redirect_uri", REDIRECT),
            ("response_type", "code"),
            ("scope", scope),
            ("state", "state-0123456789abcdef"),
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "S256"),
            ("user_id", user_id),
        ])
        .send()
        .await
        .expect("sign-in");
    let code = url::Url::parse(&common::location(&signed_in))
        .expect("a redirect URL")
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .expect("a code");
    let tokens: Value = http
        .post(format!("{}/oauth2/v1/token", sim.base_url()))
        .basic_auth("console-demo", Some("console-demo-secret"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT),
            ("code_verifier", VERIFIER),
        ])
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("json");
    tokens["access_token"]
        .as_str()
        .expect("an access token")
        .to_string()
}

#[tokio::test]
async fn an_oauth_token_is_judged_by_the_scopes_it_lists() {
    let sim = spawn_tiny_sim(SimConfig::default()).await;
    let info = sim.info();
    let scope = console_core::tokens::oauth::SCOPES
        .iter()
        .copied()
        .filter(|s| !["enterprise.user:write", "schema.bases:write"].contains(s))
        .collect::<Vec<_>>()
        .join(" ");
    let token = oauth_token(&sim, &info.admins[0].id, &scope).await;
    let _ = reqwest::Client::new()
        .delete(format!("{}/_sim/stats", sim.base_url()))
        .send()
        .await;
    let report = check(&service_account(&sim, &token, &info.enterprise_account_id)).await;
    let text = report.to_string();
    // Write scopes too: an OAuth token says what it has, nothing needs trying.
    assert_eq!(
        report.missing_scopes,
        ["enterprise.user:write", "schema.bases:write"],
        "{text}"
    );
    assert!(
        text.contains("FAIL the token lacks the scopes: enterprise.user:write, schema.bases:write"),
        "{text}"
    );
    assert!(report.check(Subject::WriteScopes).is_none(), "{text}");
    assert_eq!(outcome(&report, Subject::Enterprise), Outcome::Ok, "{text}");
    assert_eq!(outcome(&report, Subject::AuditLog), Outcome::Ok, "{text}");
    let stats = sim_stats(&sim).await;
    assert_eq!(
        stats["requests"], 3,
        "whoami, the enterprise and the audit log, no probing: {stats}"
    );
    sim.shutdown().await;
}

/// The simulator's request counts so far.
async fn sim_stats(sim: &airtable_sim::RunningSim) -> Value {
    reqwest::get(format!("{}/_sim/stats", sim.base_url()))
        .await
        .expect("stats")
        .json()
        .await
        .expect("json")
}
