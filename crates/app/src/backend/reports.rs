//! What the reports pages need from the server.

use crate::api::{ConsoleError, SignedInUser};
use crate::reports::{ReportIndex, ReportKind, ReportQuery, ReportView};

#[async_trait::async_trait]
pub trait ReportsBackend: Send + Sync + 'static {
    /// Each report's size in the latest complete snapshot.
    async fn report_index(&self, who: &SignedInUser) -> Result<ReportIndex, ConsoleError>;

    /// One page of a report from the latest complete snapshot.
    async fn report(
        &self,
        who: &SignedInUser,
        kind: ReportKind,
        query: &ReportQuery,
    ) -> Result<ReportView, ConsoleError>;
}
