//! Console roles (`console_users`): who may use the console, and how far.

use console_app::api::{ConsoleUserRow, Role};
use sqlx::{PgPool, Row};

use crate::config::Settings;

/// The role this person has in the console, assigning one if configuration says so:
/// the configured first admin becomes `admin`, other enterprise admins get the default
/// role (if any). `None` means the person may not use the console.
pub async fn role_for(
    db: &PgPool,
    settings: &Settings,
    airtable_user_id: &str,
    email: &str,
    name: &str,
) -> sqlx::Result<Option<Role>> {
    let existing: Option<String> =
        sqlx::query_scalar("SELECT role FROM console_users WHERE airtable_user_id = $1")
            .bind(airtable_user_id)
            .fetch_optional(db)
            .await?;
    if let Some(role) = existing {
        // Keep the display details fresh; the role is only changed by an admin.
        sqlx::query("UPDATE console_users SET email = $2, name = $3, updated_at = now() WHERE airtable_user_id = $1")
            .bind(airtable_user_id)
            .bind(email)
            .bind(name)
            .execute(db)
            .await?;
        return Ok(role.parse().ok());
    }
    let is_first_admin = settings.first_admin.as_deref().is_some_and(|configured| {
        configured == airtable_user_id || configured.eq_ignore_ascii_case(email)
    });
    let role = if is_first_admin {
        Some(Role::Admin)
    } else {
        settings.default_role
    };
    if let Some(role) = role {
        grant_role(db, airtable_user_id, email, name, role, None).await?;
    }
    Ok(role)
}

/// Gives (or changes) a console role.
pub async fn grant_role(
    db: &PgPool,
    airtable_user_id: &str,
    email: &str,
    name: &str,
    role: Role,
    granted_by: Option<&str>,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO console_users (airtable_user_id, email, name, role, granted_by)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (airtable_user_id) DO UPDATE
           SET role = EXCLUDED.role, granted_by = EXCLUDED.granted_by, updated_at = now()",
    )
    .bind(airtable_user_id)
    .bind(email)
    .bind(name)
    .bind(role.as_str())
    .bind(granted_by)
    .execute(db)
    .await?;
    Ok(())
}

/// Everyone with a console role, admins first.
pub async fn list(db: &PgPool) -> sqlx::Result<Vec<ConsoleUserRow>> {
    let rows = sqlx::query(
        "SELECT airtable_user_id, email, name, role, granted_by,
                to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS updated_at
           FROM console_users
          ORDER BY CASE role WHEN 'admin' THEN 0 WHEN 'approver' THEN 1 WHEN 'operator' THEN 2 ELSE 3 END,
                   lower(email)",
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            let role: String = row.get("role");
            Some(ConsoleUserRow {
                airtable_user_id: row.get("airtable_user_id"),
                email: row.get("email"),
                name: row.get("name"),
                role: role.parse().ok()?,
                granted_by: row.get("granted_by"),
                updated_at: row.get("updated_at"),
            })
        })
        .collect())
}

/// Takes a person's role away. Returns whether they had one.
pub async fn remove(db: &PgPool, airtable_user_id: &str) -> sqlx::Result<bool> {
    let done = sqlx::query("DELETE FROM console_users WHERE airtable_user_id = $1")
        .bind(airtable_user_id)
        .execute(db)
        .await?;
    Ok(done.rows_affected() > 0)
}
