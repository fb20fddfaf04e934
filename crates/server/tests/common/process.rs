//! The real `console-server` binary as a child process in demo mode, on a fresh database,
//! for tests about the process itself (signals, exit status, what it sends out). Killed,
//! and its database and files removed, when dropped.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

pub struct ConsoleProcess {
    pub child: Child,
    pub addr: SocketAddr,
    /// The in-process simulator's address (`CONSOLE_DEMO_SIM_ADDR`).
    pub sim_url: String,
    log: PathBuf,
    database_url: String,
    data_dir: PathBuf,
}

/// A port free now, taken by the child a moment later.
fn free_port() -> SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
}

impl ConsoleProcess {
    /// Starts it with the demo settings of the other tests plus `extra` (its files in a
    /// directory named after `purpose`), and waits until `/readyz` answers 200.
    pub async fn start(purpose: &str, extra: &[(&str, &str)]) -> ConsoleProcess {
        super::ensure_runtime_role().await;
        let database_url = super::fresh_database_url();
        let data_dir = std::env::temp_dir().join(format!(
            "console-{purpose}-{}",
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(&data_dir).expect("create the data directory");
        let log = data_dir.join("console.log");
        let out = std::fs::File::create(&log).expect("create the log");
        let (addr, sim_addr) = (free_port(), free_port());
        let child = super::console_command()
            .envs(super::demo_settings(
                &addr.to_string(),
                &database_url,
                &data_dir,
            ))
            .env("CONSOLE_DEMO_SIM_ADDR", sim_addr.to_string())
            .envs(extra.iter().copied())
            .stdin(Stdio::null())
            .stdout(out.try_clone().expect("log file"))
            .stderr(out)
            .spawn()
            .expect("start console-server");
        let mut process = ConsoleProcess {
            child,
            addr,
            sim_url: format!("http://{sim_addr}"),
            log,
            database_url,
            data_dir,
        };
        process.wait_ready().await;
        process
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// What it wrote to stdout and stderr so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    async fn wait_ready(&mut self) {
        // New connections each time: a kept-alive one could outlive the listener.
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(0)
            .timeout(Duration::from_secs(2))
            .build()
            .expect("http client");
        let started = Instant::now();
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("the console exited ({status}):\n{}", self.log());
            }
            if let Ok(r) = http.get(self.url("/readyz")).send().await {
                if r.status() == reqwest::StatusCode::OK {
                    return;
                }
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "the console was not ready within 60 s:\n{}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Sends `signal` (`TERM`, `INT`) with kill(1).
    pub fn signal(&self, signal: &str) {
        let sent = Command::new("kill")
            .args([&format!("-{signal}"), &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(sent.success(), "kill -{signal} failed");
    }

    /// Waits, at most `limit`, for the process to exit.
    pub async fn exit_within(&mut self, limit: Duration) -> ExitStatus {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("wait for the console") {
                return status;
            }
            assert!(
                started.elapsed() < limit,
                "the console still ran {limit:?} after the signal:\n{}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for ConsoleProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.data_dir);
        super::drop_database(&self.database_url);
    }
}
