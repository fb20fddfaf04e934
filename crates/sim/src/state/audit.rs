//! The audit log: 180 days of seeded history, generated lazily from the seed (event `i` is a
//! pure function of `(seed, i)`, so five million events cost almost nothing until they are
//! read), followed by the events the simulator records as its state changes.
//!
//! Events are ordered by their ULID (milliseconds, then 80 random bits). Cursors are the
//! base64 of a ULID, as Airtable's are: `next=X` asks for events newer than X, `previous=X`
//! for events older than X. A request scans at most `SCAN_BUDGET` stored events; a sparse
//! filter may therefore give a short or empty page whose cursor moved on, as Airtable's can.
//!
//! Late events (`delay_ms`, Airtable: "a few minutes"): an event keeps the time it happened
//! as its `timestamp` and in its ULID, and becomes visible `delay_ms` later. Queries only
//! see events at or before the watermark `now - delay_ms`, and every cursor handed out lies
//! at or before it; since all events are equally late they become visible in id order, so
//! an event that appears later is always after any cursor a client holds: following `next`
//! never misses one.
//!
//! Stragglers (`stragglers`, [`crate::AuditStragglers`]) break that on purpose: every n-th
//! recorded event becomes visible later still, so a cursor can pass it while it is hidden
//! and only a re-read of a trailing window finds it.

use std::collections::HashSet;

use base64::{engine::general_purpose::STANDARD, Engine as _};
use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};

use crate::ids::{id_from_hash, mix, parse_ulid, ulid, EventKey, RANDOM_MAX};

pub const RETENTION_MS: u64 = 180 * 24 * 3600 * 1000;
const SCAN_BUDGET: usize = 400_000;

/// Who did something.
#[derive(Clone, Debug)]
pub enum Actor {
    User {
        id: String,
        email: String,
        name: String,
    },
    System,
}

impl Actor {
    fn user_id(&self) -> Option<&str> {
        match self {
            Actor::User { id, .. } => Some(id),
            _ => None,
        }
    }

    fn to_json(&self) -> Value {
        match self {
            Actor::User { id, email, name } => {
                json!({ "type": "user", "user": { "email": email, "id": id, "name": name } })
            }
            Actor::System => json!({ "type": "system" }),
        }
    }
}

/// Where a request came from (`origin`).
#[derive(Clone, Debug, Default)]
pub struct Origin {
    pub ip_address: String,
    pub user_agent: String,
    pub session_id: Option<String>,
    pub personal_access_token_id: Option<String>,
    pub oauth_access_token_id: Option<String>,
}

impl Origin {
    fn to_json(&self) -> Value {
        let mut o = Map::new();
        o.insert("ipAddress".into(), json!(self.ip_address));
        if let Some(id) = &self.oauth_access_token_id {
            o.insert("oauthAccessTokenId".into(), json!(id));
        }
        if let Some(id) = &self.personal_access_token_id {
            o.insert("personalAccessTokenId".into(), json!(id));
        }
        if let Some(id) = &self.session_id {
            o.insert("sessionId".into(), json!(id));
        }
        o.insert("userAgent".into(), json!(self.user_agent));
        Value::Object(o)
    }
}

/// One thing that happened, as the code that changed the state describes it.
#[derive(Clone, Debug)]
pub struct NewEvent {
    pub action: &'static str,
    pub category: &'static str,
    pub model_id: String,
    pub model_type: &'static str,
    pub workspace_id: Option<String>,
    pub base_id: Option<String>,
    pub interface_id: Option<String>,
    pub payload: Value,
}

impl NewEvent {
    pub fn new(
        action: &'static str,
        category: &'static str,
        model_type: &'static str,
        model_id: impl Into<String>,
    ) -> Self {
        NewEvent {
            action,
            category,
            model_id: model_id.into(),
            model_type,
            workspace_id: None,
            base_id: None,
            interface_id: None,
            payload: json!({}),
        }
    }

    pub fn payload(mut self, payload: Value) -> Self {
        self.payload = payload;
        self
    }

    pub fn workspace(mut self, id: impl Into<String>) -> Self {
        self.workspace_id = Some(id.into());
        self
    }

    pub fn base(mut self, id: impl Into<String>) -> Self {
        self.base_id = Some(id.into());
        self
    }

    pub fn interface(mut self, id: impl Into<String>) -> Self {
        self.interface_id = Some(id.into());
        self
    }
}

/// Who and how: attached to every event a request causes.
#[derive(Clone, Debug)]
pub struct Doer {
    pub actor: Actor,
    pub origin: Origin,
}

struct LiveEvent {
    key: EventKey,
    action: &'static str,
    category: &'static str,
    actor_user: Option<String>,
    /// modelId and the ids of the workspace, base and interface it happened in.
    model_ids: Vec<String>,
    json: Value,
    /// Published this much later than `delay_ms` (a straggler), else 0.
    extra_delay_ms: u64,
}

/// A person of the seeded enterprise, as history remembers them.
#[derive(Clone, Debug)]
pub struct PersonRef {
    pub id: String,
    pub email: String,
    pub name: String,
}

#[derive(Clone, Debug)]
pub struct BaseRef {
    pub id: String,
    pub name: String,
    pub workspace: usize,
}

#[derive(Clone, Debug)]
pub struct NamedRef {
    pub id: String,
    pub name: String,
}

/// What the seeded history is made of.
pub struct HistorySeed {
    pub seed: u64,
    pub count: u64,
    /// Milliseconds since the epoch of the first and last seeded event.
    pub start_ms: u64,
    pub end_ms: u64,
    pub people: Vec<PersonRef>,
    /// How many of `people` (from the front) are admins.
    pub admins: usize,
    pub workspaces: Vec<NamedRef>,
    pub bases: Vec<BaseRef>,
    pub groups: Vec<NamedRef>,
}

#[derive(Clone, Copy)]
enum ModelKind {
    Base,
    Group,
    SelfUser,
    OtherUser,
    Enterprise,
}

#[derive(Clone, Copy)]
enum ActorKind {
    Person,
    Admin,
    Anonymous,
    AutomationSometimes,
    System,
}

struct Kind {
    action: &'static str,
    category: &'static str,
    model: ModelKind,
    actor: ActorKind,
    weight: u32,
}

const KINDS: &[Kind] = &[
    kind("viewBase", "base", ModelKind::Base, ActorKind::Person, 300),
    kind(
        "loginUser",
        "user",
        ModelKind::SelfUser,
        ActorKind::Person,
        220,
    ),
    kind(
        "downloadAttachment",
        "base",
        ModelKind::Base,
        ActorKind::AutomationSometimes,
        80,
    ),
    kind("createBase", "base", ModelKind::Base, ActorKind::Person, 25),
    kind(
        "updateBaseName",
        "base",
        ModelKind::Base,
        ActorKind::Person,
        12,
    ),
    kind(
        "duplicateBase",
        "base",
        ModelKind::Base,
        ActorKind::Person,
        6,
    ),
    kind(
        "addBaseCollaborator",
        "baseCollaboration",
        ModelKind::Base,
        ActorKind::Person,
        40,
    ),
    kind(
        "changeBaseCollaboratorPermission",
        "baseCollaboration",
        ModelKind::Base,
        ActorKind::Person,
        15,
    ),
    kind(
        "removeBaseCollaborator",
        "baseCollaboration",
        ModelKind::Base,
        ActorKind::Person,
        10,
    ),
    kind(
        "addBaseInviteLink",
        "baseCollaboration",
        ModelKind::Base,
        ActorKind::Person,
        8,
    ),
    kind(
        "enableShare",
        "share",
        ModelKind::Base,
        ActorKind::Person,
        18,
    ),
    kind(
        "viewShare",
        "share",
        ModelKind::Base,
        ActorKind::Anonymous,
        45,
    ),
    kind(
        "disableShare",
        "share",
        ModelKind::Base,
        ActorKind::Person,
        6,
    ),
    kind(
        "createGroup",
        "groups",
        ModelKind::Group,
        ActorKind::Admin,
        3,
    ),
    kind(
        "addGroupMember",
        "groups",
        ModelKind::Group,
        ActorKind::Admin,
        20,
    ),
    kind(
        "removeGroupMember",
        "groups",
        ModelKind::Group,
        ActorKind::Admin,
        8,
    ),
    kind(
        "addTwoFactorAuthenticationStrategy",
        "twoFactorAuthentication",
        ModelKind::SelfUser,
        ActorKind::Person,
        10,
    ),
    kind(
        "deactivateUser",
        "user",
        ModelKind::OtherUser,
        ActorKind::System,
        4,
    ),
    kind(
        "claimUser",
        "user",
        ModelKind::OtherUser,
        ActorKind::Admin,
        4,
    ),
    kind(
        "updateSettingLock",
        "enterpriseSettings",
        ModelKind::Enterprise,
        ActorKind::Admin,
        2,
    ),
];

const fn kind(
    action: &'static str,
    category: &'static str,
    model: ModelKind,
    actor: ActorKind,
    weight: u32,
) -> Kind {
    Kind {
        action,
        category,
        model,
        actor,
        weight,
    }
}

const AGENTS: &[&str] = &[
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/128.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/127.0.0.0 Safari/537.36 Edg/127.0.0.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
    "Airtable/1.6.5 (iPhone; iOS 17.5; Scale/3.00)",
];

const PERMISSIONS: &[&str] = &["read", "comment", "edit", "create"];

/// Which synthetic events a query wants, resolved to indices once per request.
struct SynthFilter {
    kinds: Option<HashSet<usize>>,
    people: Option<HashSet<usize>>,
    models: Option<ModelSet>,
}

struct ModelSet {
    bases: HashSet<usize>,
    workspaces: HashSet<usize>,
    groups: HashSet<usize>,
    people: HashSet<usize>,
    enterprise: bool,
}

#[derive(Clone, Copy)]
enum Who {
    Person(usize),
    Anonymous,
    Automation,
    System,
}

#[derive(Clone, Copy)]
enum Model {
    Base(usize),
    Group(usize),
    Person(usize),
    Enterprise,
}

struct Meta {
    kind: usize,
    who: Who,
    model: Model,
    h: u64,
}

/// An audit log query, validated.
#[derive(Clone, Debug, Default)]
pub struct Query {
    pub start_ms: Option<u64>,
    pub end_ms: Option<u64>,
    pub originating_user_ids: Vec<String>,
    pub event_types: Vec<String>,
    pub model_ids: Vec<String>,
    pub categories: Vec<String>,
    pub page_size: usize,
    pub ascending: bool,
    pub next: Option<EventKey>,
    pub previous: Option<EventKey>,
}

pub struct Page {
    pub events: Vec<Value>,
    pub next: Option<String>,
    pub previous: Option<String>,
}

pub fn encode_cursor(key: EventKey) -> String {
    STANDARD.encode(ulid(key))
}

pub fn decode_cursor(text: &str) -> Option<EventKey> {
    let bytes = STANDARD.decode(text.trim()).ok()?;
    parse_ulid(std::str::from_utf8(&bytes).ok()?)
}

pub struct AuditLog {
    enterprise_id: String,
    history: HistorySeed,
    kind_cumulative: Vec<u32>,
    live: Vec<LiveEvent>,
    last_key: EventKey,
    /// Events become visible this long after they happen (Airtable: a few minutes).
    pub delay_ms: u64,
    /// Every n-th recorded event is published this many ms later still: `(n, ms)`.
    pub stragglers: Option<(u64, u64)>,
    counter: u64,
}

fn now_ms() -> u64 {
    Utc::now().timestamp_millis().max(0) as u64
}

fn time_of(ms: u64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms as i64)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

impl AuditLog {
    pub fn new(enterprise_id: String, history: HistorySeed, delay_ms: u64) -> Self {
        let mut total = 0;
        let kind_cumulative = KINDS
            .iter()
            .map(|k| {
                total += k.weight;
                total
            })
            .collect();
        let last_key = (history.end_ms, 0);
        AuditLog {
            enterprise_id,
            history,
            kind_cumulative,
            live: Vec::new(),
            last_key,
            delay_ms,
            stragglers: None,
            counter: 0,
        }
    }

    /// How many events are stored (seeded and recorded).
    pub fn len(&self) -> usize {
        self.history.count as usize + self.live.len()
    }

    // ---- recording -------------------------------------------------------------------

    pub fn record(&mut self, doer: &Doer, event: NewEvent) {
        let now = now_ms();
        self.counter += 1;
        let random = (mix(self.history.seed ^ 0xA5A5 ^ self.counter.wrapping_mul(0x100_0000_01B3))
            as u128)
            << 16
            | (self.counter as u128 & 0xFFFF);
        let key = if now > self.last_key.0 {
            (now, random & RANDOM_MAX)
        } else {
            // Monotonic within a millisecond, as ULID generators are.
            (self.last_key.0, (self.last_key.1 + 1).min(RANDOM_MAX))
        };
        self.last_key = key;
        let id = ulid(key);
        let mut context = Map::new();
        context.insert(
            "actionId".into(),
            json!(id_from_hash("act", mix(key.0 ^ key.1 as u64))),
        );
        if let Some(b) = &event.base_id {
            context.insert("baseId".into(), json!(b));
        }
        context.insert("enterpriseAccountId".into(), json!(self.enterprise_id));
        if let Some(i) = &event.interface_id {
            context.insert("interfaceId".into(), json!(i));
        }
        if let Some(w) = &event.workspace_id {
            context.insert("workspaceId".into(), json!(w));
        }
        let json = json!({
            "action": event.action,
            "actor": doer.actor.to_json(),
            "context": Value::Object(context),
            "id": id,
            "modelId": event.model_id,
            "modelType": event.model_type,
            "origin": doer.origin.to_json(),
            "payload": event.payload,
            "payloadVersion": "1.0",
            "timestamp": time_of(key.0),
        });
        let mut model_ids = vec![event.model_id];
        model_ids.extend(event.workspace_id);
        model_ids.extend(event.base_id);
        model_ids.extend(event.interface_id);
        let extra_delay_ms = match self.stragglers {
            Some((every, extra)) if self.counter.is_multiple_of(every) => extra,
            _ => 0,
        };
        self.live.push(LiveEvent {
            key,
            action: event.action,
            category: event.category,
            actor_user: doer.actor.user_id().map(str::to_string),
            model_ids,
            json,
            extra_delay_ms,
        });
    }

    // ---- the seeded history ----------------------------------------------------------

    fn synth_key(&self, i: u64) -> EventKey {
        let h = &self.history;
        let span = h.end_ms.saturating_sub(h.start_ms).max(1);
        let n = h.count.max(1);
        let step = (span / n).max(1);
        let base = h.start_ms + ((i as u128 * span as u128) / n as u128) as u64;
        let jitter = mix(h.seed ^ i.wrapping_mul(0x9E37_79B9)) % step;
        let r1 = mix(h.seed.wrapping_add(i).wrapping_mul(0xD6E8_FEB8_6659_FD93)) as u128;
        let r2 = (mix(i ^ 0x5555_AAAA) & 0xFFFF) as u128;
        (base + jitter, ((r1 << 16) | r2) & RANDOM_MAX)
    }

    fn synth_meta(&self, i: u64) -> Meta {
        let hs = &self.history;
        let h = mix(hs.seed ^ mix(i.wrapping_add(0x1234_5678)));
        let total = *self.kind_cumulative.last().unwrap_or(&1);
        let pick = (h % total as u64) as u32;
        let kind = self
            .kind_cumulative
            .iter()
            .position(|&c| pick < c)
            .unwrap_or(0);
        let k = &KINDS[kind];
        let h2 = mix(h);
        let people = hs.people.len().max(1);
        let person = (h2 % people as u64) as usize;
        let admin = (h2 % hs.admins.clamp(1, people) as u64) as usize;
        let who = match k.actor {
            ActorKind::Person => Who::Person(person),
            ActorKind::Admin => Who::Person(admin),
            ActorKind::Anonymous => Who::Anonymous,
            ActorKind::System => Who::System,
            ActorKind::AutomationSometimes => {
                if h2.is_multiple_of(5) {
                    Who::Automation
                } else {
                    Who::Person(person)
                }
            }
        };
        let h3 = mix(h2);
        let model = match k.model {
            ModelKind::Base if !hs.bases.is_empty() => {
                Model::Base((h3 % hs.bases.len() as u64) as usize)
            }
            ModelKind::Group if !hs.groups.is_empty() => {
                Model::Group((h3 % hs.groups.len() as u64) as usize)
            }
            ModelKind::SelfUser => Model::Person(person),
            ModelKind::OtherUser => Model::Person((h3 % people as u64) as usize),
            _ => Model::Enterprise,
        };
        Meta {
            kind,
            who,
            model,
            h: h3,
        }
    }

    fn synth_matches(&self, m: &Meta, f: &SynthFilter) -> bool {
        if let Some(kinds) = &f.kinds {
            if !kinds.contains(&m.kind) {
                return false;
            }
        }
        if let Some(people) = &f.people {
            match m.who {
                Who::Person(p) if people.contains(&p) => {}
                _ => return false,
            }
        }
        if let Some(ms) = &f.models {
            let hit = match m.model {
                Model::Base(b) => {
                    ms.bases.contains(&b)
                        || self
                            .history
                            .bases
                            .get(b)
                            .is_some_and(|base| ms.workspaces.contains(&base.workspace))
                }
                Model::Group(g) => ms.groups.contains(&g),
                Model::Person(p) => ms.people.contains(&p),
                Model::Enterprise => ms.enterprise,
            };
            if !hit {
                return false;
            }
        }
        true
    }

    fn synth_json(&self, i: u64, m: &Meta) -> Value {
        let hs = &self.history;
        let k = &KINDS[m.kind];
        let key = self.synth_key(i);
        let person = |p: usize| hs.people.get(p);
        let actor = match m.who {
            Who::Person(p) => match person(p) {
                Some(u) => {
                    json!({ "type": "user", "user": { "email": u.email, "id": u.id, "name": u.name } })
                }
                None => json!({ "type": "unknown" }),
            },
            Who::Anonymous => json!({ "type": "anonymousUser" }),
            Who::Automation => {
                json!({ "type": "automation", "automationId": id_from_hash("aut", m.h) })
            }
            Who::System => json!({ "type": "system" }),
        };
        let mut context = Map::new();
        context.insert("actionId".into(), json!(id_from_hash("act", m.h ^ i)));
        let (model_id, model_type, payload) = match m.model {
            Model::Base(b) => {
                let base = &hs.bases[b];
                let ws = hs.workspaces.get(base.workspace);
                context.insert("baseId".into(), json!(base.id));
                context.insert("enterpriseAccountId".into(), json!(self.enterprise_id));
                if let Some(ws) = ws {
                    context.insert("workspaceId".into(), json!(ws.id));
                }
                (
                    base.id.clone(),
                    "base",
                    self.base_payload(k.action, base, m),
                )
            }
            Model::Group(g) => {
                let group = &hs.groups[g];
                context.insert("enterpriseAccountId".into(), json!(self.enterprise_id));
                let member = person((m.h % hs.people.len().max(1) as u64) as usize);
                let payload = match k.action {
                    "createGroup" => json!({ "name": group.name }),
                    _ => json!({
                        "group": { "id": group.id, "name": group.name },
                        "user": member.map(|u| json!({ "id": u.id, "email": u.email })),
                        "role": "member",
                    }),
                };
                (group.id.clone(), "group", payload)
            }
            Model::Person(p) => {
                context.insert("enterpriseAccountId".into(), json!(self.enterprise_id));
                let u = person(p);
                let id = u.map(|u| u.id.clone()).unwrap_or_default();
                let payload = match k.action {
                    "addTwoFactorAuthenticationStrategy" => json!({
                        "type": if m.h.is_multiple_of(2) { "sms" } else { "totp" },
                        "user": u.map(|u| json!({ "id": u.id, "email": u.email, "name": u.name })),
                    }),
                    "loginUser" => {
                        json!({ "authenticationMethod": if m.h.is_multiple_of(3) { "password" } else { "sso" } })
                    }
                    _ => {
                        json!({ "user": u.map(|u| json!({ "id": u.id, "email": u.email, "name": u.name })) })
                    }
                };
                (id, "user", payload)
            }
            Model::Enterprise => {
                context.insert("enterpriseAccountId".into(), json!(self.enterprise_id));
                (
                    self.enterprise_id.clone(),
                    "enterpriseAccount",
                    json!({ "setting": "shareRestriction", "previous": { "locked": false }, "current": { "locked": true } }),
                )
            }
        };
        let mut origin = Map::new();
        origin.insert(
            "ipAddress".into(),
            json!(format!(
                "{}.{}.{}.{}",
                20 + m.h % 200,
                (m.h >> 8) % 256,
                (m.h >> 16) % 256,
                1 + (m.h >> 24) % 254
            )),
        );
        if matches!(m.who, Who::Person(_)) {
            origin.insert("sessionId".into(), json!(id_from_hash("ses", m.h >> 3)));
        }
        origin.insert(
            "userAgent".into(),
            json!(AGENTS[(m.h >> 32) as usize % AGENTS.len()]),
        );
        json!({
            "action": k.action,
            "actor": actor,
            "context": Value::Object(context),
            "id": ulid(key),
            "modelId": model_id,
            "modelType": model_type,
            "origin": Value::Object(origin),
            "payload": payload,
            "payloadVersion": "1.0",
            "timestamp": time_of(key.0),
        })
    }

    fn base_payload(&self, action: &str, base: &BaseRef, m: &Meta) -> Value {
        let hs = &self.history;
        let other = hs
            .people
            .get((m.h % hs.people.len().max(1) as u64) as usize);
        let level = PERMISSIONS[(m.h >> 40) as usize % PERMISSIONS.len()];
        match action {
            "createBase" | "duplicateBase" => json!({ "name": base.name }),
            "updateBaseName" => json!({
                "previous": { "name": format!("{} (old)", base.name) },
                "current": { "name": base.name },
            }),
            "downloadAttachment" => json!({
                "attachment": { "id": id_from_hash("att", m.h), "filename": format!("export-{}.pdf", m.h % 1000) },
            }),
            "addBaseCollaborator" | "removeBaseCollaborator" => json!({
                "user": other.map(|u| json!({ "id": u.id, "email": u.email, "name": u.name })),
                "permissionLevel": level,
            }),
            "changeBaseCollaboratorPermission" => json!({
                "user": other.map(|u| json!({ "id": u.id, "email": u.email, "name": u.name })),
                "previous": { "permissionLevel": "read" },
                "current": { "permissionLevel": level },
            }),
            "addBaseInviteLink" => json!({
                "permissionLevel": level,
                "restrictedToEmailDomains": [],
                "base": { "id": base.id, "name": base.name },
            }),
            "enableShare" | "disableShare" | "viewShare" => json!({
                "type": "base",
                "isPasswordProtected": false,
                "restrictedToEnterpriseMembers": m.h.is_multiple_of(2),
                "url": format!("https://airtable.com/{}", id_from_hash("shr", m.h)),
                "base": { "id": base.id, "name": base.name },
            }),
            _ => json!({}),
        }
    }

    fn resolve_filter(&self, q: &Query) -> SynthFilter {
        let hs = &self.history;
        let kinds = if q.event_types.is_empty() && q.categories.is_empty() {
            None
        } else {
            Some(
                KINDS
                    .iter()
                    .enumerate()
                    .filter(|(_, k)| {
                        (q.event_types.is_empty() || q.event_types.iter().any(|t| t == k.action))
                            && (q.categories.is_empty()
                                || q.categories.iter().any(|c| c == k.category))
                    })
                    .map(|(i, _)| i)
                    .collect(),
            )
        };
        let index_of = |ids: &[String], list: &mut dyn Iterator<Item = (usize, &str)>| {
            list.filter(|(_, id)| ids.iter().any(|x| x == id))
                .map(|(i, _)| i)
                .collect::<HashSet<usize>>()
        };
        let people = (!q.originating_user_ids.is_empty()).then(|| {
            index_of(
                &q.originating_user_ids,
                &mut hs
                    .people
                    .iter()
                    .enumerate()
                    .map(|(i, p)| (i, p.id.as_str())),
            )
        });
        let models = (!q.model_ids.is_empty()).then(|| ModelSet {
            bases: index_of(
                &q.model_ids,
                &mut hs.bases.iter().enumerate().map(|(i, b)| (i, b.id.as_str())),
            ),
            workspaces: index_of(
                &q.model_ids,
                &mut hs
                    .workspaces
                    .iter()
                    .enumerate()
                    .map(|(i, w)| (i, w.id.as_str())),
            ),
            groups: index_of(
                &q.model_ids,
                &mut hs
                    .groups
                    .iter()
                    .enumerate()
                    .map(|(i, g)| (i, g.id.as_str())),
            ),
            people: index_of(
                &q.model_ids,
                &mut hs
                    .people
                    .iter()
                    .enumerate()
                    .map(|(i, p)| (i, p.id.as_str())),
            ),
            enterprise: q.model_ids.iter().any(|m| m == &self.enterprise_id),
        });
        SynthFilter {
            kinds,
            people,
            models,
        }
    }

    fn live_matches(&self, e: &LiveEvent, q: &Query) -> bool {
        (q.event_types.is_empty() || q.event_types.iter().any(|t| t == e.action))
            && (q.categories.is_empty() || q.categories.iter().any(|c| c == e.category))
            && (q.originating_user_ids.is_empty()
                || e.actor_user
                    .as_ref()
                    .is_some_and(|u| q.originating_user_ids.contains(u)))
            && (q.model_ids.is_empty() || e.model_ids.iter().any(|m| q.model_ids.contains(m)))
    }

    // ---- the combined, ordered sequence ----------------------------------------------

    fn key_at(&self, g: u64) -> EventKey {
        if g < self.history.count {
            self.synth_key(g)
        } else {
            self.live[(g - self.history.count) as usize].key
        }
    }

    fn total(&self) -> u64 {
        self.history.count + self.live.len() as u64
    }

    /// The first position whose key is >= `key`.
    fn lower_bound(&self, key: EventKey) -> u64 {
        let (mut lo, mut hi) = (0u64, self.total());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if self.key_at(mid) < key {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }

    fn matches_at(&self, g: u64, q: &Query, f: &SynthFilter) -> Option<Value> {
        if g < self.history.count {
            let m = self.synth_meta(g);
            self.synth_matches(&m, f).then(|| self.synth_json(g, &m))
        } else {
            let e = &self.live[(g - self.history.count) as usize];
            // A straggler is hidden until its own, later time (the watermark hides the rest).
            let published = e.key.0 + self.delay_ms + e.extra_delay_ms <= now_ms();
            (published && self.live_matches(e, q)).then(|| e.json.clone())
        }
    }

    /// Scans positions from `from` towards newer (`forward`) or older, within
    /// `[lo, hi)`, collecting up to `want` matches. Returns the matches (in scan order)
    /// and, if the budget ran out, the last position scanned.
    fn scan(
        &self,
        q: &Query,
        f: &SynthFilter,
        forward: bool,
        lo: u64,
        hi: u64,
        want: usize,
    ) -> (Vec<(u64, Value)>, Option<u64>) {
        let mut out = Vec::new();
        let mut scanned = 0usize;
        let mut g = if forward { lo } else { hi };
        loop {
            if forward {
                if g >= hi {
                    return (out, None);
                }
            } else {
                if g <= lo {
                    return (out, None);
                }
                g -= 1;
            }
            if let Some(v) = self.matches_at(g, q, f) {
                out.push((g, v));
                if out.len() >= want {
                    return (out, None);
                }
            }
            scanned += 1;
            if scanned >= SCAN_BUDGET {
                return (out, Some(g));
            }
            if forward {
                g += 1;
            }
        }
    }

    /// Answers one request of `GET …/auditLogEvents`.
    pub fn query(&self, q: &Query) -> Page {
        let now = now_ms();
        let f = self.resolve_filter(q);
        let retention_start = now.saturating_sub(RETENTION_MS);
        let start = q.start_ms.unwrap_or(retention_start).max(retention_start);
        // The watermark: everything that happened up to and including this millisecond is
        // visible; nothing later is, and no cursor is ever placed beyond it, so an event
        // that becomes visible later is always ahead of every cursor handed out.
        let visible_end = now.saturating_sub(self.delay_ms) + 1;
        let end = q.end_ms.unwrap_or(visible_end).min(visible_end);
        // Without endTime the stream never ends. With an endTime the watermark has not yet
        // passed, events may still appear before it: the walk goes on (`next` stays) until
        // the window is complete.
        let open_ended = q.end_ms.is_none_or(|e| e > visible_end);
        // Positions [lo, hi) are inside the time range.
        let mut lo = self.lower_bound((start, 0));
        let mut hi = self.lower_bound((end, 0)).max(lo);
        if let Some(x) = q.next {
            lo = lo.max(
                self.lower_bound(x)
                    .saturating_add(u64::from(self.key_at_is(x))),
            );
        }
        if let Some(x) = q.previous {
            hi = hi.min(self.lower_bound(x));
        }
        let hi = hi.max(lo);
        let size = q.page_size;
        let forward = q.next.is_some() || (q.previous.is_none() && q.ascending);
        let (mut found, budget_stop) = self.scan(q, &f, forward, lo, hi, size + 1);
        let more = found.len() > size;
        found.truncate(size);
        let (next, previous);
        if forward {
            let newest = found.last().map(|(g, _)| *g);
            let oldest = found.first().map(|(g, _)| *g);
            next = if more {
                newest.map(|g| self.key_at(g))
            } else if let Some(g) = budget_stop {
                Some(self.key_at(g))
            } else if open_ended {
                // Caught up: the stream goes on from the newest event seen (or did not move).
                newest
                    .or_else(|| hi.checked_sub(1).filter(|&h| h >= lo))
                    .map(|g| self.key_at(g))
                    .or(q.next)
                    .or(Some(before(start)))
            } else {
                None
            };
            previous = match oldest {
                Some(g) if q.next.is_some() => Some(self.key_at(g)),
                _ => q.next,
            };
        } else {
            let newest = found.first().map(|(g, _)| *g);
            let oldest = found.last().map(|(g, _)| *g);
            previous = if more {
                oldest.map(|g| self.key_at(g))
            } else {
                budget_stop.map(|g| self.key_at(g))
            };
            next = match newest {
                Some(g) if q.previous.is_some() || open_ended => Some(self.key_at(g)),
                None if q.previous.is_some() => q.previous,
                None if open_ended => hi
                    .checked_sub(1)
                    .map(|g| self.key_at(g))
                    .or(Some(before(start))),
                _ => None,
            };
        }
        let mut events: Vec<Value> = found.into_iter().map(|(_, v)| v).collect();
        // Scan order is oldest-first going forward and newest-first going backward.
        if forward != q.ascending {
            events.reverse();
        }
        Page {
            events,
            next: next.map(encode_cursor),
            previous: previous.map(encode_cursor),
        }
    }

    /// 1 if an event with exactly this key exists (so `next=X` starts after it).
    fn key_at_is(&self, key: EventKey) -> bool {
        let g = self.lower_bound(key);
        g < self.total() && self.key_at(g) == key
    }
}

/// A position just before everything at `ms`.
fn before(ms: u64) -> EventKey {
    (ms.saturating_sub(1), RANDOM_MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log(count: u64) -> AuditLog {
        let now = now_ms();
        let people = (0..20)
            .map(|i| PersonRef {
                id: format!("usr{i:014}"),
                email: format!("p{i}@example.com"),
                name: format!("P {i}"),
            })
            .collect();
        let workspaces = (0..3)
            .map(|i| NamedRef {
                id: format!("wsp{i:014}"),
                name: format!("W{i}"),
            })
            .collect();
        let bases = (0..6)
            .map(|i| BaseRef {
                id: format!("app{i:014}"),
                name: format!("B{i}"),
                workspace: i % 3,
            })
            .collect();
        let groups = vec![NamedRef {
            id: "ugp00000000000000".into(),
            name: "G".into(),
        }];
        AuditLog::new(
            "ent00000000000000".into(),
            HistorySeed {
                seed: 7,
                count,
                start_ms: now - RETENTION_MS + 3_600_000,
                end_ms: now - 60_000,
                people,
                admins: 3,
                workspaces,
                bases,
                groups,
            },
            0,
        )
    }

    fn ids(p: &Page) -> Vec<String> {
        p.events
            .iter()
            .map(|e| e["id"].as_str().unwrap_or_default().to_string())
            .collect()
    }

    #[test]
    fn keys_strictly_increase() {
        let l = log(10_000);
        for i in 1..10_000 {
            assert!(l.synth_key(i - 1) < l.synth_key(i));
        }
    }

    #[test]
    fn descending_walk_by_previous_sees_everything_once() {
        let l = log(2_345);
        let mut q = Query {
            page_size: 100,
            end_ms: Some(now_ms()),
            ..Query::default()
        };
        let mut seen = Vec::new();
        loop {
            let p = l.query(&q);
            seen.extend(ids(&p));
            match p.previous {
                Some(c) => q.previous = decode_cursor(&c),
                None => break,
            }
        }
        assert_eq!(seen.len(), 2_345);
        let mut sorted = seen.clone();
        sorted.sort();
        sorted.reverse();
        assert_eq!(seen, sorted, "newest first");
    }

    #[test]
    fn ascending_walk_by_next_catches_up_and_stays_put() {
        let l = log(1_000);
        let mut q = Query {
            page_size: 300,
            ascending: true,
            ..Query::default()
        };
        let mut seen = Vec::new();
        let mut last = None;
        for _ in 0..10 {
            let p = l.query(&q);
            seen.extend(ids(&p));
            let next = p.next.expect("an open-ended stream always has next");
            if p.events.is_empty() {
                assert_eq!(Some(next.clone()), last, "an empty page keeps its cursor");
                break;
            }
            last = Some(next.clone());
            q.next = decode_cursor(&next);
        }
        assert_eq!(seen.len(), 1_000);
        let mut sorted = seen.clone();
        sorted.sort();
        assert_eq!(seen, sorted, "oldest first");
    }

    #[test]
    fn filters_narrow_and_workspace_matches_its_bases() {
        let l = log(5_000);
        let all = |q: Query| {
            let mut q = Query {
                page_size: 1000,
                ascending: true,
                end_ms: Some(now_ms()),
                ..q
            };
            let mut out = Vec::new();
            loop {
                let p = l.query(&q);
                out.extend(p.events);
                match p.next {
                    Some(c) => q.next = decode_cursor(&c),
                    None => break,
                }
            }
            out
        };
        // Each query's events, all of which must match.
        let matching = |q: Query, matches: &dyn Fn(&Value) -> bool| {
            let events = all(q);
            assert!(events.iter().all(matches));
            events
        };
        let logins = matching(
            Query {
                event_types: vec!["loginUser".into()],
                ..Query::default()
            },
            &|e| e["action"] == "loginUser",
        );
        assert!(!logins.is_empty());
        let ws = matching(
            Query {
                model_ids: vec!["wsp00000000000001".into()],
                ..Query::default()
            },
            &|e| e["context"]["workspaceId"] == "wsp00000000000001",
        );
        assert!(!ws.is_empty());
        matching(
            Query {
                categories: vec!["groups".into()],
                ..Query::default()
            },
            &|e| e["modelType"] == "group" && e["action"].as_str().is_some(),
        );
        let by = matching(
            Query {
                originating_user_ids: vec!["usr00000000000004".into()],
                ..Query::default()
            },
            &|e| e["actor"]["user"]["id"] == "usr00000000000004",
        );
        assert!(!by.is_empty());
    }

    #[test]
    fn recorded_events_follow_history_and_are_found() {
        let mut l = log(100);
        let doer = Doer {
            actor: Actor::User {
                id: "usr00000000000001".into(),
                email: "p1@example.com".into(),
                name: "P 1".into(),
            },
            origin: Origin::default(),
        };
        l.record(
            &doer,
            NewEvent::new("createWorkspace", "base", "workspace", "wspNEW0000000000"),
        );
        l.record(
            &doer,
            NewEvent::new("deleteWorkspace", "base", "workspace", "wspNEW0000000000"),
        );
        let p = l.query(&Query {
            page_size: 10,
            model_ids: vec!["wspNEW0000000000".into()],
            ..Query::default()
        });
        assert_eq!(p.events.len(), 2);
        assert_eq!(p.events[0]["action"], "deleteWorkspace", "newest first");
        assert_eq!(l.len(), 102);
    }

    #[test]
    fn cursors_are_base64_ulids() {
        let key = (1_675_000_000_000u64, 12345u128);
        assert_eq!(decode_cursor(&encode_cursor(key)), Some(key));
        assert_eq!(
            decode_cursor("MDFHUk5OMlM4MFhTNkY0R0M2QVlZTVZNNDQ=").map(|k| k.0 > 0),
            Some(true)
        );
        assert_eq!(decode_cursor("%%%"), None);
    }
}
