//! The witness file: the log's head written outside the database after every append and
//! every hour, and read back for verification.

use std::{path::PathBuf, time::Duration};

use chrono::Utc;
use sqlx::{PgPool, Row};

use super::{
    chain::{from_hex, to_hex, ActionLog},
    notice::send_daily_notice,
    verify::WitnessSummary,
};

/// The witness file's name in the data directory.
pub const WITNESS_FILE: &str = "action-log-head";

/// How often the head is written to the witness file (and the daily notice considered).
const WITNESS_INTERVAL: Duration = Duration::from_secs(3600);

impl ActionLog {
    /// Adds the log's current head to the witness file (nothing when the log is empty or
    /// this log has no witness file). Returns the row written.
    pub async fn write_witness(&self, db: &PgPool) -> anyhow::Result<Option<i64>> {
        if self.witness.is_none() {
            return Ok(None);
        }
        let head = sqlx::query("SELECT seq, hash FROM console_actions ORDER BY seq DESC LIMIT 1")
            .fetch_optional(db)
            .await?;
        let Some(head) = head else {
            return Ok(None);
        };
        let seq: i64 = head.get("seq");
        let hash: Vec<u8> = head.get("hash");
        self.append_witness_line(seq, &hash).await?;
        Ok(Some(seq))
    }

    /// [`Self::append_witness_line`], with a failure logged rather than returned.
    pub(super) async fn witness_head(&self, seq: i64, hash: &[u8]) {
        if let Err(error) = self.append_witness_line(seq, hash).await {
            tracing::error!(%error, seq, witness = ?self.witness, "could not write the action log's head to the witness file");
        }
    }

    /// Appends `<seq> <hex hash> <time>` to the witness file. The file is opened for
    /// appending and the line written in one call, so several console processes sharing
    /// the file do not interleave their lines.
    async fn append_witness_line(&self, seq: i64, hash: &[u8]) -> std::io::Result<()> {
        let Some(path) = self.witness.clone() else {
            return Ok(());
        };
        let line = format!(
            "{seq} {} {}\n",
            to_hex(hash),
            Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        );
        tokio::task::spawn_blocking(move || {
            use std::io::Write;
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)?;
            }
            let mut file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)?;
            file.write_all(line.as_bytes())
        })
        .await
        .map_err(std::io::Error::other)?
    }
}

/// One line of a witness file.
pub(super) struct WitnessRecord {
    pub(super) seq: i64,
    pub(super) hash: Vec<u8>,
    pub(super) at: String,
    /// `file line N`, for the report.
    pub(super) place: String,
}

pub(super) struct Witness {
    /// Sorted by seq.
    pub(super) records: Vec<WitnessRecord>,
    files: usize,
    unreadable_lines: usize,
}

impl Witness {
    pub(super) async fn read(paths: &[PathBuf]) -> std::io::Result<Witness> {
        let mut witness = Witness {
            records: Vec::new(),
            files: paths.len(),
            unreadable_lines: 0,
        };
        for path in paths {
            let text = tokio::fs::read_to_string(path).await.map_err(|e| {
                std::io::Error::new(
                    e.kind(),
                    format!("cannot read the witness file {}: {e}", path.display()),
                )
            })?;
            for (n, line) in text.lines().enumerate() {
                if line.trim().is_empty() {
                    continue;
                }
                match parse_witness_line(line) {
                    Some((seq, hash, at)) => witness.records.push(WitnessRecord {
                        seq,
                        hash,
                        at: at.to_string(),
                        place: format!("{} line {}", path.display(), n + 1),
                    }),
                    None => witness.unreadable_lines += 1,
                }
            }
        }
        witness.records.sort_by_key(|r| r.seq);
        Ok(witness)
    }

    pub(super) fn summary(&self) -> WitnessSummary {
        WitnessSummary {
            files: self.files,
            records: self.records.len(),
            newest: self.records.last().map(|r| (r.seq, r.at.clone())),
            unreadable_lines: self.unreadable_lines,
        }
    }
}

/// `<seq> <hex hash> <time>`; rows are numbered from 1.
fn parse_witness_line(line: &str) -> Option<(i64, Vec<u8>, &str)> {
    let mut parts = line.split_whitespace();
    let seq: i64 = parts.next()?.parse().ok().filter(|seq| *seq >= 1)?;
    let hash = from_hex(parts.next()?).filter(|h| h.len() == 32)?;
    let at = parts.next()?;
    Some((seq, hash, at))
}

/// Writes the head to the witness file now and every hour, and sends the daily notice.
pub fn spawn_witness(log: ActionLog, db: PgPool) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(WITNESS_INTERVAL);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(error) = log.write_witness(&db).await {
                tracing::error!(%error, "could not write the action log's head to the witness file");
            }
            if let Err(error) = send_daily_notice(&db).await {
                tracing::error!(%error, "could not write the daily action-log notice");
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn witness_lines_are_read_back_as_written() {
        let hash: Vec<u8> = (0..32).map(|i| i * 7).collect();
        let line = format!("12 {} 2026-12-03T10:00:00Z", to_hex(&hash));
        assert_eq!(
            parse_witness_line(&line),
            Some((12, hash.clone(), "2026-12-03T10:00:00Z"))
        );
        for bad in [
            "",
            "12",
            "0 00 2026",
            &format!("-1 {} t", to_hex(&hash)),
            &format!("12 {} ", to_hex(&hash)),
            &format!("12 {}0 t", to_hex(&hash)),
            &format!("12 {} t", to_hex(&hash[..31])),
            &format!("12 {}zz t", to_hex(&hash[..31])),
        ] {
            assert_eq!(parse_witness_line(bad), None, "{bad:?}");
        }
    }
}
