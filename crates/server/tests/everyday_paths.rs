//! Everyday answers a new admin meets, over real HTTP: an address with no page, the words of
//! the notices an approval sends, the links of an audit event page, and the audit chart
//! drawn for the theme someone chose.

mod common;

use airtable_client::models::AuditEvent;
use common::session::{
    get, get_response, post_ok, request_action, sign_in_as, sign_in_person, Person,
};
use common::TestConsole;
use console_app::api::Role;
use reqwest::StatusCode;
use scraper::{Html, Selector};
use serde_json::json;

async fn page(t: &TestConsole, browser: &reqwest::Client, path: &str) -> (StatusCode, String) {
    let response = get_response(t, browser, path).await;
    let status = response.status();
    (status, response.text().await.expect("body"))
}

fn texts(html: &str, selector: &str) -> Vec<String> {
    let selector = Selector::parse(selector).expect("selector");
    Html::parse_document(html)
        .select(&selector)
        .map(|e| e.text().collect::<String>().trim().to_string())
        .collect()
}

#[tokio::test]
async fn an_address_with_no_page_answers_404_with_the_consoles_own_page() {
    let t = TestConsole::start().await;

    // Signed in: the console's page, with its navigation, and a 404.
    let admin = sign_in_as(&t, Role::Admin).await;
    let (status, html) = page(&t, &admin.browser, "/no/such/page").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(texts(&html, "[data-testid=not-found]"), ["Page not found"]);
    assert!(
        texts(&html, "nav[aria-label=Main] a").contains(&"Audit log".to_string()),
        "the header's navigation is there: {html}"
    );
    let (status, html) = page(&t, &admin.browser, "/users/usrX/nothing-here").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(html.contains("There is no page at this address"), "{html}");

    // Not signed in: the same page, plain, without the navigation; the console's own
    // pages still send a stranger to sign in.
    let stranger = t.browser();
    for path in ["/no/such/page", "/auth/no-such-step"] {
        let (status, html) = page(&t, &stranger, path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(texts(&html, "[data-testid=not-found]"), ["Page not found"]);
        assert!(texts(&html, "nav[aria-label=Main]").is_empty(), "{html}");
    }
    for path in ["/", "/users", "/users/usrX", "/audit/chart.svg"] {
        let response = get_response(&t, &stranger, path).await;
        assert!(
            response.status().is_redirection() || response.status() == StatusCode::UNAUTHORIZED,
            "{path}: {}",
            response.status()
        );
    }

    // Pages that exist still answer 200.
    let (status, _) = page(&t, &admin.browser, "/approvals").await;
    assert_eq!(status, StatusCode::OK);
}

/// Asks for `action` as `who`; returns the request ID.
async fn request(t: &TestConsole, who: &Person, action: &str) -> String {
    let (status, body) = request_action(t, who, action, "left the company").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["Requested"]["id"]
        .as_str()
        .expect("a request id")
        .to_string()
}

#[tokio::test]
async fn the_approver_is_not_told_it_was_their_request() {
    let t = TestConsole::start().await;
    let info = t.sim().info();
    let requester_email = info.admins[0].email.to_string();
    let approver_email = info.admins[1].email.to_string();
    let requester = sign_in_person(&t, &requester_email, Role::Operator).await;
    let approver = sign_in_person(&t, &approver_email, Role::Approver).await;
    let target = info.non_admins[0].id.to_string();
    let id = request(
        &t,
        &requester,
        &json!({ "kind": "delete_user", "user": target }).to_string(),
    )
    .await;
    let (_, detail) = get(&t, &approver, &format!("/api/approvals/get?id={id}")).await;
    post_ok(
        &t,
        &approver,
        "/api/approvals/approve",
        &[
            ("id", &id),
            (
                "call_hash",
                detail["call_hash"].as_str().unwrap_or_default(),
            ),
            (
                "fingerprint",
                detail["compared_fingerprint"].as_str().unwrap_or_default(),
            ),
            ("comment", "checked"),
        ],
    )
    .await;

    let notices: Vec<(String, String)> = sqlx::query_as(
        "SELECT to_email, body FROM outbox WHERE approval_id = $1::uuid AND subject LIKE 'Done:%'",
    )
    .bind(&id)
    .fetch_all(&t.db().await)
    .await
    .expect("outbox");
    let to = |email: &str| {
        notices
            .iter()
            .find(|(to, _)| to.eq_ignore_ascii_case(email))
            .map(|(_, body)| body.clone())
            .unwrap_or_else(|| panic!("a notice to {email}: {notices:?}"))
    };
    let to_requester = to(&requester_email);
    assert!(to_requester.contains("Your request"), "{to_requester}");
    let to_approver = to(&approver_email);
    assert!(!to_approver.contains("Your request"), "{to_approver}");
    assert!(
        to_approver.contains(&format!(
            "The request by {requester_email} that you approved"
        )),
        "{to_approver}"
    );
}

fn audit_event() -> AuditEvent {
    serde_json::from_value(json!({
        "id": "01EVERYDAY00000000000000001",
        "timestamp": "2026-01-05T12:00:00.000Z",
        "action": "deactivateUser",
        "actor": { "type": "user", "user": { "id": "usrADMIN000000001", "email": "admin@corp.com", "name": "An Admin" } },
        "modelId": "usrTARGET00000001",
        "modelType": "user",
        "payload": {},
        "payloadVersion": "1.0",
        "context": { "enterpriseAccountId": "entEVERYDAY000001", "actionId": "act00000000000001" },
        "origin": { "ipAddress": "203.0.113.7", "userAgent": "test-agent/1.0", "sessionId": "sesX" },
    }))
    .expect("a valid Airtable audit event")
}

#[tokio::test]
async fn an_audit_event_says_which_user_page_is_whose() {
    let t = TestConsole::start().await;
    let db = t.db().await;
    let mut tx = db.begin().await.expect("tx");
    console_core::audit::ingest::store_events(&mut tx, &[audit_event()])
        .await
        .expect("store");
    tx.commit().await.expect("commit");
    let viewer = sign_in_as(&t, Role::Viewer).await;
    let (status, html) = page(
        &t,
        &viewer.browser,
        "/audit/events/01EVERYDAY00000000000000001",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let links = texts(&html, "ul.related a[href^='/users?q=']");
    assert_eq!(
        links,
        [
            "The user page of the person who did it (usrADMIN000000001)",
            "The user page of the person it was done to (usrTARGET00000001)",
        ],
        "{html}"
    );
}

#[tokio::test]
async fn the_audit_chart_is_drawn_for_the_chosen_theme() {
    let t = TestConsole::start().await;
    // A browser that chose the dark theme (the toggle keeps the choice in a cookie).
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    let browser = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let email = t.sim().info().admins[0].email.to_string();
    assert_eq!(t.sign_in(&browser, &email).await, "/");
    let (status, html) = page(&t, &browser, "/audit").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        !html.contains("data-theme="),
        "no choice yet: the system decides"
    );
    jar.add_cookie_str(
        "console_theme=dark; Path=/",
        &t.url("/").parse().expect("url"),
    );
    // The page is sent in the chosen theme and asks for the chart in it.
    let (status, html) = page(&t, &browser, "/audit").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(r#"data-theme="dark""#), "{html}");
    let chart = Html::parse_document(&html)
        .select(&Selector::parse("img.chart").expect("selector"))
        .next()
        .and_then(|img| img.attr("src").map(str::to_string))
        .expect("the chart");
    assert!(chart.ends_with("theme=dark"), "{chart}");

    let (_, dark) = page(&t, &browser, &chart).await;
    let (_, unchosen) = page(&t, &browser, "/audit/chart.svg").await;
    for svg in [&dark, &unchosen] {
        // Words and axis follow the colour set for the background, never a fixed dark grey.
        assert!(svg.contains(r#"fill="currentColor""#), "{svg}");
        assert!(!svg.contains("#444") && !svg.contains("#666"), "{svg}");
    }
    assert!(dark.contains("svg{color:#b3bac4}"), "{dark}");
    assert!(
        unchosen.contains("@media (prefers-color-scheme: dark)"),
        "{unchosen}"
    );
}
