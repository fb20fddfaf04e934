//! The console's server binary: read the configuration, start everything, serve.
//!
//! `console-server verify-action-log` instead checks the console's action log and exits
//! with 0 if it is intact, 1 if a row was changed or removed.

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
        Some("verify-action-log") => console_server::verify_action_log(&settings).await,
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
