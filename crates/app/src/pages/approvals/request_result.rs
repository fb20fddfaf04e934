//! The answer to a request form posted without the wasm bundle: the server sends the page
//! back with the outcome in its address, and [`RequestResult`] shows it at the top.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::request_form::{RequestAction, RequestBaseMove};
use crate::api::ConsoleError;
#[cfg(feature = "ssr")]
use crate::approvals::RequestOutcome;

/// The query parameters that carry a request form's answer back to the page it was posted
/// from (without the wasm bundle): the request asked for, or that it was done at once.
const ASKED_PARAM: &str = "asked";
const DONE_PARAM: &str = "done_at_once";

/// A plain form post (no wasm) goes back to the page it came from, where the answer must
/// be seen: leptos_axum sends it back to the `Referer` as it was, which says nothing on
/// success. This sends it back with the outcome in the address instead, which
/// [`RequestResult`] shows at the top of the page. (A refusal already travels back in the
/// address, as `__err`.)
#[cfg(feature = "ssr")]
pub(crate) fn show_outcome_without_wasm(outcome: &RequestOutcome) {
    let Some(referer) = crate::serve::plain_form_referer() else {
        return;
    };
    let result = match outcome {
        RequestOutcome::Requested { id } => (ASKED_PARAM, id.as_str()),
        RequestOutcome::Done { .. } => (DONE_PARAM, "1"),
    };
    let back = address_with_result(&referer, result);
    if let (Some(response), Ok(location)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        http::HeaderValue::from_str(&back),
    ) {
        // Replaces the Location leptos_axum sets (response options are applied last).
        response.insert_header(http::header::LOCATION, location);
        response.set_status(http::StatusCode::FOUND);
    }
}

/// The path and query of `referer` (never its origin: the answer stays on this site), without
/// an earlier answer, plus `result` as `name=value`.
#[cfg_attr(not(feature = "ssr"), allow(dead_code))]
fn address_with_result(referer: &str, (name, value): (&str, &str)) -> String {
    let without_origin = match referer.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("/", |slash| &rest[slash..]),
        None => referer,
    };
    let without_fragment = without_origin.split('#').next().unwrap_or("/");
    let (path, query) = without_fragment
        .split_once('?')
        .unwrap_or((without_fragment, ""));
    // Only a path of this site: anything else (`//evil.example`) becomes the front page.
    let path = if path.starts_with('/') && !path.starts_with("//") {
        path
    } else {
        "/"
    };
    let mut kept: Vec<&str> = query
        .split('&')
        .filter(|pair| {
            let key = pair.split('=').next().unwrap_or("");
            !pair.is_empty() && ![ASKED_PARAM, DONE_PARAM, "__path", "__err"].contains(&key)
        })
        .collect();
    let result = format!("{name}={}", crate::audit::query::percent_encode(value));
    kept.push(&result);
    format!("{path}?{}", kept.join("&"))
}

/// The server functions that ask for approval (their refusals are shown at the top).
const REQUEST_PATHS: &[&str] = &[
    <RequestAction as leptos::server_fn::ServerFn>::PATH,
    <RequestBaseMove as leptos::server_fn::ServerFn>::PATH,
];

/// Whether `id` looks like a request's ID (a UUID), so that an address cannot make the
/// page link elsewhere.
fn is_request_id(id: &str) -> bool {
    id.len() == 36 && id.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-')
}

/// At the top of every page: what a request form answered when it was posted without the
/// wasm bundle (the forms themselves sit in collapsed sections, where an answer is not seen).
/// With the wasm bundle each form shows its own answer and this stays empty.
#[component]
pub fn RequestResult() -> impl IntoView {
    use leptos::server_fn::error::ServerFnUrlError;
    let query = use_query_map();
    move || {
        // A refusal comes back as leptos puts it in the address (`__path`, `__err`); it is
        // newer than an earlier answer the address may still carry.
        let refused = query.with(|q| {
            q.get_str("__path")
                .is_some_and(|path| REQUEST_PATHS.contains(&path))
                .then(|| q.get("__err"))
                .flatten()
                .map(|err| ServerFnUrlError::<ConsoleError>::decode_err(&err))
        });
        let asked = query
            .with(|q| q.get(ASKED_PARAM))
            .filter(|id| is_request_id(id));
        let done = query.with(|q| q.get_str(DONE_PARAM).is_some());
        if let Some(error) = refused {
            view! {
                <p class="error" role="alert" id="request-result" data-testid="request-refused">
                    "The request was not made: " {error.to_string()}
                </p>
            }
            .into_any()
        } else if let Some(id) = asked {
            view! {
                <p class="notice" role="status" id="request-result" data-testid="request-sent">
                    "Asked. A second person must approve it: "
                    <a href=format!("/approvals/{id}")>"follow the request"</a> "."
                </p>
            }
            .into_any()
        } else if done {
            view! {
                <p class="notice" role="status" id="request-result" data-testid="request-done">
                    "Done (this action needs no approval here). The "
                    <a href="/audit/actions">"console's action log"</a> " has the result."
                </p>
            }
            .into_any()
        } else {
            ().into_any()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{address_with_result, is_request_id};

    #[test]
    fn the_answer_goes_back_to_the_same_page_of_this_site() {
        assert_eq!(
            address_with_result("http://127.0.0.1:3000/users/usr1", ("asked", "abc")),
            "/users/usr1?asked=abc"
        );
        // An earlier answer and an earlier refusal are replaced; the page's own query stays.
        assert_eq!(
            address_with_result(
                "https://console.example/users?q=weber&asked=old&__path=%2Fapi&__err=x#top",
                ("done_at_once", "1")
            ),
            "/users?q=weber&done_at_once=1"
        );
        assert_eq!(
            address_with_result("https://evil.example", ("done", "1")),
            "/?done=1"
        );
        assert_eq!(
            address_with_result("//evil.example/x", ("done", "1")),
            "/?done=1"
        );
    }

    #[test]
    fn only_request_ids_become_links() {
        assert!(is_request_id("0b7f2a8e-4a8c-4c8e-9a51-1d2f3c4b5a69"));
        assert!(!is_request_id("https://evil.example/0b7f2a8e-4a8c-4c8e"));
        assert!(!is_request_id(""));
    }
}
