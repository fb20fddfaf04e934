//! A report's rows as CSV (the server streams every row of a report at
//! `GET /reports/<name>.csv`): all pages, in the report's order, read through a
//! server-side cursor, so memory stays flat at any size.

use console_types::{
    api::ConsoleError,
    reports::{ReportKind, ReportQuery},
};
use futures::StreamExt;
use sqlx::PgPool;

use super::{definition::Definition, latest, rows_sql, unavailable_for, with_definition, Snapshot};
use crate::{
    csv_out,
    error::internal,
    export::{self, Chunks, Download},
    Console,
};

/// Every row of report `kind` from the latest snapshot, as CSV.
pub async fn csv(
    console: &Console,
    kind: ReportKind,
    query: ReportQuery,
) -> Result<Download, ConsoleError> {
    let snap = latest(&console.db)
        .await
        .map_err(internal)?
        .ok_or_else(crate::snapshots::none_yet)?;
    if let Some(reason) = unavailable_for(kind, &snap) {
        return Err(ConsoleError::Conflict(reason));
    }
    let filename = format!(
        "{}-{}.csv",
        kind.slug(),
        snap.taken_at.format("%Y%m%dT%H%M%SZ")
    );
    let db = console.exports.pool().clone();
    let chunks = with_definition!(kind, D => stream::<D>(db, snap, query));
    Ok(Download {
        filename,
        content_type: export::CSV,
        what: "report export",
        chunks,
    })
}

fn stream<D: Definition>(db: PgPool, snap: Snapshot, query: ReportQuery) -> Chunks {
    let (sender, chunks) = export::channel();
    tokio::spawn(async move {
        let mut sql = rows_sql::<D>(&snap, &query);
        let head = csv_out::header(D::CSV_HEADER);
        let rows = sql.build().fetch(&db).map(|r| r.and_then(|r| D::row(&r)));
        export::pump(rows, head, write_row::<D>, sender).await;
    });
    Box::pin(chunks)
}

fn write_row<D: Definition>(out: &mut Vec<u8>, row: D::Row) {
    let fields = D::csv_fields(row);
    csv_out::write_row(out, fields.iter().map(|f| f.as_deref()));
}

#[cfg(test)]
mod tests {
    use super::super::{
        external_collaborators::ExternalCollaborators, inactive_users::InactiveUsers,
    };
    use super::*;
    use console_types::reports::{
        ExternalCollaboratorRow, GroupRef, InactiveUserRow, WorkspaceReach,
    };

    #[test]
    fn every_report_has_as_many_fields_as_header_columns() {
        let inactive = InactiveUserRow {
            user_id: "usr1".into(),
            email: "a@b.c".into(),
            name: "=cmd".into(),
            last_activity: None,
            is_admin: false,
            is_managed: true,
            is_service_account: false,
        };
        let mut out = Vec::new();
        write_row::<InactiveUsers>(&mut out, inactive);
        assert_eq!(
            String::from_utf8_lossy(&out),
            "usr1,a@b.c,\"'=cmd\",,yes,no,yes,no\r\n"
        );
        assert_eq!(InactiveUsers::CSV_HEADER.len(), 8);
        let external = ExternalCollaboratorRow {
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
        };
        let fields = ExternalCollaborators::csv_fields(external);
        assert_eq!(fields.len(), ExternalCollaborators::CSV_HEADER.len());
        assert_eq!(fields[5].as_deref(), Some("Team (ugp1)"));
        assert_eq!(fields[6].as_deref(), Some("Sales (wsp1): edit via Team"));
    }
}
