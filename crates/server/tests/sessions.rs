//! Sessions off the hot path: a signed-in page view neither reads nor rewrites its session
//! row, the sign-in behind it is touched at most once a minute, and signing out through one
//! console process ends the session in every other process at once.

mod common;

use common::session::*;
use common::{location, TestConsole};
use console_app::api::Role;
use reqwest::StatusCode;

/// The session rows' expiry and the login's last-seen time, as the database holds them.
async fn stored_times(
    t: &TestConsole,
) -> (Vec<time::OffsetDateTime>, chrono::DateTime<chrono::Utc>) {
    let db = t.db().await;
    let expiries: Vec<time::OffsetDateTime> =
        sqlx::query_scalar("SELECT expiry_date FROM tower_sessions.session ORDER BY id")
            .fetch_all(&db)
            .await
            .expect("session rows");
    let seen: chrono::DateTime<chrono::Utc> =
        sqlx::query_scalar("SELECT max(last_seen_at) FROM logins WHERE ended_at IS NULL")
            .fetch_one(&db)
            .await
            .expect("login row");
    (expiries, seen)
}

#[tokio::test]
async fn page_views_do_not_rewrite_the_session_or_the_login() {
    let t = TestConsole::start().await;
    let viewer = sign_in_as(&t, Role::Viewer).await;
    let before = stored_times(&t).await;
    assert_eq!(before.0.len(), 1, "one session row: {before:?}");
    for path in ["/api/whoami", "/", "/api/whoami", "/audit", "/api/whoami"] {
        let status = viewer
            .browser
            .get(t.url(path))
            .send()
            .await
            .expect("view")
            .status();
        assert_eq!(status, StatusCode::OK, "{path}");
    }
    assert_eq!(
        stored_times(&t).await,
        before,
        "five views within a minute wrote neither the session's expiry nor the login's last-seen time"
    );
}

#[tokio::test]
async fn an_old_expiry_or_last_seen_time_is_moved_by_the_next_view() {
    let t = TestConsole::start().await;
    let viewer = sign_in_as(&t, Role::Viewer).await;
    let db = t.db().await;
    // As if the last write were two minutes ago.
    sqlx::query("UPDATE logins SET last_seen_at = now() - interval '2 minutes'")
        .execute(&db)
        .await
        .expect("age the login");
    let aged = stored_times(&t).await;
    assert_eq!(get(&t, &viewer, "/api/whoami").await.0, StatusCode::OK);
    let after = stored_times(&t).await;
    assert!(
        after.1 > aged.1 + chrono::Duration::seconds(100),
        "last seen moved to now: {aged:?} → {after:?}"
    );
}

#[tokio::test]
async fn signing_out_through_one_process_ends_the_session_in_another() {
    let first = TestConsole::start().await;
    let second = TestConsole::start_with(&[("DATABASE_URL", first.database_url.as_str())]).await;
    let person = sign_in_as(&first, Role::Viewer).await;

    // The same browser is signed in through either process (both have seen the session).
    for console in [&first, &second] {
        let me = whoami(console, &person.browser).await;
        assert_eq!(me["email"], person.email.as_str(), "{}", console.url("/"));
    }

    // Out through the second, from another tab of the same browser (a client of its own
    // carrying the same cookie), so that this browser still holds the old cookie after.
    let response = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
        .post(second.url("/auth/logout"))
        .header("cookie", session_cookie(&first).await)
        .header("origin", second.console.url())
        .form(&[("csrf_token", person.csrf.as_str())])
        .send()
        .await
        .expect("sign out");
    assert!(
        response.status().is_redirection(),
        "{:?}: {:?}",
        response.status(),
        response.text().await
    );
    assert_eq!(location(&response), "/signin?error=signed_out");

    // …and the first, which holds the session in its cache, no longer lets the person in,
    // even with the old cookie sent again.
    let me = whoami(&first, &person.browser).await;
    assert!(
        me.is_null(),
        "the first process still admits a signed-out person: {me}"
    );
    let response = get_response(&first, &person.browser, "/users").await;
    assert_eq!(location(&response), "/signin", "sent to sign in");
}
