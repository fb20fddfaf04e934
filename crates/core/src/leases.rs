//! Leases: background work that must run in one console process at a time, however many
//! share the database.
//!
//! A lease is a row in `leases`: a name, the process holding it, and when it expires. A
//! process takes a free or expired lease in one statement (so of several trying at once
//! exactly one gets it), renews it while it works, and gives it back when done. A process
//! that dies (`kill -9`, a lost machine) gives nothing back: its lease simply expires and
//! the next process to try takes it over, so no work is stuck for longer than one lease
//! period. Expiry is judged by the database's clock, never a process's own.
//!
//! Why rows and not Postgres advisory locks: an advisory lock lives on one connection, and a
//! pooled connection that the pool recycles, or a network partition that leaves the session
//! open on the server, would hold it with nobody working. A lease with an expiry needs no
//! live connection, shows who holds what (`SELECT * FROM leases`), and survives a pooler
//! in transaction mode.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use sqlx::PgPool;

/// This process's name in the `leases` table: host, process id and a random part (a
/// process restarted with the same pid is still another holder).
pub fn instance_id() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.trim().is_empty())
        .or_else(|| {
            std::fs::read_to_string("/etc/hostname")
                .ok()
                .map(|h| h.trim().to_string())
        })
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "console".to_string());
    let random = uuid::Uuid::new_v4().simple().to_string();
    format!("{host}:{}:{}", std::process::id(), &random[..8])
}

/// Takes, renews and gives back leases for one process.
#[derive(Clone, Debug)]
pub struct Leases {
    db: PgPool,
    holder: Arc<str>,
    period: Duration,
    /// Once the process is stopping, work under a lease stops and gives its lease back, and
    /// no new lease is taken.
    shutdown: Option<crate::shutdown::Shutdown>,
}

/// A lease this process holds. Dropping it without [`Held::release`] leaves the row to
/// expire, as a crash would.
#[derive(Debug)]
pub struct Held {
    db: PgPool,
    name: String,
    holder: Arc<str>,
    /// Which taking of the lease this is: renewals and the release name it, so a hold that
    /// expired and was taken again (even by this process) can no longer renew or release
    /// the new one.
    generation: i64,
    period: Duration,
}

/// What became of work run under a lease.
#[derive(Debug, PartialEq, Eq)]
pub enum Ran<T> {
    /// This process held the lease throughout and the work finished.
    Done(T),
    /// Another process holds the lease: the work did not start here.
    HeldElsewhere,
    /// The lease was lost while the work ran (a renewal came too late and another process
    /// took it over): the work was stopped where it was.
    Lost,
    /// The process is stopping: the work was stopped where it was (or not started) and the
    /// lease given back, for another process to take at once.
    Stopped,
}

impl Leases {
    /// Leases held as `holder` (normally [`instance_id`]), taken for [`DEFAULT_PERIOD`].
    pub fn new(db: PgPool, holder: impl Into<Arc<str>>) -> Self {
        Leases {
            db,
            holder: holder.into(),
            period: DEFAULT_PERIOD,
            shutdown: None,
        }
    }

    /// The same, winding down when `shutdown` is triggered: running work stops at its next
    /// await point and gives its lease back (another process takes it at once), and
    /// nothing new starts.
    pub fn with_shutdown(self, shutdown: crate::shutdown::Shutdown) -> Self {
        Leases {
            shutdown: Some(shutdown),
            ..self
        }
    }

    fn stopping(&self) -> bool {
        self.shutdown.as_ref().is_some_and(|s| s.is_triggered())
    }

    /// The same, with the console's leases lasting `period` unrenewed
    /// (`CONSOLE_LEASE_SECONDS`): how soon another process takes over the work of one that
    /// died. Renewed every third of it while work runs.
    pub fn with_period(self, period: Duration) -> Self {
        Leases { period, ..self }
    }

    /// How long this process's background leases last unrenewed.
    pub fn period(&self) -> Duration {
        self.period
    }

    /// Takes the lease `name` for `period` if nobody holds it or its holder let it expire.
    /// `None` while anyone holds it, this process included: two tasks of one process never
    /// hold the same lease either. Every taking counts one more `generation`.
    pub async fn try_take(&self, name: &str, period: Duration) -> sqlx::Result<Option<Held>> {
        let generation: Option<i64> = sqlx::query_scalar(
            "INSERT INTO leases (name, holder, expires_at)
                  VALUES ($1, $2, now() + make_interval(secs => $3))
             ON CONFLICT (name) DO UPDATE
                 SET holder = EXCLUDED.holder,
                     acquired_at = now(),
                     renewed_at = now(),
                     expires_at = EXCLUDED.expires_at,
                     generation = leases.generation + 1
               WHERE leases.expires_at <= now()
             RETURNING generation",
        )
        .bind(name)
        .bind(self.holder.as_ref())
        .bind(period.as_secs_f64())
        .fetch_optional(&self.db)
        .await?;
        Ok(generation.map(|generation| Held {
            db: self.db.clone(),
            name: name.to_string(),
            holder: self.holder.clone(),
            generation,
            period,
        }))
    }

    /// Runs `work` if this process can take the lease `name` (and is not stopping),
    /// renewing the lease every third of `period` while the work runs, and gives it back
    /// afterwards. If a renewal finds the lease taken over, the work is dropped at its next
    /// await point (every piece of background work here stores its progress in steps that
    /// are safe to stop between).
    pub async fn run_exclusive<T, F>(
        &self,
        name: &str,
        period: Duration,
        work: F,
    ) -> sqlx::Result<Ran<T>>
    where
        F: Future<Output = T>,
    {
        if self.stopping() {
            return Ok(Ran::Stopped);
        }
        let Some(held) = self.try_take(name, period).await? else {
            return Ok(Ran::HeldElsewhere);
        };
        let stop = {
            let shutdown = self.shutdown.clone();
            async move {
                match shutdown {
                    Some(shutdown) => shutdown.triggered().await,
                    None => std::future::pending().await,
                }
            }
        };
        let mut stop = std::pin::pin!(stop);
        let mut renew = tokio::time::interval(period / 3);
        renew.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        renew.tick().await; // the first tick is immediate
        let mut work = std::pin::pin!(work);
        loop {
            tokio::select! {
                done = &mut work => {
                    if let Err(error) = held.release().await {
                        // It expires on its own; the next holder just waits a period.
                        tracing::warn!(%error, lease = name, "could not give back a lease");
                    }
                    return Ok(Ran::Done(done));
                }
                () = &mut stop => {
                    if let Err(error) = held.release().await {
                        tracing::warn!(%error, lease = name, "could not give back a lease");
                    }
                    tracing::info!(lease = name, "stopping: work handed back");
                    return Ok(Ran::Stopped);
                }
                _ = renew.tick() => match held.renew().await {
                    Ok(true) => {}
                    Ok(false) => {
                        tracing::warn!(lease = name, "lease taken over by another process: stopping this work");
                        return Ok(Ran::Lost);
                    }
                    // The database is away: keep working; if it stays away past the
                    // period, another process takes over and the next renewal says so.
                    Err(error) => tracing::warn!(%error, lease = name, "could not renew a lease"),
                },
            }
        }
    }

    /// Who holds `name` now (an expired lease counts as held by nobody).
    pub async fn holder_of(&self, name: &str) -> sqlx::Result<Option<String>> {
        sqlx::query_scalar("SELECT holder FROM leases WHERE name = $1 AND expires_at > now()")
            .bind(name)
            .fetch_optional(&self.db)
            .await
    }

    /// Gives back every lease this process holds (on a graceful stop), so others take over
    /// at once rather than after a period.
    pub async fn release_all(&self) -> sqlx::Result<u64> {
        Ok(sqlx::query("DELETE FROM leases WHERE holder = $1")
            .bind(self.holder.as_ref())
            .execute(&self.db)
            .await?
            .rows_affected())
    }
}

/// Runs `job` every `every` in whichever one process holds the lease `name` (taken for
/// `period`, renewed while a run lasts): the shape of the console's sweepers and senders.
pub fn spawn_periodic<F, Fut>(leases: Leases, name: &'static str, every: Duration, mut job: F)
where
    F: FnMut() -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if leases.stopping() {
                return;
            }
            if let Err(error) = leases.run_exclusive(name, leases.period(), job()).await {
                tracing::warn!(%error, lease = name, "could not take a lease");
            }
        }
    });
}

/// How long a lease lasts unrenewed unless `CONSOLE_LEASE_SECONDS` says otherwise.
pub const DEFAULT_PERIOD: Duration = Duration::from_secs(30);

impl Held {
    /// Who holds it and which taking this is, for work that fences its own writes: a
    /// write conditioned on the `leases` row still showing both is made only while this
    /// hold lasts (the SIEM forwarder advances a sink's position so).
    pub fn fence(&self) -> (&str, i64) {
        (self.holder.as_ref(), self.generation)
    }

    /// Extends the lease by its period from now. `false` when this hold is over: it expired
    /// and the lease was taken again (by another process, or by this one for other work).
    pub async fn renew(&self) -> sqlx::Result<bool> {
        let renewed = sqlx::query(
            "UPDATE leases SET expires_at = now() + make_interval(secs => $4), renewed_at = now()
              WHERE name = $1 AND holder = $2 AND generation = $3",
        )
        .bind(&self.name)
        .bind(self.holder.as_ref())
        .bind(self.generation)
        .bind(self.period.as_secs_f64())
        .execute(&self.db)
        .await?
        .rows_affected();
        Ok(renewed == 1)
    }

    /// Gives the lease back, so another process may take it at once.
    pub async fn release(self) -> sqlx::Result<()> {
        sqlx::query("DELETE FROM leases WHERE name = $1 AND holder = $2 AND generation = $3")
            .bind(&self.name)
            .bind(self.holder.as_ref())
            .bind(self.generation)
            .execute(&self.db)
            .await?;
        Ok(())
    }
}
