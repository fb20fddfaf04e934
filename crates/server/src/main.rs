//! The console's server binary: read the configuration, start everything, serve.

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
    match console_server::run(settings).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("console-server stopped: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
