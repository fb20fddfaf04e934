//! `GET /v0/meta/whoami`.

use crate::http::client::Request;
use crate::models::WhoAmI;
use crate::{Client, Error};

impl Client {
    /// Who the token belongs to, and its scopes.
    ///
    /// ```no_run
    /// # async fn demo(client: airtable_client::Client) -> Result<(), airtable_client::Error> {
    /// let me = client.whoami().await?;
    /// if me.has_scope("enterprise.auditLogs:read") == Some(false) {
    ///     println!("ask for the audit log scope");
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn whoami(&self) -> Result<WhoAmI, Error> {
        self.send(Request::get("/v0/meta/whoami", "/v0/meta/whoami".into()))
            .await
    }
}
