//! Sign-in records (`logins`).
//!
//! A browser session holds only a login id. The login row holds the person's Airtable
//! tokens, encrypted, and ends on sign-out, on timeout, on a failed token refresh, or when
//! the person signs out everywhere.

use chrono::{DateTime, Duration as ChronoDuration, Utc};
use console_types::api::{Role, SignedInUser};
use rand::{distributions::Alphanumeric, Rng};
use sqlx::{PgPool, Row};
use uuid::Uuid;

use crate::crypto::TokenCipher;
use crate::roles::store;

/// Tokens as Airtable's token endpoint returned them.
pub struct IssuedTokens {
    pub access_token: String,
    pub refresh_token: Option<String>,
    pub access_expires_in: std::time::Duration,
    pub refresh_expires_in: Option<std::time::Duration>,
}

impl std::fmt::Debug for IssuedTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedTokens")
            .field("access_expires_in", &self.access_expires_in)
            .finish_non_exhaustive()
    }
}

fn random_token(len: usize) -> String {
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

fn to_chrono(d: std::time::Duration) -> ChronoDuration {
    ChronoDuration::from_std(d).unwrap_or(ChronoDuration::MAX)
}

/// Records a new sign-in and returns its id. `tokens` is `None` for sign-ins through a
/// sign-in proxy (service-account mode), which act with the service token.
pub async fn create(
    db: &PgPool,
    cipher: &TokenCipher,
    airtable_user_id: &str,
    tokens: Option<&IssuedTokens>,
    absolute_timeout: std::time::Duration,
) -> sqlx::Result<Uuid> {
    let id = Uuid::new_v4();
    let now = Utc::now();
    let aad = id.as_bytes();
    sqlx::query(
        "INSERT INTO logins (id, airtable_user_id, csrf_token, access_token, refresh_token,
                             access_expires_at, refresh_expires_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id)
    .bind(airtable_user_id)
    .bind(random_token(43))
    .bind(tokens.map(|t| cipher.encrypt(&t.access_token, aad)))
    .bind(
        tokens
            .and_then(|t| t.refresh_token.as_deref())
            .map(|t| cipher.encrypt(t, aad)),
    )
    .bind(tokens.map(|t| now + to_chrono(t.access_expires_in)))
    .bind(tokens.and_then(|t| t.refresh_expires_in.map(|d| now + to_chrono(d))))
    .bind(now + to_chrono(absolute_timeout))
    .execute(db)
    .await?;
    Ok(id)
}

/// How often a login's `last_seen_at` is moved while it is in use. The idle sweep
/// (`wipe_ended`) therefore sees a login at most this much idler than it is.
pub const SEEN_EVERY_SECONDS: i64 = 60;

/// The statement behind `load_active`. Besides the person it answers what every page's
/// header shows — the approvals badge and whether the two-person rule holds — so that a
/// page view costs the session check one round trip rather than three. It also arms the
/// rule when two admins have come about some other way than a grant (a restore, a
/// hand-made row): the header then never shows "off" for a rule that holds, and no page
/// view needs a second statement to find out.
static LOAD_ACTIVE: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    // The roles as `Role` orders them, so the statement and `Role::allows` cannot disagree.
    let roles_allowing = |need: Role| {
        Role::ALL
            .iter()
            .filter(|role| role.allows(need))
            .map(|role| format!("'{}'", role.as_str()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let is_admin = format!("(u.role IN ({}))", roles_allowing(Role::Admin));
    let approvers = roles_allowing(Role::Approver);
    let waiting_for = crate::approvals::store::waiting_for("u.airtable_user_id", &is_admin);
    let (arm_now, rule_columns) = (&*store::ARM_NOW, store::RULE_COLUMNS);
    format!(
        "WITH seen AS (
             UPDATE logins SET last_seen_at = now()
              WHERE id = $1 AND ended_at IS NULL AND expires_at > now()
                AND last_seen_at < now() - make_interval(secs => $2)
         ), {arm_now}
         SELECT u.airtable_user_id, u.email, u.name, u.role, l.csrf_token, l.created_at,
                {rule_columns},
                CASE WHEN u.role IN ({approvers})
                     THEN (SELECT count(*) FROM approval_requests
                            WHERE {waiting_for} AND expires_at > now())
                     ELSE 0 END AS waiting_approvals
           FROM logins l JOIN console_users u ON u.airtable_user_id = l.airtable_user_id
          WHERE l.id = $1 AND l.ended_at IS NULL AND l.expires_at > now()"
    )
});

/// The signed-in person behind a live login, or `None` if it ended or timed out.
///
/// Read on every signed-in request, so that a sign-out or revocation made through any
/// console process counts at once; it writes (`last_seen_at`) at most once a minute per
/// login, not on every page view. `two_person_rule` is exact: the statement arms the rule
/// when two admins exist.
pub async fn load_active(db: &PgPool, login_id: Uuid) -> sqlx::Result<Option<SignedInUser>> {
    let row = sqlx::query(&LOAD_ACTIVE)
        .bind(login_id)
        .bind(SEEN_EVERY_SECONDS as f64)
        .fetch_optional(db)
        .await?;
    Ok(row.and_then(|row| {
        let two_person_rule = store::rule_holds(&row);
        let role: String = row.get("role");
        Some(SignedInUser {
            airtable_user_id: row.get("airtable_user_id"),
            email: row.get("email"),
            name: row.get("name"),
            role: role.parse().ok()?,
            csrf_token: row.get("csrf_token"),
            login_id: Some(login_id.to_string()),
            waiting_approvals: row.get("waiting_approvals"),
            signed_in_at: row.get("created_at"),
            two_person_rule,
        })
    }))
}

/// Ends one sign-in. Its tokens are wiped, not just marked.
pub async fn end(db: &PgPool, login_id: Uuid, reason: &str) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE logins SET ended_at = now(), end_reason = $2, access_token = '', refresh_token = NULL
          WHERE id = $1 AND ended_at IS NULL",
    )
    .bind(login_id)
    .bind(reason)
    .execute(db)
    .await?;
    Ok(())
}

/// Ends every sign-in of a person ("sign out everywhere"). Returns how many ended.
pub async fn end_all_for(db: &PgPool, airtable_user_id: &str, reason: &str) -> sqlx::Result<u64> {
    let done = sqlx::query(
        "UPDATE logins SET ended_at = now(), end_reason = $2, access_token = '', refresh_token = NULL
          WHERE airtable_user_id = $1 AND ended_at IS NULL",
    )
    .bind(airtable_user_id)
    .bind(reason)
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

/// Ends the sign-ins that timed out and wipes the Airtable tokens of every sign-in that
/// ended (sign-out, idle or absolute timeout), so a stolen copy of the database holds no
/// live token for anyone who is not using the console right now. A sign-in whose person
/// has a bulk job still running keeps its tokens while idle (the job acts with them).
/// Returns how many sign-ins had tokens wiped.
pub async fn wipe_ended(db: &PgPool, idle_timeout: std::time::Duration) -> sqlx::Result<u64> {
    let idle = ChronoDuration::from_std(idle_timeout).unwrap_or(ChronoDuration::minutes(30));
    let done = sqlx::query(
        "UPDATE logins l
            SET ended_at = coalesce(l.ended_at, now()),
                end_reason = coalesce(l.end_reason,
                    CASE WHEN l.expires_at <= now() THEN 'absolute timeout' ELSE 'idle timeout' END),
                access_token = CASE WHEN l.access_token IS NULL THEN NULL ELSE ''::bytea END,
                refresh_token = NULL
          WHERE (l.ended_at IS NOT NULL
                 AND (length(l.access_token) > 0 OR l.refresh_token IS NOT NULL))
             OR (l.ended_at IS NULL AND l.expires_at <= now())
             OR (l.ended_at IS NULL AND l.last_seen_at < now() - $1::interval
                 AND NOT EXISTS (SELECT 1 FROM bulk_jobs j
                                  WHERE j.created_by_id = l.airtable_user_id
                                    AND j.finished_at IS NULL))",
    )
    .bind(idle)
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

/// Every minute: [`wipe_ended`]. Safe with several console processes (each run is one
/// idempotent `UPDATE`).
pub fn spawn_token_sweeper(
    db: PgPool,
    idle_timeout: std::time::Duration,
    leases: crate::leases::Leases,
) {
    crate::leases::spawn_periodic(
        leases,
        "login-sweeper",
        std::time::Duration::from_secs(60),
        move || {
            let db = db.clone();
            async move {
                match wipe_ended(&db, idle_timeout).await {
                    Ok(0) => {}
                    Ok(wiped) => tracing::info!(wiped, "ended sign-ins: Airtable tokens wiped"),
                    Err(error) => tracing::warn!(%error, "sign-in sweep failed"),
                }
            }
        },
    );
}

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("the sign-in has ended")]
    Ended,
    #[error("the Airtable token could not be refreshed: {0}")]
    RefreshFailed(String),
    #[error(transparent)]
    Crypto(#[from] crate::crypto::CryptoError),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// How long before expiry a token is refreshed, so no request goes out with one that is
/// about to lapse.
const REFRESH_MARGIN: ChronoDuration = ChronoDuration::minutes(2);

/// A usable Airtable access token for this login, refreshed first if it is about to expire.
/// The row is locked while refreshing, so two requests never both spend the refresh token
/// (Airtable invalidates the old pair on refresh). A failed refresh ends the login.
pub async fn access_token<F, Fut>(
    db: &PgPool,
    cipher: &TokenCipher,
    login_id: Uuid,
    refresh: F,
) -> Result<String, TokenError>
where
    F: FnOnce(String) -> Fut,
    Fut: std::future::Future<Output = Result<IssuedTokens, String>>,
{
    let aad = login_id.as_bytes().to_vec();
    let mut tx = db.begin().await?;
    let row = sqlx::query(
        "SELECT access_token, refresh_token, access_expires_at FROM logins
          WHERE id = $1 AND ended_at IS NULL AND expires_at > now() FOR UPDATE",
    )
    .bind(login_id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(TokenError::Ended)?;
    let access_expires_at: Option<DateTime<Utc>> = row.get("access_expires_at");
    let sealed_access: Option<Vec<u8>> = row.get("access_token");
    let (Some(access_expires_at), Some(sealed)) = (access_expires_at, sealed_access) else {
        // A sign-in through the proxy: it has no token of its own.
        return Err(TokenError::Ended);
    };
    if access_expires_at - REFRESH_MARGIN > Utc::now() {
        tx.commit().await?;
        return Ok(cipher.decrypt(&sealed, &aad)?);
    }
    let sealed_refresh: Option<Vec<u8>> = row.get("refresh_token");
    let Some(sealed_refresh) = sealed_refresh else {
        drop(tx);
        end(db, login_id, "access token expired, no refresh token").await?;
        return Err(TokenError::Ended);
    };
    let refresh_token = cipher.decrypt(&sealed_refresh, &aad)?;
    match refresh(refresh_token).await {
        Ok(tokens) => {
            let now = Utc::now();
            sqlx::query(
                "UPDATE logins SET access_token = $2, refresh_token = $3,
                        access_expires_at = $4, refresh_expires_at = $5 WHERE id = $1",
            )
            .bind(login_id)
            .bind(cipher.encrypt(&tokens.access_token, &aad))
            .bind(
                tokens
                    .refresh_token
                    .as_deref()
                    .map(|t| cipher.encrypt(t, &aad)),
            )
            .bind(now + to_chrono(tokens.access_expires_in))
            .bind(tokens.refresh_expires_in.map(|d| now + to_chrono(d)))
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(tokens.access_token)
        }
        Err(reason) => {
            drop(tx);
            tracing::warn!(%login_id, %reason, "token refresh failed; ending the sign-in");
            end(db, login_id, "token refresh failed").await?;
            Err(TokenError::RefreshFailed(reason))
        }
    }
}
