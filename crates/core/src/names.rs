//! Names by ID for users, groups, workspaces and bases, remembered from every snapshot and
//! kept after the thing is gone (table `known_names`). Audit events and the overview's risky
//! events are shown by name from here: reading a page of the audit copy never spends
//! Airtable's rate budget, and a deleted user is still named.

use std::collections::HashMap;

use console_types::api::AuditEventRow;
use sqlx::{PgPool, Postgres, Transaction};

/// What a snapshot saw: an ID, its kind (`user`, `group`, `workspace`, `base`), its name,
/// and a user's email.
pub struct Seen<'a> {
    pub id: String,
    pub kind: &'static str,
    pub name: &'a str,
    pub email: Option<&'a str>,
}

/// Records the names a snapshot saw (in the snapshot's own transaction, so a snapshot that
/// fails teaches nothing). The newest name wins.
pub async fn remember(
    tx: &mut Transaction<'_, Postgres>,
    seen: &[Seen<'_>],
) -> Result<(), sqlx::Error> {
    // Postgres refuses to update one row twice in a statement: one entry per ID. Sorted, so
    // that two processes taking snapshots at once lock the rows in the same order (no
    // deadlock between their upserts).
    let mut unique: Vec<&Seen<'_>> = seen.iter().collect();
    unique.sort_by(|a, b| a.id.cmp(&b.id));
    unique.dedup_by(|a, b| a.id == b.id);
    for chunk in unique.chunks(1000) {
        let mut q =
            sqlx::QueryBuilder::new("INSERT INTO known_names (id, kind, name, email, seen_at) ");
        q.push_values(chunk, |mut row, s| {
            row.push_bind(&s.id)
                .push_bind(s.kind)
                .push_bind(s.name)
                .push_bind(s.email)
                .push("now()");
        });
        q.push(
            " ON CONFLICT (id) DO UPDATE SET kind = EXCLUDED.kind, name = EXCLUDED.name,
                email = EXCLUDED.email, seen_at = EXCLUDED.seen_at",
        );
        q.build().execute(&mut **tx).await?;
    }
    Ok(())
}

/// The names known for `ids` ("Name" or, for a user without a name, their email).
pub async fn lookup(db: &PgPool, ids: &[&str]) -> Result<HashMap<String, String>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(String, String, Option<String>)> =
        // A semi-join against the unnested array rather than `id = ANY($1)`: a prepared
        // statement's generic plan cannot hash an array it has not seen, and on a small table
        // (the demo world's few hundred names) it walked the whole array for every row — 1.3 ms
        // for an audit search page's 120 IDs, four times the search itself. The join is
        // hashed on a small table and an index probe per ID on a large one.
        sqlx::query_as(
            "SELECT id, name, email FROM known_names WHERE id IN (SELECT unnest($1::text[]))",
        )
            .bind(ids)
            .fetch_all(db)
            .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, name, email)| {
            let label = match (name.trim(), email.as_deref().map(str::trim)) {
                ("", Some(email)) if !email.is_empty() => email.to_string(),
                ("", _) => return None,
                (name, _) => name.to_string(),
            };
            Some((id, label))
        })
        .collect())
}

/// Fills in the names of what each event was done to and where, in one query.
pub async fn label_events(db: &PgPool, events: &mut [AuditEventRow]) -> Result<(), sqlx::Error> {
    let mut ids: Vec<&str> = events
        .iter()
        .flat_map(|e| [&e.model_id, &e.workspace_id, &e.base_id])
        .filter_map(|id| id.as_deref())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let names = lookup(db, &ids).await?;
    let name = |id: &Option<String>| id.as_ref().and_then(|id| names.get(id).cloned());
    for e in events.iter_mut() {
        e.model_name = name(&e.model_id);
        e.workspace_name = name(&e.workspace_id);
        e.base_name = name(&e.base_id);
    }
    Ok(())
}
