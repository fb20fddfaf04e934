//! The console's server binary: read the configuration, start everything, serve.
//!
//! `console-server verify-action-log [--witness FILE ...]` instead checks the console's
//! action log against its key and the witness files, and exits with 0 if it is intact, 1 if
//! rows were changed, removed or truncated, 2 if it could not check.

use console_server::{config::Settings, telemetry};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    telemetry::init();
    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("configuration error: {error}");
            return std::process::ExitCode::from(2);
        }
    };
    let command = std::env::args().nth(1);
    let outcome = match command.as_deref() {
        None | Some("serve") => console_server::run(settings).await,
        Some("verify-action-log") => {
            // `--witness A B --witness C`: every file after a `--witness` is a witness.
            let mut witnesses = Vec::new();
            let mut after_flag = false;
            for arg in std::env::args().skip(2) {
                if arg == "--witness" {
                    after_flag = true;
                } else if after_flag && !arg.starts_with("--") {
                    witnesses.push(std::path::PathBuf::from(arg));
                } else {
                    eprintln!("usage: console-server verify-action-log [--witness FILE ...]");
                    return std::process::ExitCode::from(2);
                }
            }
            if after_flag && witnesses.is_empty() {
                eprintln!("usage: console-server verify-action-log [--witness FILE ...]");
                return std::process::ExitCode::from(2);
            }
            return match console_server::verify_action_log(&settings, &witnesses).await {
                Ok(true) => std::process::ExitCode::SUCCESS,
                Ok(false) => std::process::ExitCode::FAILURE,
                Err(error) => {
                    eprintln!("console-server: could not check the action log: {error:#}");
                    std::process::ExitCode::from(2)
                }
            };
        }
        Some(other) => {
            eprintln!("unknown command {other:?}; the commands are `serve` (the default) and `verify-action-log`");
            return std::process::ExitCode::from(2);
        }
    };
    match outcome {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("console-server: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
