//! Helpers shared by the HTTP tests: a simulator on a random port, an authenticated
//! client, and a recursive comparison of response shapes with Airtable's samples.

#![allow(dead_code)]

use std::collections::BTreeSet;

use airtable_sim::{RunningSim, SimConfig, SimInfo, SimSize};
use serde_json::{json, Value};

pub const SCIM_USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const SCIM_GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

/// The strings in a JSON array (none when it is not one).
pub fn strs(v: &Value) -> Vec<String> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|x| x.as_str().map(str::to_string))
        .collect()
}

/// The string `key` of each object in a JSON array (skipping those without one).
pub fn strs_at(v: &Value, key: &str) -> Vec<String> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|x| x[key].as_str().map(str::to_string))
        .collect()
}

pub struct Sim {
    pub running: RunningSim,
    pub info: SimInfo,
    pub http: reqwest::Client,
    pub base: String,
}

impl Sim {
    pub async fn start() -> Sim {
        Self::start_with(SimConfig {
            seed: 42,
            size: SimSize::tiny(),
            ..SimConfig::default()
        })
        .await
    }

    pub async fn start_with(config: SimConfig) -> Sim {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a port");
        let running = airtable_sim::spawn(listener, config)
            .await
            .expect("the simulator starts");
        let info = running.info();
        let base = running.base_url();
        Sim {
            running,
            info,
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("a client"),
            base,
        }
    }

    pub fn ent(&self) -> String {
        self.info.enterprise_account_id.clone()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// `/v0/meta/enterpriseAccounts/{ent}{rest}`
    pub fn ent_url(&self, rest: &str) -> String {
        self.url(&format!(
            "/v0/meta/enterpriseAccounts/{}{rest}",
            self.info.enterprise_account_id
        ))
    }

    pub async fn get(&self, url: &str) -> (u16, Value) {
        self.send(self.http.get(url)).await
    }

    pub async fn send(&self, req: reqwest::RequestBuilder) -> (u16, Value) {
        self.send_as(req, &self.info.token).await
    }

    pub async fn send_as(&self, req: reqwest::RequestBuilder, token: &str) -> (u16, Value) {
        let resp = req
            .bearer_auth(token)
            .send()
            .await
            .expect("the request is sent");
        let status = resp.status().as_u16();
        let text = resp.text().await.expect("a body");
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        (status, body)
    }

    pub async fn delete(&self, url: &str) -> (u16, Value) {
        self.send(self.http.delete(url)).await
    }

    pub async fn post(&self, url: &str, body: Value) -> (u16, Value) {
        self.send(self.http.post(url).json(&body)).await
    }

    /// Creates a workspace called `name` in the enterprise.
    pub async fn create_workspace(&self, name: &str) -> (u16, Value) {
        let body = json!({ "enterpriseAccountId": self.ent(), "name": name });
        self.post(&self.url("/v0/meta/workspaces"), body).await
    }

    /// Gives the user `user_id` the level `level` through the collaborators endpoint `url`
    /// (of a workspace, base or interface).
    pub async fn add_user(&self, url: &str, user_id: &str, level: &str) -> (u16, Value) {
        let one = json!({ "user": { "id": user_id }, "permissionLevel": level });
        self.post(url, json!({ "collaborators": [one] })).await
    }

    pub async fn patch(&self, url: &str, body: Value) -> (u16, Value) {
        self.send(self.http.patch(url).json(&body)).await
    }

    /// GET that must succeed.
    pub async fn ok(&self, url: &str) -> Value {
        let (status, body) = self.get(url).await;
        assert_eq!(status, 200, "GET {url}: {body}");
        body
    }

    pub async fn enterprise(&self) -> Value {
        self.ok(&self.ent_url("")).await
    }

    pub async fn user(&self, id: &str) -> Value {
        self.ok(&self.ent_url(&format!("/users/{id}?include=collaborations")))
            .await
    }

    /// Signs `user_id` in through the OAuth page with `scope` (space-separated) and returns
    /// the access token.
    pub async fn oauth_token(&self, user_id: &str, scope: &str) -> String {
        use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};
        use sha2::{Digest, Sha256};
        const VERIFIER: &str = "common-verifier-0123456789-0123456789-0123456789";
        const REDIRECT: &str = "http://127.0.0.1:9/callback";
        let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(VERIFIER.as_bytes()));
        let form = [
            ("client_id", "console-demo"),
            ("redirect_uri", REDIRECT),
            ("response_type", "code"),
            ("scope", scope),
            ("state", "state-0123456789abcdef"),
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "S256"),
            ("user_id", user_id),
        ];
        let resp = self
            .http
            .post(self.url("/oauth2/v1/authorize"))
            .form(&form)
            .send()
            .await
            .expect("sign-in");
        assert_eq!(resp.status(), 303);
        let location = resp.headers()["location"].to_str().unwrap_or_default();
        let code = url::Url::parse(location)
            .expect("a redirect URL")
            .query_pairs()
            .find(|(k, _)| k == "code")
            .map(|(_, v)| v.into_owned())
            .expect("a code");
        let resp = self
            .http
            .post(self.url("/oauth2/v1/token"))
            .basic_auth("console-demo", Some("console-demo-secret"))
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", code.as_str()),
                ("redirect_uri", REDIRECT),
                ("code_verifier", VERIFIER),
            ])
            .send()
            .await
            .expect("token");
        assert_eq!(resp.status(), 200);
        let body: Value = resp.json().await.expect("json");
        body["access_token"]
            .as_str()
            .expect("an access token")
            .to_string()
    }

    pub async fn shutdown(self) {
        self.running.shutdown().await;
    }
}

pub fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/../../../shared/fixtures/airtable/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("parse {path}: {e}"))
}

fn looks_like_id(key: &str) -> bool {
    key.len() == 17
        && key[..3].chars().all(|c| c.is_ascii_lowercase())
        && key[3..].chars().all(|c| c.is_ascii_alphanumeric())
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Checks that `actual` has the shape of Airtable's `sample`, recursively: the same keys
/// (except documented optional ones listed in `optional`, as `path.key` patterns where `*`
/// stands for an array element or map entry), values of the same JSON kind (null goes
/// with anything), arrays whose elements each match the closest sample element, and maps
/// keyed by ids compared entry by entry.
pub fn assert_shape(actual: &Value, sample: &Value, optional: &[&str]) {
    let mut problems = Vec::new();
    shape(actual, sample, "$", optional, &mut problems);
    assert!(
        problems.is_empty(),
        "shape differs from the sample:\n  {}\nactual: {}",
        problems.join("\n  "),
        serde_json::to_string_pretty(actual).unwrap_or_default()
    );
}

fn allowed(path: &str, optional: &[&str]) -> bool {
    optional.iter().any(|p| {
        let p = format!("$.{p}");
        path == p
    })
}

fn shape(
    actual: &Value,
    sample: &Value,
    path: &str,
    optional: &[&str],
    problems: &mut Vec<String>,
) {
    match (actual, sample) {
        (Value::Null, _) | (_, Value::Null) => {}
        (Value::Object(a), Value::Object(s)) => {
            if !s.is_empty() && s.keys().all(|k| looks_like_id(k)) {
                let first = s.values().next().cloned().unwrap_or(Value::Null);
                for (k, v) in a {
                    if !looks_like_id(k) {
                        problems.push(format!("{path}: key {k:?} is not an id"));
                    }
                    shape(v, &first, &format!("{path}.*"), optional, problems);
                }
                return;
            }
            let ak: BTreeSet<&String> = a.keys().collect();
            let sk: BTreeSet<&String> = s.keys().collect();
            for missing in sk.difference(&ak) {
                let p = format!("{path}.{missing}");
                if !allowed(&p, optional) {
                    problems.push(format!("{p}: missing"));
                }
            }
            for extra in ak.difference(&sk) {
                let p = format!("{path}.{extra}");
                if !allowed(&p, optional) {
                    problems.push(format!("{p}: not in the sample"));
                }
            }
            for k in ak.intersection(&sk) {
                shape(&a[*k], &s[*k], &format!("{path}.{k}"), optional, problems);
            }
        }
        (Value::Array(a), Value::Array(s)) => {
            if s.is_empty() {
                return;
            }
            for item in a {
                // The sample element closest in keys (samples mix variants, e.g. shares).
                let best = s
                    .iter()
                    .max_by_key(|c| match (item, c) {
                        (Value::Object(x), Value::Object(y)) => {
                            let common = x.keys().filter(|k| y.contains_key(*k)).count() as i64;
                            let extra = x.keys().filter(|k| !y.contains_key(*k)).count() as i64;
                            let missing = y.keys().filter(|k| !x.contains_key(*k)).count() as i64;
                            common * 2 - extra - missing
                        }
                        _ => 0,
                    })
                    .unwrap_or(&s[0]);
                shape(item, best, &format!("{path}.*"), optional, problems);
            }
        }
        (a, s) if kind(a) != kind(s) => problems.push(format!(
            "{path}: {} where the sample has {}",
            kind(a),
            kind(s)
        )),
        _ => {}
    }
}
