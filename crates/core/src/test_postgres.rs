//! For unit tests that need a real Postgres: the one named by DATABASE_URL.

use sqlx::{
    postgres::{PgConnectOptions, PgPoolOptions},
    PgPool,
};

/// A pool of `connections` to the Postgres named by DATABASE_URL, its `postgres` database
/// (the tests' own need not exist yet).
pub(crate) async fn pool(connections: u32) -> PgPool {
    let url = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let options: PgConnectOptions = url.parse().expect("DATABASE_URL");
    PgPoolOptions::new()
        .max_connections(connections)
        .connect_with(options.database("postgres"))
        .await
        .expect("the test Postgres")
}
