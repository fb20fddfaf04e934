//! The simulator's HTTP surface.

mod control;
mod meta;
mod oauth;

use std::sync::Arc;

use axum::{
    routing::{get, post},
    Router,
};

use crate::Sim;

pub(crate) fn router(sim: Arc<Sim>) -> Router {
    Router::new()
        .route(
            "/oauth2/v1/authorize",
            get(oauth::authorize_page).post(oauth::authorize_decision),
        )
        .route("/oauth2/v1/token", post(oauth::token))
        .route("/v0/meta/whoami", get(meta::whoami))
        .route(
            "/v0/meta/enterpriseAccounts/{enterprise_id}",
            get(meta::enterprise),
        )
        .route(
            "/v0/meta/enterpriseAccounts/{enterprise_id}/users",
            get(meta::users),
        )
        .route(
            "/v0/meta/enterpriseAccounts/{enterprise_id}/users/{user_id}",
            get(meta::user),
        )
        .route("/v0/meta/groups/{group_id}", get(meta::group))
        .route("/v0/meta/workspaces/{workspace_id}", get(meta::workspace))
        .route("/_sim/info", get(control::info))
        .route("/_sim/health", get(control::health))
        .fallback(control::not_found)
        .with_state(sim)
}

/// Values of a list parameter, accepting both `name=` (repeated) and `name[]=`, as
/// Airtable does.
pub(crate) fn list_param(query: Option<&str>, name: &str) -> Vec<String> {
    let bracketed = format!("{name}[]");
    url::form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .filter(|(k, _)| k == name || *k == bracketed)
        .map(|(_, v)| v.into_owned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::list_param;

    #[test]
    fn both_list_encodings_are_read() {
        let q = Some("include=collaborations&include[]=aggregated&id%5B%5D=usr1&other=x");
        assert_eq!(list_param(q, "include"), ["collaborations", "aggregated"]);
        assert_eq!(list_param(q, "id"), ["usr1"]);
        assert!(list_param(None, "id").is_empty());
    }
}
