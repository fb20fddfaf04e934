//! The `verify-action-log` command's work: the action log for the configured key and
//! witness, and the check of its hash chain with the verdict printed for the operator.

use console_core::action_log;

use crate::{config::Settings, db, demo};

/// The action log for these settings: keyed with `CONSOLE_LOG_KEY` (in demo mode, the
/// development key in the data directory, made if `make_dev_key`), witnessed in
/// `<CONSOLE_DATA_DIR>/action-log-head`.
pub fn action_log_for(
    settings: &Settings,
    make_dev_key: bool,
) -> anyhow::Result<action_log::ActionLog> {
    let witness = Some(settings.data_dir.join(action_log::WITNESS_FILE));
    let key = match &settings.log_key {
        Some(key) => key.expose().to_string(),
        None if !settings.is_demo() => anyhow::bail!("CONSOLE_LOG_KEY is required"),
        None if make_dev_key => demo::dev_log_key(&settings.data_dir)?,
        None => demo::existing_dev_log_key(&settings.data_dir)?.ok_or_else(|| {
            anyhow::anyhow!(
                "no CONSOLE_LOG_KEY, and no development key in {} (CONSOLE_DATA_DIR): the key the log was written with is needed to check it",
                settings.data_dir.display()
            )
        })?,
    };
    action_log::ActionLog::from_base64_key(&key, witness)
        .map_err(|e| anyhow::anyhow!("CONSOLE_LOG_KEY: {e}"))
}

/// Checks the action log's keyed hash chain against the witness files (`witnesses`, or
/// else the data directory's `action-log-head` if there is one) and prints the verdict.
/// `Ok(true)`: intact; `Ok(false)`: tampered with (what happened is printed).
pub async fn verify_action_log(
    settings: &Settings,
    witnesses: &[std::path::PathBuf],
) -> anyhow::Result<bool> {
    let log = action_log_for(settings, false)?;
    let db = db::prepare(settings).await?;
    let verification = if witnesses.is_empty() {
        log.verify(&db).await?
    } else {
        log.verify_against(&db, witnesses).await?
    };
    match verification {
        action_log::Verification::Intact {
            rows,
            legacy_rows,
            witness,
        } => {
            println!("The console's action log is intact: {rows} rows.");
            if legacy_rows > 0 {
                println!(
                    "{legacy_rows} of them were written before the chain was keyed (plain SHA-256): only a witness record shows that those were not rewritten."
                );
            }
            match witness {
                Some(w) => {
                    let newest = w
                        .newest
                        .map(|(seq, at)| format!(", the newest for row {seq} at {at}"))
                        .unwrap_or_default();
                    println!(
                        "It agrees with the witness: {} records in {} file(s){newest}.",
                        w.records, w.files
                    );
                    if w.unreadable_lines > 0 {
                        println!(
                            "{} witness line(s) could not be read and were skipped.",
                            w.unreadable_lines
                        );
                    }
                }
                None => println!(
                    "No witness: no --witness file was given and {} does not exist, so deleting the newest rows or truncating the log cannot be detected.",
                    log.witness_path()
                        .map(|p| p.display().to_string())
                        .unwrap_or_default()
                ),
            }
            if action_log::role_can_change_log(&db).await? {
                println!(
                    "Warning: the console's database role (DATABASE_URL) can change, delete or truncate the log's rows; set CONSOLE_DATABASE_OWNER_URL (README: Database roles)."
                );
            } else {
                println!(
                    "The console's database role (DATABASE_URL) can only read and add to the log."
                );
            }
            Ok(true)
        }
        action_log::Verification::Broken { problem, .. } => {
            println!("The console's action log was tampered with: {problem}.");
            Ok(false)
        }
    }
}
