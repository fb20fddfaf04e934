//! Pools beside the console's main one, each for one kind of work (downloads, searches), so
//! that work can neither take the connections the pages need nor carry its settings into
//! their statements.

use sqlx::{postgres::PgPoolOptions, PgPool};

/// A pool to the same database, as the same role, as `main`, shaped by `options` (its size,
/// its checks), opening connections as they are needed; each runs `settings` (`SET …`
/// statements) when it opens.
///
/// The settings are a statement rather than the start-up packet's `options`: a session
/// pooler in front of Postgres (PgBouncer) refuses that parameter or drops it.
pub fn beside(main: &PgPool, options: PgPoolOptions, settings: &'static str) -> PgPool {
    options
        .min_connections(0)
        .after_connect(move |connection, _| {
            Box::pin(async move {
                use sqlx::Executor as _;
                connection.execute(settings).await?;
                Ok(())
            })
        })
        .connect_lazy_with((*main.connect_options()).clone())
}

#[cfg(test)]
mod tests {
    /// The downloads' connections are planned for their values; the main pool's are not.
    #[tokio::test]
    async fn the_downloads_connections_carry_their_settings_and_only_they() {
        let main = crate::test_postgres::pool(1).await;
        let exports = crate::export::Exports::new(&main);
        let mode = "SELECT current_setting('plan_cache_mode')";
        let theirs: String = sqlx::query_scalar(mode)
            .fetch_one(exports.pool())
            .await
            .expect("a download connection");
        assert_eq!(theirs, crate::audit::search::CUSTOM_PLANS);
        let mine: String = sqlx::query_scalar(mode)
            .fetch_one(&main)
            .await
            .expect("main");
        assert_eq!(mine, "auto");
    }
}
