//! Bad-input run (not a test): hostile requests to every route and every server function
//! of the real server, as every role and as nobody; the server must never answer with a
//! server error (other than a deliberate 502/503 when Airtable fails) and never panic.
//!
//! ```text
//! cargo bench -p console-server --bench fuzz_endpoints -- [--requests 20000] [--seed 1] [--concurrent 8]
//! ```
//!
//! The real `console-server` binary runs as a child process in demo mode (`demo` world) on
//! a fresh `bench_fuzz_…` database, with a snapshot and the audit log copied so the reads
//! reach their real code paths. The server functions are the app's own registry
//! (`server_fn_paths()`, the list `crates/server/tests/server_functions.rs` checks), so a
//! new one is fuzzed without being named here; the other routes and the pages are listed
//! below from `crates/server/src/lib.rs` and `crates/app/src/shell.rs`.
//!
//! Each request, drawn from a seeded generator: an identity (nobody, viewer, operator,
//! approver, admin); a target (a server function by GET or POST, a page with a hostile path
//! or query, a download, the OAuth routes, a made-up path); every argument any server
//! function takes, with plausible values, 1–3 of them replaced by hostile ones (malformed
//! and look-alike IDs, huge numbers, 100 KB strings, NUL and control characters, percent
//! escapes of invalid UTF-8, SQL and HTML, audit-query syntax abuse); and a way of sending:
//! a form with the right CSRF token, a forged one or none, from the right origin or another,
//! a raw body of invalid UTF-8, JSON, a 3 MB body, a wrong content type. Prints what was
//! sent and what came back; exits non-zero on any 5xx other than 502/503, any internal
//! detail in an answer, a dropped connection, a panic in the server's log or a crash.

mod support;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use leptos::server_fn::axum::server_fn_paths;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use reqwest::{header, Method};
use support::{ConsoleProcess, Person};

/// Values that break things: malformed IDs, numbers, sizes, encodings, syntax.
fn hostile_values() -> Vec<String> {
    let mut v: Vec<String> = [
        "",
        " ",
        "0",
        "-1",
        "-9223372036854775808",
        "9223372036854775807",
        "99999999999999999999999999",
        "1e309",
        "NaN",
        "null",
        "true",
        "[]",
        "{}",
        "usr",
        "usrAAAAAAAAAAAAAA",
        "usr00000000000000000000000000",
        "USRabcdefghijklmn",
        "usr../../etc/passwd",
        "wsp%00",
        "app\u{0}bcdefghijklmn",
        "grp'; DROP TABLE audit_events;--",
        "shr\r\nSet-Cookie: x=y",
        "00000000-0000-0000-0000-000000000000",
        "not-a-uuid",
        "ffffffff-ffff-ffff-ffff-ffffffffffffff",
        "<script>alert(1)</script>",
        "\"><img src=x onerror=alert(1)>",
        "%FF%FE%00",
        "\u{202E}gnp.exe",
        "🙂🙂🙂",
        "\u{FEFF}",
        "actor:",
        "actor:actor:actor:",
        "after:9999-99-99",
        "before:-1",
        "after:2026-01-01T25:61:61Z",
        "after:+275760-09-13",
        "\"unterminated",
        "\"\"\"\"",
        "-",
        "--action:x",
        "-\"",
        "((((((((",
        "*",
        "%",
        "_",
        "\\",
        "\\\"",
        "a:b:c:d:e",
        "model:app?model:",
        "ip:999.999.999.999",
        "ip:::::::",
        "category:'",
        "{\"kind\":\"delete_user\",\"user\":\"usr\"}",
        "{\"kind\":\"nope\"}",
        "{\"kind\":\"delete_users_by_email\",\"emails\":[]}",
        "{\"kind\":\"delete_workspace\",\"workspace\":\"wspAAAAAAAAAAAAAA\"}",
        "{\"a\":",
        "admin",
        "superadmin",
        "yes",
        "maybe",
        "-activity",
        "--",
        "../../..",
        "http://evil.example/",
        "javascript:alert(1)",
        "2026-13-45",
        "2026-02-30",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    v.push("A".repeat(10_000));
    v.push("é".repeat(50_000));
    v.push("action:".repeat(2_000));
    v.push("\"a\" ".repeat(3_000));
    v.push("[".repeat(10_000));
    v.push((0..500).map(|i| format!("-actor:u{i} ")).collect());
    v.push("\u{0}".repeat(100));
    v
}

/// Every argument any server function takes, with values that make a valid call.
fn plausible(info: &support::SimInfo) -> BTreeMap<&'static str, Vec<String>> {
    let user = info
        .non_admins
        .first()
        .map(|p| p.id.clone())
        .unwrap_or_default();
    let email = info
        .non_admins
        .first()
        .map(|p| p.email.clone())
        .unwrap_or_default();
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    BTreeMap::from([
        (
            "q",
            s(&[
                "",
                "budget",
                "action:viewBase",
                "actor:x@y.z after:2026-01-01",
            ]),
        ),
        (
            "action",
            vec![
                String::new(),
                "viewBase".into(),
                format!("{{\"kind\":\"deactivate_user\",\"user\":\"{user}\"}}"),
            ],
        ),
        ("category", s(&["", "user", "console"])),
        ("actor", vec![String::new(), email.clone()]),
        ("after", s(&["", "2026-01-01"])),
        ("before", s(&["", "2027-01-01", "5"])),
        ("cursor", s(&[""])),
        (
            "id",
            vec![user.clone(), "00000000-0000-0000-0000-000000000000".into()],
        ),
        ("base", s(&["appNobodyNobody01"])),
        ("share", s(&["shrNobodyNobody01"])),
        ("installation", s(&["bliNobodyNobody01"])),
        ("date", s(&["2026-11-01"])),
        ("from", s(&["1"])),
        ("to", s(&["1"])),
        ("show", s(&["open", "all"])),
        ("fingerprint", s(&["x"])),
        ("comment", s(&["fuzz"])),
        ("reason", s(&["fuzz"])),
        ("user", vec![user.clone()]),
        ("first_name", s(&["Fuzz"])),
        ("last_name", s(&["Fuzz"])),
        ("email", s(&["fuzz@example.invalid"])),
        ("page", s(&["1", "2"])),
        ("workspace", s(&["wspNobodyNobody01"])),
        ("collaborator", vec![user.clone()]),
        ("permission", s(&["read", "edit"])),
        ("invites", s(&["onlyOwners", "unrestricted"])),
        ("shares", s(&["onlyOwners", "unrestricted"])),
        ("name", s(&["Fuzzed workspace"])),
        ("person", s(&["nobody@example.invalid"])),
        ("role", s(&["viewer", "operator"])),
        ("airtable_user_id", s(&["usrNobodyNobody01"])),
        ("kind", s(&["delete_base", "delete_user"])),
        ("needs_approval", s(&["yes", "no"])),
        ("state", s(&["", "provisioned"])),
        ("admin", s(&["", "yes", "no"])),
        ("managed", s(&["", "yes"])),
        ("service", s(&["", "no"])),
        ("external", s(&["", "no"])),
        ("two_factor", s(&["", "yes"])),
        ("sso", s(&["", "no"])),
        ("inactive_days", s(&["", "90"])),
        ("sort", s(&["", "email", "-activity"])),
    ])
}

/// Routes that are not server functions (crates/server/src/lib.rs) and the pages
/// (crates/app/src/shell.rs); `{}` is replaced by a hostile value.
const ROUTES: &[&str] = &[
    "/",
    "/signin?error={}",
    "/settings/roles",
    "/audit?q={}",
    "/audit?q=action%3AviewBase&cursor={}",
    "/audit/events/{}",
    "/users?q={}",
    "/users?page={}",
    "/users?sort={}&state={}",
    "/users/{}",
    "/workspaces?q={}&page={}",
    "/workspaces/{}",
    "/bases/{}",
    "/groups?q={}",
    "/groups/{}",
    "/approvals?show={}",
    "/approvals/notices",
    "/approvals/{}",
    "/settings/approvals",
    "/audit/sync",
    "/audit/actions?before={}",
    "/audit/snapshots?from={}&to={}&date={}",
    "/audit/chart.svg?q={}",
    "/audit/export.csv?q={}",
    "/audit/export.ndjson?q={}",
    "/users/export.csv?q={}&admin={}",
    "/assets/console.css?{}",
    "/healthz",
    "/auth/login?next={}",
    "/auth/callback?code={}&state={}",
    "/auth/callback?error={}&state={}",
    "/pkg/{}",
    "/{}",
    "/api/{}",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Send {
    GetQuery,
    FormWithCsrf,
    FormForgedCsrf,
    FormNoCsrf,
    FormOtherOrigin,
    RawInvalidUtf8,
    Json,
    Oversized,
    WrongContentType,
}

const SENDS: &[Send] = &[
    Send::GetQuery,
    Send::FormWithCsrf,
    Send::FormWithCsrf,
    Send::FormWithCsrf,
    Send::FormForgedCsrf,
    Send::FormNoCsrf,
    Send::FormOtherOrigin,
    Send::RawInvalidUtf8,
    Send::Json,
    Send::Oversized,
    Send::WrongContentType,
];

#[derive(Default)]
struct Findings {
    sent: usize,
    by_status: BTreeMap<u16, usize>,
    by_send: BTreeMap<String, usize>,
    deliberate_5xx: usize,
    server_errors: Vec<String>,
    leaks: Vec<String>,
    no_answer: Vec<String>,
    not_sent: usize,
    /// Answered on a second try after the first connection failed (see `one_request`).
    answered_on_retry: usize,
}

fn encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// A query string or form body; `%FF%FE` style values go raw so they decode to invalid
/// UTF-8.
fn form_body(fields: &[(String, String)]) -> String {
    fields
        .iter()
        .map(|(k, v)| {
            if v.starts_with("%FF") {
                format!("{k}={v}")
            } else {
                format!("{k}={}", encode(v))
            }
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[allow(clippy::too_many_arguments)]
async fn one_request(
    rng: &mut rand::rngs::StdRng,
    base: &str,
    who: &Option<Person>,
    anonymous: &reqwest::Client,
    functions: &[(String, Method)],
    plausible: &BTreeMap<&'static str, Vec<String>>,
    hostile: &[String],
    findings: &Mutex<Findings>,
) {
    let client = who.as_ref().map_or(anonymous, |p| &p.browser);
    let csrf = who.as_ref().map(|p| p.csrf.clone()).unwrap_or_default();
    let mut fields: Vec<(String, String)> = plausible
        .iter()
        .map(|(k, vs)| (k.to_string(), vs.choose(rng).cloned().unwrap_or_default()))
        .collect();
    for _ in 0..rng.gen_range(1..=3) {
        let i = rng.gen_range(0..fields.len());
        fields[i].1 = hostile.choose(rng).cloned().unwrap_or_default();
    }
    let send = *SENDS.choose(rng).unwrap_or(&Send::GetQuery);
    let (path, method) = if rng.gen_bool(0.7) {
        let (p, m) = functions
            .choose(rng)
            .cloned()
            .unwrap_or(("/api/whoami".into(), Method::GET));
        (
            p,
            if send == Send::GetQuery {
                Method::GET
            } else if rng.gen_bool(0.9) {
                m
            } else {
                Method::GET
            },
        )
    } else {
        let route = ROUTES.choose(rng).copied().unwrap_or("/");
        let mut path = route.to_string();
        while path.contains("{}") {
            let value = hostile.choose(rng).cloned().unwrap_or_default();
            let value = if value.starts_with("%FF") {
                value
            } else {
                encode(&value)
            };
            path = path.replacen("{}", &value, 1);
        }
        let method = if rng.gen_bool(0.15) {
            Method::POST
        } else {
            Method::GET
        };
        (path, method)
    };
    let url = format!("{base}{path}");
    let mut request = if method == Method::GET || send == Send::GetQuery {
        let sep = if url.contains('?') { '&' } else { '?' };
        let query = form_body(&fields);
        let url = if query.len() > 60_000 {
            url
        } else {
            format!("{url}{sep}{query}")
        };
        client.get(url)
    } else {
        client.post(&url)
    };
    if method == Method::POST && send != Send::GetQuery {
        let origin = if send == Send::FormOtherOrigin {
            "http://evil.example".to_string()
        } else {
            base.to_string()
        };
        request = request.header(header::ORIGIN, origin);
        if rng.gen_bool(0.5) {
            request = request.header(header::ACCEPT, "application/json");
        }
        match send {
            Send::FormWithCsrf | Send::FormOtherOrigin => {
                fields.push(("csrf_token".into(), csrf.clone()));
            }
            Send::FormForgedCsrf => {
                fields.push(("csrf_token".into(), "A".repeat(csrf.len().max(8))));
                request = request.header("x-csrf-token", "forged");
            }
            _ => {}
        }
        request = match send {
            Send::RawInvalidUtf8 => {
                let mut body = format!("csrf_token={csrf}&").into_bytes();
                body.extend_from_slice(b"user=\xff\xfe\x00&q=\xc3\x28&name=\xed\xa0\x80");
                request
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(body)
            }
            Send::Json => request
                .header(header::CONTENT_TYPE, "application/json")
                .header("x-csrf-token", csrf.clone())
                .body(format!(
                    "{{\"csrf_token\":\"{csrf}\",\"id\":{}}}",
                    "[".repeat(5000)
                )),
            Send::Oversized => {
                let mut body = form_body(&fields);
                body.push_str("&padding=");
                body.push_str(&"x".repeat(3 * 1024 * 1024));
                request
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(body)
            }
            Send::WrongContentType => request
                .header(header::CONTENT_TYPE, "text/plain; charset=utf-16")
                .body(form_body(&fields)),
            _ => request
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(form_body(&fields)),
        };
    }
    let what = format!(
        "{} {method} {} ({send:?})",
        who.as_ref().map_or("nobody", |p| p.email.as_str()),
        path.chars().take(160).collect::<String>()
    );
    // A keep-alive connection the server has just closed can fail a request before it is
    // sent; a browser then tries once more on a new connection, and so does this run (the
    // pool drops the failed connection). Counted apart; failing twice is "no answer".
    let again = request.try_clone();
    let mut retried = false;
    let mut sent = request.send().await;
    if let (Err(e), Some(again)) = (&sent, again) {
        if !e.is_builder() {
            retried = true;
            sent = again.send().await;
        }
    }
    let answer = match sent {
        Err(e) => Err(e),
        Ok(r) => {
            let status = r.status().as_u16();
            Ok((status, r.text().await.unwrap_or_default()))
        }
    };
    let mut f = findings.lock().expect("findings");
    if retried && answer.is_ok() {
        f.answered_on_retry += 1;
    }
    f.sent += 1;
    *f.by_send.entry(format!("{send:?}")).or_default() += 1;
    match answer {
        // reqwest refusing to build the request (a URL of hundreds of KB) never reached
        // the server.
        Err(e) if e.is_builder() => f.not_sent += 1,
        Err(e) => f.no_answer.push(format!("{what}: {e}")),
        Ok((status, body)) => {
            *f.by_status.entry(status).or_default() += 1;
            if status == 502 || status == 503 {
                f.deliberate_5xx += 1;
            } else if status >= 500 {
                let said = body.chars().take(200).collect::<String>();
                f.server_errors.push(format!("{status} {what}: {said}"));
            }
            if let Some(word) = support::leaks_internals(&body) {
                f.leaks.push(format!("{status} {what} shows {word:?}"));
            }
        }
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let (mut requests, mut seed, mut concurrent) = (20_000usize, 1u64, 8usize);
    for (flag, value) in support::flags() {
        let value = value.with_context(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--requests" => requests = value?.parse()?,
            "--seed" => seed = value?.parse()?,
            "--concurrent" => concurrent = value?.parse()?,
            other => {
                anyhow::bail!("unknown argument {other:?}; see the header of fuzz_endpoints.rs")
            }
        }
    }
    // Link the whole app, as the server does, so every server function is registered.
    let _pages = leptos_axum::generate_route_list(console_app::App);
    let functions: Vec<(String, Method)> = server_fn_paths()
        .filter_map(|(path, method)| {
            Some((
                path.to_string(),
                Method::from_bytes(method.as_str().as_bytes()).ok()?,
            ))
        })
        .collect();
    anyhow::ensure!(
        functions.len() > 20,
        "the app's server functions did not register"
    );

    let port = support::free_port(&[])?;
    let sim_port = support::free_port(&[port])?;
    let database_url = support::fresh_database_url(&support::postgres_base(), "fuzz");
    let env = support::demo_env(port, sim_port, &database_url, "demo", &[]);
    let mut console = ConsoleProcess::spawn("bench-fuzz", &env)?;
    console.wait_healthy(Duration::from_secs(120)).await?;
    let url = console.url.clone();
    let sim_url = format!("http://127.0.0.1:{sim_port}");
    let info = support::sim_info(&sim_url).await?;
    let db = sqlx::PgPool::connect(&database_url).await?;
    // The demo's admin, operator and approver, and a viewer.
    let mut people = Vec::new();
    for admin in info.admins.iter().take(4) {
        people.push(support::sign_in(&url, &admin.email, &info).await?);
    }
    support::take_snapshot(&url, &people[1], &db).await?;
    support::sync_audit(&url, &people[1], &db, Duration::from_secs(300)).await?;
    let identities: Vec<Option<Person>> = std::iter::once(None)
        .chain(people.iter().cloned().map(Some))
        .collect();
    let anonymous = support::browser_on(Arc::new(reqwest::cookie::Jar::default()));
    let plausible = Arc::new(plausible(&info));
    let hostile = Arc::new(hostile_values());
    println!(
        "fuzzing {} server functions and {} routes: {requests} requests, seed {seed}, {concurrent} at a time, as nobody and {} people",
        functions.len(),
        ROUTES.len(),
        people.len()
    );

    let findings = Arc::new(Mutex::new(Findings::default()));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for worker in 0..concurrent {
        let (identities, anonymous, functions, plausible, hostile, findings, url) = (
            identities.clone(),
            anonymous.clone(),
            functions.clone(),
            plausible.clone(),
            hostile.clone(),
            findings.clone(),
            url.clone(),
        );
        let share = requests / concurrent + usize::from(worker < requests % concurrent);
        tasks.push(tokio::spawn(async move {
            let mut rng = rand::rngs::StdRng::seed_from_u64(seed * 1000 + worker as u64);
            for _ in 0..share {
                let who = identities.choose(&mut rng).cloned().flatten();
                one_request(
                    &mut rng, &url, &who, &anonymous, &functions, &plausible, &hostile, &findings,
                )
                .await;
            }
        }));
    }
    for t in tasks {
        t.await?;
    }
    let elapsed = started.elapsed();
    // Whoever is still signed in can still use the console: nothing was broken for good.
    let still = support::browser_on(people[0].jar.clone())
        .get(format!("{url}/healthz"))
        .send()
        .await
        .map(|r| r.status().as_u16())
        .unwrap_or(0);
    let alive = console.alive();
    let panics = console.panics();
    let f = std::mem::take(&mut *findings.lock().expect("findings"));
    println!();
    println!("| requests | s | answered 2xx/3xx | 4xx | deliberate 502/503 | other 5xx | internals shown | no answer | panics | server alive |");
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
    let ok: usize = f
        .by_status
        .iter()
        .filter(|(s, _)| **s < 400)
        .map(|(_, n)| n)
        .sum();
    let client: usize = f
        .by_status
        .iter()
        .filter(|(s, _)| (400..500).contains(*s))
        .map(|(_, n)| n)
        .sum();
    println!(
        "| {} | {:.1} | {ok} | {client} | {} | {} | {} | {} | {} | {} |",
        f.sent,
        elapsed.as_secs_f64(),
        f.deliberate_5xx,
        f.server_errors.len(),
        f.leaks.len(),
        f.no_answer.len(),
        panics.len(),
        if alive && still == 200 { "yes" } else { "NO" }
    );
    println!(
        "\nnot sent (the client refused to build the request): {}",
        f.not_sent
    );
    println!(
        "answered on a second try (the first connection was closed under it): {}",
        f.answered_on_retry
    );
    println!(
        "statuses: {}",
        f.by_status
            .iter()
            .map(|(s, n)| format!("{s}: {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!(
        "sent as: {}",
        f.by_send
            .iter()
            .map(|(s, n)| format!("{s} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    for line in f
        .server_errors
        .iter()
        .chain(&f.leaks)
        .chain(&f.no_answer)
        .take(30)
    {
        println!("  {line}");
    }
    for line in panics.iter().take(10) {
        println!("  panic: {line}");
    }
    let problems = f.server_errors.len() + f.leaks.len() + f.no_answer.len() + panics.len();
    drop(f);
    drop(db);
    console.stop();
    support::drop_database(&database_url).await;
    anyhow::ensure!(
        problems == 0 && alive && still == 200,
        "{problems} problems; server log: {}",
        console.log.display()
    );
    std::fs::remove_dir_all(&console.data_dir).ok();
    Ok(())
}
