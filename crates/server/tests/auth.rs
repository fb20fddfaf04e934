//! Sign-in, sessions and token custody, over real HTTP against the in-process simulator.

mod common;

use common::{location, TestConsole};
use reqwest::{header, StatusCode};
use sqlx::Row;

#[tokio::test]
async fn admin_signs_in_and_the_session_reaches_the_overview() {
    let t = TestConsole::start().await;
    let admin = t.sim().info().admins[0].clone();
    let browser = t.browser();
    assert_eq!(t.sign_in(&browser, &admin.email).await, "/");

    let page = browser.get(t.url("/")).send().await.expect("overview");
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
    let response = t.browser().get(t.url("/")).send().await.expect("overview");
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
    let response = browser.get(t.url("/")).send().await.expect("overview");
    assert_eq!(location(&response), "/signin", "no session was created");
}

#[tokio::test]
async fn a_tampered_state_is_refused() {
    let t = TestConsole::start().await;
    let admin = t.sim().info().admins[0].clone();
    let browser = t.browser();
    let authorize = t.start_sign_in(&browser).await;
    let callback = t.approve_at_sim(&browser, &authorize, &admin.email).await;
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
    let authorize = t.start_sign_in(&victim).await;
    let callback = t.approve_at_sim(&victim, &authorize, &admin.email).await;
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
    let db = t.db().await;
    sqlx::query("UPDATE oauth_pending SET created_at = now() - interval '11 minutes'")
        .execute(&db)
        .await
        .expect("age");
    let callback = t.approve_at_sim(&browser, &authorize, &admin.email).await;
    assert_eq!(
        t.follow_callback(&browser, &callback).await,
        "/signin?error=state"
    );
}

#[tokio::test]
async fn tokens_are_stored_encrypted_and_never_sent_to_the_browser() {
    let t = TestConsole::start().await;
    let admin = t.sim().info().admins[0].clone();
    let browser = t.browser();
    assert_eq!(t.sign_in(&browser, &admin.email).await, "/");

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
        let response = browser.get(t.url(path)).send().await.expect("page");
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
    let admin = t.sim().info().admins[0].clone();
    let browser = t.browser();
    assert_eq!(t.sign_in(&browser, &admin.email).await, "/");
    let db = t.db().await;
    let csrf: String = sqlx::query_scalar("SELECT csrf_token FROM logins")
        .fetch_one(&db)
        .await
        .expect("login");

    // Without the form token the sign-out is refused.
    let refused = browser
        .post(t.url("/auth/logout"))
        .header(header::ORIGIN, t.console.url())
        .form(&[("csrf_token", "wrong")])
        .send()
        .await
        .expect("logout");
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);

    let response = browser
        .post(t.url("/auth/logout"))
        .header(header::ORIGIN, t.console.url())
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .expect("logout");
    assert_eq!(location(&response), "/signin?error=signed_out");
    let ended: Option<chrono::DateTime<chrono::Utc>> =
        sqlx::query_scalar("SELECT ended_at FROM logins")
            .fetch_one(&db)
            .await
            .expect("login");
    assert!(ended.is_some(), "the sign-in is ended on the server");
    let response = browser.get(t.url("/")).send().await.expect("overview");
    assert_eq!(location(&response), "/signin");
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
    let authorize = t.start_sign_in(&browser).await;
    let callback = t.approve_at_sim(&browser, &authorize, &admin.email).await;
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
