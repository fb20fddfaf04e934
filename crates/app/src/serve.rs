//! What every server function does before it calls the domain (`console_core`): find the
//! signed-in person (put on the request by the server's session layer) and the
//! [`Console`] (put in Leptos' context by the server), check the role — and the CSRF token
//! for a change — and afterwards set the response's status from the error. Server-side
//! only.

use console_core::{crypto::constant_time_eq, Console};

use crate::api::{ConsoleError, Role, SignedInUser};

/// Runs a server function's work as someone whose role allows `need`: `work` gets the
/// console and the person; the response's status follows the error, if any.
///
/// The work's future is boxed. Unboxed, its whole state (the domain call's, with sqlx's
/// and reqwest's futures inside) is part of every server function's future, tens of
/// kilobytes, and Leptos moves a resource's future several times on each page view (into
/// its sandbox, its owner, its async-derived signal): those moves were a third of the
/// overview's instructions (docs/BENCHMARKS.md). A box is one allocation instead.
pub async fn as_role<T>(
    need: Role,
    work: impl AsyncFnOnce(Console, SignedInUser) -> Result<T, ConsoleError>,
) -> Result<T, ConsoleError> {
    with_status(match require_role(need) {
        Ok((console, who)) => Box::pin(work(console, who)).await,
        Err(refused) => Err(refused),
    })
}

/// Like [`as_role`], for a change: the request must also carry the person's CSRF token.
pub async fn changing<T>(
    need: Role,
    csrf_token: &str,
    work: impl AsyncFnOnce(Console, SignedInUser) -> Result<T, ConsoleError>,
) -> Result<T, ConsoleError> {
    with_status(match require_change(need, csrf_token) {
        Ok((console, who)) => Box::pin(work(console, who)).await,
        Err(refused) => Err(refused),
    })
}

/// The console's domain, from the Leptos context the server set up for this request.
pub fn console() -> Result<Console, ConsoleError> {
    leptos::prelude::use_context::<Console>()
        .ok_or_else(|| ConsoleError::Internal("console-missing".into()))
}

/// The signed-in person for this request, or `NotSignedIn`.
///
/// Read in place (`with_request`): every server function and form of a page asks, and
/// `use_context` would copy the whole request (its headers and every extension) each time.
pub fn signed_in_user() -> Result<SignedInUser, ConsoleError> {
    with_request(|parts| parts.extensions.get::<SignedInUser>().cloned())
        .flatten()
        .ok_or(ConsoleError::NotSignedIn)
}

/// Reads the request this page or server function answers, without copying it; `None`
/// outside a request (never, on the server).
pub fn with_request<T>(read: impl FnOnce(&http::request::Parts) -> T) -> Option<T> {
    leptos::prelude::with_context::<http::request::Parts, _>(read)
}

/// The console and the signed-in person, provided their role allows `need`. Every server
/// function that reads starts with this.
fn require_role(need: Role) -> Result<(Console, SignedInUser), ConsoleError> {
    let who = signed_in_user()?;
    console_core::require(&who, need)?;
    Ok((console()?, who))
}

/// The signed-in person, provided their role allows `need` and the request carries their
/// CSRF token. Every server function that changes something starts with this (the server
/// also refuses such a request without the token before it gets here; this second check
/// keeps a function safe even if it is ever mounted elsewhere).
fn require_change(need: Role, csrf_token: &str) -> Result<(Console, SignedInUser), ConsoleError> {
    let (console, who) = require_role(need)?;
    if constant_time_eq(who.csrf_token.as_bytes(), csrf_token.as_bytes()) {
        Ok((console, who))
    } else {
        Err(ConsoleError::StaleForm)
    }
}

/// Passes a server function's result through, setting the response's HTTP status from the
/// error (a refused request is a 403, not a 500) so logs and monitors tell them apart.
///
/// Not for a plain HTML form post (no wasm): leptos_axum answers that with a redirect back
/// to the page, which shows the error, and a status set here would replace the redirect's
/// and leave the browser on a bare error body.
pub fn with_status<T>(result: Result<T, ConsoleError>) -> Result<T, ConsoleError> {
    if result.is_err() && is_plain_form_post() {
        return result;
    }
    if let Err(error) = &result {
        if let (Some(response), Ok(status)) = (
            leptos::prelude::use_context::<leptos_axum::ResponseOptions>(),
            http::StatusCode::from_u16(error.http_status()),
        ) {
            response.set_status(status);
        }
    }
    result
}

/// Whether this request is a browser's own form submission, which leptos_axum redirects
/// back to the page it came from.
fn is_plain_form_post() -> bool {
    plain_form_referer().is_some()
}

/// The page a browser's own form submission (it accepts HTML and says where it came from)
/// was posted from; `None` for any other request (the hydrated app's calls).
pub(crate) fn plain_form_referer() -> Option<String> {
    with_request(|parts| {
        let accepts_html = parts
            .headers
            .get(http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/html"));
        let referer = parts
            .headers
            .get(http::header::REFERER)
            .and_then(|v| v.to_str().ok());
        referer.filter(|_| accepts_html).map(str::to_string)
    })
    .flatten()
}
