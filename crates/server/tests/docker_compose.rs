//! No Docker engine runs here, so docker-compose.yml cannot be started in tests; this at
//! least checks it describes what the README promises: Postgres, the simulator, two console
//! replicas and the reverse proxy in front of them, each with a health check, Postgres on a
//! named volume, the replicas waiting for both to be healthy and sharing the one database,
//! and the proxy (deploy/Caddyfile) checking the replicas' readiness.

use std::time::Duration;

use serde_yaml::Value;

/// The console replicas the compose file runs behind the proxy.
const CONSOLES: [&str; 2] = ["console-1", "console-2"];

fn read(path: &str) -> String {
    std::fs::read_to_string(format!("{}/../../{path}", env!("CARGO_MANIFEST_DIR")))
        .unwrap_or_else(|e| panic!("{path} is readable: {e}"))
}

/// docker-compose.yml, with YAML merge keys (`<<: *console`) applied as Compose does.
fn compose() -> Value {
    let mut doc: Value = serde_yaml::from_str(&read("docker-compose.yml"))
        .expect("docker-compose.yml is valid YAML");
    doc.apply_merge().expect("the merge keys apply");
    doc
}

/// A service's environment variable (empty if unset).
fn env_var(service: &Value, name: &str) -> String {
    service
        .get("environment")
        .and_then(|e| e.get(name))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// A service's health check command, joined with spaces.
fn health_check(service: &Value) -> String {
    service
        .get("healthcheck")
        .and_then(|h| h.get("test"))
        .and_then(Value::as_sequence)
        .map(|test| {
            test.iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default()
}

/// Compose's duration (`30s`, `1m30s`, `90`).
fn compose_duration(text: &str) -> Duration {
    let mut total = 0u64;
    let mut number = String::new();
    for c in text.chars() {
        match c {
            '0'..='9' => number.push(c),
            'h' | 'm' | 's' => {
                let n: u64 = number.parse().expect("a number before the unit");
                total += n * match c {
                    'h' => 3600,
                    'm' => 60,
                    _ => 1,
                };
                number.clear();
            }
            other => panic!("unexpected {other:?} in the duration {text:?}"),
        }
    }
    if !number.is_empty() {
        total += number.parse::<u64>().expect("seconds");
    }
    Duration::from_secs(total)
}

fn service<'a>(doc: &'a Value, name: &str) -> &'a Value {
    doc.get("services")
        .and_then(|s| s.get(name))
        .unwrap_or_else(|| panic!("service {name} is defined"))
}

#[test]
fn describes_postgres_sim_and_console_with_health_checks() {
    let doc = compose();
    for name in ["db", "sim", CONSOLES[0], CONSOLES[1], "proxy"] {
        let healthcheck = service(&doc, name).get("healthcheck");
        let test = healthcheck
            .and_then(|h| h.get("test"))
            .and_then(Value::as_sequence);
        assert!(
            test.is_some_and(|t| !t.is_empty()),
            "service {name} has a health check command"
        );
    }
    let image = service(&doc, "db")
        .get("image")
        .and_then(Value::as_str)
        .unwrap_or_default();
    assert!(
        image.starts_with("postgres:"),
        "db runs Postgres, not {image:?}"
    );
}

#[test]
fn postgres_keeps_its_data_on_a_named_volume() {
    let doc = compose();
    let volumes = service(&doc, "db")
        .get("volumes")
        .and_then(Value::as_sequence)
        .expect("db has volumes");
    let mount = volumes
        .iter()
        .filter_map(Value::as_str)
        .find(|v| v.ends_with(":/var/lib/postgresql/data"));
    let name = mount
        .and_then(|m| m.split(':').next())
        .expect("the data directory is mounted");
    assert!(
        doc.get("volumes").and_then(|v| v.get(name)).is_some(),
        "{name} is declared as a named volume"
    );
}

#[test]
fn console_waits_for_healthy_db_and_sim_and_points_at_them() {
    let doc = compose();
    for name in CONSOLES {
        console_waits_for_db_and_sim(service(&doc, name), name);
    }
}

fn console_waits_for_db_and_sim(console: &Value, name: &str) {
    for dependency in ["db", "sim"] {
        let condition = console
            .get("depends_on")
            .and_then(|d| d.get(dependency))
            .and_then(|d| d.get("condition"))
            .and_then(Value::as_str);
        assert_eq!(
            condition,
            Some("service_healthy"),
            "{name} waits for {dependency}"
        );
    }
    let env = console
        .get("environment")
        .expect("console has an environment");
    let var = |name: &str| {
        env.get(name)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    assert!(
        var("DATABASE_URL").contains("@db:5432/"),
        "console uses the db service"
    );
    assert!(
        var("AIRTABLE_API_URL").starts_with("http://sim:"),
        "console uses the sim service"
    );
    assert!(!var("AIRTABLE_OAUTH_CLIENT_ID").is_empty());
}

#[tokio::test]
async fn the_enterprise_id_matches_the_simulators_seed() {
    let doc = compose();
    let command: Vec<String> = service(&doc, "sim")
        .get("command")
        .and_then(Value::as_sequence)
        .expect("sim has a command")
        .iter()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    let seed: u64 = command
        .iter()
        .find_map(|arg| arg.strip_prefix("--seed="))
        .and_then(|s| s.parse().ok())
        .expect("the sim is started with --seed=N");
    let configured = service(&doc, CONSOLES[0])
        .get("environment")
        .and_then(|e| e.get("AIRTABLE_ENTERPRISE_ID"))
        .and_then(Value::as_str)
        .expect("AIRTABLE_ENTERPRISE_ID is set")
        .to_string();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let config = airtable_sim::SimConfig {
        seed,
        size: airtable_sim::SimSize::tiny(),
        ..Default::default()
    };
    let sim = airtable_sim::spawn(listener, config)
        .await
        .expect("sim starts");
    assert_eq!(sim.info().enterprise_account_id, configured);
    sim.shutdown().await;
}

#[test]
fn two_replicas_share_the_database_and_keys_each_with_its_own_data() {
    let doc = compose();
    let [first, second] = CONSOLES.map(|name| service(&doc, name));
    for variable in [
        "DATABASE_URL",
        "CONSOLE_PUBLIC_URL",
        "CONSOLE_TOKEN_KEY",
        "CONSOLE_LOG_KEY",
        "AIRTABLE_OAUTH_CLIENT_ID",
        "AIRTABLE_ENTERPRISE_ID",
    ] {
        assert!(!env_var(first, variable).is_empty(), "{variable} is set");
        assert_eq!(
            env_var(first, variable),
            env_var(second, variable),
            "both replicas have the same {variable}"
        );
    }
    // CONSOLE_DATA_DIR holds the action log's witness, written by each process: one each.
    let data_volume = |console: &Value| {
        console
            .get("volumes")
            .and_then(Value::as_sequence)
            .and_then(|v| {
                v.iter()
                    .filter_map(Value::as_str)
                    .find(|m| m.ends_with(":/app/data"))
            })
            .and_then(|m| m.split(':').next())
            .expect("the data directory is on a volume")
            .to_string()
    };
    let (a, b) = (data_volume(first), data_volume(second));
    assert_ne!(a, b, "each replica has its own data directory");
    for name in [&a, &b] {
        assert!(
            doc.get("volumes")
                .and_then(|v| v.get(name.as_str()))
                .is_some(),
            "{name} is declared as a named volume"
        );
    }
    for (name, console) in CONSOLES.iter().zip([first, second]) {
        assert!(
            console.get("ports").is_none(),
            "{name} is reached through the proxy only, not on a port of its own"
        );
    }
}

#[test]
fn the_proxy_is_the_published_door_and_sends_requests_to_ready_replicas_only() {
    let doc = compose();
    let proxy = service(&doc, "proxy");
    let ports: Vec<&str> = proxy
        .get("ports")
        .and_then(Value::as_sequence)
        .expect("the proxy publishes a port")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(ports, ["127.0.0.1:3000:3000"], "the proxy's published port");
    // What people open, what the console calls itself and where Airtable's sign-in returns
    // to are all the proxy's address.
    let published = "http://127.0.0.1:3000";
    let readme = read("README.md");
    let compose_section = readme
        .split("docker compose up --build")
        .nth(1)
        .expect("the README explains docker compose");
    let near: String = compose_section.chars().take(1500).collect();
    assert!(
        near.contains(published),
        "the README names the proxy's address {published} where it explains docker compose"
    );
    for name in CONSOLES {
        let console = service(&doc, name);
        let public = env_var(console, "CONSOLE_PUBLIC_URL");
        assert_eq!(public.trim_end_matches('/'), published, "{name}");
        let check = health_check(console);
        assert!(
            check.contains("http://127.0.0.1:3000/readyz"),
            "{name}'s health check asks readiness: {check}"
        );
    }
    let redirect = service(&doc, "sim")
        .get("command")
        .and_then(Value::as_sequence)
        .expect("sim has a command")
        .iter()
        .filter_map(Value::as_str)
        .find_map(|arg| arg.strip_prefix("--oauth-redirect-uri="))
        .expect("the simulator knows the OAuth redirect URL")
        .to_string();
    assert_eq!(redirect, format!("{published}/auth/callback"));

    // The proxy's configuration is the repository's, and health-checks every replica.
    let mounts: Vec<&str> = proxy
        .get("volumes")
        .and_then(Value::as_sequence)
        .expect("the proxy mounts its configuration")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        mounts.contains(&"./deploy/Caddyfile:/etc/caddy/Caddyfile:ro"),
        "{mounts:?}"
    );
    let image = proxy
        .get("image")
        .and_then(Value::as_str)
        .unwrap_or_default();
    assert!(image.starts_with("caddy:"), "{image}");
    let caddyfile = read("deploy/Caddyfile");
    let directives: Vec<&str> = caddyfile
        .lines()
        .map(str::trim)
        .filter(|l| !l.starts_with('#'))
        .collect();
    assert!(directives.contains(&":3000 {"), "Caddy listens on 3000");
    let upstreams = directives
        .iter()
        .find_map(|l| l.strip_prefix("reverse_proxy "))
        .expect("a reverse_proxy directive");
    for name in CONSOLES {
        assert!(
            upstreams.contains(&format!("{name}:3000")),
            "{name} is an upstream: {upstreams}"
        );
    }
    assert!(directives.contains(&"health_uri /readyz"), "{caddyfile}");
}

#[test]
fn a_stop_fits_between_the_proxys_health_checks_and_dockers_patience() {
    let doc = compose();
    let caddyfile = read("deploy/Caddyfile");
    let health_interval = caddyfile
        .lines()
        .find_map(|l| l.trim().strip_prefix("health_interval "))
        .map(compose_duration)
        .expect("the proxy checks health at an interval");
    for name in CONSOLES {
        let console = service(&doc, name);
        let seconds = |variable: &str, default: u64| {
            let value = env_var(console, variable);
            Duration::from_secs(if value.is_empty() {
                default
            } else {
                value.parse().expect("whole seconds")
            })
        };
        let budget = seconds("CONSOLE_SHUTDOWN_SECONDS", 20);
        let drain = seconds("CONSOLE_SHUTDOWN_DRAIN_SECONDS", 5);
        // The proxy must see /readyz fail (one check, health_fails 1) before the listener
        // closes.
        assert!(
            drain >= health_interval * 2,
            "{name}: a drain of {drain:?} leaves the proxy's check every {health_interval:?} too little time"
        );
        // Docker sends SIGKILL after stop_grace_period (10 s unless set).
        let grace = console
            .get("stop_grace_period")
            .and_then(Value::as_str)
            .map(compose_duration)
            .unwrap_or(Duration::from_secs(10));
        assert!(
            grace > budget,
            "{name}: docker kills it after {grace:?}, before its {budget:?} budget is spent"
        );
    }
}

#[test]
fn the_image_has_what_the_services_run() {
    let dockerfile = read("Dockerfile");
    let doc = compose();
    // The replicas' health check runs curl inside the console image.
    assert!(
        dockerfile.contains(" curl"),
        "the runtime image installs curl"
    );
    for name in CONSOLES {
        let command = service(&doc, name)
            .get("command")
            .and_then(Value::as_sequence)
            .and_then(|c| c.first())
            .and_then(Value::as_str)
            .expect("a command")
            .to_string();
        assert!(
            dockerfile.contains(&format!("release/{command} ")),
            "{command} is copied into the image"
        );
        assert!(
            health_check(service(&doc, name)).starts_with("CMD curl"),
            "{name}"
        );
    }
}
