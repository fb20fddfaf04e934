//! What the calls hanging off an enterprise account (its users, its audit log) need: the
//! client and the account's ID. They take this rather than the enterprise handler, so the
//! enterprise, users and audit modules do not import each other in a circle.

use crate::http::client::Request;
use crate::ids::EnterpriseId;
use crate::models::EnterpriseInfo;
use crate::{Client, Error};

/// One enterprise account: the client and the account's ID.
#[derive(Debug, Clone)]
pub(crate) struct Account {
    pub(crate) client: Client,
    pub(crate) id: EnterpriseId,
}

impl Account {
    /// `/v0/meta/enterpriseAccounts/{id}` followed by `rest`.
    pub(crate) fn path(&self, rest: &str) -> String {
        format!("/v0/meta/enterpriseAccounts/{}{rest}", self.id)
    }

    /// "Get enterprise", with `include=aggregated` and `include=descendants` as asked.
    pub(crate) async fn info(
        &self,
        aggregated: bool,
        descendants: bool,
    ) -> Result<EnterpriseInfo, Error> {
        let mut req = Request::get("/v0/meta/enterpriseAccounts/{id}", self.path(""));
        if aggregated {
            req = req.query("include", "aggregated");
        }
        if descendants {
            req = req.query("include", "descendants");
        }
        self.client.send(req).await
    }
}
