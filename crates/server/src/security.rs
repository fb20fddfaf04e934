//! Browser-facing defences: security headers on every response, and a same-origin check on
//! every state-changing request (cross-site request forgery).

use axum::{
    extract::{Request, State},
    http::{header, HeaderValue, Method},
    middleware::Next,
    response::{IntoResponse, Response},
};

use crate::{error::AppError, state::AppState};

/// Refuses POST/PUT/PATCH/DELETE unless the browser says the request comes from the
/// console's own origin (`Origin`, or failing that `Referer`). Browsers always send one of
/// them on cross-site posts, and pages cannot forge either.
pub async fn same_origin_for_writes(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if !safe && !comes_from(&request, &state.settings.public_origin()) {
        tracing::warn!(path = %request.uri().path(), "refused a cross-site write");
        return AppError::Forbidden("This request did not come from the console's own pages.")
            .into_response();
    }
    next.run(request).await
}

fn comes_from(request: &Request, origin: &str) -> bool {
    let headers = request.headers();
    if let Some(sent) = headers.get(header::ORIGIN) {
        return sent.as_bytes() == origin.as_bytes();
    }
    headers
        .get(header::REFERER)
        .and_then(|r| r.to_str().ok())
        .and_then(|r| url::Url::parse(r).ok())
        .is_some_and(|r| r.origin().ascii_serialization() == origin)
}

/// Headers every response carries. The page's CSP (with the per-render script nonce) is
/// set by the app shell; responses without one get a strict default here.
pub async fn headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert("referrer-policy", HeaderValue::from_static("same-origin"));
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; style-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"),
        );
    }
    response
}

/// Header a script may send the CSRF token in, instead of a form field.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// Form field every state-changing form carries (rendered by the app's `CsrfField`).
pub const CSRF_FIELD: &str = "csrf_token";
/// Largest form a server function accepts; bigger bodies are refused before parsing.
const MAX_FORM_BYTES: usize = 1024 * 1024;
/// How much of a too-large form is read (and dropped) before refusing it, so the sender
/// reads the refusal rather than a reset connection.
const MAX_DRAINED_BYTES: usize = 16 * 1024 * 1024;

/// Server functions that change something (every POST under `/api/`) must carry the
/// signed-in person's CSRF token, in the `x-csrf-token` header or as the `csrf_token` form
/// field, on top of the same-origin check. Reads are GET server functions and need none.
///
/// One blanket rule here rather than a check in each function, so a new server function
/// cannot forget it: without the token it simply fails.
pub async fn csrf_token_for_server_functions(request: Request, next: Next) -> Response {
    if request.method() != Method::POST || !request.uri().path().starts_with("/api/") {
        return next.run(request).await;
    }
    let Some(expected) = request
        .extensions()
        .get::<console_app::api::SignedInUser>()
        .map(|u| u.csrf_token.clone())
    else {
        // Not signed in: the function itself answers "not signed in".
        return next.run(request).await;
    };
    if let Some(sent) = request.headers().get(CSRF_HEADER) {
        return if constant_time_eq(sent.as_bytes(), expected.as_bytes()) {
            next.run(request).await
        } else {
            refuse_csrf(&request)
        };
    }
    if !is_form(&request) {
        return refuse_csrf(&request);
    }
    let (parts, bytes) = match read_form(request).await {
        Ok(form) => form,
        Err(refused) => return refused,
    };
    let matches = url::form_urlencoded::parse(&bytes)
        .find(|(name, _)| name == CSRF_FIELD)
        .is_some_and(|(_, sent)| constant_time_eq(sent.as_bytes(), expected.as_bytes()));
    let request = Request::from_parts(parts, axum::body::Body::from(bytes));
    if matches {
        next.run(request).await
    } else {
        refuse_csrf(&request)
    }
}

fn refuse_csrf(request: &Request) -> Response {
    tracing::warn!(path = %request.uri().path(), "refused a write without a valid CSRF token");
    AppError::Forbidden(
        "This form has expired or did not come from the console. Reload the page and try again.",
    )
    .into_response()
}

pub use console_core::crypto::constant_time_eq;

/// Refuses any request carrying a NUL character (`%00`) in its path, query or form body.
/// No console value can contain one, and Postgres refuses to store or compare text with
/// it, so letting it through turned a caller's mistake into a server error deep inside a
/// query. One check here rather than in every handler and server function.
pub async fn refuse_nul_characters(request: Request, next: Next) -> Response {
    let uri = request.uri();
    // Pages read their query and path parameters through leptos_router's `ParamsMap`, which
    // decodes values a second time (they arrive decoded once), so on a page `%2500` becomes
    // a NUL too. Server functions decode once: there it is the text "%00".
    let escapes: &[&[u8]] = if uri.path().starts_with("/api/") {
        &[b"%00"]
    } else {
        &[b"%00", b"%2500"]
    };
    let carries_nul = |text: &str| escapes.iter().any(|e| contains_escape(text.as_bytes(), e));
    if carries_nul(uri.path()) || uri.query().is_some_and(carries_nul) {
        return refuse_nul();
    }
    if !is_form(&request) {
        return next.run(request).await;
    }
    let (parts, bytes) = match read_form(request).await {
        Ok(form) => form,
        Err(refused) => return refused,
    };
    if bytes.contains(&0) || contains_escape(&bytes, b"%00") {
        return refuse_nul();
    }
    next.run(Request::from_parts(parts, axum::body::Body::from(bytes)))
        .await
}

/// Whether `bytes` hold the percent escape `escape` (hex digits in either case).
fn contains_escape(bytes: &[u8], escape: &[u8]) -> bool {
    bytes
        .windows(escape.len())
        .any(|w| w.eq_ignore_ascii_case(escape))
}

fn refuse_nul() -> Response {
    AppError::BadRequest(
        "The request contains a NUL character (%00), which no console value can hold. Remove it and try again.",
    )
    .into_response()
}

/// Whether the request's body is an HTML form (`application/x-www-form-urlencoded`).
fn is_form(request: &Request) -> bool {
    request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"))
}

/// Reads a form body (at most `MAX_FORM_BYTES`) so a check can look at it; the caller puts
/// the bytes back into the request. Too large a form is refused in words.
async fn read_form(
    request: Request,
) -> Result<(axum::http::request::Parts, axum::body::Bytes), Response> {
    use futures::StreamExt;
    let (parts, body) = request.into_parts();
    let mut kept: Vec<u8> = Vec::new();
    let mut seen: usize = 0;
    let mut chunks = body.into_data_stream();
    while let Some(chunk) = chunks.next().await {
        let Ok(chunk) = chunk else {
            return Err(AppError::BadRequest("The form did not arrive whole.").into_response());
        };
        seen = seen.saturating_add(chunk.len());
        if seen <= MAX_FORM_BYTES {
            kept.extend_from_slice(&chunk);
        } else if seen > MAX_DRAINED_BYTES {
            // Past this, stop reading: the answer goes out and the connection closes.
            break;
        }
        // Between the two limits the rest is read and dropped, so the sender (still
        // writing) gets the answer below instead of a reset connection.
    }
    if seen > MAX_FORM_BYTES {
        return Err(
            AppError::TooLarge("The form is too large (the limit is 1 MiB).").into_response(),
        );
    }
    Ok((parts, axum::body::Bytes::from(kept)))
}
