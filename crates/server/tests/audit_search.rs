//! Audit search against real Postgres: every filter of the search language, negation,
//! free text, keyset paging, the histogram, the downloads and the event page, over HTTP
//! where a person would use them.

mod common;

use airtable_client::models::AuditEvent;
use chrono::{DateTime, Duration, Utc};
use common::session::get_response;
use common::TestConsole;
use console_app::audit::query::AuditQuery;
use console_core::audit::{ingest::store_events, search};
use reqwest::StatusCode;
use serde_json::json;

/// Monday 5 January 2026, noon UTC: event `n` happens `n` hours later.
fn base_time() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-01-05T12:00:00Z")
        .expect("time")
        .with_timezone(&Utc)
}

struct Spec {
    action: &'static str,
    email: &'static str,
    user_id: &'static str,
    model: &'static str,
    model_type: &'static str,
    workspace: Option<&'static str>,
    base: Option<&'static str>,
    ip: &'static str,
    payload: serde_json::Value,
}

/// Erin signing in: the common event the seed fills the copy with, and what tests add.
fn erin_login() -> Spec {
    Spec {
        action: "loginUser",
        email: "erin@corp.com",
        user_id: "usrERIN0000000001",
        model: "usrERIN0000000001",
        model_type: "user",
        workspace: None,
        base: None,
        ip: "192.0.2.50",
        payload: json!({}),
    }
}

fn event(n: i64, spec: &Spec) -> AuditEvent {
    let at = base_time() + Duration::hours(n);
    let mut context =
        json!({ "enterpriseAccountId": "entSEARCHTEST0001", "actionId": format!("act{n:014}") });
    if let Some(w) = spec.workspace {
        context["workspaceId"] = json!(w);
    }
    if let Some(b) = spec.base {
        context["baseId"] = json!(b);
    }
    serde_json::from_value(json!({
        // Sortable like Airtable's ULIDs: fixed width, increasing with time.
        "id": format!("01SEARCH{n:018}"),
        "timestamp": at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "action": spec.action,
        "actor": { "type": "user", "user": { "id": spec.user_id, "email": spec.email, "name": "Someone" } },
        "modelId": spec.model,
        "modelType": spec.model_type,
        "payload": spec.payload,
        "payloadVersion": "1.0",
        "context": context,
        "origin": { "ipAddress": spec.ip, "userAgent": "test-agent/1.0", "sessionId": "sesX" },
    }))
    .expect("a valid Airtable audit event")
}

/// Seven distinct events (ids 0–6) and then 120 filler logins (ids 100–219), stored the
/// way the ingester stores them.
async fn seed(db: &sqlx::PgPool) {
    let distinct = [
        Spec {
            action: "createBase",
            email: "Alice@Corp.com",
            user_id: "usrALICE000000001",
            model: "appBASE0000000001",
            model_type: "base",
            workspace: Some("wspWORK0000000001"),
            base: Some("appBASE0000000001"),
            ip: "203.0.113.7",
            payload: json!({"name": "Quarterly report"}),
        },
        Spec {
            action: "deleteBase",
            email: "alice@corp.com",
            user_id: "usrALICE000000001",
            model: "appBASE0000000002",
            model_type: "base",
            workspace: Some("wspWORK0000000001"),
            base: Some("appBASE0000000002"),
            ip: "203.0.113.7",
            payload: json!({"name": "Old budget"}),
        },
        Spec {
            action: "deleteBase",
            email: "bob@corp.com",
            user_id: "usrBOB00000000001",
            model: "appBASE0000000003",
            model_type: "base",
            workspace: Some("wspWORK0000000002"),
            base: Some("appBASE0000000003"),
            ip: "198.51.100.2",
            payload: json!({"name": "Budget 2025"}),
        },
        Spec {
            action: "createShare",
            email: "bob@corp.com",
            user_id: "usrBOB00000000001",
            model: "shrSHARE000000001",
            model_type: "share",
            workspace: Some("wspWORK0000000002"),
            base: Some("appBASE0000000003"),
            ip: "2001:db8::1",
            payload: json!({"shareType": "view", "note": "for the auditors"}),
        },
        Spec {
            action: "grantAdminAccess",
            email: "carol@corp.com",
            user_id: "usrCAROL000000001",
            model: "usrBOB00000000001",
            model_type: "user",
            workspace: None,
            base: None,
            ip: "192.0.2.9",
            payload: json!({}),
        },
        Spec {
            action: "createWorkspace",
            email: "carol@corp.com",
            user_id: "usrCAROL000000001",
            model: "wspWORK0000000003",
            model_type: "workspace",
            workspace: Some("wspWORK0000000003"),
            base: None,
            ip: "192.0.2.9",
            payload: json!({"name": "Quarterly planning"}),
        },
        Spec {
            action: "deleteWorkspace",
            email: "dave@corp.com",
            user_id: "usrDAVE0000000001",
            model: "wspWORK0000000003",
            model_type: "workspace",
            workspace: Some("wspWORK0000000003"),
            base: None,
            ip: "192.0.2.10",
            payload: json!({"reason": "quarterly clean-up"}),
        },
    ];
    let mut events: Vec<AuditEvent> = distinct
        .iter()
        .enumerate()
        .map(|(i, s)| event(i as i64, s))
        .collect();
    let filler = erin_login();
    events.extend((100..220).map(|n| event(n, &filler)));
    let mut tx = db.begin().await.expect("tx");
    assert_eq!(store_events(&mut tx, &events).await.expect("store"), 127);
    tx.commit().await.expect("commit");
}

async fn ids(db: &sqlx::PgPool, query: &str) -> Vec<i64> {
    let query = AuditQuery::parse(query).expect("query parses");
    let (events, _) = search::search(&search::SearchPool::beside(db), &query, None, 500)
        .await
        .expect("search");
    events
        .iter()
        .map(|e| {
            e.id.trim_start_matches("01SEARCH")
                .parse::<i64>()
                .expect("test id")
        })
        .collect()
}

#[tokio::test]
async fn every_filter_finds_exactly_its_events() {
    let t = TestConsole::start().await;
    let db = t.db().await;
    seed(&db).await;

    // Newest first.
    let all = ids(&db, "").await;
    assert_eq!(all.len(), 127);
    assert_eq!(&all[..2], &[219, 218]);
    assert_eq!(&all[120..], &[6, 5, 4, 3, 2, 1, 0]);

    let cases: &[(&str, &[i64])] = &[
        ("actor:alice@corp.com", &[1, 0]), // emails compare without case
        ("actor:ALICE@corp.COM", &[1, 0]),
        ("actor:usrBOB00000000001", &[3, 2]),
        (
            "actor:alice@corp.com actor:usrBOB00000000001",
            &[3, 2, 1, 0],
        ), // either person
        ("action:deleteBase", &[2, 1]),
        ("action:deleteBase action:deleteWorkspace", &[6, 2, 1]),
        ("action:deleteBase actor:bob@corp.com", &[2]), // different filters: both
        ("category:share", &[3]),
        ("category:groups", &[]),
        ("model:usrBOB00000000001", &[4]),
        ("workspace:wspWORK0000000002", &[3, 2]),
        ("base:appBASE0000000003", &[3, 2]),
        ("ip:203.0.113.7", &[1, 0]),
        ("ip:2001:DB8:0::1", &[3]),     // IPv6 in any spelling
        ("\"quarterly\"", &[6, 5, 0]),  // free text reaches the payload
        ("\"quarterly report\"", &[0]), // as a phrase
        ("budget", &[2, 1]),
        ("\"auditors\"", &[3]),
        ("\"dave@corp.com\"", &[6]), // and the actor's fields
        (
            "after:2026-01-05T15:00:00Z before:2026-01-05T18:00:00Z",
            &[5, 4, 3],
        ),
        ("before:2026-01-05T13:00:00Z", &[0]),
        ("after:2026-01-10", &(108..220).rev().collect::<Vec<_>>()),
        ("-action:loginUser -action:deleteBase", &[6, 5, 4, 3, 0]),
        (
            "-workspace:wspWORK0000000001 -action:loginUser",
            &[6, 5, 4, 3, 2],
        ), // NULL workspace counts as "not it"
        (
            "-actor:erin@corp.com -actor:usrALICE000000001",
            &[6, 5, 4, 3, 2],
        ),
        ("-\"quarterly\" -action:loginUser", &[4, 3, 2, 1]),
        ("category:base -\"budget\"", &[6, 5, 0]), // workspace events are in "base"
    ];
    for (query, expected) in cases {
        assert_eq!(&ids(&db, query).await, expected, "{query}");
    }
}

#[tokio::test]
async fn keyset_pages_cover_everything_once_and_stay_stable_under_new_events() {
    let t = TestConsole::start().await;
    let db = t.db().await;
    let searches = search::SearchPool::beside(&db);
    seed(&db).await;
    let query = AuditQuery::parse("action:loginUser").expect("query");
    let mut seen = Vec::new();
    let mut cursor = None;
    let mut pages = 0;
    loop {
        let (events, next) = search::search(&searches, &query, cursor.as_ref(), 50)
            .await
            .expect("page");
        pages += 1;
        if pages == 1 {
            // A newer event arriving between pages must not shift the later pages.
            let newer = event(500, &erin_login());
            let mut tx = db.begin().await.expect("tx");
            store_events(&mut tx, &[newer]).await.expect("store");
            tx.commit().await.expect("commit");
        }
        seen.extend(events.into_iter().map(|e| e.id));
        match next {
            Some(next) => {
                // The cursor survives the trip through a URL.
                cursor = Some(search::SearchCursor::decode(&next.encode()).expect("cursor"));
            }
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 120);
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), 120, "no event twice");
    assert!(seen.windows(2).all(|w| w[0] > w[1]), "newest first");
}

/// Readers that follow the copy by `copy_seq` (alert rules, SIEM sinks) must never see a
/// number while a smaller one is still to come: a second writer waits for the first's
/// commit before it draws its numbers, so what it stores comes after, in number and in
/// visibility.
#[tokio::test]
async fn copy_order_numbers_become_visible_in_order() {
    let t = TestConsole::start().await;
    let db = t.db().await;
    let spec = |n: i64| event(n, &erin_login());
    let mut first = db.begin().await.expect("tx");
    store_events(&mut first, &[spec(900), spec(901)])
        .await
        .expect("store");
    let second = {
        let db = db.clone();
        let later = spec(902);
        tokio::spawn(async move {
            let mut tx = db.begin().await.expect("tx");
            store_events(&mut tx, &[later]).await.expect("store");
            tx.commit().await.expect("commit");
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(
        !second.is_finished(),
        "the second writer waits for the first to commit"
    );
    let visible: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_events")
        .fetch_one(&db)
        .await
        .expect("count");
    assert_eq!(visible, 0, "nothing is visible before the first commit");
    first.commit().await.expect("commit");
    second.await.expect("second writer");
    let order: Vec<String> = sqlx::query_scalar("SELECT id FROM audit_events ORDER BY copy_seq")
        .fetch_all(&db)
        .await
        .expect("order");
    let expected: Vec<String> = [900, 901, 902].map(|n| spec(n).id.to_string()).into();
    assert_eq!(order, expected);
    assert_eq!(
        console_core::audit::copy_order::newest(&db)
            .await
            .expect("newest"),
        sqlx::query_scalar::<_, i64>("SELECT max(copy_seq) FROM audit_events")
            .fetch_one(&db)
            .await
            .expect("max")
    );
}

#[tokio::test]
async fn histogram_counts_every_bucket_of_the_span() {
    let t = TestConsole::start().await;
    let db = t.db().await;
    let searches = search::SearchPool::beside(&db);
    seed(&db).await;
    let query = AuditQuery::parse("after:2026-01-05 before:2026-01-06").expect("query");
    let histogram = search::histogram(&searches, &query)
        .await
        .expect("histogram");
    assert_eq!(histogram.unit, "hour");
    assert_eq!(histogram.buckets.len(), 24);
    assert_eq!(histogram.buckets.iter().map(|(_, n)| n).sum::<i64>(), 7);
    // 12:00 holds event 0 only; an empty hour is there with 0.
    assert_eq!(histogram.buckets[12], (base_time(), 1));
    assert_eq!(histogram.buckets[0].1, 0);

    // A week in days: the 5th has the seven distinct events, the logins start on the 9th
    // at 16:00 and those before the 12th count.
    let week = AuditQuery::parse("after:2026-01-05 before:2026-01-12").expect("query");
    let histogram = search::histogram(&searches, &week)
        .await
        .expect("histogram");
    assert_eq!(histogram.unit, "day");
    let counts: Vec<i64> = histogram.buckets.iter().map(|(_, n)| *n).collect();
    assert_eq!(counts, vec![7, 0, 0, 0, 8, 24, 24]);

    let month =
        AuditQuery::parse("after:2025-01-01 before:2026-02-01 action:deleteBase").expect("query");
    let histogram = search::histogram(&searches, &month)
        .await
        .expect("histogram");
    assert_eq!(histogram.unit, "week");
    assert_eq!(histogram.buckets.iter().map(|(_, n)| n).sum::<i64>(), 2);
}

#[tokio::test]
async fn people_search_read_and_download_through_the_console() {
    let t = TestConsole::start().await;
    let db = t.db().await;
    seed(&db).await;
    let browser = t.browser();
    let admin = t.sim().info().admins[0].clone();
    assert_eq!(t.sign_in(&browser, &admin.email).await, "/");

    // The page, rendered on the server.
    let page = get_response(
        &t,
        &browser,
        "/audit?q=action%3AdeleteBase&actor=bob%40corp.com",
    )
    .await;
    let status = page.status();
    let html = page.text().await.expect("html");
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(
        html.contains("Events matching action:deleteBase actor:bob@corp.com"),
        "{html}"
    );
    assert!(html.contains("appBASE0000000003"));
    assert!(!html.contains("appBASE0000000002"));
    assert_eq!(html.matches("data-testid=\"audit-row\"").count(), 1);

    // A query it cannot read gets words, not a server error.
    let bad = browser
        .get(t.url(
            "/api/audit/search?q=colour%3Ared&action=&category=&actor=&after=&before=&cursor=",
        ))
        .send()
        .await
        .expect("bad search");
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text().await.expect("body").contains("no filter called"));
    // The page still renders, with the box and the message, as a failed form does.
    let page = get_response(&t, &browser, "/audit?q=%22unclosed").await;
    assert_eq!(page.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.text().await.expect("html").contains("never closed"));
    let damaged = get_response(
        &t,
        &browser,
        "/api/audit/search?q=&action=&category=&actor=&after=&before=&cursor=junk",
    )
    .await;
    assert_eq!(damaged.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // Paging through the server function.
    let first: serde_json::Value = get_response(
        &t,
        &browser,
        "/api/audit/search?q=action%3AloginUser&action=&category=&actor=&after=&before=&cursor=",
    )
    .await
    .json()
    .await
    .expect("json");
    assert_eq!(first["events"].as_array().map(Vec::len), Some(50));
    let cursor = first["next_cursor"].as_str().expect("a next page");
    let second: serde_json::Value = get_response(&t, &browser, &format!("/api/audit/search?q=action%3AloginUser&action=&category=&actor=&after=&before=&cursor={cursor}")).await
        .json()
        .await
        .expect("json");
    assert_eq!(
        second["events"][0]["id"],
        json!("01SEARCH000000000000000169")
    );

    // The event page shows the whole payload.
    let detail = get_response(&t, &browser, "/audit/events/01SEARCH000000000000000003")
        .await
        .text()
        .await
        .expect("html");
    assert!(detail.contains("for the auditors"), "{detail}");
    assert!(detail.contains("Every event in this workspace"));

    // Downloads: every matching row, streamed.
    let csv = get_response(&t, &browser, "/audit/export.csv?q=-action%3AloginUser").await;
    assert_eq!(csv.status(), StatusCode::OK);
    assert!(csv.headers()["content-disposition"]
        .to_str()
        .expect("header")
        .contains(".csv"));
    let csv = csv.text().await.expect("csv body");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 8, "header and seven events:\n{csv}");
    assert!(lines[0].starts_with("id,timestamp,action,category"));
    assert!(
        lines[1].starts_with("01SEARCH000000000000000006,2026-01-05T18:00:00.000Z,deleteWorkspace")
    );
    assert!(
        csv.contains(r#""{""reason"": ""quarterly clean-up""}""#),
        "payload as JSON text:\n{csv}"
    );

    let ndjson = get_response(&t, &browser, "/audit/export.ndjson?action=loginUser")
        .await
        .text()
        .await
        .expect("body");
    let lines: Vec<serde_json::Value> = ndjson
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is an event"))
        .collect();
    assert_eq!(lines.len(), 120);
    assert_eq!(lines[0]["origin"]["ipAddress"], json!("192.0.2.50"));

    let refused = get_response(&t, &browser, "/audit/export.csv?q=colour%3Ared").await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // The chart is an image of the same search.
    let chart = get_response(
        &t,
        &browser,
        "/audit/chart.svg?q=action%3AdeleteBase&after=2026-01-05&before=2026-01-06",
    )
    .await;
    assert_eq!(chart.headers()["content-type"], "image/svg+xml");
    let svg = chart.text().await.expect("svg");
    assert!(svg.contains("<title>2 events, per hour</title>"), "{svg}");

    // None of it without signing in.
    let stranger = t.browser();
    for path in [
        "/audit/export.csv",
        "/audit/export.ndjson",
        "/audit/chart.svg",
        "/audit",
    ] {
        let response = get_response(&t, &stranger, path).await;
        assert!(
            response.status().is_redirection() || response.status() == StatusCode::UNAUTHORIZED,
            "{path}: {}",
            response.status()
        );
    }
}

/// Events are shown by name: what a snapshot saw is named on the search page, the event
/// page and the overview's risky events, beside its ID, and a deleted user keeps their name.
#[tokio::test]
async fn events_name_their_targets_from_the_snapshots_even_after_deletion() {
    let t = TestConsole::start().await;
    let db = t.db().await;
    let sim = common::session::sim_client(&t);
    let enterprise = common::session::enterprise(&t);
    let users = common::session::all_sim_users(&t).await;
    // Airtable deletes only managed users; an ordinary one with a name.
    let leaver = users
        .iter()
        .find(|u| u.is_managed == Some(true) && u.is_admin != Some(true) && !u.name.is_empty())
        .expect("a managed user with a name")
        .clone();
    let workspace = common::session::enterprise_info(&t).await.workspace_ids[0].clone();
    let workspace_name = common::session::sim_workspace(&t, &workspace).await.name;
    common::session::take_snapshot(&t).await;
    // Deleted in Airtable afterwards, and a snapshot taken without them: the name stays.
    sim.enterprise(&enterprise)
        .user(&leaver.id)
        .delete()
        .await
        .expect("delete");
    common::session::take_snapshot(&t).await;

    let leaked = |text: String| -> &'static str { Box::leak(text.into_boxed_str()) };
    let spec = |model: &'static str| Spec {
        action: "deleteUser",
        email: "admin@corp.com",
        user_id: "usrADMIN000000001",
        model,
        model_type: "user",
        workspace: Some(leaked(workspace.to_string())),
        base: None,
        ip: "203.0.113.9",
        payload: json!({}),
    };
    let mut tx = db.begin().await.expect("tx");
    store_events(
        &mut tx,
        &[
            event(1, &spec(leaked(leaver.id.to_string()))),
            event(2, &spec("usrNEVERSEEN00001")),
        ],
    )
    .await
    .expect("store");
    tx.commit().await.expect("commit");

    let browser = t.browser();
    let admin = t.sim().info().admins[0].clone();
    assert_eq!(t.sign_in(&browser, &admin.email).await, "/");
    let page: serde_json::Value = browser
        .get(t.url(
            "/api/audit/search?q=action%3AdeleteUser&action=&category=&actor=&after=&before=&cursor=",
        ))
        .send()
        .await
        .expect("search")
        .json()
        .await
        .expect("json");
    let events = page["events"].as_array().expect("events");
    let named = events
        .iter()
        .find(|e| e["model_id"] == leaver.id.as_str())
        .expect("the deletion");
    assert_eq!(named["model_name"], leaver.name.as_str(), "{named}");
    assert_eq!(named["workspace_name"], workspace_name.as_str(), "{named}");
    let nameless = events
        .iter()
        .find(|e| e["model_id"] == "usrNEVERSEEN00001")
        .expect("the other");
    assert!(nameless["model_name"].is_null(), "{nameless}");

    // The search page, the event's page and the overview show "Name (id)".
    let label = format!("{} ({})", leaver.name, leaver.id);
    for path in [
        "/audit?q=action%3AdeleteUser".to_string(),
        format!("/audit/events/{}", named["id"].as_str().expect("id")),
        "/".to_string(),
    ] {
        let html = get_response(&t, &browser, &path)
            .await
            .text()
            .await
            .expect("html");
        assert!(html.contains(&label), "{path}: {html}");
    }
    // The overview's card has a server function of its own (its search never changes, so
    // its plan is reused): the deletion, named, among the newest risky events.
    let risky: serde_json::Value = get_response(&t, &browser, "/api/overview/risky-events")
        .await
        .json()
        .await
        .expect("json");
    let risky = risky.as_array().expect("a list");
    assert!(risky.len() <= 8, "a short list: {risky:?}");
    assert!(
        risky.iter().any(|e| e["action"] == "deleteUser"
            && e["model_id"] == leaver.id.as_str()
            && e["model_name"] == leaver.name.as_str()),
        "{risky:?}"
    );
}

/// The seed and five more events (ids 300–304, from 18 January 2026 at midnight) of
/// category `user` or near it: a logout, an action the console does not know (stored
/// without a category), an email change, a new user, and a setting lock (an action of
/// Airtable's `enterpriseSettings`, unknown to the console too).
async fn seed_with_user_events(db: &sqlx::PgPool) {
    seed(db).await;
    let spec = |action: &'static str, email: &'static str, user_id: &'static str| Spec {
        action,
        email,
        user_id,
        model: user_id,
        model_type: "user",
        workspace: None,
        base: None,
        ip: "192.0.2.60",
        payload: json!({"note": "account change"}),
    };
    let events = [
        event(
            300,
            &spec("logoutUser", "erin@corp.com", "usrERIN0000000001"),
        ),
        // Not in the console's list of actions: stored without a category.
        event(
            301,
            &spec("deactivateUser", "erin@corp.com", "usrERIN0000000001"),
        ),
        event(
            302,
            &spec("updateUserEmail", "frank@corp.com", "usrFRANK000000001"),
        ),
        event(
            303,
            &spec("createUser", "alice@corp.com", "usrALICE000000001"),
        ),
        event(
            304,
            &spec("updateSettingLock", "carol@corp.com", "usrCAROL000000001"),
        ),
    ];
    let mut tx = db.begin().await.expect("tx");
    assert_eq!(store_events(&mut tx, &events).await.expect("store"), 5);
    tx.commit().await.expect("commit");
}

/// Every page of `query` at `page_size`, following the cursors: the ids in order.
async fn paged_ids(db: &sqlx::PgPool, query: &str, page_size: i64) -> Vec<i64> {
    let searches = search::SearchPool::beside(db);
    let query = AuditQuery::parse(query).expect("query parses");
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let (events, next) = search::search(&searches, &query, cursor.as_ref(), page_size)
            .await
            .expect("page");
        assert!(events.len() as i64 <= page_size);
        seen.extend(events.iter().map(|e| {
            e.id.trim_start_matches("01SEARCH")
                .parse::<i64>()
                .expect("test id")
        }));
        match next {
            Some(next) => cursor = Some(next),
            None => return seen,
        }
    }
}

/// What an analyst types to take the noise out: a category without its common action, a
/// negated category or person, a category with a phrase, several actions. Each is read in
/// a way that stays fast on millions of events (a category's other actions, one walk per
/// value merged in order); the results must be exactly those of the plain conditions.
#[tokio::test]
async fn negations_and_several_values_find_exactly_their_events() {
    let t = TestConsole::start().await;
    let db = t.db().await;
    let searches = search::SearchPool::beside(&db);
    seed_with_user_events(&db).await;
    let logins: Vec<i64> = (100..220).rev().collect();
    let with_logins = |before: &[i64], after: &[i64]| -> Vec<i64> {
        before.iter().chain(&logins).chain(after).copied().collect()
    };

    let cases: Vec<(&str, Vec<i64>)> = vec![
        // The category's other actions; the unknown action (no category) stays out.
        ("category:user -action:loginUser", vec![303, 302, 300]),
        (
            "category:user -action:loginUser -action:logoutUser",
            vec![303, 302],
        ),
        // Excluding an action of another category changes nothing.
        (
            "category:user -action:loginUser -action:deleteBase",
            vec![303, 302, 300],
        ),
        // Every action of the category excluded: nothing.
        (
            "category:user -action:loginUser -action:logoutUser -action:createUser \
             -action:deleteUser -action:updateUserEmail -action:revokePersonalAccessToken",
            vec![],
        ),
        (
            "category:user -action:loginUser actor:erin@corp.com",
            vec![300],
        ),
        (
            "category:user -action:loginUser -actor:erin@corp.com",
            vec![303, 302],
        ),
        (
            "category:user -action:loginUser \"account change\"",
            vec![303, 302, 300],
        ),
        (
            "category:user -action:loginUser after:2026-01-18T00:30:00Z",
            vec![303, 302],
        ),
        (
            "category:user category:base -action:loginUser -action:deleteBase",
            vec![303, 302, 300, 6, 5, 0],
        ),
        ("category:base -action:viewBase", vec![6, 5, 2, 1, 0]),
        ("category:base -action:createBase", vec![6, 5, 2, 1]),
        ("category:groups -action:createGroup", vec![]),
        // A category with no action the console knows: nothing is stored under it.
        ("category:enterpriseSettings -action:createUser", vec![]),
        // Negated categories keep the events without one.
        ("-category:user", vec![304, 301, 6, 5, 4, 3, 2, 1, 0]),
        ("-category:user -category:base", vec![304, 301, 4, 3]),
        (
            "-category:base",
            with_logins(&[304, 303, 302, 301, 300], &[4, 3]),
        ),
        (
            "-actor:erin@corp.com",
            vec![304, 303, 302, 6, 5, 4, 3, 2, 1, 0],
        ),
        (
            "-actor:usrERIN0000000001 -category:base",
            vec![304, 303, 302, 4, 3],
        ),
        ("category:base \"quarterly report\"", vec![0]),
        ("category:base \"budget\"", vec![2, 1]),
        ("category:base -\"quarterly\"", vec![2, 1]),
        ("category:user \"account change\"", vec![303, 302, 300]),
        // Several values of one field: each read on its own, merged, no event twice.
        ("action:createBase action:deleteBase", vec![2, 1, 0]),
        ("action:deleteBase action:deleteBase", vec![2, 1]),
        (
            "action:deleteBase action:createUser action:nothingLikeIt",
            vec![303, 2, 1],
        ),
        ("category:share category:role", vec![4, 3]),
        (
            "action:logoutUser action:loginUser",
            with_logins(&[300], &[]),
        ),
        (
            "action:createBase action:deleteBase actor:alice@corp.com",
            vec![1, 0],
        ),
        ("action:createBase action:deleteBase \"budget\"", vec![2, 1]),
        (
            "workspace:wspWORK0000000001 workspace:wspWORK0000000003 -action:deleteBase",
            vec![6, 5, 0],
        ),
    ];
    for (query, expected) in &cases {
        assert_eq!(&ids(&db, query).await, expected, "{query}");
        // The same events page by page, across the merged walks too.
        assert_eq!(&paged_ids(&db, query, 2).await, expected, "{query}, paged");
    }

    // The chart counts the same events.
    let query = AuditQuery::parse("category:user -action:loginUser after:2026-01-01").expect("q");
    let histogram = search::histogram(&searches, &query)
        .await
        .expect("histogram");
    assert_eq!(histogram.buckets.iter().map(|(_, n)| n).sum::<i64>(), 3);
    let query =
        AuditQuery::parse("action:createBase action:deleteBase after:2026-01-01").expect("q");
    let histogram = search::histogram(&searches, &query)
        .await
        .expect("histogram");
    assert_eq!(histogram.buckets.iter().map(|(_, n)| n).sum::<i64>(), 3);
}

/// A phrase as common in its category as a base's name (one event in a hundred), in a
/// copy large enough that walking on is cheaper than the full-text index: the search reads
/// the 5,000 newest events of the category, finds exactly 50 (not a page and one), and walks
/// on from the 5,000th without reading those again (4 × 1% × 130,000 events > 51 ÷ 1%).
/// Every page must be exactly the plain conditions' events, in order — with the category's
/// walk and with two actions' walks merged.
#[tokio::test]
async fn a_walk_that_falls_short_goes_on_where_it_stopped() {
    let t = TestConsole::start().await;
    let db = t.db().await;
    let searches = search::SearchPool::beside(&db);
    sqlx::query(
        "INSERT INTO audit_events (id, occurred_at, action, category, actor_type, raw)
         SELECT format('01WALK%s', lpad(n::text, 18, '0')),
                timestamptz '2026-01-05 12:00:00Z' + make_interval(secs => n),
                CASE WHEN n % 2 = 0 THEN 'viewBase' ELSE 'moveBase' END, 'base', 'user',
                jsonb_build_object('payload', jsonb_build_object('name',
                    CASE WHEN n % 100 = 0 THEN 'Hiring tracker' ELSE format('Budget %s', n) END))
           FROM generate_series(1, 130000) AS n",
    )
    .execute(&db)
    .await
    .expect("events");
    sqlx::query("ANALYZE audit_events")
        .execute(&db)
        .await
        .expect("analyze");
    for (query, plain) in [
        ("category:base \"hiring tracker\"", "category = 'base'"),
        (
            "action:viewBase action:moveBase \"hiring tracker\"",
            "action IN ('viewBase', 'moveBase')",
        ),
    ] {
        let expected: Vec<String> = sqlx::query_scalar(&format!(
            "SELECT id FROM audit_events
              WHERE {plain} AND search @@ phraseto_tsquery('simple', 'hiring tracker')
              ORDER BY occurred_at DESC, id DESC"
        ))
        .fetch_all(&db)
        .await
        .expect("plain conditions");
        assert_eq!(expected.len(), 1300, "{query}");
        let parsed = AuditQuery::parse(query).expect("query parses");
        let mut seen = Vec::new();
        let mut cursor = None;
        loop {
            let (events, next) = search::search(&searches, &parsed, cursor.as_ref(), 50)
                .await
                .expect("page");
            seen.extend(events.into_iter().map(|e| e.id));
            match next {
                // Only the first pages: the walks are the same from any cursor.
                Some(next) if seen.len() < 500 => cursor = Some(next),
                _ => break,
            }
        }
        assert_eq!(seen, expected[..seen.len()], "{query}");
        assert_eq!(seen.len(), 500, "{query}");
    }
}
