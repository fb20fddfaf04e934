//! No Docker engine runs here, so docker-compose.yml cannot be started in tests; this at
//! least checks it describes what the README promises: Postgres, the simulator and the
//! console, each with a health check, Postgres on a named volume, and the console waiting
//! for both to be healthy.

use serde_yaml::Value;

fn compose() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docker-compose.yml");
    let text = std::fs::read_to_string(path).expect("docker-compose.yml is readable");
    serde_yaml::from_str(&text).expect("docker-compose.yml is valid YAML")
}

fn service<'a>(doc: &'a Value, name: &str) -> &'a Value {
    doc.get("services")
        .and_then(|s| s.get(name))
        .unwrap_or_else(|| panic!("service {name} is defined"))
}

#[test]
fn describes_postgres_sim_and_console_with_health_checks() {
    let doc = compose();
    for name in ["db", "sim", "console"] {
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
    let console = service(&doc, "console");
    for dependency in ["db", "sim"] {
        let condition = console
            .get("depends_on")
            .and_then(|d| d.get(dependency))
            .and_then(|d| d.get("condition"))
            .and_then(Value::as_str);
        assert_eq!(
            condition,
            Some("service_healthy"),
            "console waits for {dependency}"
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
    let configured = service(&doc, "console")
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
