//! Typed client for the Airtable Enterprise API.
//!
//! * [`models`], [`ids`], [`AccessToken`], [`Timestamp`] and [`Error`] do no I/O and compile
//!   without the default `http` feature (for example to wasm, for a front end that renders the
//!   models).
//! * With the `http` feature (default), [`Client`] calls Airtable: one handler per API area
//!   (`client.enterprise(&id)`, `client.workspace(&id)`, `client.base(&id)`, `client.group(&id)`,
//!   `client.scim()`), builders ending in `.send().await` for calls with options, streams for
//!   paginated lists, retries with `Retry-After`, a client-side rate limit per token, a timeout
//!   per request and a `tracing` span per request.
//!
//! ```no_run
//! # async fn demo() -> Result<(), airtable_client::Error> {
//! use airtable_client::{AccessToken, Client};
//! use airtable_client::ids::EnterpriseId;
//!
//! let client = Client::builder().token(AccessToken::new("pat…")).build()?;
//! let ent: EnterpriseId = "entUBq2RGdihxl3vU".parse()?;
//! let info = client.enterprise(&ent).get().include_aggregated().send().await?;
//! let users = client
//!     .enterprise(&ent)
//!     .users()
//!     .by_ids(info.user_ids.iter().cloned())
//!     .include_collaborations()
//!     .send()
//!     .await?;
//! for u in users {
//!     println!("{} {} {}", u.id, u.email, u.state);
//! }
//! # Ok(()) }
//! ```

#![warn(missing_docs)]
// Without `http` the crate docs still mention `Client`, which then does not exist.
#![cfg_attr(not(feature = "http"), allow(rustdoc::broken_intra_doc_links))]

pub mod error;
pub mod ids;
pub mod models;
pub(crate) mod serde_util;
pub mod time;
pub mod token;

#[cfg(feature = "http")]
pub mod api;
#[cfg(feature = "http")]
pub mod http;

pub use error::{ApiError, Error};
pub use time::Timestamp;
pub use token::AccessToken;

#[cfg(feature = "http")]
pub use http::{Client, ClientBuilder, RateLimit, RetryPolicy};

#[cfg(test)]
mod send_sync {
    fn assert_send_sync<T: Send + Sync + 'static>() {}

    #[test]
    fn public_types_are_thread_safe() {
        assert_send_sync::<crate::Error>();
        assert_send_sync::<crate::AccessToken>();
        assert_send_sync::<crate::models::User>();
        #[cfg(feature = "http")]
        {
            assert_send_sync::<crate::Client>();
            assert_send_sync::<crate::api::EnterpriseHandler>();
            assert_send_sync::<crate::api::AuditLogRequest>();
        }
    }
}
