//! Where the console relies on Airtable API surface that no published document or sample
//! backs (the simulator's README, "Assumptions"), a real Airtable may answer otherwise: a
//! 404, or another shape. The simulator's canned answers (`/_sim/faults` with `answer`)
//! stand in for that here, and the console must answer with a clear sentence and a page
//! that still works. Also: an approval whose fresh look at Airtable fails is shown, not
//! broken, and cannot be decided until the look succeeds.

mod common;

use common::session::{get, get_json, page_html, post, post_ok, sign_in_as, sign_in_person};
use common::TestConsole;
use console_app::api::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// Makes the simulator answer every request matching `rule` as the rule says.
async fn fault(t: &TestConsole, rule: Value) {
    let response = common::unmetered_http()
        .post(format!("{}/_sim/faults", t.sim().base_url()))
        .json(&rule)
        .send()
        .await
        .expect("set a fault");
    assert!(response.status().is_success(), "{}", response.status());
}

async fn no_faults(t: &TestConsole) {
    let response = common::unmetered_http()
        .delete(format!("{}/_sim/faults", t.sim().base_url()))
        .send()
        .await
        .expect("clear faults");
    assert!(response.status().is_success());
}

/// The token list, answered by an Airtable without that endpoint (404) or with a shape the
/// console does not know: the page says so in words, where to go instead, and still renders.
#[tokio::test]
async fn a_token_list_airtable_does_not_offer_is_explained() {
    let t = TestConsole::start().await;
    let operator = sign_in_as(&t, Role::Operator).await;
    for (case, answer) in [
        (
            "404",
            json!({ "status": 404, "body": { "error": "NOT_FOUND" } }),
        ),
        (
            "another shape",
            json!({ "status": 200, "body": { "personalAccessTokens": "none" } }),
        ),
    ] {
        fault(
            &t,
            json!({ "path": "*/personalAccessTokens", "method": "GET", "answer": answer }),
        )
        .await;
        let (status, error) = get(&t, &operator, "/api/enterprise/tokens").await;
        assert_eq!(status, StatusCode::BAD_GATEWAY, "{case}: {error}");
        let said = error.to_string();
        assert!(said.contains("not published"), "{case}: {said}");
        assert!(said.contains("admin panel"), "{case}: {said}");
        let html = page_html(&t, &operator, "/enterprise/tokens").await;
        assert!(html.contains("data-testid=\"tokens-error\""), "{case}");
        assert!(html.contains("not published"), "{case}");
    }
    // Revoking needs the list to show the approver what would go: it is refused in the
    // same words, and no request is made.
    let (status, error) = post(
        &t,
        &operator,
        "/api/enterprise/tokens/revoke",
        &[("ids", "patAAAAAAAAAAAAAA"), ("reason", "Leaked in a chat")],
    )
    .await;
    assert!(
        status.is_client_error() || status.is_server_error(),
        "{error}"
    );
    assert!(error.to_string().contains("not published"), "{error}");
    no_faults(&t).await;
    let listed = get_json(&t, &operator, "/api/enterprise/tokens").await;
    assert!(listed["total"].as_u64().is_some_and(|n| n > 0), "{listed}");
}

/// The AI allowlist call answered 404: the change is reported as not made, in words.
#[tokio::test]
async fn an_ai_allowlist_airtable_does_not_offer_is_explained() {
    let t = TestConsole::start().await;
    let operator = sign_in_as(&t, Role::Operator).await;
    let workspace = common::session::enterprise_info(&t).await.workspace_ids[0].to_string();
    fault(
        &t,
        json!({
            "path": "*/workspaceAiAllowlist",
            "answer": { "status": 404, "body": { "error": "NOT_FOUND" } }
        }),
    )
    .await;
    let (status, error) = post(
        &t,
        &operator,
        "/api/enterprise/ai-allowlist",
        &[("workspaces", &workspace), ("allowed", "yes")],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{error}");
    let said = error.to_string();
    assert!(said.contains("AI features"), "{said}");
    assert!(said.contains("not published"), "{said}");
}

/// What each descendant account holds comes from `include=descendants`, whose contents are
/// a guess: an unexpected shape there costs the counts, not the overview.
#[tokio::test]
async fn an_unexpected_descendants_shape_costs_the_counts_not_the_page() {
    let t = TestConsole::start().await;
    let admin = sign_in_as(&t, Role::Admin).await;
    // Make sure there is a descendant to list.
    post_ok(
        &t,
        &admin,
        "/api/enterprise/descendants/create",
        &[("name", "Sales EMEA")],
    )
    .await;
    let path = format!(
        "/v0/meta/enterpriseAccounts/{}",
        t.sim().info().enterprise_account_id
    );
    let mut record: Value = common::unmetered_http()
        .get(format!("{}{path}?include=descendants", t.sim().base_url()))
        .bearer_auth(t.sim().info().token.to_string())
        .send()
        .await
        .expect("read the enterprise")
        .json()
        .await
        .expect("json");
    assert!(record["descendants"].is_object(), "{record}");
    // The same record, with the per-account contents as a list instead of a map.
    record["descendants"] = json!([{ "userIds": ["usrAAAAAAAAAAAAAA"] }]);
    fault(
        &t,
        json!({ "path": path, "method": "GET", "answer": { "status": 200, "body": record } }),
    )
    .await;
    // Making the account forgot the kept enterprise record: this reads it again.
    let descendants = get_json(&t, &admin, "/api/enterprise/descendants").await;
    let rows = descendants["rows"]
        .as_array()
        .expect("the accounts are listed");
    assert!(!rows.is_empty(), "{descendants}");
    assert!(rows.iter().all(|r| r["counts"].is_null()), "{descendants}");
    assert!(
        descendants["counts_unreadable"]
            .as_str()
            .is_some_and(|why| why.contains("not in the shape")),
        "{descendants}"
    );
    let html = page_html(&t, &admin, "/").await;
    assert!(html.contains("data-testid=\"descendant-counts-unreadable\""));
    assert!(html.contains("data-testid=\"descendant-row\""));

    // With Airtable's own shape (read again through the overview's refresh), the counts
    // are back.
    no_faults(&t).await;
    let html = page_html(&t, &admin, "/?refresh=1").await;
    assert!(!html.contains("data-testid=\"descendant-counts-unreadable\""));
    let normal = get_json(&t, &admin, "/api/enterprise/descendants").await;
    assert!(normal["counts_unreadable"].is_null(), "{normal}");
    assert!(
        normal["rows"]
            .as_array()
            .is_some_and(|rows| rows.iter().all(|r| r["counts"]["users"].is_u64())),
        "{normal}"
    );
}

/// An approver opens a request while Airtable refuses the fresh look (429): the page shows
/// the request as made and says why it cannot be decided yet; approving anyway is refused
/// with the real reason (rate limit), not a misleading one; the request still waits.
#[tokio::test]
async fn an_approval_whose_fresh_look_fails_is_shown_but_not_decidable() {
    let t = TestConsole::start().await;
    let admins = t.sim().info().admins;
    let operator = sign_in_person(&t, &admins[0].email, Role::Operator).await;
    let approver = sign_in_person(&t, &admins[1].email, Role::Approver).await;
    let tokens = get_json(&t, &operator, "/api/enterprise/tokens").await;
    let token = tokens["rows"][0]["id"]
        .as_str()
        .expect("a token")
        .to_string();
    let outcome = post_ok(
        &t,
        &operator,
        "/api/enterprise/tokens/revoke",
        &[("ids", &token), ("reason", "Leaked in a chat")],
    )
    .await;
    let id = outcome["Requested"]["id"]
        .as_str()
        .expect("request id")
        .to_string();

    fault(
        &t,
        json!({ "path": "*/personalAccessTokens", "method": "GET", "rate429": 1.0 }),
    )
    .await;
    let detail = get_json(&t, &approver, &format!("/api/approvals/get?id={id}")).await;
    assert!(detail["compared"].is_null(), "{detail}");
    assert_eq!(detail["can_decide"], false, "{detail}");
    let why = detail["why_not"].as_str().unwrap_or_default();
    assert!(why.contains("could not be read from Airtable"), "{detail}");
    assert!(why.contains("30 seconds"), "{detail}");
    let html = page_html(&t, &approver, &format!("/approvals/{id}")).await;
    assert!(html.contains("data-testid=\"why-not\""));
    assert!(!html.contains("Approve and carry out"));

    // A form posted anyway (an old tab) is refused for the real reason.
    let call_hash = detail["call_hash"].as_str().expect("hash").to_string();
    let (status, error) = post(
        &t,
        &approver,
        "/api/approvals/approve",
        &[
            ("id", id.as_str()),
            ("call_hash", &call_hash),
            ("fingerprint", ""),
            ("comment", "ok"),
        ],
    )
    .await;
    assert!(!status.is_success(), "{error}");
    assert!(error.to_string().contains("30 seconds"), "{error}");
    assert!(!error.to_string().contains("not the one stored"), "{error}");

    // Nothing was lost: the request still waits, and Airtable, once it answers, shows it
    // (to the requester, whose token the approver's 429 does not hold back).
    no_faults(&t).await;
    let detail = get_json(&t, &operator, &format!("/api/approvals/get?id={id}")).await;
    assert_eq!(detail["request"]["status"], "pending", "{detail}");
    assert!(detail["compared"].is_object(), "{detail}");
}
