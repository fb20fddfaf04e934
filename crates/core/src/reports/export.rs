//! A report's rows as CSV: the columns of each report and each row's fields (the server
//! streams every row of a report at `GET /reports/<name>.csv`).

use console_types::{
    api::ConsoleError,
    reports::{ReportKind, ReportQuery},
};
use futures::StreamExt;

use super::{latest, row_from, rows_sql, unavailable, ReportRow};
use crate::{
    csv_out,
    error::internal,
    export::{self, Download},
    Console,
};

/// Every row of a report (all pages, in its order) from the latest snapshot, as CSV
/// streamed from a server-side cursor (flat memory at any size).
pub async fn csv(
    console: &Console,
    kind: ReportKind,
    query: ReportQuery,
) -> Result<Download, ConsoleError> {
    let snap = latest(&console.db)
        .await
        .map_err(internal)?
        .ok_or_else(crate::snapshots::none_yet)?;
    if let Some(reason) = unavailable(kind, &snap) {
        return Err(ConsoleError::Conflict(reason));
    }
    let filename = format!(
        "{}-{}.csv",
        kind.slug(),
        snap.taken_at.format("%Y%m%dT%H%M%SZ")
    );
    let (sender, chunks) = export::channel();
    let db = console.db.clone();
    tokio::spawn(async move {
        let mut sql = rows_sql(kind, &snap, &query);
        let head = csv_out::header(header_of(kind));
        let rows = sql
            .build()
            .fetch(&db)
            .map(|r| r.and_then(|r| row_from(kind, &r)));
        export::pump(rows, head, write_row, sender).await;
    });
    Ok(Download {
        filename,
        content_type: export::CSV,
        what: "report export",
        chunks: Box::pin(chunks),
    })
}

fn header_of(kind: ReportKind) -> &'static [&'static str] {
    match kind {
        ReportKind::InactiveUsers => &[
            "user_id",
            "email",
            "name",
            "last_activity",
            "never_active",
            "admin",
            "managed",
            "service_account",
        ],
        ReportKind::ExternalCollaborators => &[
            "user_id",
            "email",
            "name",
            "state",
            "last_activity",
            "groups",
            "workspaces",
        ],
        ReportKind::AdminsWithoutSsoOr2fa => &[
            "user_id",
            "email",
            "name",
            "state",
            "super_admin",
            "sso_required",
            "two_factor",
            "missing",
            "last_activity",
        ],
        ReportKind::SoleOwnerWorkspaces => &[
            "workspace_id",
            "workspace_name",
            "owner_id",
            "owner",
            "owner_name",
            "owner_state",
            "owner_deactivated",
        ],
        ReportKind::PublicShares => &[
            "share_id",
            "type",
            "base_id",
            "base_name",
            "workspace_id",
            "workspace_name",
            "created_by",
            "created_by_email",
            "created_at",
        ],
    }
}

fn time(t: Option<chrono::DateTime<chrono::Utc>>) -> Option<String> {
    t.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}

fn yes_no(value: bool) -> Option<String> {
    Some(if value { "yes" } else { "no" }.to_string())
}

/// A row's CSV fields, in [`header_of`]'s order. Lists are `; `-separated in one cell.
fn fields(row: ReportRow) -> Vec<Option<String>> {
    match row {
        ReportRow::InactiveUser(u) => vec![
            Some(u.user_id),
            Some(u.email),
            Some(u.name),
            time(u.last_activity),
            yes_no(u.last_activity.is_none()),
            yes_no(u.is_admin),
            yes_no(u.is_managed),
            yes_no(u.is_service_account),
        ],
        ReportRow::ExternalCollaborator(u) => {
            let groups = u
                .groups
                .iter()
                .map(|g| format!("{} ({})", g.name, g.id))
                .collect::<Vec<_>>()
                .join("; ");
            let workspaces = u
                .workspaces
                .iter()
                .map(|w| {
                    let via = w
                        .via_group
                        .as_ref()
                        .map(|g| format!(" via {}", g.name))
                        .unwrap_or_default();
                    format!("{} ({}): {}{via}", w.name, w.id, w.permission)
                })
                .collect::<Vec<_>>()
                .join("; ");
            vec![
                Some(u.user_id),
                Some(u.email),
                Some(u.name),
                Some(u.state),
                time(u.last_activity),
                Some(groups),
                Some(workspaces),
            ]
        }
        ReportRow::AdminGap(u) => {
            let missing = u.missing();
            vec![
                Some(u.user_id),
                Some(u.email),
                Some(u.name),
                Some(u.state),
                yes_no(u.is_super_admin),
                yes_no(u.sso_required),
                yes_no(u.two_factor),
                Some(missing),
                time(u.last_activity),
            ]
        }
        ReportRow::SoleOwner(w) => {
            let deactivated = w.owner_deactivated();
            vec![
                Some(w.workspace_id),
                Some(w.workspace_name),
                Some(w.owner_id),
                Some(w.owner_label),
                w.owner_name,
                w.owner_state,
                yes_no(deactivated),
            ]
        }
        ReportRow::PublicShare(s) => vec![
            Some(s.share_id),
            Some(s.kind),
            Some(s.base_id),
            s.base_name,
            Some(s.workspace_id),
            Some(s.workspace_name),
            Some(s.created_by),
            s.created_by_email,
            time(Some(s.created_at)),
        ],
    }
}

fn write_row(out: &mut Vec<u8>, row: ReportRow) {
    let fields = fields(row);
    csv_out::write_row(out, fields.iter().map(|f| f.as_deref()));
}

#[cfg(test)]
mod tests {
    use super::*;
    use console_types::reports::{GroupRef, InactiveUserRow, WorkspaceReach};

    #[test]
    fn every_report_has_as_many_fields_as_header_columns() {
        let inactive = ReportRow::InactiveUser(InactiveUserRow {
            user_id: "usr1".into(),
            email: "a@b.c".into(),
            name: "=cmd".into(),
            last_activity: None,
            is_admin: false,
            is_managed: true,
            is_service_account: false,
        });
        let mut out = Vec::new();
        write_row(&mut out, inactive);
        assert_eq!(
            String::from_utf8_lossy(&out),
            "usr1,a@b.c,\"'=cmd\",,yes,no,yes,no\r\n"
        );
        assert_eq!(header_of(ReportKind::InactiveUsers).len(), 8);
        let external =
            ReportRow::ExternalCollaborator(console_types::reports::ExternalCollaboratorRow {
                user_id: "usr2".into(),
                email: "x@gmail.com".into(),
                name: "X".into(),
                state: "provisioned".into(),
                last_activity: None,
                groups: vec![GroupRef {
                    id: "ugp1".into(),
                    name: "Team".into(),
                }],
                workspaces: vec![WorkspaceReach {
                    id: "wsp1".into(),
                    name: "Sales".into(),
                    permission: "edit".into(),
                    via_group: Some(GroupRef {
                        id: "ugp1".into(),
                        name: "Team".into(),
                    }),
                }],
            });
        let fields = fields(external);
        assert_eq!(
            fields.len(),
            header_of(ReportKind::ExternalCollaborators).len()
        );
        assert_eq!(fields[5].as_deref(), Some("Team (ugp1)"));
        assert_eq!(fields[6].as_deref(), Some("Sales (wsp1): edit via Team"));
    }
}
