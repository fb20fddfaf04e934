//! What the bulk pages need from the server.

use crate::bulk::{BulkJob, BulkJobSummary, NewBulkJob};

/// The server side of bulk jobs (implemented by the server crate).
#[async_trait::async_trait]
pub trait BulkBackend: Send + Sync + 'static {
    /// Stores a job for the users selected now and starts carrying it out in the
    /// background; returns its id.
    async fn start_bulk_job(
        &self,
        who: &crate::api::SignedInUser,
        job: NewBulkJob,
    ) -> Result<String, crate::api::ConsoleError>;

    /// The newest jobs (at most [`crate::bulk::RECENT_JOBS`]), newest first.
    async fn recent_bulk_jobs(
        &self,
        who: &crate::api::SignedInUser,
    ) -> Result<Vec<BulkJobSummary>, crate::api::ConsoleError>;

    /// A job with one page of its rows (`None`: no such job).
    async fn bulk_job(
        &self,
        who: &crate::api::SignedInUser,
        id: &str,
        page: i64,
    ) -> Result<Option<BulkJob>, crate::api::ConsoleError>;
}
