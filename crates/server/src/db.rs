//! The Postgres pool: create the database if it is missing, apply migrations, and — when a
//! separate owner role is configured — give the console's runtime role only what it needs.

use std::time::Duration;

use sqlx::{
    migrate::MigrateDatabase,
    postgres::{PgConnectOptions, PgPoolOptions, PgSslMode},
    Connection, PgPool, Postgres,
};
use tower_sessions_sqlx_store::PostgresStore;

use crate::config::Settings;

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations");

/// The schema the session store keeps its table in (tower-sessions-sqlx-store's default).
const SESSION_SCHEMA: &str = "tower_sessions";

/// Advisory-lock key held while granting the runtime role its privileges.
const GRANT_LOCK: i64 = 0x636f_6e73_6f6c_6503;

pub async fn connect_and_migrate(database_url: &str) -> anyhow::Result<PgPool> {
    create_if_missing(database_url, "DATABASE_URL").await?;
    let pool = connect(database_url, "DATABASE_URL").await?;
    MIGRATOR.run(&pool).await?;
    Ok(pool)
}

async fn create_if_missing(url: &str, variable: &str) -> anyhow::Result<()> {
    if !Postgres::database_exists(url).await.unwrap_or(false) {
        tracing::info!("creating the console database");
        if let Err(error) = Postgres::create_database(url).await {
            // Several processes starting on a new database all find it missing; all but
            // one then fail to create it, and go on with the one that was made.
            if !Postgres::database_exists(url).await.unwrap_or(false) {
                anyhow::bail!("cannot create the database named in {variable}: {error}");
            }
            tracing::info!("another console process created the database first");
        }
    }
    Ok(())
}

/// A pooled connection that sat idle at least this long is checked with a round trip to
/// Postgres before it is handed out; one used more recently is handed out as it is.
///
/// sqlx checks every connection when it goes back to the pool and by default again when it
/// is taken, each with a round trip: two per query under load (a seventh of the server's
/// CPU in a profile, BENCHMARKS.md). The check on the way back catches what broke during
/// the request; our vendored sqlx-core makes it a `flush` (vendor/README.md), which sends
/// what is still queued and reads what is still owed, so it costs a round trip only to a
/// connection that owes one (a dropped transaction's ROLLBACK, a query dropped mid-answer)
/// and still fails on one that broke. The check on the way out catches only what Postgres
/// closed while the connection waited, which takes a restart or an idle time-out, and
/// after either the connection has waited (a restart under load can still catch a
/// connection released a moment before: that request gets a plain 503, as the ones in
/// flight do; RELIABILITY.md).
pub const CHECK_CONNECTIONS_IDLE_FOR: Duration = Duration::from_secs(1);

async fn connect(url: &str, variable: &str) -> anyhow::Result<PgPool> {
    pool_options()
        .connect_with(connect_options(url, variable)?)
        .await
        .map_err(|e| anyhow::anyhow!("cannot connect to Postgres at {variable}: {e}"))
}

/// The console's pool: its size, how long a request waits for a connection, and when a
/// pooled connection is checked ([`CHECK_CONNECTIONS_IDLE_FOR`]). The searches' pool is
/// shaped the same, at its own size.
pub(crate) fn pool_options() -> PgPoolOptions {
    PgPoolOptions::new()
        .max_connections(16)
        .acquire_timeout(Duration::from_secs(5))
        .test_before_acquire(false)
        .before_acquire(|connection, pooled| {
            Box::pin(async move {
                if pooled.idle_for >= CHECK_CONNECTIONS_IDLE_FOR {
                    // An error closes this connection and the pool opens another.
                    connection.ping().await?;
                }
                Ok(true)
            })
        })
}

/// The options a URL names, with one default of our own: a Postgres on this machine
/// (loopback address or Unix socket) is reached without TLS unless `sslmode` is asked for
/// (in the URL or `PGSSLMODE`). libpq's default, `prefer`, takes TLS whenever the server
/// offers it, as Debian's does, even over loopback, where it protects nothing and cost a
/// fifth of the console's CPU under load (BENCHMARKS.md).
fn connect_options(url: &str, variable: &str) -> anyhow::Result<PgConnectOptions> {
    let options: PgConnectOptions = url
        .parse()
        .map_err(|e| anyhow::anyhow!("{variable} is not a Postgres URL: {e}"))?;
    let asked = url.contains("sslmode=") || std::env::var_os("PGSSLMODE").is_some();
    Ok(if !asked && is_this_machine(options.get_host()) {
        options.ssl_mode(PgSslMode::Disable)
    } else {
        options
    })
}

/// Whether a host as sqlx reports it is this machine: a loopback name or address, or a
/// Unix socket's directory.
fn is_this_machine(host: &str) -> bool {
    host.starts_with('/')
        || host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The console's pool, ready to use: the database exists, migrations (and the session
/// store's table) are applied, and the runtime role has its privileges.
///
/// With `CONSOLE_DATABASE_OWNER_URL`, the owner does the creating, migrating and granting,
/// and the returned pool connects as the `DATABASE_URL` role, which may read and add to the
/// action log but not change, delete, truncate or alter it. Without it, one role does
/// everything (as before), and a warning says the log is then only tamper-evident.
pub async fn prepare(settings: &Settings) -> anyhow::Result<PgPool> {
    let Some(owner_url) = &settings.database_owner_url else {
        let pool = connect_and_migrate(&settings.database_url).await?;
        PostgresStore::new(pool.clone()).migrate().await?;
        if crate::action_log::role_can_change_log(&pool).await? {
            tracing::warn!(
                "the console's database role (DATABASE_URL) can change and delete the action log's rows: set CONSOLE_DATABASE_OWNER_URL to give it only the privileges it needs (README: Database roles)"
            );
        }
        return Ok(pool);
    };
    let owner_url = owner_url.expose();
    create_if_missing(owner_url, "CONSOLE_DATABASE_OWNER_URL").await?;
    let owner = PgPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(std::time::Duration::from_secs(5))
        .connect_with(connect_options(owner_url, "CONSOLE_DATABASE_OWNER_URL")?)
        .await
        .map_err(|e| {
            anyhow::anyhow!("cannot connect to Postgres at CONSOLE_DATABASE_OWNER_URL: {e}")
        })?;
    MIGRATOR.run(&owner).await?;
    PostgresStore::new(owner.clone()).migrate().await?;

    let runtime = connect(&settings.database_url, "DATABASE_URL").await?;
    let (runtime_role, runtime_db): (String, String) =
        sqlx::query_as("SELECT current_user::text, current_database()::text")
            .fetch_one(&runtime)
            .await?;
    let (owner_role, owner_db): (String, String) =
        sqlx::query_as("SELECT current_user::text, current_database()::text")
            .fetch_one(&owner)
            .await?;
    if runtime_db != owner_db {
        anyhow::bail!(
            "DATABASE_URL names database {runtime_db:?} but CONSOLE_DATABASE_OWNER_URL names {owner_db:?}: they must be the same database"
        );
    }
    if runtime_role == owner_role {
        anyhow::bail!(
            "DATABASE_URL and CONSOLE_DATABASE_OWNER_URL both connect as {runtime_role:?}: the runtime role must be a different one (README: Database roles)"
        );
    }
    grant_runtime_privileges(&owner, &runtime_role).await?;
    owner.close().await;
    if crate::action_log::role_can_change_log(&runtime).await? {
        tracing::warn!(
            role = %runtime_role,
            "the console's runtime role (DATABASE_URL) can still change the action log (is it a superuser, or a member of the owner role?)"
        );
    }
    Ok(runtime)
}

/// Gives `role` what the console needs at run time: read and write every table in its
/// schemas and use their sequences; the action log only read and add to. Run by the
/// owner at every start, so tables added by new migrations are covered.
async fn grant_runtime_privileges(owner: &PgPool, role: &str) -> anyhow::Result<()> {
    let role = quote_ident(role);
    let sessions = quote_ident(SESSION_SCHEMA);
    let statements = [
        format!("GRANT USAGE ON SCHEMA public, {sessions} TO {role}"),
        format!(
            "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public, {sessions} TO {role}"
        ),
        format!("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public, {sessions} TO {role}"),
        // The action log: read and append only. (ALTER, and disabling its trigger, need
        // ownership, which the runtime role does not have.)
        format!("REVOKE UPDATE, DELETE, TRUNCATE ON console_actions FROM {role}"),
        // The two-person rule, once armed, stays armed: written once, never changed.
        format!("REVOKE UPDATE, DELETE, TRUNCATE ON two_person_rule FROM {role}"),
        // Which migrations ran is the owner's business.
        format!("REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON _sqlx_migrations FROM {role}"),
    ];
    let mut tx = owner.begin().await?;
    // Consoles starting together would otherwise update the same privileges at once
    // ("tuple concurrently updated").
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(GRANT_LOCK)
        .execute(&mut *tx)
        .await?;
    for statement in &statements {
        sqlx::query(statement)
            .execute(&mut *tx)
            .await
            .map_err(|e| anyhow::anyhow!("{statement}: {e}"))?;
    }
    tx.commit().await?;
    Ok(())
}

/// A Postgres identifier in double quotes, with any double quote doubled.
fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::{connect_options, pool_options, quote_ident, CHECK_CONNECTIONS_IDLE_FOR};
    use sqlx::postgres::{PgConnectOptions, PgSslMode};
    use sqlx::PgPool;

    #[test]
    fn identifiers_are_quoted() {
        assert_eq!(quote_ident("console"), "\"console\"");
        assert_eq!(quote_ident("we\"ird role"), "\"we\"\"ird role\"");
    }

    fn ssl_mode(url: &str) -> PgSslMode {
        connect_options(url, "DATABASE_URL")
            .expect("a Postgres URL")
            .get_ssl_mode()
    }

    #[test]
    fn a_postgres_on_this_machine_is_reached_without_tls_unless_asked() {
        if std::env::var_os("PGSSLMODE").is_some() {
            return; // the environment asks for a mode: nothing here is ours to decide
        }
        for local in [
            "postgres://u@127.0.0.1:5432/db",
            "postgres://u@localhost/db",
            "postgres://u@[::1]:5432/db",
            "postgres:///db?host=/var/run/postgresql",
        ] {
            assert!(matches!(ssl_mode(local), PgSslMode::Disable), "{local}");
        }
        assert!(matches!(
            ssl_mode("postgres://u@127.0.0.1/db?sslmode=require"),
            PgSslMode::Require
        ));
        assert!(matches!(
            ssl_mode("postgres://u@db.example.com/db"),
            PgSslMode::Prefer
        ));
        assert!(connect_options("postgres://u@host:port/db", "DATABASE_URL").is_err());
    }

    /// The Postgres named by DATABASE_URL, its `postgres` database (the tests' own need not
    /// exist yet).
    fn test_postgres() -> PgConnectOptions {
        let url = std::env::var("DATABASE_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
        connect_options(&url, "DATABASE_URL")
            .expect("DATABASE_URL")
            .database("postgres")
    }

    /// As a Postgres restart or an idle time-out does, Postgres ends the backend of a
    /// connection waiting in the pool; the next query gets a working connection all the same.
    #[tokio::test]
    async fn a_connection_postgres_closed_while_it_waited_is_not_handed_out() {
        let postgres = test_postgres();
        let pool = pool_options()
            .connect_with(postgres.clone())
            .await
            .expect("the test Postgres");
        let pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
            .fetch_one(&pool)
            .await
            .expect("a first query");
        // Back in the pool (sqlx checks it on its way back, in a task of its own).
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        let other = PgPool::connect_with(postgres).await.expect("a second pool");
        let ended: bool = sqlx::query_scalar("SELECT pg_terminate_backend($1)")
            .bind(pid)
            .fetch_one(&other)
            .await
            .expect("end the backend");
        assert!(ended, "Postgres ended backend {pid}");
        tokio::time::sleep(CHECK_CONNECTIONS_IDLE_FOR + std::time::Duration::from_millis(300))
            .await;
        let again: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
            .fetch_one(&pool)
            .await
            .expect("a query after the backend ended: a new connection");
        assert_ne!(again, pid);
    }

    /// A TCP relay to `target` that counts the bytes the client sends through it.
    async fn counting_relay(
        target: (String, u16),
    ) -> (u16, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
        use std::sync::{atomic::Ordering, Arc};
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a port");
        let port = listener.local_addr().expect("its address").port();
        let sent = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = sent.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let Ok(server) = tokio::net::TcpStream::connect(target.clone()).await else {
                    return;
                };
                let (mut from_client, mut to_server) = (client.into_split(), server.into_split());
                let counter = counter.clone();
                tokio::spawn(async move {
                    let mut buffer = vec![0u8; 16 * 1024];
                    while let Ok(n) = from_client.0.read(&mut buffer).await {
                        if n == 0 || to_server.1.write_all(&buffer[..n]).await.is_err() {
                            break;
                        }
                        counter.fetch_add(n, Ordering::SeqCst);
                    }
                });
                tokio::spawn(async move {
                    let _ = tokio::io::copy(&mut to_server.0, &mut from_client.1).await;
                });
            }
        });
        (port, sent)
    }

    /// A connection that owes Postgres nothing goes back to the pool without a word to it:
    /// sqlx's release check is a `flush` (our vendored sqlx-core, vendor/README.md), not a
    /// round trip per query.
    #[tokio::test]
    async fn a_connection_goes_back_to_the_pool_without_a_round_trip() {
        let postgres = test_postgres();
        if postgres.get_host().starts_with('/') {
            return; // a Unix socket: no TCP to relay
        }
        let (port, sent) =
            counting_relay((postgres.get_host().to_string(), postgres.get_port())).await;
        let pool = pool_options()
            .max_connections(1)
            .connect_with(postgres.host("127.0.0.1").port(port))
            .await
            .expect("the test Postgres through the relay");
        let settle = || tokio::time::sleep(std::time::Duration::from_millis(300));
        for _ in 0..3 {
            let before = sent.load(std::sync::atomic::Ordering::SeqCst);
            let one: i32 = sqlx::query_scalar("SELECT 1")
                .fetch_one(&pool)
                .await
                .expect("a query");
            assert_eq!(one, 1);
            let asked = sent.load(std::sync::atomic::Ordering::SeqCst);
            assert!(asked > before, "the query went through the relay");
            settle().await;
            assert_eq!(
                sent.load(std::sync::atomic::Ordering::SeqCst),
                asked,
                "nothing was sent after the answer (a release ping is 5 bytes)"
            );
        }
    }

    /// What the release check is for still happens: a transaction dropped unfinished is
    /// rolled back as its connection goes back (its locks freed at once, not at the
    /// connection's next use), and a query dropped mid-answer leaves a usable connection.
    #[tokio::test]
    async fn what_a_dropped_transaction_or_query_left_is_cleared_on_release() {
        use futures::StreamExt as _;
        let postgres = test_postgres();
        let pool = pool_options()
            .max_connections(1)
            .connect_with(postgres.clone())
            .await
            .expect("the test Postgres");
        let key: i64 = rand::random();
        {
            let mut tx = pool.begin().await.expect("a transaction");
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(key)
                .execute(&mut *tx)
                .await
                .expect("a lock held until the transaction ends");
        } // dropped without commit or rollback
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let other = PgPool::connect_with(postgres).await.expect("a second pool");
        let free: bool = sqlx::query_scalar("SELECT pg_try_advisory_xact_lock($1)")
            .bind(key)
            .fetch_one(&other)
            .await
            .expect("try the lock");
        assert!(free, "the dropped transaction was rolled back on release");

        {
            let mut rows =
                sqlx::query_scalar::<_, i32>("SELECT g FROM generate_series(1, 200000) g")
                    .fetch(&pool);
            let first = rows.next().await.expect("a row").expect("a number");
            assert_eq!(first, 1);
        } // dropped with most of the answer unread
        let after: i64 = sqlx::query_scalar("SELECT 41::int8 + 1")
            .fetch_one(&pool)
            .await
            .expect("the same connection answers the next query");
        assert_eq!(after, 42);
    }
}
