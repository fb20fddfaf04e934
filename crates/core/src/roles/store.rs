//! Console roles (`console_users`) in the database: who may use the console, and how far;
//! who gets a role at sign-in; whether the two-person rule holds.

use console_types::api::{ConsoleUserRow, Role};
use sqlx::{PgPool, Row};

/// Who gets a role at their first sign-in, from configuration.
#[derive(Clone, Debug, Default)]
pub struct Admission {
    /// The person (email or Airtable user id) who becomes admin while there is none
    /// (`CONSOLE_FIRST_ADMIN`).
    pub first_admin: Option<String>,
    /// The role other enterprise admins get (`CONSOLE_DEFAULT_ROLE`); `None` refuses them.
    pub default_role: Option<Role>,
}

/// The role this person has in the console, assigning one if configuration says so:
/// the configured first admin becomes `admin` while the console has no admin at all, other
/// enterprise admins get the default role (if any). Someone whose role was revoked gets
/// nothing from configuration: only an explicit grant gives them a role again. `None`
/// means the person may not use the console.
pub async fn role_for(
    db: &PgPool,
    admission: &Admission,
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
    if was_revoked(db, airtable_user_id, email).await? {
        tracing::info!(user = %airtable_user_id, "sign-in of a person whose console role was revoked");
        return Ok(None);
    }
    let is_first_admin = admission.first_admin.as_deref().is_some_and(|configured| {
        configured == airtable_user_id || configured.eq_ignore_ascii_case(email)
    });
    if is_first_admin && admin_count(db).await? == 0 {
        grant_role(db, airtable_user_id, email, name, Role::Admin, None).await?;
        return Ok(Some(Role::Admin));
    }
    // Configuration refuses approver and admin as a default (see `config`).
    let role = admission.default_role;
    if let Some(role) = role {
        grant_role(db, airtable_user_id, email, name, role, None).await?;
    }
    Ok(role)
}

/// Whether this person's role was taken away (by id, or by email for a person Airtable
/// shows under a new id).
pub async fn was_revoked(db: &PgPool, airtable_user_id: &str, email: &str) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM console_role_revocations
                         WHERE airtable_user_id = $1 OR lower(email) = lower($2))",
    )
    .bind(airtable_user_id)
    .bind(email)
    .fetch_one(db)
    .await
}

/// How many people hold the admin console role.
pub async fn admin_count(db: &PgPool) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT count(*) FROM console_users WHERE role = 'admin'")
        .fetch_one(db)
        .await
}

/// Writes the two-person rule's row once two admins exist (a no-op otherwise, or if it is
/// already there: then the admins are not even counted).
const ARM_WITH_TWO_ADMINS: &str = "INSERT INTO two_person_rule (id)
     SELECT TRUE WHERE NOT EXISTS (SELECT 1 FROM two_person_rule)
                   AND (SELECT count(*) FROM console_users WHERE role = 'admin') >= 2
     ON CONFLICT (id) DO NOTHING";

/// Asking whether the two-person rule holds arms it when two admins exist, whichever
/// statement asks: this `WITH` item (`armed_now`, a row only when it armed the rule just
/// now) and [`RULE_COLUMNS`] go into it, and [`rule_holds`] reads the answer. So two admins
/// made some other way than a grant (a restore, a hand-made row) arm the rule the next
/// time anyone looks — the session check does on every signed-in request
/// (`tokens::logins::load_active`).
pub(crate) static ARM_NOW: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| format!("armed_now AS ({ARM_WITH_TWO_ADMINS} RETURNING TRUE)"));

/// The columns `two_person_rule` and `armed_now` of a statement `WITH` [`ARM_NOW`]. The
/// statement's snapshot does not see its own insert: hence the `OR`.
pub(crate) const RULE_COLUMNS: &str = "EXISTS (SELECT 1 FROM two_person_rule)
        OR EXISTS (SELECT 1 FROM armed_now) AS two_person_rule,
     EXISTS (SELECT 1 FROM armed_now) AS armed_now";

/// Whether the rule holds, from a row with [`RULE_COLUMNS`]; says so in the log when this
/// very statement armed it.
pub(crate) fn rule_holds(row: &sqlx::postgres::PgRow) -> bool {
    if row.get::<bool, _>("armed_now") {
        tracing::info!("a second admin exists: the two-person rule now holds for good");
    }
    row.get("two_person_rule")
}

/// Whether the two-person rule holds: the console has (or once had) two admins. From the
/// first moment it does, it holds for good (a row that is never removed), so taking one
/// admin's role away does not switch it off.
pub async fn two_person_rule_holds(db: &PgPool) -> sqlx::Result<bool> {
    static HOLDS: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| format!("WITH {} SELECT {RULE_COLUMNS}", *ARM_NOW));
    let row = sqlx::query(&HOLDS).fetch_one(db).await?;
    Ok(rule_holds(&row))
}

/// Gives (or changes) a console role. An explicit grant lifts an earlier revocation; a
/// second admin arms the two-person rule for good.
pub async fn grant_role(
    db: &PgPool,
    airtable_user_id: &str,
    email: &str,
    name: &str,
    role: Role,
    granted_by: Option<&str>,
) -> sqlx::Result<()> {
    let mut tx = db.begin().await?;
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
    .execute(&mut *tx)
    .await?;
    if granted_by.is_some() {
        sqlx::query(
            "DELETE FROM console_role_revocations
              WHERE airtable_user_id = $1 OR lower(email) = lower($2)",
        )
        .bind(airtable_user_id)
        .bind(email)
        .execute(&mut *tx)
        .await?;
    }
    sqlx::query(ARM_WITH_TWO_ADMINS).execute(&mut *tx).await?;
    tx.commit().await
}

/// The console role someone holds now, if any.
pub async fn current_role(db: &PgPool, airtable_user_id: &str) -> sqlx::Result<Option<Role>> {
    let role: Option<String> =
        sqlx::query_scalar("SELECT role FROM console_users WHERE airtable_user_id = $1")
            .bind(airtable_user_id)
            .fetch_optional(db)
            .await?;
    Ok(role.and_then(|r| r.parse().ok()))
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

/// Takes a person's role away, and remembers it so that configuration does not give it
/// back at their next sign-in. Their sign-ins end with the role (the `logins` rows go with
/// it). Returns whether they had one.
pub async fn remove(db: &PgPool, airtable_user_id: &str, revoked_by: &str) -> sqlx::Result<bool> {
    let mut tx = db.begin().await?;
    let email: Option<String> =
        sqlx::query_scalar("DELETE FROM console_users WHERE airtable_user_id = $1 RETURNING email")
            .bind(airtable_user_id)
            .fetch_optional(&mut *tx)
            .await?;
    let Some(email) = email else {
        return Ok(false);
    };
    sqlx::query(
        "INSERT INTO console_role_revocations (airtable_user_id, email, revoked_by)
         VALUES ($1, $2, $3)
         ON CONFLICT (airtable_user_id) DO UPDATE
           SET email = EXCLUDED.email, revoked_by = EXCLUDED.revoked_by, revoked_at = now()",
    )
    .bind(airtable_user_id)
    .bind(&email)
    .bind(revoked_by)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(true)
}
