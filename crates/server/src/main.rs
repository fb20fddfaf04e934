//! The console's server binary: read the configuration, start everything, serve.
//!
//! `console-server verify-action-log [--witness FILE ...]` instead checks the console's
//! action log against its key and the witness files, and exits with 0 if it is intact, 1 if
//! rows were changed, removed or truncated, 2 if it could not check.
//!
//! `console-server check-airtable` checks the Airtable settings against Airtable (OAuth
//! client, service token and its scopes, enterprise account, audit log), changing nothing,
//! and says what the console would do: exit 0 if every check passed, 1 if one failed, 2 if
//! it could not run.
//!
//! `console-server --help` lists every setting with its environment variable and default
//! (see [`console_server::config::Environment`]); `--version` prints the version.

use clap::{CommandFactory, FromArgMatches};

/// mimalloc, not glibc's malloc: under 64 connections glibc's allocator took about a fifth
/// of the server's CPU (`perf`: `_int_malloc`, `malloc_consolidate`, `unlink_chunk`) and
/// kept its high-water mark as resident memory; mimalloc allocates from per-thread pages and
/// hands freed pages back to the system (docs/BENCHMARKS.md, issue 18).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use console_server::{
    config::{self, Environment, Settings},
    telemetry,
};

// The command line: the settings (from the environment, or the same flags) and what to do.
// No doc comment: the help's description is `Environment`'s.
#[derive(clap::Parser)]
#[command(name = "console-server", version)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    environment: Environment,
}

#[derive(clap::Subcommand)]
enum Command {
    /// Serve the console (the default).
    Serve,
    /// Check the action log against its key (CONSOLE_LOG_KEY) and the witness files: exits
    /// with 0 if it is intact, 1 if rows were changed, removed or truncated, 2 if it could
    /// not check.
    VerifyActionLog {
        /// A file with the log's head (<seq> <hash> <time> lines), e.g. a line from a
        /// notice saved to a file; --witness A B --witness C reads all three. Default:
        /// CONSOLE_DATA_DIR/action-log-head.
        #[arg(long, value_name = "FILE", num_args = 1.., action = clap::ArgAction::Append)]
        witness: Vec<std::path::PathBuf>,
    },
    /// Check the Airtable settings against Airtable, changing nothing: the OAuth client and
    /// redirect URL, the service token and its scopes, the enterprise account and one page
    /// of the audit log; then say what the console would do. Exits with 0 if every check
    /// passed, 1 if one failed, 2 if it could not run.
    CheckAirtable,
}

fn main() -> std::process::ExitCode {
    no_transparent_huge_pages();
    run()
}

/// Keeps the kernel from backing this process's heap with 2 MiB transparent huge pages.
///
/// mimalloc asks for huge pages on the arena it reserves (`madvise(MADV_HUGEPAGE)`; its
/// `allow_thp` option is on by default), and a huge page is resident as a whole once one
/// byte of it is used, so a heap of many small, scattered allocations (sessions, cached
/// reads, per-connection buffers) stays resident at more than its size: in the `large`
/// world, runs alternated, RSS was 89 MiB at rest and 151–156 MiB at most under 64
/// connections with huge pages, 64 and 136–138 MiB without, at the same throughput
/// (docs/BENCHMARKS.md, issue 18). The process-wide switch (`prctl(PR_SET_THP_DISABLE)`)
/// rather than mimalloc's own option: mimalloc reserves its arena on the first allocation,
/// before `main`, so the option would come too late. Called before the runtime starts its
/// threads. A kernel without the switch (before Linux 3.15) only costs memory, so a failure
/// is not an error.
fn no_transparent_huge_pages() {
    #[cfg(target_os = "linux")]
    let _ = rustix::thread::disable_transparent_huge_pages(true);
}

#[tokio::main]
async fn run() -> std::process::ExitCode {
    // Dropped last, on every return: that sends the spans still queued, if traces are on.
    let telemetry = telemetry::init();
    // `--help` and `--version` exit with 0 here, a wrong command or flag with 2.
    let cli = config::unset_blank_variables(Cli::command())
        .try_get_matches()
        .and_then(|matches| Cli::from_arg_matches(&matches))
        .unwrap_or_else(|error| error.exit());
    let settings = match Settings::try_from(cli.environment) {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("configuration error: {error}");
            return std::process::ExitCode::from(2);
        }
    };
    let outcome = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(settings, &telemetry).await,
        Command::VerifyActionLog { witness } => {
            return match console_server::verify_action_log(&settings, &witness).await {
                Ok(true) => std::process::ExitCode::SUCCESS,
                Ok(false) => std::process::ExitCode::FAILURE,
                Err(error) => {
                    eprintln!("console-server: could not check the action log: {error:#}");
                    std::process::ExitCode::from(2)
                }
            };
        }
        Command::CheckAirtable => {
            return match console_server::check_airtable(&settings).await {
                Ok(report) => {
                    print!("{report}");
                    std::process::ExitCode::from(report.exit_code())
                }
                Err(error) => {
                    eprintln!("console-server: could not check Airtable: {error}");
                    std::process::ExitCode::from(2)
                }
            };
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

/// Serves until a stop signal (SIGTERM, Ctrl-C), then stops gracefully within
/// `CONSOLE_SHUTDOWN_SECONDS` (see [`console_server::RunningConsole::serve_until_stopped`]).
/// It returns rather than letting the signal end the process, so `main` then drops
/// `telemetry`, which sends the spans still queued when traces are on.
async fn serve(settings: Settings, telemetry: &telemetry::Telemetry) -> anyhow::Result<()> {
    let outcome = console_server::run(settings).await;
    if telemetry.exports_traces() {
        tracing::info!("sending the traces still queued");
    }
    outcome
}
