//! The HTTP layer over real HTTP against small stub servers: retries, Retry-After, no retry
//! of non-idempotent calls, timeouts, headers, query encoding, batching, audit pagination,
//! rate limiting.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use airtable_client::ids::{EnterpriseId, UserId};
use airtable_client::models::{AuditCursor, SortOrder};
use airtable_client::{AccessToken, Client, Error, RateLimit, RetryPolicy};
use axum::extract::{Query, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use futures::TryStreamExt;
use serde_json::{json, Value};

const ENT: &str = "entUBq2RGdihxl3vU";

async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, router).await.unwrap();
    });
    format!("http://{addr}")
}

fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        max_retries: 3,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(50),
        rate_limited_wait: Duration::from_millis(200),
        max_retry_after: Duration::from_secs(5),
    }
}

fn client(base: &str) -> Client {
    Client::builder()
        .base_url(base)
        .token(AccessToken::new("test-token-123"))
        .retry_policy(fast_retries())
        .no_rate_limit()
        .build()
        .unwrap()
}

#[derive(Clone, Default)]
struct Hits(Arc<AtomicUsize>);

impl Hits {
    fn next(&self) -> usize {
        self.0.fetch_add(1, Ordering::SeqCst) + 1
    }
    fn get(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

fn whoami_ok() -> Response {
    Json(json!({"id": "usrL2PNC5o3H4lBEi", "scopes": ["user.email:read"]})).into_response()
}

/// A `whoami` that answers its first `limited` calls with a 429 and `Retry-After:
/// retry_after` (seconds), then succeeds; `hits` counts the calls.
async fn whoami_rate_limited(hits: &Hits, limited: usize, retry_after: &'static str) -> String {
    serve(
        Router::new()
            .route(
                "/v0/meta/whoami",
                get(move |State(h): State<Hits>| async move {
                    if h.next() <= limited {
                        (
                            StatusCode::TOO_MANY_REQUESTS,
                            [("retry-after", retry_after)],
                            Json(json!({"errors": [{"error": "RATE_LIMIT_REACHED"}]})),
                        )
                            .into_response()
                    } else {
                        whoami_ok()
                    }
                }),
            )
            .with_state(hits.clone()),
    )
    .await
}

#[tokio::test]
async fn sends_bearer_token_and_parses_reply() {
    let seen = Arc::new(Mutex::new(None::<String>));
    let s2 = seen.clone();
    let base = serve(Router::new().route(
        "/v0/meta/whoami",
        get(move |h: HeaderMap| {
            let s2 = s2.clone();
            async move {
                *s2.lock().unwrap() = h
                    .get("authorization")
                    .map(|v| v.to_str().unwrap().to_owned());
                whoami_ok()
            }
        }),
    ))
    .await;
    let me = client(&base).whoami().await.unwrap();
    assert_eq!(me.id, "usrL2PNC5o3H4lBEi");
    assert_eq!(
        seen.lock().unwrap().as_deref(),
        Some("Bearer test-token-123")
    );
}

#[tokio::test]
async fn rate_limited_then_ok_honours_retry_after() {
    let hits = Hits::default();
    let base = whoami_rate_limited(&hits, 1, "1").await;
    let started = Instant::now();
    client(&base).whoami().await.unwrap();
    assert_eq!(hits.get(), 2);
    assert!(
        started.elapsed() >= Duration::from_millis(1000),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn rate_limited_post_is_retried() {
    let hits = Hits::default();
    let base = serve(
        Router::new()
            .route(
                "/v0/meta/enterpriseAccounts/{id}/users/{uid}/logout",
                post(|State(h): State<Hits>| async move {
                    if h.next() == 1 {
                        StatusCode::TOO_MANY_REQUESTS.into_response()
                    } else {
                        Json(json!({})).into_response()
                    }
                }),
            )
            .with_state(hits.clone()),
    )
    .await;
    let ent: EnterpriseId = ENT.parse().unwrap();
    let usr: UserId = "usrL2PNC5o3H4lBEi".parse().unwrap();
    client(&base)
        .enterprise(&ent)
        .user(&usr)
        .logout()
        .await
        .unwrap();
    assert_eq!(hits.get(), 2);
}

#[tokio::test]
async fn server_errors_retry_get_but_never_post() {
    let hits = Hits::default();
    let base = serve(
        Router::new()
            .route(
                "/v0/meta/whoami",
                get(|State(h): State<Hits>| async move {
                    if h.next() <= 2 {
                        StatusCode::SERVICE_UNAVAILABLE.into_response()
                    } else {
                        whoami_ok()
                    }
                }),
            )
            .route(
                "/v0/meta/enterpriseAccounts/{id}/users/{uid}/logout",
                post(|State(h): State<Hits>| async move {
                    h.next();
                    (StatusCode::BAD_GATEWAY, "upstream broke").into_response()
                }),
            )
            .with_state(hits.clone()),
    )
    .await;
    let c = client(&base);
    c.whoami().await.unwrap();
    assert_eq!(hits.get(), 3);

    let ent: EnterpriseId = ENT.parse().unwrap();
    let usr: UserId = "usrL2PNC5o3H4lBEi".parse().unwrap();
    let err = c.enterprise(&ent).user(&usr).logout().await.unwrap_err();
    assert_eq!(err.status(), Some(502));
    assert_eq!(hits.get(), 4, "the POST must be sent exactly once");
    assert!(err.is_transient());
}

#[tokio::test]
async fn gives_up_after_max_retries() {
    let hits = Hits::default();
    let base = serve(
        Router::new()
            .route(
                "/v0/meta/whoami",
                get(|State(h): State<Hits>| async move {
                    h.next();
                    StatusCode::INTERNAL_SERVER_ERROR
                }),
            )
            .with_state(hits.clone()),
    )
    .await;
    let err = client(&base).whoami().await.unwrap_err();
    assert_eq!(err.status(), Some(500));
    assert_eq!(hits.get(), 4); // 1 + 3 retries
}

#[tokio::test]
async fn timeouts_retry_get_but_not_delete() {
    let hits = Hits::default();
    let slow = |State(h): State<Hits>| async move {
        h.next();
        tokio::time::sleep(Duration::from_secs(5)).await;
        Json(json!({}))
    };
    let base = serve(
        Router::new()
            .route("/v0/meta/whoami", get(slow))
            .route("/v0/meta/workspaces/{id}", axum::routing::delete(slow))
            .with_state(hits.clone()),
    )
    .await;
    let c = Client::builder()
        .base_url(&base)
        .token(AccessToken::new("t"))
        .timeout(Duration::from_millis(150))
        .retry_policy(RetryPolicy {
            max_retries: 1,
            ..fast_retries()
        })
        .build()
        .unwrap();
    let err = c.whoami().await.unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert_eq!(hits.get(), 2);
    let err = c
        .workspace(&"wspmhESAta6clCCwF".parse().unwrap())
        .delete()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert_eq!(hits.get(), 3, "the DELETE must be sent exactly once");
    assert!(err.user_message().contains("did not answer in time"));
}

#[tokio::test]
async fn connection_refused_is_a_transport_error() {
    // Bind then drop to get a port nothing listens on.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let c = client(&format!("http://127.0.0.1:{port}"));
    let err = c.whoami().await.unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert!(err.is_transient());
    assert!(!format!("{err:?}").contains("test-token-123"));
    assert!(!err.to_string().contains("test-token-123"));
}

#[tokio::test]
async fn error_bodies_are_kept() {
    let base = serve(
        Router::new()
            .route(
                "/v0/meta/enterpriseAccounts/{id}",
                get(|| async { (StatusCode::NOT_FOUND, Json(json!({"error": "NOT_FOUND"}))) }),
            )
            .route(
                "/v0/meta/groups/{id}",
                get(|| async {
                    (
                        StatusCode::FORBIDDEN,
                        Json(json!({"error": {"type": "INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND", "message": "Invalid permissions, or the requested model was not found."}})),
                    )
                }),
            ),
    )
    .await;
    let c = client(&base);
    let err = c
        .enterprise(&ENT.parse().unwrap())
        .get()
        .send()
        .await
        .unwrap_err();
    assert!(err.is_not_found() && err.likely_not_enterprise());
    assert_eq!(err.airtable_type(), Some("NOT_FOUND"));
    assert_eq!(
        err.user_message(),
        "Not found, or the account is not on an Enterprise plan. Airtable said: \"NOT_FOUND\"."
    );
    let err = c
        .group(&"ugp1mKGb3KXUyQfOZ".parse().unwrap())
        .get()
        .send()
        .await
        .unwrap_err();
    assert!(err.likely_missing_scope());
    assert_eq!(err.api().unwrap().path, "/v0/meta/groups/{id}");
    assert!(err
        .user_message()
        .starts_with("Airtable says this token lacks the scope"));
}

#[tokio::test]
async fn decode_errors_name_the_route() {
    let base = serve(Router::new().route(
        "/v0/meta/whoami",
        get(|| async { Json(json!({"id": "not-a-user-id"})) }),
    ))
    .await;
    let err = client(&base).whoami().await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Decode {
                path: "/v0/meta/whoami",
                ..
            }
        ),
        "{err:?}"
    );
}

fn user_json(id: &str, email: &str) -> Value {
    json!({"id": id, "email": email, "name": "", "state": "provisioned",
           "isServiceAccount": false, "isSsoRequired": false, "isTwoFactorAuthEnabled": false,
           "lastActivityTime": null})
}

type Pairs = Vec<(String, String)>;

fn fake_user_id(n: usize) -> String {
    format!("usr{n:014}")
}

#[tokio::test]
async fn user_lookups_are_batched_by_100_and_deduplicated() {
    let calls: Arc<Mutex<Vec<Pairs>>> = Arc::default();
    let c2 = calls.clone();
    let base = serve(Router::new().route(
        "/v0/meta/enterpriseAccounts/{id}/users",
        get(move |RawQuery(q): RawQuery| {
            let c2 = c2.clone();
            async move {
                let pairs: Vec<(String, String)> =
                    url::form_urlencoded::parse(q.unwrap_or_default().as_bytes())
                        .into_owned()
                        .collect();
                let mut users = Vec::new();
                for (k, v) in &pairs {
                    match k.as_str() {
                        "id" => users.push(user_json(v, &format!("{v}@example.com"))),
                        // Emails map to user 0, which is also looked up by ID: dedup check.
                        "email" => users.push(user_json(&fake_user_id(0), v)),
                        _ => {}
                    }
                }
                c2.lock().unwrap().push(pairs);
                Json(json!({"users": users}))
            }
        }),
    ))
    .await;
    let ids: Vec<UserId> = (0..250).map(|n| fake_user_id(n).parse().unwrap()).collect();
    let users = client(&base)
        .enterprise(&ENT.parse().unwrap())
        .users()
        .by_ids(ids.iter().cloned().chain(ids.iter().take(5).cloned()))
        .by_emails(["a+b@example.com", "c@example.com"])
        .include_collaborations()
        .concurrency(2)
        .send()
        .await
        .unwrap();
    assert_eq!(users.len(), 250);
    assert_eq!(users[0].id, ids[0]);
    assert_eq!(users[249].id, ids[249]);
    let calls = calls.lock().unwrap();
    assert_eq!(calls.len(), 3);
    for call in calls.iter() {
        let n = call
            .iter()
            .filter(|(k, _)| k == "id" || k == "email")
            .count();
        assert!(n <= 100, "{n}");
        assert!(call.contains(&("include".into(), "collaborations".into())));
    }
    // Emails survive encoding (the + in particular).
    assert!(calls[2].contains(&("email".into(), "a+b@example.com".into())));
}

#[derive(Clone, Default)]
struct AuditState {
    requests: Arc<Mutex<Vec<HashMap<String, String>>>>,
}

fn event(n: u32) -> Value {
    json!({
        "id": format!("01HEVENT{n:018}"),
        "timestamp": format!("2024-01-01T00:00:{n:02}.000Z"),
        "action": "createBase",
        "actor": {"type": "user", "user": {"id": "usrL2PNC5o3H4lBEi", "email": "a@b.c"}},
        "modelId": "appLkNDICXNqxSDhG",
        "modelType": "base",
        "payload": {"name": "x"},
        "payloadVersion": "1.0",
        "context": {"actionId": "actxr1mLqZz1T35FA", "enterpriseAccountId": ENT},
        "origin": {"ipAddress": "1.2.3.4", "userAgent": "test"}
    })
}

/// A log of 5 events, 2 per page. Cursor tokens are positions ("p0".."p5"). Ascending
/// walks follow `next` and, at the end, get an empty page whose `next` is the same position
/// (Airtable keeps a cursor into the future). Descending walks follow `previous`.
async fn audit_handler(
    State(st): State<AuditState>,
    Query(q): Query<HashMap<String, String>>,
) -> Json<Value> {
    st.requests.lock().unwrap().push(q.clone());
    let total = 5u32;
    let size: u32 = q.get("pageSize").and_then(|s| s.parse().ok()).unwrap_or(2);
    let asc = q.get("sortOrder").map(String::as_str) == Some("ascending");
    let pos = |k: &str| {
        q.get(k)
            .map(|t| t.trim_start_matches('p').parse::<u32>().unwrap())
    };
    if asc {
        let start = pos("next").unwrap_or(0);
        let end = (start + size).min(total);
        let events: Vec<Value> = (start..end).map(event).collect();
        Json(
            json!({"events": events, "pagination": {"next": format!("p{end}"), "previous": format!("p{start}")}}),
        )
    } else {
        let end = pos("previous").unwrap_or(total);
        let start = end.saturating_sub(size);
        let events: Vec<Value> = (start..end).rev().map(event).collect();
        let previous = if start == 0 {
            Value::Null
        } else {
            json!(format!("p{start}"))
        };
        Json(
            json!({"events": events, "pagination": {"next": format!("p{end}"), "previous": previous}}),
        )
    }
}

async fn audit_server() -> (String, AuditState) {
    let st = AuditState::default();
    let base = serve(
        Router::new()
            .route(
                "/v0/meta/enterpriseAccounts/{id}/auditLogEvents",
                get(audit_handler),
            )
            .with_state(st.clone()),
    )
    .await;
    (base, st)
}

#[tokio::test]
async fn audit_ascending_walk_stops_when_caught_up_and_resumes() {
    let (base, st) = audit_server().await;
    let c = client(&base);
    let ent: EnterpriseId = ENT.parse().unwrap();
    let pages: Vec<_> = c
        .enterprise(&ent)
        .audit_log()
        .ascending()
        .page_size(2)
        .event_type("createBase")
        .category("base")
        .stream()
        .try_collect()
        .await
        .unwrap();
    // p0→p2, p2→p4, p4→p5, then an empty page at p5 whose cursor does not move.
    let sizes: Vec<usize> = pages.iter().map(|p| p.events.len()).collect();
    assert_eq!(sizes, [2, 2, 1, 0]);
    let last = pages.last().unwrap().cursor.clone().unwrap();
    assert_eq!(last, AuditCursor::new(SortOrder::Ascending, "p5"));
    {
        let reqs = st.requests.lock().unwrap();
        assert_eq!(
            reqs[0].get("sortOrder").map(String::as_str),
            Some("ascending")
        );
        assert_eq!(
            reqs[0].get("eventType").map(String::as_str),
            Some("createBase")
        );
        assert!(!reqs[0].contains_key("next"));
        assert_eq!(reqs[1].get("next").map(String::as_str), Some("p2"));
    }

    // Resume from a saved cursor string: only the new page is fetched.
    let saved = AuditCursor::new(SortOrder::Ascending, "p3").to_string();
    let events: Vec<_> = c
        .enterprise(&ent)
        .audit_log()
        .page_size(2)
        .resume(saved.parse().unwrap())
        .events()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].id, "01HEVENT000000000000000003");
}

#[tokio::test]
async fn audit_descending_walk_follows_previous_to_the_end() {
    let (base, st) = audit_server().await;
    let c = client(&base);
    let events: Vec<_> = c
        .enterprise(&ENT.parse().unwrap())
        .audit_log()
        .page_size(2)
        .events()
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<u32> = events
        .iter()
        .map(|e| e.id.trim_start_matches("01HEVENT").parse().unwrap())
        .collect();
    assert_eq!(ids, [4, 3, 2, 1, 0]);
    let reqs = st.requests.lock().unwrap();
    assert_eq!(reqs.len(), 3);
    assert_eq!(
        reqs[0].get("sortOrder").map(String::as_str),
        Some("descending")
    );
    assert_eq!(reqs[1].get("previous").map(String::as_str), Some("p3"));
}

#[tokio::test]
async fn audit_max_pages_and_validation() {
    let (base, st) = audit_server().await;
    let c = client(&base);
    let ent: EnterpriseId = ENT.parse().unwrap();
    let pages: Vec<_> = c
        .enterprise(&ent)
        .audit_log()
        .ascending()
        .page_size(1)
        .max_pages(2)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.len(), 2);
    assert_eq!(pages[1].cursor.as_ref().unwrap().token, "p2");
    let err = c
        .enterprise(&ent)
        .audit_log()
        .page_size(5000)
        .stream()
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidRequest(_)), "{err:?}");
    assert_eq!(
        st.requests.lock().unwrap().len(),
        2,
        "an invalid query sends nothing"
    );
}

#[tokio::test]
async fn rate_limit_is_shared_across_clones_of_a_token() {
    let hits = Hits::default();
    let base = serve(
        Router::new()
            .route(
                "/v0/meta/whoami",
                get(|State(h): State<Hits>| async move {
                    h.next();
                    whoami_ok()
                }),
            )
            .with_state(hits.clone()),
    )
    .await;
    let root = Client::builder()
        .base_url(&base)
        .rate_limit(RateLimit::new(1, Duration::from_millis(50)))
        .build()
        .unwrap();
    let a = root.with_token(AccessToken::new("same"));
    let b = root.with_token(AccessToken::new("same"));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for i in 0..11 {
        let c = if i % 2 == 0 { a.clone() } else { b.clone() };
        tasks.push(tokio::spawn(async move { c.whoami().await.unwrap() }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    // 1 immediately, 10 more one per 50 ms: at least 0.5 s.
    assert!(
        started.elapsed() >= Duration::from_millis(480),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(hits.get(), 11);
}

#[tokio::test]
async fn per_base_limit_applies_across_tokens() {
    let hits = Hits::default();
    let base = serve(
        Router::new()
            .route(
                "/v0/meta/bases/{id}/shares",
                get(|State(h): State<Hits>| async move {
                    h.next();
                    Json(json!({"shares": []}))
                }),
            )
            .with_state(hits.clone()),
    )
    .await;
    let root = Client::builder()
        .base_url(&base)
        .no_rate_limit()
        .per_base_rate_limit(Some(RateLimit::new(1, Duration::from_millis(50))))
        .build()
        .unwrap();
    let app: airtable_client::ids::BaseId = "appLkNDICXNqxSDhG".parse().unwrap();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for i in 0..6 {
        // Different tokens, same base: the base's limit still holds.
        let c = root.with_token(AccessToken::new(format!("token-{i}")));
        let app = app.clone();
        tasks.push(tokio::spawn(
            async move { c.base(&app).shares().await.unwrap() },
        ));
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert!(
        started.elapsed() >= Duration::from_millis(240),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(hits.get(), 6);

    // Another base is not held up by the first one's budget.
    let other: airtable_client::ids::BaseId = "appSW9R5uCNmRmfl6".parse().unwrap();
    let c = root.with_token(AccessToken::new("x"));
    let started = Instant::now();
    c.base(&other).shares().await.unwrap();
    assert!(started.elapsed() < Duration::from_millis(200));
}

#[tokio::test]
async fn a_capped_wait_gives_up_on_a_429_instead_of_waiting_it_out() {
    let hits = Hits::default();
    let base = whoami_rate_limited(&hits, 2, "2").await;
    let patient = client(&base);
    let hurried = patient.with_max_wait(Duration::from_millis(300));
    let started = Instant::now();
    let error = hurried.whoami().await.expect_err("gives up");
    assert!(error.is_rate_limited(), "{error}");
    assert_eq!(hits.get(), 1, "no retry that would outlast the cap");
    // The token is paused by that 429: a second hurried call does not even go out, and
    // since the pause outlasts its cap it does not wait the cap out either.
    let second = Instant::now();
    let error = hurried.whoami().await.expect_err("still paused");
    assert!(error.is_rate_limited(), "{error}");
    assert_eq!(hits.get(), 1);
    assert!(
        second.elapsed() < Duration::from_millis(250),
        "answered at once, not after the 300 ms cap: {:?}",
        second.elapsed()
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "returned before the Retry-After: {:?}",
        started.elapsed()
    );
    // Without the cap, the same token waits and gets through.
    patient.whoami().await.expect("waits it out");
    assert_eq!(hits.get(), 3);
}
