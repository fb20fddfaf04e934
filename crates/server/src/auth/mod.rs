//! Who is making a request: OAuth sign-in (or a trusted sign-in proxy in service-account
//! mode), the sign-in records behind sessions, and the middleware that turns a session
//! cookie into a [`console_app::api::SignedInUser`].

pub mod admit;
pub mod oauth;
pub mod require_role;
pub mod session;
pub mod session_store;
pub mod trusted_header;
