//! The Postgres pool: create the database if it is missing, then apply migrations.

use sqlx::{migrate::MigrateDatabase, postgres::PgPoolOptions, PgPool, Postgres};

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations");

pub async fn connect_and_migrate(database_url: &str) -> anyhow::Result<PgPool> {
    if !Postgres::database_exists(database_url)
        .await
        .unwrap_or(false)
    {
        tracing::info!("creating the console database");
        Postgres::create_database(database_url).await.map_err(|e| {
            anyhow::anyhow!("cannot create the database named in DATABASE_URL: {e}")
        })?;
    }
    let pool = PgPoolOptions::new()
        .max_connections(16)
        .acquire_timeout(std::time::Duration::from_secs(5))
        .connect(database_url)
        .await
        .map_err(|e| anyhow::anyhow!("cannot connect to Postgres at DATABASE_URL: {e}"))?;
    MIGRATOR.run(&pool).await?;
    Ok(pool)
}
