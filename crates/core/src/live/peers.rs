//! Forgetting shared reads across console processes. Several processes serve one console
//! (behind a load balancer); each keeps its own shared reads. When one forgets because a
//! change went through it, it tells the others with Postgres `NOTIFY` on
//! [`CHANNEL`], and each listens and forgets the same. Postgres delivers a notification to
//! every listening session once the sender's statement ends, in a few milliseconds.
//!
//! A listener that loses its connection cannot know what it missed, so it forgets
//! everything when it is back: the next views read again, which is the safe side.

use std::time::Duration;

use sqlx::postgres::PgListener;
use sqlx::PgPool;

use super::LiveReads;
use crate::shutdown::Shutdown;

/// The Postgres channel the console processes talk on.
pub const CHANNEL: &str = "console_live_reads";

/// What to forget.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Forget {
    /// The enterprise's record (counts, descendants).
    Enterprise,
    /// Every kept user, workspace, base and group.
    Objects,
    /// Both: what a process does when it may have missed a message.
    Everything,
}

impl Forget {
    fn as_str(self) -> &'static str {
        match self {
            Forget::Enterprise => "enterprise",
            Forget::Objects => "objects",
            Forget::Everything => "everything",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        match text {
            "enterprise" => Some(Forget::Enterprise),
            "objects" => Some(Forget::Objects),
            "everything" => Some(Forget::Everything),
            _ => None,
        }
    }
}

/// This process's voice on [`CHANNEL`].
#[derive(Clone)]
pub struct Peers {
    db: PgPool,
    /// Names this process in its messages, so that it does not act on its own.
    me: String,
}

impl Peers {
    pub fn new(db: PgPool) -> Self {
        Peers {
            db,
            me: uuid::Uuid::new_v4().simple().to_string(),
        }
    }

    /// Tells the other processes to forget `what`. A failure is logged, not returned: the
    /// change it follows went through, and the others' reads end with their period anyway.
    pub(super) async fn tell(&self, what: Forget) {
        let message = format!("{} {}", self.me, what.as_str());
        let sent = sqlx::query("SELECT pg_notify($1, $2)")
            .bind(CHANNEL)
            .bind(&message)
            .execute(&self.db)
            .await;
        match sent {
            Ok(_) => {
                metrics::counter!("console_live_read_messages_total", "way" => "sent").increment(1)
            }
            Err(error) => {
                tracing::warn!(%error, "could not tell the other console processes to forget a read")
            }
        }
    }

    /// The message's instruction, unless this process sent it (or it is not one of ours).
    fn heard(&self, payload: &str) -> Option<Forget> {
        let (sender, what) = payload.split_once(' ')?;
        if sender == self.me {
            return None;
        }
        Forget::parse(what)
    }
}

/// Listens on [`CHANNEL`] until the process stops, forgetting in `live` what the other
/// processes say they forgot. Starts listening before it returns, so that a change made
/// anywhere after start-up is heard.
pub async fn spawn_listener(
    peers: Peers,
    live: LiveReads,
    shutdown: Shutdown,
) -> Result<(), sqlx::Error> {
    let mut listener = PgListener::connect_with(&peers.db).await?;
    listener.listen(CHANNEL).await?;
    tokio::spawn(async move {
        loop {
            let received = tokio::select! {
                received = listener.try_recv() => received,
                _ = shutdown.triggered() => break,
            };
            match received {
                Ok(Some(notification)) => {
                    if let Some(what) = peers.heard(notification.payload()) {
                        metrics::counter!("console_live_read_messages_total", "way" => "heard")
                            .increment(1);
                        live.forget_here(what).await;
                    }
                }
                // The connection was lost; the next call connects again. Whatever was said
                // meanwhile is lost with it.
                Ok(None) => live.forget_here(Forget::Everything).await,
                // The pool is closing (the process stops, or a test closes it): give back the
                // listener's connection, which `PgPool::close` waits for; retrying would hold
                // it for ever.
                Err(sqlx::Error::PoolClosed) => break,
                Err(error) => {
                    tracing::warn!(%error, "lost the channel to the other console processes; trying again");
                    live.forget_here(Forget::Everything).await;
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn messages_name_their_sender_and_what_to_forget() {
        let db = PgPool::connect_lazy("postgres://nobody@127.0.0.1:1/none").expect("lazy pool");
        let mine = Peers::new(db.clone());
        let theirs = Peers::new(db);
        for what in [Forget::Enterprise, Forget::Objects, Forget::Everything] {
            let said = format!("{} {}", theirs.me, what.as_str());
            assert_eq!(mine.heard(&said), Some(what));
            assert_eq!(
                theirs.heard(&said),
                None,
                "a process ignores its own messages"
            );
        }
        assert_eq!(mine.heard("garbage"), None);
        assert_eq!(mine.heard("someone unknown-thing"), None);
    }

    /// Closing the pool waits for every connection it lent, the listener's too: the
    /// listener must give its back (a readiness test closes the pool to play a lost
    /// database, and hung there once in a full run).
    #[tokio::test]
    async fn closing_the_pool_is_not_held_up_by_the_listener() {
        let db = crate::test_postgres::pool(2).await;
        spawn_listener(
            Peers::new(db.clone()),
            LiveReads::new(Duration::from_secs(60)),
            Shutdown::new(),
        )
        .await
        .expect("listening");
        // Generous: closing takes milliseconds; without the fix it never ends.
        tokio::time::timeout(Duration::from_secs(30), db.close())
            .await
            .expect("the pool closed with the listener running");
    }
}
