//! Sign-in, sessions and token custody, over real HTTP against the in-process simulator.

mod common;

use common::session::{execute_sql, get_response, post_form, sign_out_everywhere};
use common::{location, TestConsole};
use reqwest::{header, StatusCode};
use sqlx::Row;

/// `browser` has no session: the overview sends it to the sign-in page.
async fn assert_signed_out(t: &TestConsole, browser: &reqwest::Client) {
    let response = get_response(t, browser, "/").await;
    assert_eq!(location(&response), "/signin");
}

#[tokio::test]
async fn admin_signs_in_and_the_session_reaches_the_overview() {
    let t = TestConsole::start().await;
    let browser = t.admin_browser().await;

    let page = get_response(&t, &browser, "/").await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.expect("html");
    assert!(
        html.contains(&t.sim().info().enterprise_account_id),
        "overview names the enterprise"
    );
}

#[tokio::test]
async fn pages_need_a_session() {
    let t = TestConsole::start().await;
    let response = get_response(&t, &t.browser(), "/").await;
    assert!(response.status().is_redirection());
    assert_eq!(location(&response), "/signin");
}

#[tokio::test]
async fn non_admins_are_refused() {
    let t = TestConsole::start().await;
    let person = t.sim().info().non_admins[0].clone();
    let browser = t.browser();
    assert_eq!(
        t.sign_in(&browser, &person.email).await,
        "/signin?error=not_admin"
    );
    let response = get_response(&t, &browser, "/").await;
    assert_eq!(location(&response), "/signin", "no session was created");
}

#[tokio::test]
async fn a_tampered_state_is_refused() {
    let t = TestConsole::start().await;
    let admin = t.sim().info().admins[0].clone();
    let browser = t.browser();
    let callback = t.callback_for(&browser, &admin.email).await;
    let mut url = url::Url::parse(&callback).expect("callback url");
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == "state" {
                format!("{v}x")
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    url.query_pairs_mut().clear().extend_pairs(pairs);
    assert_eq!(
        t.follow_callback(&browser, url.as_str()).await,
        "/signin?error=state"
    );
}

#[tokio::test]
async fn a_callback_from_another_browser_is_refused() {
    let t = TestConsole::start().await;
    let admin = t.sim().info().admins[0].clone();
    let victim = t.browser();
    let callback = t.callback_for(&victim, &admin.email).await;
    // An attacker's browser replaying the callback lacks the state cookie.
    let attacker = t.browser();
    assert_eq!(
        t.follow_callback(&attacker, &callback).await,
        "/signin?error=state"
    );
}

#[tokio::test]
async fn a_state_is_used_once_and_expires() {
    let t = TestConsole::start().await;
    let admin = t.sim().info().admins[0].clone();
    let browser = t.browser();
    let authorize = t.start_sign_in(&browser).await;
    // Age the pending sign-in past Airtable's ten-minute code lifetime.
    execute_sql(
        &t,
        "UPDATE oauth_pending SET created_at = now() - interval '11 minutes'",
    )
    .await;
    let callback = t.approve_at_sim(&browser, &authorize, &admin.email).await;
    assert_eq!(
        t.follow_callback(&browser, &callback).await,
        "/signin?error=state"
    );
}

#[tokio::test]
async fn tokens_are_stored_encrypted_and_never_sent_to_the_browser() {
    let t = TestConsole::start().await;
    let browser = t.admin_browser().await;

    let db = t.db().await;
    let row = sqlx::query("SELECT id, access_token, refresh_token FROM logins")
        .fetch_one(&db)
        .await
        .expect("login");
    let id: uuid::Uuid = row.get("id");
    let sealed: Vec<u8> = row.get("access_token");
    let plain = t
        .console
        .state
        .console
        .cipher
        .decrypt(&sealed, id.as_bytes())
        .expect("decrypts with the key");
    assert!(plain.len() > 10);
    let sealed_text = String::from_utf8_lossy(&sealed);
    assert!(
        !sealed_text.contains(&plain),
        "the stored access token is ciphertext"
    );
    let refresh: Option<Vec<u8>> = row.get("refresh_token");
    assert!(refresh.is_some(), "a refresh token is kept");

    for path in ["/", "/signin"] {
        let response = get_response(&t, &browser, path).await;
        let headers = format!("{:?}", response.headers());
        let body = response.text().await.expect("body");
        assert!(
            !body.contains(&plain) && !headers.contains(&plain),
            "{path} leaks the token"
        );
    }
}

#[tokio::test]
async fn sign_out_ends_the_server_side_session() {
    let t = TestConsole::start().await;
    let browser = t.admin_browser().await;
    let db = t.db().await;
    let csrf: String = sqlx::query_scalar("SELECT csrf_token FROM logins")
        .fetch_one(&db)
        .await
        .expect("login");

    // Without the form token the sign-out is refused.
    let refused = post_form(&t, &browser, "/auth/logout", &[("csrf_token", "wrong")]).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);

    let response = post_form(
        &t,
        &browser,
        "/auth/logout",
        &[("csrf_token", csrf.as_str())],
    )
    .await;
    assert_eq!(location(&response), "/signin?error=signed_out");
    let ended: Option<chrono::DateTime<chrono::Utc>> =
        sqlx::query_scalar("SELECT ended_at FROM logins")
            .fetch_one(&db)
            .await
            .expect("login");
    assert!(ended.is_some(), "the sign-in is ended on the server");
    assert_signed_out(&t, &browser).await;
}

#[tokio::test]
async fn cross_site_writes_are_refused() {
    let t = TestConsole::start().await;
    let browser = t.browser();
    for origin in ["https://evil.example", "http://localhost:3000", "null"] {
        let response = browser
            .post(t.url("/auth/logout"))
            .header(header::ORIGIN, origin)
            .form(&[("csrf_token", "x")])
            .send()
            .await
            .expect("post");
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "origin {origin}");
    }
    let response = browser
        .post(t.url("/api/overview"))
        .send()
        .await
        .expect("post without origin");
    assert_eq!(
        response.status(),
        StatusCode::FORBIDDEN,
        "no Origin and no Referer"
    );
}

#[tokio::test]
async fn sign_in_sets_a_strict_http_only_session_cookie() {
    let t = TestConsole::start().await;
    let admin = t.sim().info().admins[0].clone();
    let browser = t.browser();
    let callback = t.callback_for(&browser, &admin.email).await;
    let response = browser.get(&callback).send().await.expect("callback");
    assert_eq!(response.status(), StatusCode::OK);
    let cookies: Vec<String> = response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok().map(str::to_string))
        .collect();
    let session_cookie = cookies
        .iter()
        .find(|c| c.starts_with("console_session="))
        .expect("a session cookie is set");
    assert!(session_cookie.contains("HttpOnly"));
    assert!(session_cookie.contains("SameSite=Strict"));
}

#[tokio::test]
async fn an_expired_access_token_is_refreshed_with_rotation() {
    let t = TestConsole::start().await;
    let browser = t.admin_browser().await;
    let db = t.db().await;
    let before: (Vec<u8>, Vec<u8>) =
        sqlx::query_as("SELECT access_token, refresh_token FROM logins")
            .fetch_one(&db)
            .await
            .expect("login");
    execute_sql(
        &t,
        "UPDATE logins SET access_expires_at = now() - interval '1 minute'",
    )
    .await;

    let html = get_response(&t, &browser, "/")
        .await
        .text()
        .await
        .expect("html");
    assert!(
        html.contains(&t.sim().info().enterprise_account_id),
        "the overview loads after a refresh"
    );

    let after: (Vec<u8>, Vec<u8>, chrono::DateTime<chrono::Utc>) =
        sqlx::query_as("SELECT access_token, refresh_token, access_expires_at FROM logins")
            .fetch_one(&db)
            .await
            .expect("login");
    assert_ne!(before.0, after.0, "a new access token was stored");
    assert_ne!(
        before.1, after.1,
        "a new refresh token was stored (rotation)"
    );
    assert!(after.2 > chrono::Utc::now(), "the new token is not expired");
}

#[tokio::test]
async fn a_failed_refresh_ends_the_sign_in() {
    let t = TestConsole::start().await;
    let browser = t.admin_browser().await;
    let db = t.db().await;
    let id: uuid::Uuid = sqlx::query_scalar("SELECT id FROM logins")
        .fetch_one(&db)
        .await
        .expect("login");
    // A refresh token Airtable no longer knows (say, revoked by an admin at Airtable).
    let revoked = t
        .console
        .state
        .console
        .cipher
        .encrypt("oarRevokedRefreshToken", id.as_bytes());
    sqlx::query(
        "UPDATE logins SET refresh_token = $1, access_expires_at = now() - interval '1 minute'",
    )
    .bind(revoked)
    .execute(&db)
    .await
    .expect("expire");

    let html = get_response(&t, &browser, "/")
        .await
        .text()
        .await
        .expect("html");
    assert!(
        html.contains("not signed in"),
        "the page says the session ended"
    );
    let ended: (Option<chrono::DateTime<chrono::Utc>>, Option<String>) =
        sqlx::query_as("SELECT ended_at, end_reason FROM logins")
            .fetch_one(&db)
            .await
            .expect("login");
    assert!(ended.0.is_some());
    assert_eq!(ended.1.as_deref(), Some("token refresh failed"));
    assert_signed_out(&t, &browser).await;
}

#[tokio::test]
async fn a_sign_in_past_its_absolute_lifetime_is_over() {
    let t = TestConsole::start().await;
    let browser = t.admin_browser().await;
    execute_sql(
        &t,
        "UPDATE logins SET expires_at = now() - interval '1 second'",
    )
    .await;
    assert_signed_out(&t, &browser).await;
}

#[tokio::test]
async fn signing_out_everywhere_ends_every_session_of_the_person() {
    let t = TestConsole::start().await;
    let admin = t.sim().info().admins[0].clone();
    let laptop = t.browser();
    let phone = t.browser();
    assert_eq!(t.sign_in(&laptop, &admin.email).await, "/");
    assert_eq!(t.sign_in(&phone, &admin.email).await, "/");
    let db = t.db().await;
    let csrf: String =
        sqlx::query_scalar("SELECT csrf_token FROM logins ORDER BY created_at LIMIT 1")
            .fetch_one(&db)
            .await
            .expect("login");
    let response = sign_out_everywhere(&t, &laptop, &csrf).await;
    assert_eq!(location(&response), "/signin?error=signed_out");
    let live: i64 = sqlx::query_scalar("SELECT count(*) FROM logins WHERE ended_at IS NULL")
        .fetch_one(&db)
        .await
        .expect("count");
    assert_eq!(live, 0);
    for browser in [&laptop, &phone] {
        assert_signed_out(&t, browser).await;
    }
}
