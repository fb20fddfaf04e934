//! A realistic enterprise from a seed: same seed and size, same IDs, names and relations.

use chrono::{DateTime, Duration, Utc};
use indexmap::IndexMap;
use rand::{rngs::StdRng, seq::SliceRandom, Rng, SeedableRng};
use serde_json::{json, Value};
use std::collections::HashSet;

use crate::config::SimSize;
use crate::ids::new_id;
use crate::state::audit::{AuditLog, BaseRef, HistorySeed, NamedRef, PersonRef, RETENTION_MS};
use crate::state::*;

const FIRST: &[&str] = &[
    "Alice", "Bruno", "Chen", "Dana", "Elif", "Farah", "Gabriel", "Hana", "Ivan", "Jonas", "Keiko",
    "Liam", "Maya", "Nikhil", "Olga", "Priya", "Quentin", "Rosa", "Sven", "Tariq", "Uma", "Victor",
    "Wen", "Ximena", "Yusuf", "Zoe", "Amara", "Bjorn", "Carmen", "Dmitri", "Esther", "Felipe",
    "Grace", "Hugo", "Ines", "Jamal",
];
const LAST: &[&str] = &[
    "Adams", "Bauer", "Costa", "Dubois", "Eriksen", "Fischer", "Garcia", "Haddad", "Ito", "Jensen",
    "Kowalski", "Lopez", "Moreau", "Nakamura", "Okafor", "Petrov", "Quinn", "Rossi", "Schmidt",
    "Tanaka", "Usman", "Varga", "Weber", "Xu", "Yilmaz", "Zhang", "Andersen", "Brennan",
    "Castillo", "Dlamini", "Evans", "Fontaine",
];
const COMPANIES: &[&str] = &[
    "northwind-traders",
    "contoso-labs",
    "fabrikam-group",
    "tailspin-toys",
];
const EXTERNAL_DOMAINS: &[&str] = &[
    "gmail.com",
    "outlook.com",
    "agency-partners.io",
    "freelance-studio.net",
];
const TEAMS: &[&str] = &[
    "Marketing",
    "Sales",
    "Engineering",
    "Finance",
    "People",
    "Legal",
    "Support",
    "Design",
    "Operations",
    "Product",
    "Security",
    "Data",
    "Partnerships",
    "Events",
    "Procurement",
    "Facilities",
    "Research",
    "Brand",
];
const BASE_KINDS: &[&str] = &[
    "Content calendar",
    "Pipeline",
    "Roadmap",
    "Budget",
    "Hiring tracker",
    "Contracts",
    "Ticket triage",
    "Asset library",
    "Vendor list",
    "OKRs",
    "Campaign tracker",
    "Inventory",
    "Bug tracker",
    "Launch plan",
];
const WORKSPACE_LEVELS: &[&str] = &["owner", "create", "edit", "comment", "read"];
const BASE_LEVELS: &[&str] = &["create", "edit", "comment", "read"];

const INTERFACE_KINDS: &[&str] = &[
    "Dashboard",
    "Review queue",
    "Request form",
    "Overview",
    "Approvals",
];
const BLOCKS: &[(&str, Option<&str>)] = &[
    ("blkSmwFJEdER6oksM", Some("chart")),
    ("blkQyW2L8uVxz3KpA", Some("pivot-table")),
    ("blkT7dJm0cGh5RsEe", Some("page-designer")),
    ("blkN4vB9aXk2Lp8Qw", None),
];
const PACKAGES: &[(&str, &str)] = &[
    ("Project intake", "A managed app for project requests"),
    ("Vendor onboarding", "Collect and review vendor details"),
    (
        "Content calendar",
        "The approved content calendar for every team",
    ),
];

/// Where the identities drawn after the core relations come from, so that adding a kind of
/// thing never changes the IDs of users, groups, workspaces and bases of a seed.
const EXTRAS: u64 = 0x5EED_0002;
const RUNTIME: u64 = 0x5EED_0003;
const INTERFACE_INVITES: u64 = 0x5EED_0004;

struct Core {
    enterprise: Enterprise,
    users: Vec<User>,
    groups: Vec<Group>,
    workspaces: Vec<Workspace>,
    bases: Vec<Base>,
}

pub fn seed_world(seed: u64, size: SimSize) -> World {
    let now = Utc::now();
    let mut core = seed_core(seed, size, now);
    let mut rng = StdRng::seed_from_u64(seed ^ EXTRAS);
    seed_extras(&mut rng, &mut core, now);
    // Drawn from a generator of their own, so every ID drawn before them stays the same.
    seed_interface_invites(
        &mut StdRng::seed_from_u64(seed ^ INTERFACE_INVITES),
        &mut core,
    );
    let packages = seed_packages(&mut rng, &core, now);
    let tokens = seed_tokens(&mut rng, &core, now);
    let workspace_index: std::collections::HashMap<String, usize> = core
        .workspaces
        .iter()
        .enumerate()
        .map(|(i, w)| (w.id.clone(), i))
        .collect();
    let history = HistorySeed {
        seed,
        count: size.audit_events as u64,
        start_ms: (now.timestamp_millis().max(0) as u64).saturating_sub(RETENTION_MS) + 3_600_000,
        end_ms: (now.timestamp_millis().max(0) as u64).saturating_sub(120_000),
        people: core
            .users
            .iter()
            .map(|u| PersonRef {
                id: u.id.clone(),
                email: u.email.clone(),
                name: u.name(),
            })
            .collect(),
        admins: core.users.iter().take_while(|u| u.is_admin).count(),
        workspaces: core
            .workspaces
            .iter()
            .map(|w| NamedRef {
                id: w.id.clone(),
                name: w.name.clone(),
            })
            .collect(),
        bases: core
            .bases
            .iter()
            .map(|b| BaseRef {
                id: b.id.clone(),
                name: b.name.clone(),
                workspace: workspace_index.get(&b.workspace_id).copied().unwrap_or(0),
            })
            .collect(),
        groups: core
            .groups
            .iter()
            .map(|g| NamedRef {
                id: g.id.clone(),
                name: g.name.clone(),
            })
            .collect(),
    };
    let audit = AuditLog::new(core.enterprise.id.clone(), history, 0);
    World {
        enterprise: core.enterprise,
        users: core.users.into_iter().map(|u| (u.id.clone(), u)).collect(),
        groups: core.groups.into_iter().map(|g| (g.id.clone(), g)).collect(),
        workspaces: core
            .workspaces
            .into_iter()
            .map(|w| (w.id.clone(), w))
            .collect(),
        bases: core.bases.into_iter().map(|b| (b.id.clone(), b)).collect(),
        packages,
        tokens,
        audit,
        rng: StdRng::seed_from_u64(seed ^ RUNTIME),
    }
}

/// Users, groups, workspaces and bases, drawn in a fixed order (IDs are published: the
/// docker-compose file names the enterprise of seed 42).
fn seed_core(seed: u64, size: SimSize, now: DateTime<Utc>) -> Core {
    let mut rng = StdRng::seed_from_u64(seed);
    let company = COMPANIES[rng.gen_range(0..COMPANIES.len())];
    let primary = format!("{company}.com");
    let secondary = format!("{company}-eu.com");
    let enterprise = Enterprise {
        id: new_id(&mut rng, "ent"),
        name: company
            .split('-')
            .map(|w| {
                let mut c = w.chars();
                c.next()
                    .map(|f| f.to_uppercase().chain(c).collect::<String>())
                    .unwrap_or_default()
            })
            .collect::<Vec<_>>()
            .join(" "),
        created_time: now - Duration::days(900),
        email_domains: vec![
            EmailDomain {
                domain: primary.clone(),
                is_sso_required: true,
            },
            EmailDomain {
                domain: secondary.clone(),
                is_sso_required: false,
            },
        ],
        descendants: Vec::new(),
        ai_allowlist: Vec::new(),
    };

    let mut users: Vec<User> = Vec::new();
    let mut emails = HashSet::new();
    let user_count = size.users.max(6);
    for i in 0..user_count {
        let first = FIRST[rng.gen_range(0..FIRST.len())];
        let last = LAST[rng.gen_range(0..LAST.len())];
        // The first three are the admins; a few of the rest are external, service accounts
        // or deactivated, as in any real enterprise.
        let is_admin = i < 3;
        let is_external = !is_admin && i >= 5 && rng.gen_bool(0.08);
        let is_service_account = !is_admin && !is_external && i >= 5 && rng.gen_bool(0.03);
        let domain = if is_external {
            EXTERNAL_DOMAINS[rng.gen_range(0..EXTERNAL_DOMAINS.len())].to_string()
        } else if rng.gen_bool(0.85) {
            primary.clone()
        } else {
            secondary.clone()
        };
        let local = if is_service_account {
            format!(
                "svc-{}",
                TEAMS[rng.gen_range(0..TEAMS.len())].to_lowercase()
            )
        } else {
            format!("{}.{}", first.to_lowercase(), last.to_lowercase())
        };
        let mut email = format!("{local}@{domain}");
        let mut n = 2;
        while !emails.insert(email.clone()) {
            email = format!("{local}{n}@{domain}");
            n += 1;
        }
        let deactivated = !is_admin && i >= 5 && rng.gen_bool(0.05);
        let never_active = rng.gen_bool(0.04);
        let created = now - Duration::days(rng.gen_range(30..880));
        users.push(User {
            id: new_id(&mut rng, "usr"),
            email,
            first_name: if is_service_account {
                "Service".into()
            } else {
                first.into()
            },
            last_name: if is_service_account {
                "Account".into()
            } else {
                last.into()
            },
            state: if deactivated {
                UserState::Deactivated
            } else {
                UserState::Provisioned
            },
            is_admin,
            is_super_admin: i == 0,
            is_managed: !is_external,
            is_service_account,
            is_sso_required: !is_external && domain == primary,
            is_two_factor_auth_enabled: rng.gen_bool(0.6),
            is_external,
            last_activity_time: (!never_active)
                .then(|| now - Duration::minutes(rng.gen_range(5..200 * 24 * 60))),
            created_time: created,
            updated_time: created,
            invited_by: None,
            external_id: None,
            title: None,
            logged_out_at: None,
        });
    }
    let admins: Vec<String> = users.iter().take(3).map(|u| u.id.clone()).collect();
    let internal: Vec<String> = users
        .iter()
        .filter(|u| !u.is_external)
        .map(|u| u.id.clone())
        .collect();
    let everyone: Vec<String> = users.iter().map(|u| u.id.clone()).collect();
    for user in users.iter_mut().skip(3) {
        if rng.gen_bool(0.7) {
            user.invited_by = Some(admins[rng.gen_range(0..admins.len())].clone());
        }
    }

    let mut groups: Vec<Group> = Vec::new();
    for i in 0..size.groups {
        let created = now - Duration::days(rng.gen_range(10..700));
        let team = TEAMS[i % TEAMS.len()];
        let name = if i < TEAMS.len() {
            team.to_string()
        } else {
            format!("{team} {}", i / TEAMS.len() + 1)
        };
        let count = rng.gen_range(2..=internal.len().min(25));
        let members = internal
            .choose_multiple(&mut rng, count)
            .enumerate()
            .map(|(k, id)| GroupMember {
                user_id: id.clone(),
                role: if k == 0 { "manager" } else { "member" },
                created_time: created + Duration::hours(k as i64),
            })
            .collect();
        groups.push(Group {
            id: new_id(&mut rng, "ugp"),
            name,
            enterprise_id: enterprise.id.clone(),
            created_time: created,
            updated_time: created + Duration::days(rng.gen_range(0..10)),
            mapped_user_license_type: None,
            external_id: None,
            members,
        });
    }

    let mut workspaces: Vec<Workspace> = Vec::new();
    for i in 0..size.workspaces {
        let created = now - Duration::days(rng.gen_range(10..800));
        let owner = internal[rng.gen_range(0..internal.len())].clone();
        let mut grants = vec![Grant {
            principal: Principal::User(owner.clone()),
            permission_level: "owner".into(),
            granted_by: owner.clone(),
            created_time: created,
        }];
        let extra = rng.gen_range(0..=everyone.len().min(8));
        for id in everyone.choose_multiple(&mut rng, extra) {
            if grants
                .iter()
                .any(|g| g.principal == Principal::User(id.clone()))
            {
                continue;
            }
            grants.push(Grant {
                principal: Principal::User(id.clone()),
                permission_level: WORKSPACE_LEVELS[rng.gen_range(0..WORKSPACE_LEVELS.len())].into(),
                granted_by: owner.clone(),
                created_time: created + Duration::days(rng.gen_range(0..30)),
            });
        }
        if !groups.is_empty() && rng.gen_bool(0.4) {
            let group = &groups[rng.gen_range(0..groups.len())];
            grants.push(Grant {
                principal: Principal::Group(group.id.clone()),
                permission_level: WORKSPACE_LEVELS[rng.gen_range(1..WORKSPACE_LEVELS.len())].into(),
                granted_by: owner.clone(),
                created_time: created + Duration::days(1),
            });
        }
        let team = TEAMS[i % TEAMS.len()];
        workspaces.push(Workspace {
            id: new_id(&mut rng, "wsp"),
            name: if i < TEAMS.len() {
                team.to_string()
            } else {
                format!("{team} {}", i / TEAMS.len() + 1)
            },
            enterprise_id: enterprise.id.clone(),
            created_time: created,
            grants,
            base_ids: Vec::new(),
            invites: Vec::new(),
            invite_creation_restriction: "unrestricted".into(),
            share_creation_restriction: "unrestricted".into(),
        });
    }

    let mut bases: Vec<Base> = Vec::new();
    for i in 0..size.bases {
        if workspaces.is_empty() {
            break;
        }
        let w = if i < workspaces.len() {
            i
        } else {
            rng.gen_range(0..workspaces.len())
        };
        let workspace_id = workspaces[w].id.clone();
        let owner = match &workspaces[w].grants[0].principal {
            Principal::User(id) => id.clone(),
            Principal::Group(_) => admins[0].clone(),
        };
        let created = workspaces[w].created_time + Duration::days(rng.gen_range(0..60));
        let mut grants = Vec::new();
        let count = rng.gen_range(0..=3);
        for id in everyone.choose_multiple(&mut rng, count) {
            grants.push(Grant {
                principal: Principal::User(id.clone()),
                permission_level: BASE_LEVELS[rng.gen_range(0..BASE_LEVELS.len())].into(),
                granted_by: owner.clone(),
                created_time: created + Duration::days(1),
            });
        }
        let id = new_id(&mut rng, "app");
        workspaces[w].base_ids.push(id.clone());
        bases.push(Base {
            id,
            name: BASE_KINDS[rng.gen_range(0..BASE_KINDS.len())].to_string(),
            workspace_id,
            created_time: created,
            grants,
            invites: Vec::new(),
            interfaces: Vec::new(),
            shares: Vec::new(),
            block_installations: Vec::new(),
            package_installations: Vec::new(),
            tables: Vec::new(),
        });
    }
    Core {
        enterprise,
        users,
        groups,
        workspaces,
        bases,
    }
}

/// Everything drawn from the second stream: interfaces, invite links, shares, extensions,
/// schemas, group license types, and a collaboration for every external user.
fn seed_extras(rng: &mut StdRng, core: &mut Core, now: DateTime<Utc>) {
    for g in &mut core.groups {
        if rng.gen_bool(0.3) {
            g.mapped_user_license_type = Some(if rng.gen_bool(0.5) {
                "contributor"
            } else {
                "full"
            });
        }
    }
    let internal: Vec<String> = core
        .users
        .iter()
        .filter(|u| !u.is_external)
        .map(|u| u.id.clone())
        .collect();
    // An external user is in the enterprise only through a collaboration: give each one.
    if !core.workspaces.is_empty() {
        for u in core.users.iter().filter(|u| u.is_external) {
            let w = rng.gen_range(0..core.workspaces.len());
            let ws = &mut core.workspaces[w];
            if ws
                .grants
                .iter()
                .any(|g| g.principal == Principal::User(u.id.clone()))
            {
                continue;
            }
            let owner = ws.grants[0].principal.id().to_string();
            ws.grants.push(Grant {
                principal: Principal::User(u.id.clone()),
                permission_level: "comment".into(),
                granted_by: owner,
                created_time: ws.created_time + Duration::days(3),
            });
        }
    }
    let domain = first_domain(core);
    for ws in &mut core.workspaces {
        if rng.gen_bool(0.2) {
            ws.invite_creation_restriction = "onlyOwners".into();
        }
        if rng.gen_bool(0.15) {
            ws.share_creation_restriction = "onlyOwners".into();
        }
        if rng.gen_bool(0.35) {
            let referrer = ws.grants[0].principal.id().to_string();
            ws.invites
                .push(invite(rng, &referrer, &domain, ws.created_time, "edit"));
        }
    }
    let owners: std::collections::HashMap<String, String> = core
        .workspaces
        .iter()
        .map(|w| (w.id.clone(), w.grants[0].principal.id().to_string()))
        .collect();
    for b in &mut core.bases {
        let owner = owners.get(&b.workspace_id).cloned().unwrap_or_default();
        let created = b.created_time;
        b.tables = tables_for(rng, &b.name);
        if rng.gen_bool(0.25) {
            b.invites.push(invite(
                rng,
                &owner,
                &domain,
                created + Duration::days(2),
                "read",
            ));
        }
        if rng.gen_bool(0.4) {
            let name = INTERFACE_KINDS[rng.gen_range(0..INTERFACE_KINDS.len())];
            let mut grants = Vec::new();
            if let Some(id) = internal.choose(rng) {
                grants.push(Grant {
                    principal: Principal::User(id.clone()),
                    permission_level: ["read", "comment", "edit"][rng.gen_range(0..3)].into(),
                    granted_by: owner.clone(),
                    created_time: created + Duration::days(5),
                });
            }
            if rng.gen_bool(0.3) {
                if let Some(g) = core.groups.choose(rng) {
                    grants.push(Grant {
                        principal: Principal::Group(g.id.clone()),
                        permission_level: "read".into(),
                        granted_by: owner.clone(),
                        created_time: created + Duration::days(6),
                    });
                }
            }
            b.interfaces.push(Interface {
                id: new_id(rng, "pbd"),
                name: format!("{} {name}", b.name),
                created_time: created + Duration::days(4),
                first_publish_time: Some(created + Duration::days(4) + Duration::minutes(7)),
                grants,
                invites: Vec::new(),
            });
        }
        let shares = rng.gen_range(0..=2);
        for k in 0..shares {
            let view_id = b
                .tables
                .first()
                .and_then(|t| t["views"][0]["id"].as_str().map(str::to_string));
            let id = new_id(rng, "shr");
            let (kind, view_id) = if k == 0 && rng.gen_bool(0.5) {
                ("base", None)
            } else {
                ("view", view_id)
            };
            let restricted = rng.gen_bool(0.3);
            b.shares.push(Share {
                id,
                kind,
                state: if rng.gen_bool(0.8) {
                    "enabled"
                } else {
                    "disabled"
                },
                created_by: owner.clone(),
                created_time: created + Duration::days(rng.gen_range(1..40)),
                view_id,
                block_installation_id: None,
                is_password_protected: rng.gen_bool(0.2),
                restricted_to_email_domains: if restricted {
                    vec![domain.clone()]
                } else {
                    Vec::new()
                },
                restricted_to_enterprise_members: rng.gen_bool(0.2),
            });
        }
        let blocks = rng.gen_range(0..=2);
        for _ in 0..blocks {
            let (block_id, slug) = BLOCKS[rng.gen_range(0..BLOCKS.len())];
            b.block_installations.push(BlockInstallation {
                id: new_id(rng, "bli"),
                block_id: block_id.into(),
                block_slug: slug,
                state: if rng.gen_bool(0.85) {
                    "enabled"
                } else {
                    "disabled"
                },
                created_by: owner.clone(),
                created_time: created + Duration::days(rng.gen_range(1..90)).min(now - created),
            });
        }
    }
}

/// The enterprise's first email domain ("" without one).
fn first_domain(core: &Core) -> String {
    core.enterprise
        .email_domains
        .first()
        .map(|d| d.domain.clone())
        .unwrap_or_default()
}

/// Invite links on some interfaces (made by the owner of their base's workspace).
fn seed_interface_invites(rng: &mut StdRng, core: &mut Core) {
    let domain = first_domain(core);
    let owners: std::collections::HashMap<String, String> = core
        .workspaces
        .iter()
        .map(|w| (w.id.clone(), w.grants[0].principal.id().to_string()))
        .collect();
    let mut first = true;
    for b in &mut core.bases {
        let owner = owners.get(&b.workspace_id).cloned().unwrap_or_default();
        for i in &mut b.interfaces {
            // The first interface always has one, so even a tiny enterprise shows one.
            if std::mem::take(&mut first) || rng.gen_bool(0.4) {
                let level = ["read", "comment", "edit"][rng.gen_range(0..3)];
                let created = i.created_time + Duration::days(1);
                i.invites.push(invite(rng, &owner, &domain, created, level));
            }
        }
    }
}

fn invite(
    rng: &mut StdRng,
    referrer: &str,
    domain: &str,
    created: DateTime<Utc>,
    level: &str,
) -> InviteLink {
    let single = rng.gen_bool(0.5);
    InviteLink {
        id: new_id(rng, "inv"),
        kind: if single { "singleUse" } else { "multiUse" },
        invited_email: single.then(|| format!("invitee{}@{domain}", rng.gen_range(1..999))),
        permission_level: level.into(),
        referred_by: referrer.into(),
        restricted_to_email_domains: if !single && rng.gen_bool(0.5) {
            vec![domain.to_string()]
        } else {
            Vec::new()
        },
        created_time: created,
    }
}

/// One or two tables with a primary field, a few typed fields and a grid view.
pub fn tables_for(rng: &mut StdRng, base_name: &str) -> Vec<Value> {
    let names: &[&str] = match base_name {
        "Pipeline" => &["Deals", "Accounts"],
        "Hiring tracker" => &["Candidates", "Roles"],
        "Bug tracker" | "Ticket triage" => &["Issues", "Components"],
        "Budget" => &["Line items", "Cost centers"],
        _ => &["Items", "People"],
    };
    let count = rng.gen_range(1..=2);
    names[..count]
        .iter()
        .map(|name| {
            let primary = new_id(rng, "fld");
            json!({
                "id": new_id(rng, "tbl"),
                "name": name,
                "primaryFieldId": primary,
                "fields": [
                    { "id": primary, "name": "Name", "type": "singleLineText" },
                    { "id": new_id(rng, "fld"), "name": "Status", "type": "singleSelect",
                      "options": { "choices": [
                          { "id": new_id(rng, "sel"), "name": "Todo", "color": "redLight2" },
                          { "id": new_id(rng, "sel"), "name": "Done", "color": "greenLight2" } ] } },
                    { "id": new_id(rng, "fld"), "name": "Notes", "type": "multilineText" },
                    { "id": new_id(rng, "fld"), "name": "Due", "type": "date",
                      "options": { "dateFormat": { "name": "iso", "format": "YYYY-MM-DD" } } },
                ],
                "views": [ { "id": new_id(rng, "viw"), "name": "Grid view", "type": "grid" } ],
            })
        })
        .collect()
}

fn seed_packages(rng: &mut StdRng, core: &Core, now: DateTime<Utc>) -> IndexMap<String, Package> {
    let mut out = IndexMap::new();
    let Some(admin) = core.users.first() else {
        return out;
    };
    for (i, (name, tagline)) in PACKAGES.iter().enumerate() {
        let Some(source) = core.bases.get(i) else {
            break;
        };
        let created = now - Duration::days(rng.gen_range(30..400));
        let p = Package {
            id: new_id(rng, "pkg"),
            name: (*name).into(),
            description: format!("{tagline}, maintained by the platform team."),
            tagline: (*tagline).into(),
            kind: "appTemplate",
            created_by: admin.id.clone(),
            created_time: created,
            last_updated_by: core
                .users
                .get(1)
                .map(|u| u.id.clone())
                .unwrap_or_else(|| admin.id.clone()),
            last_updated_time: created + Duration::days(rng.gen_range(1..30)),
            latest_release_id: new_id(rng, "pkr"),
            source_base_id: source.id.clone(),
            install_count: rng.gen_range(1..40),
        };
        out.insert(p.id.clone(), p);
    }
    out
}

fn seed_tokens(
    rng: &mut StdRng,
    core: &Core,
    now: DateTime<Utc>,
) -> IndexMap<String, PersonalAccessToken> {
    let mut out = IndexMap::new();
    let owners: Vec<&User> = core
        .users
        .iter()
        .filter(|u| u.is_admin || u.is_service_account)
        .collect();
    for (i, owner) in owners.iter().enumerate() {
        let t = PersonalAccessToken {
            id: new_id(rng, "pat"),
            name: if owner.is_service_account {
                format!(
                    "{} integration",
                    owner.email.split('@').next().unwrap_or("svc")
                )
            } else if i == 0 {
                "Admin console".into()
            } else {
                "Reporting export".into()
            },
            user_id: owner.id.clone(),
            created_by: owner.id.clone(),
            state: "active",
            scopes: if owner.is_admin {
                vec![
                    "enterprise.account:read".into(),
                    "enterprise.user:read".into(),
                    "enterprise.auditLogs:read".into(),
                ]
            } else {
                vec!["data.records:read".into(), "schema.bases:read".into()]
            },
            created_time: now - Duration::days(rng.gen_range(5..300)),
        };
        out.insert(t.id.clone(), t);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_42_is_the_published_enterprise() {
        // docker-compose.yml and the docs name this enterprise: never change it.
        assert_eq!(
            seed_world(42, SimSize::tiny()).enterprise.id,
            "entXdP2Pjq80vVO8W"
        );
    }

    #[test]
    fn the_same_seed_gives_the_same_enterprise() {
        let a = seed_world(7, SimSize::tiny());
        let b = seed_world(7, SimSize::tiny());
        assert_eq!(a.enterprise.id, b.enterprise.id);
        let ids = |w: &World| {
            w.users
                .values()
                .map(|u| (u.id.clone(), u.email.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(&a), ids(&b));
        let bases = |w: &World| {
            w.bases
                .values()
                .map(|b| b.tables.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(bases(&a), bases(&b));
        assert_ne!(
            seed_world(8, SimSize::tiny()).enterprise.id,
            a.enterprise.id
        );
    }

    #[test]
    fn sizes_and_relations_hold() {
        let w = seed_world(1, SimSize::demo());
        assert_eq!(w.users.len(), 250);
        assert_eq!(w.groups.len(), 20);
        assert_eq!(w.workspaces.len(), 40);
        assert_eq!(w.bases.len(), 150);
        assert_eq!(w.audit.len(), 20_000);
        assert_eq!(w.users.values().filter(|u| u.is_admin).count(), 3);
        assert!(w.users.values().any(|u| u.is_external));
        assert!(w.users.values().any(|u| u.is_service_account));
        assert!(w.users.values().any(|u| u.state == UserState::Deactivated));
        let emails: HashSet<_> = w.users.values().map(|u| &u.email).collect();
        assert_eq!(emails.len(), w.users.len(), "emails are unique");
        for base in w.bases.values() {
            assert!(w
                .workspaces
                .get(&base.workspace_id)
                .is_some_and(|ws| ws.base_ids.contains(&base.id)));
            assert!(!base.tables.is_empty());
        }
        for ws in w.workspaces.values() {
            assert_eq!(ws.grants[0].permission_level, "owner");
        }
        let ids = w.user_ids_of(&w.enterprise.id);
        for u in w.users.values().filter(|u| u.is_external) {
            assert!(
                ids.contains(&u.id),
                "externals are in through a collaboration"
            );
        }
    }
}
