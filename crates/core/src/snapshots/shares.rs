//! The shares part of a snapshot: every base of every workspace, and each base's share
//! links. One call per base (Airtable has no enterprise-wide list of shares), a few in
//! flight at once; the client's rate limiter keeps the pace under Airtable's limits.

use std::collections::HashMap;

use airtable_client::{
    ids::BaseId,
    models::{Share, Workspace},
    Client,
};
use futures::{StreamExt, TryStreamExt};
use sqlx::{Postgres, Transaction};

/// Calls in flight at once while listing shares.
const CONCURRENCY: usize = 4;

/// A share with the base and workspace it belongs to.
pub struct BaseShare {
    pub base_id: String,
    pub base_name: Option<String>,
    pub workspace_id: String,
    pub workspace_name: String,
    pub share: Share,
}

/// Every base's name by ID, from "list bases" (a page per 1000 bases) rather than a call per
/// base; a base missing from it (the token cannot see it there) is shown by ID.
pub async fn base_names(airtable: &Client) -> HashMap<String, String> {
    match airtable.list_bases().try_collect::<Vec<_>>().await {
        Ok(bases) => bases
            .into_iter()
            .map(|b| (b.id.to_string(), b.name))
            .collect(),
        Err(error) => {
            tracing::warn!(%error, "snapshot: could not list bases; shares are shown by base id");
            HashMap::new()
        }
    }
}

/// Every share of every base of `workspaces`. A base deleted while the snapshot runs is
/// skipped; any other refusal is an error (the caller records the snapshot without shares).
pub async fn read(
    airtable: &Client,
    workspaces: &[Workspace],
    names: &HashMap<String, String>,
) -> Result<Vec<BaseShare>, airtable_client::Error> {
    let bases: Vec<(BaseId, String, String)> = workspaces
        .iter()
        .flat_map(|w| {
            w.base_ids
                .iter()
                .map(move |b| (b.clone(), w.id.to_string(), w.name.clone()))
        })
        .collect();
    let per_base: Vec<Vec<BaseShare>> = futures::stream::iter(bases)
        .map(|(base, workspace_id, workspace_name)| {
            let airtable = airtable.clone();
            let base_name = names.get(base.as_str()).cloned();
            async move {
                let shares = match airtable.base(&base).shares().await {
                    Ok(shares) => shares,
                    Err(error) if error.is_not_found() => Vec::new(),
                    Err(error) => return Err(error),
                };
                Ok::<Vec<BaseShare>, airtable_client::Error>(
                    shares
                        .into_iter()
                        .map(|share| BaseShare {
                            base_id: base.to_string(),
                            base_name: base_name.clone(),
                            workspace_id: workspace_id.clone(),
                            workspace_name: workspace_name.clone(),
                            share,
                        })
                        .collect(),
                )
            }
        })
        .buffer_unordered(CONCURRENCY)
        .try_collect()
        .await?;
    Ok(per_base.into_iter().flatten().collect())
}

/// Writes the shares into the snapshot.
pub async fn store(
    tx: &mut Transaction<'_, Postgres>,
    snapshot: i64,
    shares: &[BaseShare],
) -> sqlx::Result<()> {
    for chunk in shares.chunks(1000) {
        let mut q = sqlx::QueryBuilder::new(
            "INSERT INTO snapshot_shares (snapshot_id, base_id, base_name, workspace_id,
                 workspace_name, share_id, kind, state, is_password_protected,
                 restricted_to_email_domains, restricted_to_enterprise_members, created_by,
                 created_at) ",
        );
        q.push_values(chunk, |mut row, s| {
            row.push_bind(snapshot)
                .push_bind(&s.base_id)
                .push_bind(&s.base_name)
                .push_bind(&s.workspace_id)
                .push_bind(&s.workspace_name)
                .push_bind(s.share.share_id.to_string())
                .push_bind(s.share.kind.to_string())
                .push_bind(s.share.state.to_string())
                .push_bind(s.share.is_password_protected)
                .push_bind(&s.share.restricted_to_email_domains)
                .push_bind(s.share.restricted_to_enterprise_members)
                .push_bind(s.share.created_by_user_id.to_string())
                .push_bind(*s.share.created_time.as_datetime());
        });
        q.push(" ON CONFLICT DO NOTHING");
        q.build().execute(&mut **tx).await?;
    }
    Ok(())
}
