//! Reliability run (not a test): Postgres restarted, then stopped for a few seconds, under
//! load; the console must recover by itself, without a restart of its own.
//!
//! ```text
//! cargo bench -p console-server --bench postgres_restart -- [--workers 16] [--outage-seconds 5]
//! ```
//!
//! A private Postgres cluster is created for the run (`initdb` into a temporary directory,
//! its own port in 3400-3499; as root through `runuser -u postgres --`, since Postgres
//! refuses to run as root; installed with apt if missing, like `./x` does). The machine's
//! main Postgres is never touched. The real `console-server` binary runs as a child process
//! in demo mode on it, people sign in, an operator takes a snapshot and copies the audit
//! log, and `--workers` signed-in connections load pages that all need the database
//! (sessions are in it): the overview, the users list, an audit search, `/healthz`.
//!
//! Timeline: 5 s of load; `pg_ctl restart -m fast`; 10 s; `pg_ctl stop -m fast`;
//! `--outage-seconds` with no database; `pg_ctl start`; 15 s. Every request is recorded
//! with its time and answer. Prints, per outage, the requests that failed and how (a plain
//! 503, another status, no answer), and the time from Postgres being back to the first
//! success and to the last failure. Exits non-zero if the console does not recover, dies,
//! or panics.

mod support;

use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use support::ConsoleProcess;

/// A throwaway Postgres cluster of our own.
struct PrivatePostgres {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
    as_root: bool,
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn postgres_bin() -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|p| p.join("pg_ctl").exists())
        .collect();
    dirs.sort_by_key(|p| {
        p.parent()
            .and_then(|v| v.file_name())
            .and_then(|v| v.to_str())
            .and_then(|v| v.parse::<u32>().ok())
            .unwrap_or(0)
    });
    dirs.pop()
}

impl PrivatePostgres {
    fn create(port: u16) -> anyhow::Result<PrivatePostgres> {
        let bin = match postgres_bin() {
            Some(bin) => bin,
            None => {
                println!("installing PostgreSQL with apt (initdb and pg_ctl are needed)");
                let sudo: &[&str] = if is_root() { &[] } else { &["sudo"] };
                for args in [
                    vec!["apt-get", "update", "-qq"],
                    vec!["apt-get", "install", "-y", "-qq", "postgresql"],
                ] {
                    let all: Vec<&str> = sudo.iter().copied().chain(args).collect();
                    let ok = Command::new(all[0]).args(&all[1..]).status()?.success();
                    anyhow::ensure!(ok, "{all:?} failed");
                }
                postgres_bin().context("no pg_ctl after installing postgresql")?
            }
        };
        let dir = std::env::temp_dir().join(format!("bench-pg-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir)?;
        let pg = PrivatePostgres {
            bin,
            dir,
            port,
            as_root: is_root(),
        };
        if pg.as_root {
            let ok = Command::new("chown")
                .args(["postgres"])
                .arg(&pg.dir)
                .status()?
                .success();
            anyhow::ensure!(ok, "chown postgres {}", pg.dir.display());
        }
        pg.run(
            "initdb",
            &["-D", &pg.data(), "-U", "postgres", "--auth=trust", "-N"],
        )?;
        pg.ctl(&["start"])?;
        Ok(pg)
    }

    fn data(&self) -> String {
        self.dir.display().to_string()
    }

    fn run(&self, tool: &str, args: &[&str]) -> anyhow::Result<()> {
        let program = self.bin.join(tool);
        let mut command = if self.as_root {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&program);
            c
        } else {
            Command::new(&program)
        };
        let out = command.args(args).output()?;
        anyhow::ensure!(
            out.status.success(),
            "{tool} {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        Ok(())
    }

    /// `pg_ctl <what>` on the cluster, waiting for it to finish.
    fn ctl(&self, what: &[&str]) -> anyhow::Result<()> {
        let log = self.dir.join("server.log").display().to_string();
        let options = format!("-p {} -k /tmp -c listen_addresses=127.0.0.1", self.port);
        let mut args = vec![
            "-D",
            self.dir.to_str().unwrap_or_default(),
            "-l",
            &log,
            "-w",
        ];
        args.extend(["-o", &options]);
        args.extend(what);
        self.run("pg_ctl", &args)
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}", self.port)
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        let _ = self.ctl(&["stop", "-m", "immediate"]);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// One answer: when it was asked (s since the load began) and how it went.
#[derive(Clone)]
struct Sample {
    at: f64,
    ms: f64,
    outcome: Outcome,
}

#[derive(Clone, PartialEq)]
enum Outcome {
    Ok,
    Plain503,
    Status(u16),
    NoAnswer,
}

struct Window {
    name: &'static str,
    from: f64,
    back: f64,
}

fn summarize(samples: &[Sample], w: &Window, until: f64) {
    // A request belongs to the phase in which its answer came.
    let done = |s: &Sample| s.at + s.ms / 1000.0;
    let inside: Vec<&Sample> = samples
        .iter()
        .filter(|s| done(s) >= w.from && done(s) < until)
        .collect();
    let failed: Vec<&&Sample> = inside.iter().filter(|s| s.outcome != Outcome::Ok).collect();
    let plain = failed
        .iter()
        .filter(|s| s.outcome == Outcome::Plain503)
        .count();
    let no_answer = failed
        .iter()
        .filter(|s| s.outcome == Outcome::NoAnswer)
        .count();
    let other: Vec<u16> = failed
        .iter()
        .filter_map(|s| match s.outcome {
            Outcome::Status(code) => Some(code),
            _ => None,
        })
        .collect();
    let first_ok = inside
        .iter()
        .filter(|s| s.outcome == Outcome::Ok && s.at + s.ms / 1000.0 >= w.back)
        .map(|s| s.at + s.ms / 1000.0 - w.back)
        .fold(f64::INFINITY, f64::min);
    let last_failure = failed
        .iter()
        .map(|s| s.at + s.ms / 1000.0 - w.back)
        .fold(f64::NEG_INFINITY, f64::max);
    let mut other_sorted = other.clone();
    other_sorted.sort_unstable();
    other_sorted.dedup();
    println!(
        "| {} | {:.1} | {} | {} | {} | {} | {} | {} | {:.2} | {} |",
        w.name,
        w.back - w.from,
        inside.len(),
        inside.len() - failed.len(),
        failed.len(),
        plain,
        if other.is_empty() {
            "0".to_string()
        } else {
            format!("{} ({other_sorted:?})", other.len())
        },
        no_answer,
        first_ok,
        if failed.is_empty() {
            "–".into()
        } else {
            format!("{last_failure:.2}")
        }
    );
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let (mut workers, mut outage) = (16usize, 5u64);
    for (flag, value) in support::flags() {
        let value = value.with_context(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--workers" => workers = value?.parse()?,
            "--outage-seconds" => outage = value?.parse()?,
            other => {
                anyhow::bail!("unknown argument {other:?}; see the header of postgres_restart.rs")
            }
        }
    }
    let pg_port = support::free_port(&[])?;
    let pg = PrivatePostgres::create(pg_port)?;
    let port = support::free_port(&[pg_port])?;
    let sim_port = support::free_port(&[pg_port, port])?;
    let database_url = format!("{}/bench_pgrestart", pg.url());
    let env = support::demo_env(port, sim_port, &database_url, "demo", &[]);
    let mut console = ConsoleProcess::spawn("bench-pgrestart", &env)?;
    console.wait_healthy(Duration::from_secs(120)).await?;
    let url = console.url.clone();
    let sim_url = format!("http://127.0.0.1:{sim_port}");
    let info = support::sim_info(&sim_url).await?;
    let db = sqlx::PgPool::connect(&database_url).await?;
    let operator = support::sign_in(&url, &info.admins[1].email, &info).await?;
    let mut people = vec![operator.clone()];
    for admin in info.admins.iter().skip(3).take(3) {
        people.push(support::sign_in(&url, &admin.email, &info).await?);
    }
    support::take_snapshot(&url, &operator, &db).await?;
    support::sync_audit(&url, &operator, &db, Duration::from_secs(300)).await?;
    db.close().await;
    println!(
        "Postgres restarted under load: private cluster on port {pg_port}, {workers} connections, outage {outage} s"
    );

    let pages: Arc<Vec<(String, &'static str)>> = Arc::new(vec![
        ("/".into(), "data-testid=\"count-users\""),
        ("/users?page=2".into(), "data-testid=\"user-row\""),
        (
            "/audit?q=action%3AviewBase".into(),
            "data-testid=\"audit-results\"",
        ),
        ("/healthz".into(), "ok"),
    ]);
    let samples = Arc::new(Mutex::new(Vec::<Sample>::new()));
    // The first answer of each unexpected status, to say what a person saw.
    let seen = Arc::new(Mutex::new(std::collections::BTreeMap::<u16, String>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let t0 = Instant::now();
    let mut tasks = Vec::new();
    for i in 0..workers {
        let client = reqwest::Client::builder()
            .cookie_provider(people[i % people.len()].jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .build()?;
        let (pages, samples, stop, base, seen) = (
            pages.clone(),
            samples.clone(),
            stop.clone(),
            url.clone(),
            seen.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut turn = i;
            while !stop.load(Ordering::Relaxed) {
                let (path, marker) = &pages[turn % pages.len()];
                turn += 1;
                let at = t0.elapsed().as_secs_f64();
                let outcome = match client.get(format!("{base}{path}")).send().await {
                    Err(_) => Outcome::NoAnswer,
                    Ok(r) => {
                        let status = r.status().as_u16();
                        let location = r
                            .headers()
                            .get(reqwest::header::LOCATION)
                            .and_then(|v| v.to_str().ok())
                            .map(|v| format!("→ {v} "))
                            .unwrap_or_default();
                        match r.text().await {
                            Err(_) => Outcome::NoAnswer,
                            Ok(body) if status == 200 && body.contains(marker) => Outcome::Ok,
                            Ok(body)
                                if status == 503 && support::leaks_internals(&body).is_none() =>
                            {
                                Outcome::Plain503
                            }
                            Ok(body) => {
                                let mut seen = seen.lock().expect("seen");
                                seen.entry(status).or_insert_with(|| {
                                    format!(
                                        "{path}: {location}{}",
                                        body.chars().take(200).collect::<String>()
                                    )
                                });
                                Outcome::Status(status)
                            }
                        }
                    }
                };
                let ms = (t0.elapsed().as_secs_f64() - at) * 1000.0;
                samples
                    .lock()
                    .expect("samples")
                    .push(Sample { at, ms, outcome });
                if turn % 50 == 0 {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
            }
        }));
    }
    let now = |t0: Instant| t0.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_secs(5)).await;
    let restart_from = now(t0);
    pg.ctl(&["restart", "-m", "fast"])?;
    let restart_back = now(t0);
    tokio::time::sleep(Duration::from_secs(10)).await;
    let stop_from = now(t0);
    pg.ctl(&["stop", "-m", "fast"])?;
    tokio::time::sleep(Duration::from_secs(outage)).await;
    pg.ctl(&["start"])?;
    let stop_back = now(t0);
    tokio::time::sleep(Duration::from_secs(15)).await;
    let end = now(t0);
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        let _ = t.await;
    }
    let samples = samples.lock().expect("samples").clone();
    let alive = console.alive();
    let panics = console.panics();

    println!();
    println!("| phase | Postgres away (s) | requests | answered | failed | of which plain 503 | other status | no answer | first success after Postgres is back (s) | last failure after it is back (s) |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    summarize(
        &samples,
        &Window {
            name: "before (5 s)",
            from: 0.0,
            back: 0.0,
        },
        restart_from,
    );
    summarize(
        &samples,
        &Window {
            name: "`pg_ctl restart -m fast`, then 10 s",
            from: restart_from,
            back: restart_back,
        },
        stop_from,
    );
    summarize(
        &samples,
        &Window {
            name: "`pg_ctl stop -m fast`, outage, `pg_ctl start`, then 15 s",
            from: stop_from,
            back: stop_back,
        },
        end,
    );
    let tail: Vec<&Sample> = samples.iter().filter(|s| s.at > end - 5.0).collect();
    let tail_ok = tail.iter().filter(|s| s.outcome == Outcome::Ok).count();
    println!(
        "\nlast 5 s: {tail_ok} of {} requests answered; server alive: {alive} (never restarted), pid {}; panics in its log: {}",
        tail.len(),
        console.pid(),
        panics.len()
    );
    for (status, said) in seen.lock().expect("seen").iter() {
        println!("first {status}: {said}");
    }
    println!("server log: {}", console.log.display());
    console.stop();
    let recovered = !tail.is_empty() && tail_ok == tail.len();
    anyhow::ensure!(
        recovered && alive && panics.is_empty(),
        "the console did not recover by itself; server log: {}",
        console.log.display()
    );
    drop(pg);
    Ok(())
}
