//! Service-account mode: no OAuth integration; a sign-in proxy names the person in a header
//! and every Airtable call uses the configured service token.

mod common;

use airtable_sim::SimConfig;
use common::session::{count_of, get_response};
use common::TestConsole;
use reqwest::StatusCode;

const HEADER: &str = "x-forwarded-email";

async fn console_behind_a_proxy() -> (TestConsole, airtable_sim::RunningSim) {
    let sim = common::spawn_tiny_sim(SimConfig::default()).await;
    let info = sim.info();
    let first_admin = info.admins[0].email.clone();
    let t = TestConsole::start_with(&[
        ("AIRTABLE_API_URL", &sim.base_url()),
        (
            "AIRTABLE_ENTERPRISE_ID",
            &info.enterprise_account_id.to_string(),
        ),
        ("AIRTABLE_SERVICE_TOKEN", &info.token.to_string()),
        ("CONSOLE_TRUSTED_EMAIL_HEADER", HEADER),
        ("CONSOLE_FIRST_ADMIN", &first_admin),
        // Required outside demo mode: the action log's key (base64 of 32 bytes).
        (
            "CONSOLE_LOG_KEY",
            "c2VydmljZS1hY2NvdW50LW1vZGUtdGVzdC1sb2cta2U=",
        ),
    ])
    .await;
    (t, sim)
}

/// `GET /` in `browser` through the proxy, which names `email` as the person.
async fn overview_through_proxy(
    t: &TestConsole,
    browser: &reqwest::Client,
    email: &str,
) -> reqwest::Response {
    browser
        .get(t.url("/"))
        .header(HEADER, email)
        .send()
        .await
        .expect("overview")
}

#[tokio::test]
async fn the_proxy_names_the_person_and_the_service_token_does_the_work() {
    let (t, sim) = console_behind_a_proxy().await;
    let admin = sim.info().admins[0].clone();
    let browser = t.browser();

    // Through the proxy: signed in at once, and the overview reads Airtable.
    let page = overview_through_proxy(&t, &browser, &admin.email).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.expect("html");
    assert!(
        html.contains(&sim.info().enterprise_account_id.to_string()),
        "overview shows the enterprise"
    );
    assert!(
        html.contains(&admin.email),
        "signed in as the proxy's person"
    );

    // No Airtable token is stored for a proxy sign-in.
    let stored: Option<Vec<u8>> =
        sqlx::query_scalar("SELECT access_token FROM logins WHERE ended_at IS NULL")
            .fetch_one(&t.db().await)
            .await
            .expect("login row");
    assert_eq!(stored, None);

    // Without the header (someone bypassing the proxy with no session): the sign-in page.
    let bypass = get_response(&t, &t.browser(), "/").await;
    assert!(bypass.status().is_redirection());
    assert_eq!(common::location(&bypass), "/signin");

    // The proxy now names someone else on the same browser: the old session ends.
    let other = sim.info().admins[1].clone();
    let switched = overview_through_proxy(&t, &browser, &other.email).await;
    assert!(switched.status().is_redirection());
    let ended = count_of(
        &t,
        "SELECT count(*) FROM logins WHERE end_reason = 'the sign-in proxy changed person'",
    )
    .await;
    assert_eq!(ended, 1);
}

#[tokio::test]
async fn people_who_are_not_enterprise_admins_are_refused() {
    let (t, sim) = console_behind_a_proxy().await;
    let outsider = sim.info().non_admins[0].clone();
    let response = overview_through_proxy(&t, &t.browser(), &outsider.email).await;
    assert!(response.status().is_redirection());
    assert_eq!(common::location(&response), "/signin?error=not_admin");
    let unknown = overview_through_proxy(&t, &t.browser(), "nobody@example.invalid").await;
    assert_eq!(common::location(&unknown), "/signin?error=not_admin");
    // And OAuth sign-in is not offered in this mode.
    let login = get_response(&t, &t.browser(), "/auth/login").await;
    assert_eq!(common::location(&login), "/signin?error=proxy");
}

#[tokio::test]
async fn the_mode_needs_the_proxy_header_setting() {
    let vars = std::collections::HashMap::from([
        ("AIRTABLE_ENTERPRISE_ID", "entXdP2Pjq80vVO8W"),
        ("AIRTABLE_SERVICE_TOKEN", "patSomething"),
    ]);
    let error =
        console_server::config::Settings::from_lookup(|name| vars.get(name).map(|v| v.to_string()))
            .expect_err("refused");
    assert!(
        error.to_string().contains("CONSOLE_TRUSTED_EMAIL_HEADER"),
        "{error}"
    );
}
