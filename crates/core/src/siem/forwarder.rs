//! One forwarder per sink: under the sink's lease, read the batch after the position, send
//! it, and advance the position once the receiver acknowledged it; on failure, wait
//! (1 s, doubling to 60 s) and send the same batch again.

use std::time::Duration;

use sqlx::PgPool;

use super::config::{SiemSettings, SinkConfig, SinkKind};
use super::event::{batch_after, Event};
use super::http::HttpSink;
use super::store::{self, Advanced};
use super::syslog::SyslogSink;
use crate::leases::{Held, Leases};
use crate::shutdown::Shutdown;

/// How a forwarder paces itself. The defaults are production's; tests shorten them.
#[derive(Clone, Copy, Debug)]
pub struct Pacing {
    /// How often an idle forwarder (caught up, or without the lease) looks again.
    pub poll: Duration,
    /// The first wait after a failed send; each further failure doubles it…
    pub backoff_first: Duration,
    /// …up to this.
    pub backoff_max: Duration,
}

impl Default for Pacing {
    fn default() -> Self {
        Pacing {
            poll: Duration::from_secs(1),
            backoff_first: Duration::from_secs(1),
            backoff_max: Duration::from_secs(60),
        }
    }
}

/// Where one sink's batches go.
enum Transport {
    Http(HttpSink),
    Syslog(SyslogSink),
}

impl Transport {
    fn new(sink: &SinkConfig, host: &str) -> Result<Self, String> {
        Ok(match &sink.kind {
            SinkKind::Http { url, format, token } => Transport::Http(HttpSink::new(
                url.clone(),
                *format,
                token.clone(),
                host.to_string(),
            )?),
            SinkKind::Syslog { addr } => Transport::Syslog(SyslogSink::new(addr.clone(), host)),
        })
    }

    async fn send(&self, batch: &[Event]) -> Result<(), String> {
        match self {
            Transport::Http(sink) => sink.send(batch).await,
            Transport::Syslog(sink) => sink.send(batch).await,
        }
    }
}

/// Registers every configured sink (its row, its starting position) and starts its
/// forwarder, which runs until the process stops. Registration failing (the database is
/// away at start-up) is retried by the forwarder itself.
pub fn spawn_forwarders(
    db: PgPool,
    settings: &SiemSettings,
    leases: Leases,
    shutdown: Shutdown,
    pacing: Pacing,
) -> Result<(), String> {
    for sink in &settings.sinks {
        let transport = Transport::new(sink, &settings.host)?;
        let forwarder = Forwarder {
            db: db.clone(),
            sink: sink.clone(),
            start: settings.start,
            batch_size: settings.batch_size,
            transport,
            pacing,
        };
        let leases = leases.clone();
        let stop = shutdown.clone();
        // Tracked by the stop, so that a graceful stop hands the lease back before exit.
        shutdown.spawn(forwarder.run(leases, stop));
    }
    Ok(())
}

struct Forwarder {
    db: PgPool,
    sink: SinkConfig,
    start: super::config::StartAt,
    batch_size: u32,
    transport: Transport,
    pacing: Pacing,
}

impl Forwarder {
    async fn run(self, leases: Leases, shutdown: Shutdown) {
        let name = self.sink.name.as_str();
        let lease = store::lease_name(name);
        let mut registered = false;
        loop {
            if shutdown.is_triggered() {
                return;
            }
            if !registered {
                match store::register(&self.db, &self.sink, self.start).await {
                    Ok(()) => registered = true,
                    Err(error) => {
                        tracing::warn!(%error, sink = name, "siem: cannot register the sink")
                    }
                }
            }
            if registered {
                match leases.try_take(&lease, leases.period()).await {
                    Ok(Some(held)) => self.while_held(held, leases.period(), &shutdown).await,
                    Ok(None) => {}
                    Err(error) => {
                        tracing::warn!(%error, sink = name, "siem: cannot take the lease")
                    }
                }
            }
            tokio::select! {
                () = tokio::time::sleep(self.pacing.poll) => {}
                _ = shutdown.triggered() => return,
            }
        }
    }

    /// Forwards while `held` lasts: renewed every third of its period; the sending is
    /// dropped (at its next await) when a renewal finds the lease taken over or the process
    /// stops. Whatever was in flight then is sent again by the next holder.
    async fn while_held(&self, held: Held, period: Duration, shutdown: &Shutdown) {
        let name = self.sink.name.as_str();
        let mut renew = tokio::time::interval(period / 3);
        renew.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        renew.tick().await;
        {
            let work = self.forward(&held);
            let mut work = std::pin::pin!(work);
            loop {
                tokio::select! {
                    () = &mut work => break,
                    _ = shutdown.triggered() => break,
                    _ = renew.tick() => match held.renew().await {
                        Ok(true) => {}
                        Ok(false) => {
                            tracing::warn!(sink = name, "siem: lease taken over by another process");
                            return;
                        }
                        Err(error) => tracing::warn!(%error, sink = name, "siem: cannot renew the lease"),
                    },
                }
            }
        }
        if let Err(error) = held.release().await {
            tracing::warn!(%error, sink = name, "siem: cannot give the lease back");
        }
    }

    /// The loop under the lease; returns when another process turns out to forward the
    /// sink (its position moved under us).
    async fn forward(&self, held: &Held) {
        let name = self.sink.name.as_str();
        let mut backoff = self.pacing.backoff_first;
        let mut position = loop {
            match store::position(&self.db, name).await {
                Ok(Some(p)) => break p,
                Ok(None) => return,
                Err(error) => {
                    tracing::warn!(%error, sink = name, "siem: cannot read the position");
                    tokio::time::sleep(self.pacing.poll).await;
                }
            }
        };
        loop {
            let batch = match batch_after(&self.db, position, self.batch_size).await {
                Ok(batch) => batch,
                Err(error) => {
                    tracing::warn!(%error, sink = name, "siem: cannot read the copy");
                    tokio::time::sleep(self.pacing.poll).await;
                    continue;
                }
            };
            let Some(last) = batch.last().map(|e| e.copy_seq) else {
                tokio::time::sleep(self.pacing.poll).await;
                continue;
            };
            // The same batch until the receiver takes it: never more than this one batch
            // is read ahead of what it acknowledged.
            loop {
                match self.transport.send(&batch).await {
                    Ok(()) => break,
                    Err(error) => {
                        metrics::counter!("console_siem_failures_total", "sink" => name.to_string())
                            .increment(1);
                        tracing::warn!(sink = name, %error, retry_in = ?backoff, "siem: sending a batch failed");
                        if let Err(db_error) = store::record_failure(&self.db, name, &error).await {
                            tracing::warn!(error = %db_error, sink = name, "siem: cannot record a failure");
                        }
                        tokio::time::sleep(backoff).await;
                        backoff = (backoff * 2).min(self.pacing.backoff_max);
                    }
                }
            }
            backoff = self.pacing.backoff_first;
            metrics::counter!("console_siem_batches_sent_total", "sink" => name.to_string())
                .increment(1);
            metrics::counter!("console_siem_events_sent_total", "sink" => name.to_string())
                .increment(batch.len() as u64);
            // Acknowledged: only now does the position move (fenced by the lease). A crash
            // before this commit resends this batch, which its ids make recognisable.
            loop {
                match store::advance(&self.db, name, held, position, last).await {
                    Ok(Advanced::Yes) => {
                        position = last;
                        break;
                    }
                    Ok(Advanced::Fenced) => {
                        tracing::warn!(sink = name, "siem: another process forwards this sink now");
                        return;
                    }
                    Err(error) => {
                        tracing::warn!(%error, sink = name, "siem: cannot store the position");
                        tokio::time::sleep(self.pacing.poll).await;
                    }
                }
            }
            if batch.len() < self.batch_size as usize {
                // Caught up: look again after a pause rather than at once.
                tokio::time::sleep(self.pacing.poll).await;
            }
        }
    }
}
