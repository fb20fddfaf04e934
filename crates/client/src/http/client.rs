//! [`Client`], its builder, and the request loop shared by every call.

use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasher, RandomState};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use serde::de::DeserializeOwned;
use serde::Serialize;
use tracing::Instrument;

use super::observe;
use super::ratelimit::{RateLimit, RateLimiter};
use super::retry::{parse_retry_after, Attempt, RetryPolicy};
use crate::error::{ApiError, Error};
use crate::token::AccessToken;

/// Airtable's API address.
pub const DEFAULT_BASE_URL: &str = "https://api.airtable.com";

/// A typed Airtable Enterprise API client.
///
/// Cheap to clone; clones share the connection pool and, per access token, the rate limiter.
/// A console builds one `Client` at start-up and derives one per signed-in user with
/// [`Client::with_token`].
///
/// ```no_run
/// # async fn demo() -> Result<(), airtable_client::Error> {
/// use std::time::Duration;
/// use airtable_client::{AccessToken, Client, RateLimit};
///
/// let client = Client::builder()
///     .base_url("https://api.airtable.com")
///     .token(AccessToken::new("pat…"))
///     .timeout(Duration::from_secs(30))
///     .max_retries(3)
///     .rate_limit(RateLimit::per_second(50))
///     .build()?;
/// let me = client.whoami().await?;
/// println!("signed in as {}", me.id);
///
/// // Another user's token, same connection pool:
/// let theirs = client.with_token(AccessToken::new("oaa…"));
/// # let _ = theirs;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    shared: Arc<Shared>,
    token: Option<AccessToken>,
    limiter: Arc<RateLimiter>,
    /// The longest one call may spend waiting (for the rate limiter, between retries)
    /// before it gives up; `None` waits as long as the retry policy allows.
    max_wait: Option<Duration>,
}

struct Shared {
    http: reqwest::Client,
    base_url: String,
    timeout: Duration,
    retry: RetryPolicy,
    rate_limit: Option<RateLimit>,
    /// One limiter per token (keyed by a keyed hash of the token, never the token itself).
    /// Held here, not only by the clients using it: a console that makes a client per
    /// request for the same user must still share one limiter.
    limiters: Mutex<HashMap<u64, Arc<RateLimiter>>>,
    /// Airtable's per-base limit applies whatever the token: one limiter per base.
    base_rate_limit: Option<RateLimit>,
    base_limiters: Mutex<HashMap<String, Arc<RateLimiter>>>,
    hasher: RandomState,
}

/// Limiters kept before idle ones are dropped (an idle limiter is as good as a new one).
const MAX_TOKEN_LIMITERS: usize = 256;
const MAX_BASE_LIMITERS: usize = 1024;

fn forget_idle<K>(map: &mut HashMap<K, Arc<RateLimiter>>, max: usize) {
    if map.len() >= max {
        map.retain(|_, l| Arc::strong_count(l) > 1 || !l.is_idle());
    }
}

impl Shared {
    fn base_limiter(&self, base: &str) -> Option<Arc<RateLimiter>> {
        let limit = self.base_rate_limit?;
        let mut map = self.base_limiters.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(l) = map.get(base) {
            return Some(l.clone());
        }
        forget_idle(&mut map, MAX_BASE_LIMITERS);
        let l = Arc::new(RateLimiter::new(Some(limit)));
        map.insert(base.to_owned(), l.clone());
        Some(l)
    }

    fn limiter_for(&self, token: Option<&AccessToken>) -> Arc<RateLimiter> {
        let Some(token) = token else {
            return Arc::new(RateLimiter::new(self.rate_limit));
        };
        let key = self.hasher.hash_one(token.expose_secret());
        let mut map = self.limiters.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(l) = map.get(&key) {
            return l.clone();
        }
        forget_idle(&mut map, MAX_TOKEN_LIMITERS);
        let l = Arc::new(RateLimiter::new(self.rate_limit));
        map.insert(key, l.clone());
        l
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.shared.base_url)
            .field("has_token", &self.token.is_some())
            .field("timeout", &self.shared.timeout)
            .field("retry", &self.shared.retry)
            .field("rate_limit", &self.shared.rate_limit)
            .finish()
    }
}

/// Builds a [`Client`].
#[derive(Debug)]
pub struct ClientBuilder {
    base_url: String,
    token: Option<AccessToken>,
    timeout: Duration,
    connect_timeout: Duration,
    retry: RetryPolicy,
    rate_limit: Option<RateLimit>,
    base_rate_limit: Option<RateLimit>,
    user_agent: String,
    http: Option<reqwest::Client>,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            base_url: DEFAULT_BASE_URL.to_owned(),
            token: None,
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            retry: RetryPolicy::default(),
            rate_limit: Some(RateLimit::default()),
            base_rate_limit: Some(RateLimit::per_second(5)),
            user_agent: concat!("airtable-client/", env!("CARGO_PKG_VERSION")).to_owned(),
            http: None,
        }
    }
}

impl ClientBuilder {
    /// Where to send requests (default `https://api.airtable.com`; the simulator's address in
    /// tests and demos). Paths such as `/v0/meta/whoami` are appended to it.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// The access token to send. Optional: a client without one can only make
    /// [`Client::with_token`] clients.
    pub fn token(mut self, token: AccessToken) -> Self {
        self.token = Some(token);
        self
    }

    /// Timeout of one attempt, from sending to the end of the reply (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Timeout of establishing a connection (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Retries after the first attempt (default 3). See [`RetryPolicy`] for what is retried.
    pub fn max_retries(mut self, n: u32) -> Self {
        self.retry.max_retries = n;
        self
    }

    /// The whole retry policy.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Client-side rate limit per access token (default: 50 requests in any second, plus a
    /// margin; see [`RateLimit`]).
    pub fn rate_limit(mut self, limit: RateLimit) -> Self {
        self.rate_limit = Some(limit);
        self
    }

    /// Turns the client-side rate limit off (a 429 still pauses the token's requests).
    pub fn no_rate_limit(mut self) -> Self {
        self.rate_limit = None;
        self
    }

    /// Client-side limit per base for calls on one base (`/v0/meta/bases/{baseId}/…`),
    /// shared by every token (default 5 requests/s, Airtable's per-base limit). `None` turns
    /// it off.
    pub fn per_base_rate_limit(mut self, limit: Option<RateLimit>) -> Self {
        self.base_rate_limit = limit;
        self
    }

    /// The `User-Agent` header.
    pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
        self.user_agent = ua.into();
        self
    }

    /// Use this `reqwest` client (its own timeouts and TLS settings apply; the builder's
    /// per-request timeout is still set on each request).
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<Client, Error> {
        let parsed = url::Url::parse(&self.base_url)
            .map_err(|e| Error::Config(format!("base URL {:?}: {e}", self.base_url)))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(Error::Config(format!(
                "base URL {:?} must start with http:// or https://",
                self.base_url
            )));
        }
        if parsed.query().is_some() || parsed.fragment().is_some() {
            return Err(Error::Config(format!(
                "base URL {:?} must not have a query or fragment",
                self.base_url
            )));
        }
        for l in [self.rate_limit, self.base_rate_limit]
            .into_iter()
            .flatten()
        {
            if !l.is_valid() {
                return Err(Error::Config(
                    "a rate limit must allow at least one request in a window longer than zero"
                        .into(),
                ));
            }
        }
        if self.timeout.is_zero() {
            return Err(Error::Config("timeout must be more than zero".into()));
        }
        let http = match self.http {
            Some(h) => h,
            None => reqwest::Client::builder()
                .user_agent(self.user_agent)
                .connect_timeout(self.connect_timeout)
                .pool_idle_timeout(Duration::from_secs(60))
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .map_err(|e| Error::Config(format!("HTTP client: {e}")))?,
        };
        let shared = Arc::new(Shared {
            http,
            base_url: self.base_url.trim_end_matches('/').to_owned(),
            timeout: self.timeout,
            retry: self.retry,
            rate_limit: self.rate_limit,
            limiters: Mutex::new(HashMap::new()),
            base_rate_limit: self.base_rate_limit,
            base_limiters: Mutex::new(HashMap::new()),
            hasher: RandomState::new(),
        });
        let limiter = shared.limiter_for(self.token.as_ref());
        Ok(Client {
            shared,
            token: self.token,
            limiter,
            max_wait: None,
        })
    }
}

/// HTTP method of a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    Get,
    Post,
    Patch,
    Put,
    Delete,
}

impl Method {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Patch => "PATCH",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        }
    }

    fn to_reqwest(self) -> reqwest::Method {
        match self {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
            Method::Patch => reqwest::Method::PATCH,
            Method::Put => reqwest::Method::PUT,
            Method::Delete => reqwest::Method::DELETE,
        }
    }
}

/// One API call: method, path template (for logs and errors), concrete path, query, body.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    pub(crate) method: Method,
    pub(crate) template: &'static str,
    pub(crate) path: String,
    pub(crate) query: Vec<(&'static str, String)>,
    pub(crate) body: Option<Vec<u8>>,
}

impl Request {
    pub(crate) fn new(method: Method, template: &'static str, path: String) -> Self {
        Request {
            method,
            template,
            path,
            query: Vec::new(),
            body: None,
        }
    }

    pub(crate) fn get(template: &'static str, path: String) -> Self {
        Self::new(Method::Get, template, path)
    }

    pub(crate) fn post(template: &'static str, path: String) -> Self {
        Self::new(Method::Post, template, path)
    }

    pub(crate) fn patch(template: &'static str, path: String) -> Self {
        Self::new(Method::Patch, template, path)
    }

    pub(crate) fn put(template: &'static str, path: String) -> Self {
        Self::new(Method::Put, template, path)
    }

    pub(crate) fn delete(template: &'static str, path: String) -> Self {
        Self::new(Method::Delete, template, path)
    }

    pub(crate) fn query(mut self, key: &'static str, value: impl Into<String>) -> Self {
        self.query.push((key, value.into()));
        self
    }

    pub(crate) fn query_opt(self, key: &'static str, value: Option<impl Into<String>>) -> Self {
        match value {
            Some(v) => self.query(key, v),
            None => self,
        }
    }

    pub(crate) fn query_all<I, S>(mut self, key: &'static str, values: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.query
            .extend(values.into_iter().map(|v| (key, v.into())));
        self
    }

    pub(crate) fn json(mut self, body: &impl Serialize) -> Result<Self, Error> {
        let bytes = serde_json::to_vec(body)
            .map_err(|e| Error::InvalidRequest(format!("could not encode the body: {e}")))?;
        self.body = Some(bytes);
        Ok(self)
    }
}

/// The base a path is about, for the per-base rate limit.
fn base_of(path: &str) -> Option<&str> {
    let rest = path.strip_prefix("/v0/meta/bases/")?;
    let id = rest.split('/').next()?;
    (!id.is_empty()).then_some(id)
}

/// Decodes a reply body; an empty body reads as `null`.
pub(crate) fn decode<T: DeserializeOwned>(
    bytes: &[u8],
    method: &'static str,
    path: &'static str,
) -> Result<T, Error> {
    let slice: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) {
        b"null"
    } else {
        bytes
    };
    serde_json::from_slice(slice).map_err(|source| Error::Decode {
        method,
        path,
        source,
    })
}

impl Client {
    /// A builder with Airtable's address and the default timeout, retries and rate limit.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client for another token that shares this client's connection pool and settings.
    /// Clients with the same token share one rate limiter.
    pub fn with_token(&self, token: AccessToken) -> Client {
        let limiter = self.shared.limiter_for(Some(&token));
        Client {
            shared: self.shared.clone(),
            token: Some(token),
            limiter,
            max_wait: self.max_wait,
        }
    }

    /// The same client, but a call gives up (with the error that made it wait, e.g. a 429)
    /// rather than wait longer than `wait` in all: for calls a person is waiting on, where
    /// "try again in 30 seconds" beats a page that hangs for minutes in a 429 storm.
    pub fn with_max_wait(&self, wait: Duration) -> Client {
        Client {
            max_wait: Some(wait),
            ..self.clone()
        }
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        &self.shared.base_url
    }

    /// Whether this client has a token.
    pub fn has_token(&self) -> bool {
        self.token.is_some()
    }

    /// Sends a call, with rate limiting and retries, and decodes the JSON reply.
    pub(crate) async fn send<T: DeserializeOwned>(&self, req: Request) -> Result<T, Error> {
        let method = req.method.as_str();
        let template = req.template;
        let bytes = self.send_raw(req).await?;
        decode(&bytes, method, template)
    }

    /// Sends a call whose reply body does not matter.
    pub(crate) async fn send_unit(&self, req: Request) -> Result<(), Error> {
        self.send_raw(req).await.map(drop)
    }

    async fn send_raw(&self, req: Request) -> Result<Vec<u8>, Error> {
        let span = tracing::info_span!(
            "airtable_request",
            method = req.method.as_str(),
            path = req.template,
            status = tracing::field::Empty,
            attempt = tracing::field::Empty,
            latency_ms = tracing::field::Empty,
        );
        self.send_loop(req).instrument(span).await
    }

    async fn send_loop(&self, req: Request) -> Result<Vec<u8>, Error> {
        let method = req.method.as_str();
        let template = req.template;
        let token = self.token.as_ref().ok_or_else(|| {
            Error::Config(
                "no access token: build the client with .token() or use with_token()".into(),
            )
        })?;
        let mut url = url::Url::parse(&format!("{}{}", self.shared.base_url, req.path))
            .map_err(|e| Error::InvalidRequest(format!("bad path {:?}: {e}", req.path)))?;
        if !req.query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (k, v) in &req.query {
                pairs.append_pair(k, v);
            }
        }
        let span = tracing::Span::current();
        let base_limiter = base_of(&req.path).and_then(|b| self.shared.base_limiter(b));
        let mut retries_done: u32 = 0;
        let deadline = self.max_wait.map(|wait| tokio::time::Instant::now() + wait);
        loop {
            let acquire = async {
                match &base_limiter {
                    Some(base) => RateLimiter::acquire_all(&[&self.limiter, base]).await,
                    None => self.limiter.acquire().await,
                }
            };
            let waiting_since = tokio::time::Instant::now();
            match deadline {
                Some(deadline) => {
                    // A lock-out that outlasts the caller's patience fails now, not at the
                    // deadline: waiting part of it helps nobody.
                    let locked_out = self.limiter.paused_until().is_some_and(|u| u > deadline);
                    if locked_out || tokio::time::timeout_at(deadline, acquire).await.is_err() {
                        observe::limiter_wait(template, waiting_since.elapsed());
                        // The limiter is held back by a recent 429 for longer than the
                        // caller will wait: answer as Airtable did to that request.
                        let mut api = ApiError::from_body(429, method, template, &[]);
                        api.message = Some(
                            "the console is waiting out Airtable's rate limit for this token"
                                .into(),
                        );
                        return Err(Error::from(api));
                    }
                }
                None => acquire.await,
            }
            observe::limiter_wait(template, waiting_since.elapsed());
            let attempt_no = retries_done + 1;
            span.record("attempt", attempt_no);
            let started = tokio::time::Instant::now();
            let mut rb = self
                .shared
                .http
                .request(req.method.to_reqwest(), url.clone())
                .bearer_auth(token.expose_secret())
                .header(reqwest::header::ACCEPT, "application/json")
                .timeout(self.shared.timeout);
            if let Some(body) = &req.body {
                rb = rb
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(body.clone());
            }
            let outcome = match rb.send().await {
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    let retry_after = resp
                        .headers()
                        .get(reqwest::header::RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| parse_retry_after(v, SystemTime::now()));
                    match resp.bytes().await {
                        Ok(body) => Ok((status, retry_after, body)),
                        Err(e) => Err(e),
                    }
                }
                Err(e) => Err(e),
            };
            let latency_ms = started.elapsed().as_millis() as u64;
            span.record("latency_ms", latency_ms);
            observe::answered(
                method,
                template,
                outcome.as_ref().ok().map(|(status, ..)| *status),
                started.elapsed(),
            );
            let (attempt, error) = match outcome {
                Ok((status, retry_after, body)) => {
                    span.record("status", status);
                    if (200..300).contains(&status) {
                        tracing::debug!(status, attempt = attempt_no, latency_ms, "airtable reply");
                        return Ok(body.to_vec());
                    }
                    let mut api = ApiError::from_body(status, method, template, &body);
                    api.retry_after = retry_after;
                    if status == 429 {
                        self.limiter
                            .pause_for(retry_after.unwrap_or(self.shared.retry.rate_limited_wait));
                    }
                    (
                        Attempt::Status {
                            status,
                            retry_after,
                        },
                        Error::from(api),
                    )
                }
                Err(e) => {
                    let attempt = if e.is_connect() {
                        Attempt::NotSent
                    } else {
                        Attempt::MaybeSent
                    };
                    let err = if e.is_timeout() && !e.is_connect() {
                        Error::Timeout {
                            method,
                            path: template,
                            timeout: self.shared.timeout,
                        }
                    } else {
                        Error::Transport {
                            method,
                            path: template,
                            source: e.without_url(),
                        }
                    };
                    (attempt, err)
                }
            };
            let delay =
                self.shared
                    .retry
                    .decide(method, retries_done, attempt, &mut rand::thread_rng());
            // A retry that would end after the caller's deadline is not worth starting.
            let delay = delay.filter(|delay| {
                deadline.is_none_or(|deadline| tokio::time::Instant::now() + *delay <= deadline)
            });
            match delay {
                Some(delay) => {
                    tracing::warn!(
                        attempt = attempt_no,
                        latency_ms,
                        retry_in_ms = delay.as_millis() as u64,
                        error = %error,
                        "airtable request failed; retrying"
                    );
                    observe::retry(template);
                    tokio::time::sleep(delay).await;
                    retries_done += 1;
                }
                None => {
                    tracing::debug!(attempt = attempt_no, latency_ms, error = %error, "airtable request failed");
                    return Err(error);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_token() {
        let c = Client::builder()
            .token(AccessToken::new("secret-token-value"))
            .build()
            .unwrap();
        let d = format!("{c:?}");
        assert!(!d.contains("secret-token-value"), "{d}");
        assert!(d.contains("has_token: true"));
    }

    #[test]
    fn builder_validates() {
        assert!(Client::builder().base_url("ftp://x").build().is_err());
        assert!(Client::builder().base_url("not a url").build().is_err());
        assert!(Client::builder()
            .base_url("http://127.0.0.1:1/?a=b")
            .build()
            .is_err());
        assert!(Client::builder()
            .rate_limit(RateLimit::per_second(0))
            .build()
            .is_err());
        assert!(Client::builder().timeout(Duration::ZERO).build().is_err());
        let c = Client::builder()
            .base_url("http://127.0.0.1:9/")
            .build()
            .unwrap();
        assert_eq!(c.base_url(), "http://127.0.0.1:9");
        assert!(!c.has_token());
    }

    #[test]
    fn base_of_paths() {
        assert_eq!(base_of("/v0/meta/bases/appX/shares"), Some("appX"));
        assert_eq!(base_of("/v0/meta/bases/appX"), Some("appX"));
        assert_eq!(base_of("/v0/meta/bases"), None);
        assert_eq!(base_of("/v0/meta/workspaces/wspX"), None);
    }

    #[test]
    fn a_limiter_outlives_the_clients_using_it() {
        let c = Client::builder().build().unwrap();
        let first = Arc::downgrade(&c.with_token(AccessToken::new("t1")).limiter);
        let again = c.with_token(AccessToken::new("t1"));
        assert!(first
            .upgrade()
            .is_some_and(|l| Arc::ptr_eq(&l, &again.limiter)));
        let b1 = c.shared.base_limiter("appX").unwrap();
        let b2 = c.shared.base_limiter("appX").unwrap();
        assert!(Arc::ptr_eq(&b1, &b2));
    }

    #[test]
    fn same_token_shares_limiter() {
        let c = Client::builder().build().unwrap();
        let a = c.with_token(AccessToken::new("t1"));
        let b = c.with_token(AccessToken::new("t1"));
        let other = c.with_token(AccessToken::new("t2"));
        assert!(Arc::ptr_eq(&a.limiter, &b.limiter));
        assert!(!Arc::ptr_eq(&a.limiter, &other.limiter));
        let a2 = a.clone();
        assert!(Arc::ptr_eq(&a.limiter, &a2.limiter));
        assert!(Arc::ptr_eq(&a.shared, &other.shared));
    }

    #[tokio::test]
    async fn no_token_is_a_config_error() {
        let c = Client::builder()
            .base_url("http://127.0.0.1:9")
            .build()
            .unwrap();
        let err = c
            .send_unit(Request::get("/v0/meta/whoami", "/v0/meta/whoami".into()))
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Config(_)), "{err:?}");
    }

    #[test]
    fn decode_empty_as_null() {
        let v: Option<u8> = decode(b"  ", "GET", "/x").unwrap();
        assert_eq!(v, None);
        let _: serde::de::IgnoredAny = decode(b"{\"a\":1}", "GET", "/x").unwrap();
        let e = decode::<u8>(b"{}", "GET", "/x").unwrap_err();
        assert!(matches!(e, Error::Decode { .. }));
    }
}
