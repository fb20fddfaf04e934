//! The HTTP client: connection pool, rate limiting, retries, tracing.

pub(crate) mod client;
mod observe;
pub mod ratelimit;
pub mod retry;

pub use client::{Client, ClientBuilder, DEFAULT_BASE_URL};
pub use ratelimit::RateLimit;
pub use retry::RetryPolicy;
