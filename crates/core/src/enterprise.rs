//! The enterprise account's own pages, server side: descendant accounts, personal access
//! tokens, packages, the workspace AI allowlist and the SCIM view. Everything is read live
//! with the signed-in person's Airtable authority; direct changes are logged in the action
//! log. Moves and token revocations are not here: they are risky actions, carried out by
//! the approval workflow.

use std::collections::HashMap;
use std::sync::Arc;

use airtable_client::{
    api::{scim::ScimList, ScimHandler},
    ids::{PackageId, WorkspaceId},
    models::{AiAllowlistChange, EnterpriseInfo, Guessed, ScimGroup, ScimUser},
};
use chrono::Utc;
use console_types::{
    api::{ConsoleError, SignedInUser},
    enterprise::{
        scim_filter, AccountCounts, AiAllowlistChangeRow, DescendantRow, Descendants, PackageRow,
        ScimGroupRow, ScimMemberRow, ScimPage, ScimUserRow, TokenListing, TokenRow, SCIM_PAGE_SIZE,
    },
};
use sqlx::{PgPool, Row};

use crate::directory::{bounded_name, parse_id};
use crate::error::{airtable_error, internal};
use crate::live::Read;
use crate::unpublished::Unpublished;
use crate::Console;

/// Action-log names of the changes made here.
const CREATE_DESCENDANT: &str = "enterprise.create_descendant";
const INSTALL_PACKAGE: &str = "enterprise.install_package";
const AI_ALLOWLIST: &str = "enterprise.ai_allowlist";

/// Names of the accounts made through the console (Airtable's API does not report them).
async fn descendant_names(db: &PgPool) -> sqlx::Result<HashMap<String, String>> {
    let rows = sqlx::query(
        "SELECT target, details->>'name' AS name FROM console_actions
          WHERE action = $1 AND outcome = 'ok' AND target IS NOT NULL",
    )
    .bind(CREATE_DESCENDANT)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            Some((
                r.get::<String, _>("target"),
                r.get::<Option<String>, _>("name")?,
            ))
        })
        .collect())
}

/// Emails of users by id, from the latest complete snapshot (empty without one).
async fn snapshot_emails(db: &PgPool) -> sqlx::Result<HashMap<String, String>> {
    let rows = sqlx::query(
        "SELECT u.user_id, u.email FROM snapshot_users u
          WHERE u.snapshot_id = (SELECT id FROM snapshots WHERE taken_at IS NOT NULL
                                  ORDER BY taken_at DESC LIMIT 1)",
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.get("user_id"), r.get("email")))
        .collect())
}

/// Whether a token matches what someone typed (case-insensitive, anywhere).
fn token_matches(t: &TokenRow, needle: &str) -> bool {
    let hay = |s: &str| s.to_lowercase().contains(needle);
    hay(&t.name)
        || hay(&t.id)
        || hay(&t.owner_id)
        || t.owner_email.as_deref().is_some_and(hay)
        || t.scopes.iter().any(|s| hay(s))
}

/// Workspace ids typed into a box (spaces, commas or lines between them).
fn workspace_ids(text: &str) -> Result<Vec<WorkspaceId>, ConsoleError> {
    let ids = text
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|s| !s.is_empty())
        .map(|s| parse_id::<WorkspaceId>(s, "workspace"))
        .collect::<Result<Vec<_>, _>>()?;
    if ids.is_empty() {
        return Err(ConsoleError::Invalid(
            "Give at least one workspace ID.".into(),
        ));
    }
    Ok(ids)
}

fn scim_user_row(u: ScimUser) -> ScimUserRow {
    let (given_name, family_name) = u
        .name
        .map(|n| (n.given_name, n.family_name))
        .unwrap_or_default();
    ScimUserRow {
        id: u.id.to_string(),
        user_name: u.user_name,
        display_name: u.display_name,
        given_name,
        family_name,
        active: u.active,
        external_id: u.external_id,
        title: u.title,
        department: u.enterprise.and_then(|e| e.department),
    }
}

fn scim_group_row(g: ScimGroup) -> ScimGroupRow {
    ScimGroupRow {
        id: g.id.to_string(),
        display_name: g.display_name,
        external_id: g.external_id,
        members: g
            .members
            .unwrap_or_default()
            .into_iter()
            .map(|m| ScimMemberRow {
                id: m.value.to_string(),
                display: m.display,
            })
            .collect(),
    }
}

/// A SCIM filter from the search box; long ones are refused rather than sent.
fn scim_filter_from(typed: &str, attribute: &str) -> Result<Option<String>, ConsoleError> {
    if typed.len() > 500 {
        return Err(ConsoleError::Invalid(
            "That filter is too long (at most 500 characters).".into(),
        ));
    }
    Ok(scim_filter(typed, attribute))
}

/// The enterprise's record with its descendants, as the overview and the descendants card
/// show it: one read shared by every page (and both cards of the overview) for a
/// [`crate::live`] period; `refresh` reads it now.
pub async fn shared_record(
    console: &Console,
    who: &SignedInUser,
    refresh: bool,
) -> Result<Arc<Read<EnterpriseInfo>>, ConsoleError> {
    console
        .live
        .enterprise(refresh, async {
            let airtable = console.airtable_for(who).await?;
            airtable
                .enterprise(&console.enterprise_id)
                .get()
                .include_descendants()
                .send()
                .await
                .map_err(airtable_error)
        })
        .await
}

pub async fn descendants(
    console: &Console,
    who: &SignedInUser,
) -> Result<Descendants, ConsoleError> {
    let read = shared_record(console, who, false).await?;
    let info = &read.value;
    let names = descendant_names(&console.db).await.map_err(internal)?;
    // What each descendant holds comes from `include=descendants`, whose contents no
    // published document fixes: an unexpected shape costs the counts, not the card.
    let (per_account, counts_unreadable) = match &info.descendants {
        Some(Guessed::Unexpected(shape)) => {
            tracing::warn!(%shape, "include=descendants answered an unexpected shape");
            (
                None,
                Some(
                    "Airtable's answer about what each descendant account holds was not in the \
                     shape this console knows, so the counts are not shown. The accounts \
                     themselves are listed."
                        .to_string(),
                ),
            )
        }
        Some(Guessed::Known(per_account)) => (Some(per_account), None),
        None => (None, None),
    };
    let rows = info
        .descendant_enterprise_account_ids
        .clone()
        .unwrap_or_default()
        .into_iter()
        .map(|id| {
            let counts = per_account
                .and_then(|all| all.get(&id))
                .map(|ids| AccountCounts {
                    users: ids.user_ids.len(),
                    groups: ids.group_ids.len(),
                    workspaces: ids.workspace_ids.len(),
                });
            let id = id.to_string();
            DescendantRow {
                name: names.get(&id).cloned(),
                id,
                counts,
            }
        })
        .collect();
    Ok(Descendants {
        enterprise_id: info.id.to_string(),
        root_id: info
            .root_enterprise_account_id
            .as_ref()
            .map(|r| r.to_string()),
        rows,
        read_at: read.as_of,
        counts_unreadable,
    })
}

pub async fn create_descendant(
    console: &Console,
    who: &SignedInUser,
    name: &str,
) -> Result<String, ConsoleError> {
    let name = bounded_name(name, "new account")?;
    let airtable = console.airtable_for(who).await?;
    let created = airtable
        .enterprise(&console.enterprise_id)
        .create_descendant(name.clone())
        .await
        .map_err(airtable_error)?;
    let id = created.id.to_string();
    console.live.forget_enterprise().await;
    console
        .log_action(
            who,
            CREATE_DESCENDANT,
            Some(&id),
            serde_json::json!({ "name": name }),
        )
        .await?;
    Ok(id)
}

pub async fn personal_access_tokens(
    console: &Console,
    who: &SignedInUser,
    q: &str,
) -> Result<TokenListing, ConsoleError> {
    let airtable = console.airtable_for(who).await?;
    let tokens = airtable
        .enterprise(&console.enterprise_id)
        .personal_access_tokens()
        .send()
        .await
        .map_err(|error| Unpublished::TokenList.error(error))?;
    let emails = snapshot_emails(&console.db).await.map_err(internal)?;
    let mut rows: Vec<TokenRow> = tokens
        .into_iter()
        .map(|t| {
            let owner_id = t.user_id.to_string();
            TokenRow {
                id: t.id.to_string(),
                name: t.name,
                state: t.state,
                scopes: t.scopes,
                owner_email: emails.get(&owner_id).cloned(),
                owner_id,
                created_at: *t.created_time.as_datetime(),
                access: t.resource_access.map(|a| a.mode),
            }
        })
        .collect();
    let total = rows.len();
    let q = q.trim().to_string();
    if !q.is_empty() {
        let needle = q.to_lowercase();
        rows.retain(|t| token_matches(t, &needle));
    }
    // Newest first: a token made yesterday is the one people ask about.
    rows.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(a.id.cmp(&b.id)));
    Ok(TokenListing {
        q,
        total,
        rows,
        read_at: Utc::now(),
    })
}

pub async fn packages(
    console: &Console,
    who: &SignedInUser,
) -> Result<Vec<PackageRow>, ConsoleError> {
    let airtable = console.airtable_for(who).await?;
    let packages = airtable
        .enterprise(&console.enterprise_id)
        .packages()
        .send()
        .await
        .map_err(airtable_error)?;
    Ok(packages
        .into_iter()
        .map(|p| PackageRow {
            id: p.id.to_string(),
            name: p.name,
            kind: p.kind,
            description: p.description.flatten(),
            installs: p.install_count,
            latest_release: p.latest_release_id.flatten(),
            created_at: *p.created_time.as_datetime(),
            created_by: p.created_by_user_id.to_string(),
        })
        .collect())
}

pub async fn install_package(
    console: &Console,
    who: &SignedInUser,
    package: &str,
    workspace: &str,
    name: &str,
) -> Result<String, ConsoleError> {
    let package_id: PackageId = parse_id(package, "package")?;
    let workspace_id: WorkspaceId = parse_id(workspace, "workspace")?;
    let name = bounded_name(name, "new base")?;
    let airtable = console.airtable_for(who).await?;
    let account = airtable.enterprise(&console.enterprise_id);
    // The release is read now, not taken from the form: a page open for an hour must
    // not install a release that has since been replaced.
    let packages = account.packages().send().await.map_err(airtable_error)?;
    let Some(found) = packages.into_iter().find(|p| p.id == package_id) else {
        return Err(ConsoleError::NotFound(format!(
            "the enterprise has no package {package_id}"
        )));
    };
    let Some(release) = found.latest_release_id.flatten() else {
        return Err(ConsoleError::Invalid(format!(
            "Package {} has no release yet, so there is nothing to install.",
            found.name
        )));
    };
    let created = account
        .install_package(&package_id, &workspace_id, name.clone(), release.clone())
        .send()
        .await
        .map_err(airtable_error)?;
    let id = created.id.to_string();
    console
        .log_action(
            who,
            INSTALL_PACKAGE,
            Some(&id),
            serde_json::json!({
                "package": package_id.to_string(),
                "release": release,
                "workspace": workspace_id.to_string(),
                "name": name,
            }),
        )
        .await?;
    Ok(id)
}

pub async fn update_ai_allowlist(
    console: &Console,
    who: &SignedInUser,
    workspaces: &str,
    allowed: bool,
    include_descendants: bool,
) -> Result<String, ConsoleError> {
    let ids = workspace_ids(workspaces)?;
    let airtable = console.airtable_for(who).await?;
    let mut call = airtable
        .enterprise(&console.enterprise_id)
        .update_ai_allowlist(ids.iter().map(|w| AiAllowlistChange {
            workspace_id: w.clone(),
            is_allowed: allowed,
        }));
    if include_descendants {
        call = call.include_descendants();
    }
    let reply = call
        .send()
        .await
        .map_err(|error| Unpublished::AiAllowlist.error(error))?;
    let failed: Vec<String> = reply
        .errors
        .iter()
        .map(|e| serde_json::to_string(e).unwrap_or_default())
        .collect();
    console
        .log_action(
            who,
            AI_ALLOWLIST,
            Some(
                &ids.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(","),
            ),
            serde_json::json!({
                "workspaces": ids.iter().map(ToString::to_string).collect::<Vec<_>>(),
                "allowed": allowed,
                "include_descendants": include_descendants,
                "errors": reply.errors,
            }),
        )
        .await?;
    let verb = if allowed { "allowed" } else { "not allowed" };
    let changed = ids.len() - failed.len().min(ids.len());
    Ok(if failed.is_empty() {
        format!("AI features are now {verb} in {changed} workspace(s).")
    } else {
        format!(
            "AI features are now {verb} in {changed} workspace(s); Airtable refused {}: {}",
            failed.len(),
            failed.join("; ")
        )
    })
}

pub async fn ai_allowlist_changes(
    console: &Console,
) -> Result<Vec<AiAllowlistChangeRow>, ConsoleError> {
    let rows = sqlx::query(
        "SELECT at, actor_email, details FROM console_actions
          WHERE action = $1 AND outcome = 'ok' ORDER BY seq DESC LIMIT 200",
    )
    .bind(AI_ALLOWLIST)
    .fetch_all(&console.db)
    .await
    .map_err(internal)?;
    Ok(rows
        .into_iter()
        .flat_map(|r| {
            let at = r.get("at");
            let by: String = r.get("actor_email");
            let details: serde_json::Value = r.get("details");
            let allowed = details["allowed"].as_bool().unwrap_or(false);
            details["workspaces"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .filter_map(|w| w.as_str().map(str::to_string))
                .map(move |workspace_id| AiAllowlistChangeRow {
                    at,
                    by: by.clone(),
                    workspace_id,
                    allowed,
                })
                .collect::<Vec<_>>()
        })
        .collect())
}

pub async fn scim_users(
    console: &Console,
    who: &SignedInUser,
    filter: &str,
    start_index: u64,
) -> Result<ScimPage<ScimUserRow>, ConsoleError> {
    scim_page(
        console,
        who,
        filter,
        "userName",
        start_index,
        ScimHandler::users,
        scim_user_row,
    )
    .await
}

pub async fn scim_groups(
    console: &Console,
    who: &SignedInUser,
    filter: &str,
    start_index: u64,
) -> Result<ScimPage<ScimGroupRow>, ConsoleError> {
    scim_page(
        console,
        who,
        filter,
        "displayName",
        start_index,
        ScimHandler::groups,
        scim_group_row,
    )
    .await
}

/// One page of a SCIM listing (`list` picks users or groups), each resource turned into a
/// row by `row`. What was typed in the search box is sent as a SCIM filter, a plain value
/// being matched against `attribute`. Users and groups are read the same way; only the
/// listing, the attribute and the rows differ.
async fn scim_page<T, R>(
    console: &Console,
    who: &SignedInUser,
    filter: &str,
    attribute: &str,
    start_index: u64,
    list: fn(&ScimHandler) -> ScimList<T>,
    row: fn(T) -> R,
) -> Result<ScimPage<R>, ConsoleError>
where
    T: serde::de::DeserializeOwned + Send + 'static,
{
    let filter_sent = scim_filter_from(filter, attribute)?;
    let airtable = console.airtable_for(who).await?;
    let mut list = list(&airtable.scim())
        .start_index(start_index)
        .count(SCIM_PAGE_SIZE);
    if let Some(f) = &filter_sent {
        list = list.filter(f.clone());
    }
    let page = list.page().await.map_err(airtable_error)?;
    Ok(ScimPage {
        filter: filter.trim().to_string(),
        start_index: page.start_index.max(1),
        total: page.total_results,
        rows: page.resources.into_iter().map(row).collect(),
        read_at: Utc::now(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(name: &str, email: Option<&str>, scopes: &[&str]) -> TokenRow {
        TokenRow {
            id: "patAbCdEfGhIjKlMn".into(),
            name: name.into(),
            state: "active".into(),
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
            owner_id: "usrL2PNC5o3H4lBEi".into(),
            owner_email: email.map(str::to_string),
            created_at: Utc::now(),
            access: None,
        }
    }

    #[test]
    fn tokens_match_by_name_owner_and_scope() {
        let t = token("Sync job", Some("ann@corp.com"), &["data.records:read"]);
        assert!(token_matches(&t, "sync"));
        assert!(token_matches(&t, "ann@"));
        assert!(token_matches(&t, "records:read"));
        assert!(token_matches(&t, "usrl2pnc"));
        assert!(!token_matches(&t, "schema"));
    }

    #[test]
    fn names_and_lists_are_checked_in_plain_words() {
        assert!(bounded_name("  ", "account").is_err());
        assert_eq!(
            bounded_name(" Sales EMEA ", "account").unwrap(),
            "Sales EMEA"
        );
        assert!(workspace_ids("").is_err());
        assert!(
            matches!(workspace_ids("wspmhESAta6clCCwF appLkNDICXNqxSDhG"),
            Err(ConsoleError::Invalid(m)) if m.contains("workspace"))
        );
        assert_eq!(
            workspace_ids("wspmhESAta6clCCwF,wspHvvm4dAktsStZH")
                .unwrap()
                .len(),
            2
        );
        assert!(scim_filter_from(&"x".repeat(501), "userName").is_err());
    }
}
