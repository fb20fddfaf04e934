//! Downloads have their own connections and each person may run two at a time: a third is
//! refused in words before any query starts, and a place frees when a download ends.

mod common;

use common::session::*;
use common::TestConsole;
use console_app::api::Role;
use reqwest::StatusCode;

/// Enough audit events that an export cannot fit in the sockets' buffers: a download whose
/// body nobody reads stays running.
async fn many_events(t: &TestConsole) {
    sqlx::query(
        "INSERT INTO audit_events (id, occurred_at, action, category, actor_type, raw)
         SELECT 'ent' || lpad(n::text, 14, '0'), now() - n * interval '1 second',
                'viewBase', 'base', 'user',
                jsonb_build_object('id', n, 'padding', repeat('x', 400))
           FROM generate_series(1, 60000) AS n",
    )
    .execute(&t.db().await)
    .await
    .expect("events");
}

#[tokio::test]
async fn a_person_runs_two_downloads_at_a_time() {
    let t = TestConsole::start().await;
    many_events(&t).await;
    let viewer = sign_in_as(&t, Role::Viewer).await;
    let export = t.url("/audit/export.ndjson?q=");

    // Two downloads started and not read: both running.
    let mut running = Vec::new();
    for n in 1..=2 {
        let response = viewer.browser.get(&export).send().await.expect("export");
        assert_eq!(response.status(), StatusCode::OK, "download {n}");
        running.push(response);
    }
    // A third is refused in words, and another person is not held back by these.
    let refused = viewer.browser.get(&export).send().await.expect("export");
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    let words = refused.text().await.expect("text");
    assert!(
        words.contains("already have 2 downloads running"),
        "{words}"
    );
    let other = sign_in_person(&t, &t.sim().info().admins[1].email, Role::Viewer).await;
    let theirs = other.browser.get(&export).send().await.expect("export");
    assert_eq!(theirs.status(), StatusCode::OK, "someone else's download");
    drop(theirs);

    // One finishes (read to the end): a place frees, and the next download starts.
    let finished = running.pop().expect("a download");
    let body = finished.bytes().await.expect("the whole export");
    assert_eq!(
        body.iter().filter(|b| **b == b'\n').count(),
        60_000,
        "every event exported"
    );
    let again = viewer.browser.get(&export).send().await.expect("export");
    assert_eq!(again.status(), StatusCode::OK, "a place was freed");
}
