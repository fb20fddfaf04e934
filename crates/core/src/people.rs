//! The enterprise's users: the table served from the latest complete snapshot (filtered,
//! sorted and paged in Postgres, so 50,000 users answer as fast as 50), its CSV export
//! (streamed), one user read live from Airtable, and the direct (non-destructive) changes.
//! Destructive changes are never made here: they go through two-person approval.

use airtable_client::{
    ids::{EnterpriseId, UserId},
    Client,
};
use chrono::{DateTime, Utc};
use console_types::{
    api::ConsoleError,
    directory::{SnapshotPage, PAGE_SIZE},
    people::{UserCollaboration, UserDetail, UserGroup, UserListing, UserQuery, UserRow, UserSort},
};
use futures::StreamExt;
use sqlx::{PgPool, Postgres, QueryBuilder, Row};

use crate::{
    csv_out,
    directory::{airtable_error, like_pattern, parse_id},
    error::internal,
    export::{self, Download},
    user_page_starts::PageFrom,
    Console,
};

/// What this process knows of the views of complete snapshots, which never change: how
/// many users each matches, and where its pages start.
#[derive(Clone, Default)]
pub struct UserViews {
    pub counts: crate::user_counts::UserCounts,
    pub page_starts: crate::user_page_starts::UserPageStarts,
}

/// The snapshot a users view reads: id, when it was complete, its email domains (`None`:
/// taken before the console recorded user details).
pub(crate) struct Snapshot {
    pub(crate) id: i64,
    taken_at: DateTime<Utc>,
    pub(crate) email_domains: Option<Vec<String>>,
}

pub(crate) async fn snapshot(db: impl sqlx::PgExecutor<'_>) -> sqlx::Result<Option<Snapshot>> {
    // One statement (the latest complete snapshot with its domains): a users view makes
    // several reads, and each round trip to Postgres is most of what such a read costs.
    let row: Option<(i64, DateTime<Utc>, Option<Vec<String>>)> = sqlx::query_as(
        "SELECT id, taken_at, email_domains FROM snapshots WHERE taken_at IS NOT NULL
          ORDER BY taken_at DESC, id DESC LIMIT 1",
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|(id, taken_at, email_domains)| Snapshot {
        id,
        taken_at,
        email_domains,
    }))
}

/// `WHERE …` for one snapshot's users matching the view.
pub(crate) fn push_filters(
    sql: &mut QueryBuilder<'static, Postgres>,
    snapshot: i64,
    query: &UserQuery,
) {
    sql.push(" WHERE snapshot_id = ").push_bind(snapshot);
    if !query.q.is_empty() {
        let pattern = like_pattern(&query.q);
        sql.push(" AND (name ILIKE ")
            .push_bind(pattern.clone())
            .push(" OR email ILIKE ")
            .push_bind(pattern.clone())
            .push(" OR user_id ILIKE ")
            .push_bind(pattern)
            .push(")");
    }
    if let Some(state) = &query.state {
        sql.push(" AND state = ").push_bind(state.clone());
    }
    for (column, value) in [
        ("is_admin", query.admin),
        ("is_managed", query.managed),
        ("is_service_account", query.service_account),
        ("is_external", query.external),
        ("is_two_factor_auth_enabled", query.two_factor),
        ("is_sso_required", query.sso_required),
    ] {
        if let Some(value) = value {
            sql.push(format!(" AND {column} = ")).push_bind(value);
        }
    }
    if let Some(days) = query.inactive_days {
        sql.push(
            " AND (last_activity_at IS NULL OR last_activity_at < now() - make_interval(days => ",
        )
        .push_bind(i32::try_from(days).unwrap_or(i32::MAX))
        .push("))");
    }
}

/// `ORDER BY …` for the sort (each matches an index of the migration).
pub(crate) fn order_by(sort: UserSort) -> &'static str {
    match sort {
        UserSort::Name => " ORDER BY lower(name), user_id",
        UserSort::NameDesc => " ORDER BY lower(name) DESC, user_id DESC",
        UserSort::Email => " ORDER BY lower(email), user_id",
        UserSort::EmailDesc => " ORDER BY lower(email) DESC, user_id DESC",
        UserSort::ActivityOldest => " ORDER BY last_activity_at ASC NULLS FIRST, user_id",
        UserSort::ActivityNewest => " ORDER BY last_activity_at DESC NULLS LAST, user_id DESC",
    }
}

static COLUMNS: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "user_id, email, name, state, is_admin, is_super_admin, is_managed, \
         is_service_account, is_external, is_two_factor_auth_enabled, is_sso_required, \
         last_activity_at, {}",
        crate::user_changes::NEWEST_CHANGE_COLUMN
    )
});

/// A row of the users table: the snapshot's values, with what the console changed since
/// laid over them.
fn row_from(r: &sqlx::postgres::PgRow) -> sqlx::Result<UserRow> {
    let change = crate::user_changes::parse(r.try_get("console_change")?);
    let state: String = r.try_get("state")?;
    let is_admin: bool = r.try_get("is_admin")?;
    let effect = change.as_ref().map(|(_, effect)| *effect);
    Ok(UserRow {
        id: r.try_get("user_id")?,
        email: r.try_get("email")?,
        name: r.try_get("name")?,
        state: effect.and_then(|e| e.state).map_or(state, str::to_string),
        is_admin: effect.and_then(|e| e.is_admin).unwrap_or(is_admin),
        is_super_admin: r.try_get("is_super_admin")?,
        is_managed: r.try_get("is_managed")?,
        is_service_account: r.try_get("is_service_account")?,
        is_external: r.try_get("is_external")?,
        two_factor: r.try_get("is_two_factor_auth_enabled")?,
        sso_required: r.try_get("is_sso_required")?,
        last_activity: r.try_get("last_activity_at")?,
        console_change: change.map(|(change, _)| change),
    })
}

pub(crate) fn details_missing() -> ConsoleError {
    ConsoleError::Invalid(
        "The latest snapshot was taken before the console recorded external users, two-factor \
         sign-in, SSO and last activity, so it cannot filter on them. Take a new snapshot."
            .into(),
    )
}

/// What a search names exactly, if it names one user: an ID or an email address.
pub fn exact_key(q: &str) -> Option<&str> {
    let q = q.trim();
    let is_id = q.parse::<UserId>().is_ok();
    let is_email = q.contains('@') && !q.contains(char::is_whitespace);
    (is_id || is_email).then_some(q)
}

/// One page of users from the latest complete snapshot.
pub async fn list(
    db: &PgPool,
    views: &UserViews,
    query: &UserQuery,
) -> Result<UserListing, ConsoleError> {
    let empty = |details_recorded| UserListing {
        query: query.clone(),
        page: SnapshotPage {
            snapshot_id: None,
            as_of: None,
            q: query.q.clone(),
            page: query.page,
            total: 0,
            rows: Vec::new(),
        },
        details_recorded,
        email_domains: Vec::new(),
        exact: None,
    };
    // Every read of the view on one connection: the pool checks a connection with a round
    // trip of its own when it goes back, so one per view instead of one per read.
    let mut conn = db.acquire().await.map_err(internal)?;
    let Some(snap) = snapshot(&mut *conn).await.map_err(internal)? else {
        return Ok(empty(false));
    };
    if query.needs_details() && snap.email_domains.is_none() {
        return Err(details_missing());
    }
    let exact = match exact_key(&query.q) {
        None => None,
        Some(key) => sqlx::query_scalar(
            "SELECT user_id FROM snapshot_users
              WHERE snapshot_id = $1 AND (user_id = $2 OR lower(email) = lower($2))",
        )
        .bind(snap.id)
        .bind(key)
        .fetch_optional(&mut *conn)
        .await
        .map_err(internal)?,
    };
    let total = views.counts.count(&mut conn, snap.id, query).await?;
    // The page's rows first, then what the console changed for those rows only: a far page
    // skips thousands of rows, and the change column (a lookup per row) must not be worked
    // out for the rows it skips. The inner query's name keeps the column's reference to
    // `snapshot_users` true. A page read before starts from its remembered first user
    // (`user_page_starts`); one row more than a page tells where the next one starts.
    let from = views.page_starts.page_from(snap.id, query).await;
    let mut page = QueryBuilder::new(format!(
        "SELECT {} FROM (SELECT * FROM snapshot_users",
        *COLUMNS
    ));
    push_filters(&mut page, snap.id, query);
    if let PageFrom::Start { first, condition } = &from {
        page.push(*condition)
            .push(" FROM snapshot_users AS s WHERE s.snapshot_id = ")
            .push_bind(snap.id)
            .push(" AND s.user_id = ")
            .push_bind(first.clone())
            .push(")");
    }
    page.push(order_by(query.sort));
    page.push(" LIMIT ").push_bind(PAGE_SIZE + 1);
    if from == PageFrom::Top {
        page.push(" OFFSET ")
            .push_bind((query.page - 1).saturating_mul(PAGE_SIZE));
    }
    page.push(") AS snapshot_users").push(order_by(query.sort));
    let mut rows = page
        .build()
        .fetch_all(&mut *conn)
        .await
        .map_err(internal)?
        .iter()
        .map(row_from)
        .collect::<sqlx::Result<Vec<_>>>()
        .map_err(internal)?;
    let next = if rows.len() > PAGE_SIZE as usize {
        rows.pop()
    } else {
        None
    };
    if let Some(first) = rows.first() {
        views
            .page_starts
            .remember(
                snap.id,
                query,
                &first.id,
                next.as_ref().map(|n| n.id.as_str()),
            )
            .await;
    }
    Ok(UserListing {
        query: query.clone(),
        page: SnapshotPage {
            snapshot_id: Some(snap.id),
            as_of: Some(snap.taken_at),
            q: query.q.clone(),
            page: query.page,
            total,
            rows,
        },
        details_recorded: snap.email_domains.is_some(),
        email_domains: snap.email_domains.unwrap_or_default(),
        exact,
    })
}

/// A user named by exact ID or email, looked up live (for people newer than the snapshot).
pub async fn find_live(
    airtable: &Client,
    enterprise: &EnterpriseId,
    key: &str,
) -> Result<Option<String>, ConsoleError> {
    let users = airtable.enterprise(enterprise).users();
    let lookup = match key.parse::<UserId>() {
        Ok(id) => users.by_ids([id]),
        Err(_) => users.by_emails([key.to_string()]),
    };
    let found = lookup.send().await.map_err(crate::error::airtable_error)?;
    Ok(found.into_iter().next().map(|u| u.id.to_string()))
}

/// One user, live, with names of their groups and workspaces from the latest snapshot.
pub async fn user(
    airtable: &Client,
    db: &PgPool,
    enterprise: &EnterpriseId,
    id: &str,
) -> Result<UserDetail, ConsoleError> {
    let uid: UserId = parse_id(id, "user")?;
    let u = airtable
        .enterprise(enterprise)
        .user(&uid)
        .get()
        .include_collaborations()
        .send()
        .await;
    let u = match u {
        Ok(u) => u,
        // Airtable no longer knows them: say so, and what the console did, if it did.
        Err(error) if error.is_not_found() => {
            let change = crate::user_changes::newest(db, uid.as_str())
                .await
                .map_err(internal)?;
            return Err(match change {
                Some(change) => ConsoleError::NotFound(format!(
                    "user {uid}: {} on {}{}.",
                    change.what,
                    change.at.format("%Y-%m-%d %H:%M UTC"),
                    change
                        .approval_id
                        .map(|id| format!(" (approval request /approvals/{id})"))
                        .unwrap_or_default()
                )),
                None => airtable_error(&format!("user {uid}"), error),
            });
        }
        Err(error) => return Err(airtable_error(&format!("user {uid}"), error)),
    };
    // The snapshot's names for what Airtable answered, read on one pooled connection (each
    // checkout is a round trip of its own), taken only now: none is held while Airtable is
    // asked.
    let mut conn = db.acquire().await.map_err(internal)?;
    let snap = snapshot(&mut *conn).await.map_err(internal)?;
    let snapshot_id = snap.as_ref().map(|s| s.id);
    let group_ids: Vec<String> = u
        .groups
        .iter()
        .flatten()
        .map(|g| g.id.to_string())
        .collect();
    let known_groups: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT group_id, group_name, role FROM snapshot_group_members
          WHERE snapshot_id = $1 AND group_id = ANY($2) AND user_id = $3",
    )
    .bind(snapshot_id)
    .bind(&group_ids)
    .bind(uid.as_str())
    .fetch_all(&mut *conn)
    .await
    .map_err(internal)?;
    let groups = group_ids
        .iter()
        .map(|gid| {
            let known = known_groups.iter().find(|(g, _, _)| g == gid);
            UserGroup {
                id: gid.clone(),
                name: known.map(|k| k.1.clone()),
                role: known.map(|k| k.2.clone()),
            }
        })
        .collect();
    let mut collaborations = Vec::new();
    if let Some(c) = &u.collaborations {
        let workspace_ids: Vec<String> = c
            .workspace_collaborations
            .iter()
            .map(|w| w.workspace_id.to_string())
            .collect();
        let names: Vec<(String, String)> = sqlx::query_as(
            "SELECT DISTINCT ON (workspace_id) workspace_id, workspace_name
               FROM snapshot_workspace_access WHERE snapshot_id = $1 AND workspace_id = ANY($2)",
        )
        .bind(snapshot_id)
        .bind(&workspace_ids)
        .fetch_all(&mut *conn)
        .await
        .map_err(internal)?;
        collaborations.extend(c.workspace_collaborations.iter().map(|w| {
            let id = w.workspace_id.to_string();
            UserCollaboration {
                kind: "workspace".into(),
                name: names.iter().find(|(i, _)| *i == id).map(|n| n.1.clone()),
                id,
                base_id: None,
                permission: w.permission_level.to_string(),
                granted_at: *w.created_time.as_datetime(),
                granted_by: w.granted_by_user_id.to_string(),
            }
        }));
        collaborations.extend(c.base_collaborations.iter().map(|b| UserCollaboration {
            kind: "base".into(),
            id: b.base_id.to_string(),
            name: None,
            base_id: None,
            permission: b.permission_level.to_string(),
            granted_at: *b.created_time.as_datetime(),
            granted_by: b.granted_by_user_id.to_string(),
        }));
        collaborations.extend(
            c.interface_collaborations
                .iter()
                .map(|i| UserCollaboration {
                    kind: "interface".into(),
                    id: i.interface_id.to_string(),
                    name: None,
                    base_id: Some(i.base_id.to_string()),
                    permission: i.permission_level.to_string(),
                    granted_at: *i.created_time.as_datetime(),
                    granted_by: i.granted_by_user_id.to_string(),
                }),
        );
    }
    let is_external = snap
        .and_then(|s| s.email_domains)
        .map(|domains| crate::snapshots::is_external(&u.email, &domains));
    Ok(UserDetail {
        id: u.id.to_string(),
        email: u.email.clone(),
        name: u.name.clone(),
        state: u.state.to_string(),
        is_admin: u.is_admin.unwrap_or(false),
        is_super_admin: u.is_super_admin.unwrap_or(false),
        is_managed: u.is_managed,
        is_service_account: u.is_service_account,
        is_external,
        two_factor: u.is_two_factor_auth_enabled,
        sso_required: u.is_sso_required,
        created_at: u.created_time.as_ref().map(|t| *t.as_datetime()),
        last_activity: u.last_activity_time.as_ref().map(|t| *t.as_datetime()),
        groups,
        collaborations,
        read_at: Utc::now(),
    })
}

/// Ends a user's sessions; returns the user to record.
pub async fn logout(
    airtable: &Client,
    enterprise: &EnterpriseId,
    id: &str,
) -> Result<UserId, ConsoleError> {
    let uid: UserId = parse_id(id, "user")?;
    airtable
        .enterprise(enterprise)
        .user(&uid)
        .logout()
        .await
        .map_err(|e| airtable_error(&format!("user {uid}"), e))?;
    Ok(uid)
}

/// A name part from a form: trimmed, at most 100 characters.
fn name_part(text: &str, what: &str) -> Result<String, ConsoleError> {
    let text = text.trim();
    if text.chars().count() > 100 || text.chars().any(char::is_control) {
        return Err(ConsoleError::Invalid(format!(
            "The {what} must be at most 100 characters, on one line."
        )));
    }
    Ok(text.to_string())
}

/// Changes a user's name; returns the user and the name as sent.
pub async fn rename(
    airtable: &Client,
    enterprise: &EnterpriseId,
    id: &str,
    first_name: &str,
    last_name: &str,
) -> Result<(UserId, String, String), ConsoleError> {
    let uid: UserId = parse_id(id, "user")?;
    let first = name_part(first_name, "first name")?;
    let last = name_part(last_name, "last name")?;
    if first.is_empty() && last.is_empty() {
        return Err(ConsoleError::Invalid(
            "Give a first name, a last name or both.".into(),
        ));
    }
    airtable
        .enterprise(enterprise)
        .user(&uid)
        .update()
        .first_name(first.clone())
        .last_name(last.clone())
        .send()
        .await
        .map_err(|e| airtable_error(&format!("user {uid}"), e))?;
    Ok((uid, first, last))
}

/// Changes a user's email address; returns the user and the address as sent.
pub async fn change_email(
    airtable: &Client,
    enterprise: &EnterpriseId,
    id: &str,
    email: &str,
) -> Result<(UserId, String), ConsoleError> {
    let uid: UserId = parse_id(id, "user")?;
    let email = email.trim();
    let well_formed = email.len() <= 254
        && !email.contains(char::is_whitespace)
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && domain.contains('.') && !domain.contains('@')
        });
    if !well_formed {
        return Err(ConsoleError::Invalid(format!(
            "{email:?} is not an email address."
        )));
    }
    airtable
        .enterprise(enterprise)
        .user(&uid)
        .update()
        .email(email)
        .send()
        .await
        .map_err(|e| airtable_error(&format!("user {uid}"), e))?;
    Ok((uid, email.to_string()))
}

const CSV_HEADER: &[&str] = &[
    "id",
    "email",
    "name",
    "state",
    "admin",
    "super_admin",
    "managed",
    "service_account",
    "external",
    "two_factor",
    "sso_required",
    "last_activity",
];

fn yes_no(value: Option<bool>) -> Option<&'static str> {
    value.map(|v| if v { "yes" } else { "no" })
}

fn csv_row(out: &mut Vec<u8>, u: &UserRow) {
    let last = u
        .last_activity
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    csv_out::write_row(
        out,
        [
            Some(u.id.as_str()),
            Some(u.email.as_str()),
            Some(u.name.as_str()),
            Some(u.state.as_str()),
            yes_no(Some(u.is_admin)),
            yes_no(Some(u.is_super_admin)),
            yes_no(Some(u.is_managed)),
            yes_no(Some(u.is_service_account)),
            yes_no(u.is_external),
            yes_no(u.two_factor),
            yes_no(u.sso_required),
            last.as_deref(),
        ],
    );
}

/// Every user of the view (all pages, in its order) from the latest snapshot, as CSV
/// streamed from a server-side cursor (flat memory at any size).
pub async fn export_csv(console: &Console, query: UserQuery) -> Result<Download, ConsoleError> {
    let snap = snapshot(&console.db)
        .await
        .map_err(internal)?
        .ok_or_else(crate::snapshots::none_yet)?;
    if query.needs_details() && snap.email_domains.is_none() {
        return Err(details_missing());
    }
    let (sender, chunks) = export::channel();
    let db = console.exports.pool().clone();
    tokio::spawn(async move {
        let mut sql = QueryBuilder::new(format!("SELECT {} FROM snapshot_users", *COLUMNS));
        push_filters(&mut sql, snap.id, &query);
        sql.push(order_by(query.sort));
        let head = csv_out::header(CSV_HEADER);
        let users = sql.build().fetch(&db).map(|r| r.and_then(|r| row_from(&r)));
        export::pump(users, head, |out, user| csv_row(out, &user), sender).await;
    });
    Ok(Download {
        filename: format!("users-{}.csv", Utc::now().format("%Y%m%dT%H%M%SZ")),
        content_type: export::CSV,
        what: "users export",
        chunks: Box::pin(chunks),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_id_or_an_email_is_an_exact_search() {
        assert_eq!(exact_key(" usrAAAAAAAAAAAAAA "), Some("usrAAAAAAAAAAAAAA"));
        assert_eq!(exact_key("ann@corp.com"), Some("ann@corp.com"));
        assert_eq!(exact_key("ann smith"), None);
        assert_eq!(exact_key("@ corp"), None);
    }

    #[test]
    fn csv_rows_leave_unknown_flags_empty() {
        let mut out = Vec::new();
        csv_row(
            &mut out,
            &UserRow {
                id: "usr1".into(),
                email: "a@b.c".into(),
                name: "=HYPERLINK(1)".into(),
                state: "provisioned".into(),
                is_admin: true,
                is_super_admin: false,
                is_managed: true,
                is_service_account: false,
                is_external: None,
                two_factor: Some(false),
                sso_required: None,
                last_activity: None,
                console_change: None,
            },
        );
        assert_eq!(
            String::from_utf8_lossy(&out),
            "usr1,a@b.c,\"'=HYPERLINK(1)\",provisioned,yes,no,yes,no,,no,,\r\n"
        );
    }
}
