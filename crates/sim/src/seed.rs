//! A realistic enterprise from a seed: same seed and size, same IDs, names and relations.

use chrono::{Duration, Utc};
use rand::{rngs::StdRng, seq::SliceRandom, Rng, SeedableRng};
use std::collections::HashSet;

use crate::config::SimSize;
use crate::ids::new_id;
use crate::world::*;

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

pub fn seed_world(seed: u64, size: SimSize) -> World {
    let mut rng = StdRng::seed_from_u64(seed);
    let now = Utc::now();
    let company = COMPANIES[rng.gen_range(0..COMPANIES.len())];
    let primary = format!("{company}.com");
    let secondary = format!("{company}-eu.com");
    let enterprise = Enterprise {
        id: new_id(&mut rng, "ent"),
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
    };

    let mut world = World {
        enterprise: Some(enterprise),
        ..World::default()
    };
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
        world.users.push(User {
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
            invited_by: None,
        });
    }
    world.reindex();
    let admins: Vec<String> = world.users.iter().take(3).map(|u| u.id.clone()).collect();
    let internal: Vec<String> = world
        .users
        .iter()
        .filter(|u| !u.is_external)
        .map(|u| u.id.clone())
        .collect();
    let everyone: Vec<String> = world.users.iter().map(|u| u.id.clone()).collect();
    for i in 3..world.users.len() {
        if rng.gen_bool(0.7) {
            world.users[i].invited_by = Some(admins[rng.gen_range(0..admins.len())].clone());
        }
    }

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
        world.groups.push(Group {
            id: new_id(&mut rng, "ugp"),
            name,
            created_time: created,
            updated_time: created + Duration::days(rng.gen_range(0..10)),
            members,
        });
    }

    for i in 0..size.workspaces {
        let created = now - Duration::days(rng.gen_range(10..800));
        let owner = internal[rng.gen_range(0..internal.len())].clone();
        let mut grants = vec![Grant {
            principal: Principal::User(owner.clone()),
            permission_level: "owner",
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
                permission_level: WORKSPACE_LEVELS[rng.gen_range(0..WORKSPACE_LEVELS.len())],
                granted_by: owner.clone(),
                created_time: created + Duration::days(rng.gen_range(0..30)),
            });
        }
        if !world.groups.is_empty() && rng.gen_bool(0.4) {
            let group = &world.groups[rng.gen_range(0..world.groups.len())];
            grants.push(Grant {
                principal: Principal::Group(group.id.clone()),
                permission_level: WORKSPACE_LEVELS[rng.gen_range(1..WORKSPACE_LEVELS.len())],
                granted_by: owner.clone(),
                created_time: created + Duration::days(1),
            });
        }
        let team = TEAMS[i % TEAMS.len()];
        world.workspaces.push(Workspace {
            id: new_id(&mut rng, "wsp"),
            name: if i < TEAMS.len() {
                team.to_string()
            } else {
                format!("{team} {}", i / TEAMS.len() + 1)
            },
            created_time: created,
            grants,
            base_ids: Vec::new(),
            invite_creation_restriction: "unrestricted",
            share_creation_restriction: "unrestricted",
        });
    }

    for i in 0..size.bases {
        if world.workspaces.is_empty() {
            break;
        }
        let w = if i < world.workspaces.len() {
            i
        } else {
            rng.gen_range(0..world.workspaces.len())
        };
        let workspace_id = world.workspaces[w].id.clone();
        let owner = match &world.workspaces[w].grants[0].principal {
            Principal::User(id) => id.clone(),
            Principal::Group(_) => admins[0].clone(),
        };
        let created = world.workspaces[w].created_time + Duration::days(rng.gen_range(0..60));
        let mut grants = Vec::new();
        let count = rng.gen_range(0..=3);
        for id in everyone.choose_multiple(&mut rng, count) {
            grants.push(Grant {
                principal: Principal::User(id.clone()),
                permission_level: BASE_LEVELS[rng.gen_range(0..BASE_LEVELS.len())],
                granted_by: owner.clone(),
                created_time: created + Duration::days(1),
            });
        }
        let id = new_id(&mut rng, "app");
        world.workspaces[w].base_ids.push(id.clone());
        world.bases.push(Base {
            id,
            name: BASE_KINDS[rng.gen_range(0..BASE_KINDS.len())].to_string(),
            workspace_id,
            created_time: created,
            grants,
        });
    }
    world
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_enterprise() {
        let a = seed_world(7, SimSize::tiny());
        let b = seed_world(7, SimSize::tiny());
        assert_eq!(a.enterprise().id, b.enterprise().id);
        let ids = |w: &World| {
            w.users
                .iter()
                .map(|u| (u.id.clone(), u.email.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(&a), ids(&b));
        assert_ne!(
            seed_world(8, SimSize::tiny()).enterprise().id,
            a.enterprise().id
        );
    }

    #[test]
    fn sizes_and_relations_hold() {
        let w = seed_world(1, SimSize::demo());
        assert_eq!(w.users.len(), 250);
        assert_eq!(w.groups.len(), 20);
        assert_eq!(w.workspaces.len(), 40);
        assert_eq!(w.bases.len(), 150);
        assert_eq!(w.users.iter().filter(|u| u.is_admin).count(), 3);
        assert!(w.users.iter().any(|u| u.is_external));
        assert!(w.users.iter().any(|u| u.state == UserState::Deactivated));
        let emails: HashSet<_> = w.users.iter().map(|u| &u.email).collect();
        assert_eq!(emails.len(), w.users.len(), "emails are unique");
        for base in &w.bases {
            assert!(w
                .workspace(&base.workspace_id)
                .is_some_and(|ws| ws.base_ids.contains(&base.id)));
        }
        for ws in &w.workspaces {
            assert_eq!(ws.grants[0].permission_level, "owner");
        }
    }
}
