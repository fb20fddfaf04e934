//! `airtable-sim`: the simulator as a program. Prints one line with its address when ready.

use std::io::Write;
use std::time::Duration;

use airtable_sim::{AuditStragglers, RateLimitBody, RateLimits, SimConfig, SimSize};
use clap::Parser;

#[derive(Parser, Debug)]
#[command(
    name = "airtable-sim",
    about = "A stateful simulator of the Airtable Enterprise API"
)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8081")]
    addr: std::net::SocketAddr,
    /// Same seed, same enterprise.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// tiny, demo or large; the count flags below override parts of it.
    #[arg(long, default_value = "demo")]
    size: String,
    #[arg(long)]
    users: Option<usize>,
    #[arg(long)]
    groups: Option<usize>,
    #[arg(long)]
    workspaces: Option<usize>,
    #[arg(long)]
    bases: Option<usize>,
    #[arg(long)]
    audit_events: Option<usize>,
    /// The fixed personal access token (all scopes, acts as the super admin).
    #[arg(long)]
    token: Option<String>,
    #[arg(long)]
    oauth_client_id: Option<String>,
    #[arg(long)]
    oauth_client_secret: Option<String>,
    /// A registered redirect URI (repeatable). None: any loopback URI is accepted.
    #[arg(long)]
    oauth_redirect_uri: Vec<String>,
    /// Lifetime of OAuth access tokens, in seconds.
    #[arg(long, default_value_t = 3600)]
    access_token_ttl_secs: u64,
    /// Enforce Airtable's rate limits (5 requests/s per base, 50/s per token, then 429
    /// for 30 s). Off by default.
    #[arg(long)]
    rate_limit: bool,
    #[arg(long, default_value_t = 5)]
    rate_limit_per_base: u32,
    #[arg(long, default_value_t = 50)]
    rate_limit_per_token: u32,
    #[arg(long, default_value_t = 30)]
    rate_limit_penalty_secs: u64,
    /// The body of a 429: error-object (`{"error": {"type", "message"}}`) or errors-array
    /// (`{"errors": [{"error", "message"}]}`); Airtable has been seen sending both.
    #[arg(long, default_value = "error-object")]
    rate_limit_body: String,
    /// Audit events become visible this many seconds after they happen (Airtable: minutes).
    #[arg(long, default_value_t = 0)]
    audit_delay_secs: u64,
    /// Every fifth event the simulator records appears this many seconds later still, so a
    /// client's caught-up cursor can pass it (0: none). Only a re-read finds such an event.
    #[arg(long, default_value_t = 0)]
    audit_straggler_secs: u64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    let mut size = SimSize::by_name(&args.size).ok_or_else(|| {
        anyhow::anyhow!("--size must be tiny, demo or large, not {:?}", args.size)
    })?;
    size.users = args.users.unwrap_or(size.users);
    size.groups = args.groups.unwrap_or(size.groups);
    size.workspaces = args.workspaces.unwrap_or(size.workspaces);
    size.bases = args.bases.unwrap_or(size.bases);
    size.audit_events = args.audit_events.unwrap_or(size.audit_events);
    let defaults = SimConfig::default();
    let config = SimConfig {
        seed: args.seed,
        size,
        token: args.token.unwrap_or(defaults.token),
        oauth_client_id: args.oauth_client_id.unwrap_or(defaults.oauth_client_id),
        oauth_client_secret: args
            .oauth_client_secret
            .unwrap_or(defaults.oauth_client_secret),
        oauth_redirect_uris: args.oauth_redirect_uri,
        access_token_ttl: Duration::from_secs(args.access_token_ttl_secs),
        rate_limits: args.rate_limit.then(|| RateLimits {
            per_base_per_second: args.rate_limit_per_base,
            per_token_per_second: args.rate_limit_per_token,
            penalty: Duration::from_secs(args.rate_limit_penalty_secs),
        }),
        audit_delay: Duration::from_secs(args.audit_delay_secs),
        audit_stragglers: (args.audit_straggler_secs > 0).then(|| AuditStragglers {
            every: 5,
            extra: Duration::from_secs(args.audit_straggler_secs),
        }),
        rate_limit_body: RateLimitBody::by_name(&args.rate_limit_body).ok_or_else(|| {
            anyhow::anyhow!(
                "--rate-limit-body must be error-object or errors-array, not {:?}",
                args.rate_limit_body
            )
        })?,
    };
    let listener = tokio::net::TcpListener::bind(args.addr).await?;
    let sim = airtable_sim::spawn(listener, config).await?;
    let mut out = std::io::stdout();
    writeln!(out, "airtable-sim listening on {}", sim.base_url())?;
    out.flush()?;
    tokio::signal::ctrl_c().await?;
    sim.shutdown().await;
    Ok(())
}
