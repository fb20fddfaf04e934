//! Who is making a request: OAuth sign-in, the sign-in records behind sessions, and the
//! middleware that turns a session cookie into a [`console_app::api::SignedInUser`].

pub mod logins;
pub mod oauth;
pub mod session;
