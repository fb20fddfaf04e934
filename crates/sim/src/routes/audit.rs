//! `GET …/auditLogEvents`: the audit log, with every filter and both cursors.

use std::sync::Arc;

use axum::{
    extract::{Path, RawQuery, State},
    Json,
};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde_json::json;

use super::{list_param, param, JsonResult};
use crate::{
    auth::Caller,
    error::ApiError,
    state::audit::{decode_cursor, Query},
    Sim,
};

fn parse_time(name: &str, text: &str) -> Result<u64, ApiError> {
    let parsed = DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .or_else(|_| {
            NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f").map(|t| t.and_utc())
        })
        .or_else(|_| {
            NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .map(|d| d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc())
        })
        .map_err(|_| {
            ApiError::invalid(format!(
                "Invalid {name} {text:?}: expected an ISO 8601 date time"
            ))
        })?;
    Ok(parsed.timestamp_millis().max(0) as u64)
}

fn cursor(query: Option<&str>, name: &str) -> Result<Option<crate::ids::EventKey>, ApiError> {
    match param(query, name) {
        None => Ok(None),
        Some(v) if v.is_empty() || v == "null" => Ok(None),
        Some(v) => decode_cursor(&v)
            .map(Some)
            .ok_or_else(|| ApiError::invalid(format!("Invalid pagination cursor {name}={v:?}"))),
    }
}

fn filter(query: Option<&str>, name: &str) -> Result<Vec<String>, ApiError> {
    let values = list_param(query, name);
    if values.len() > 100 {
        return Err(ApiError::invalid(format!(
            "At most 100 values of {name} may be given"
        )));
    }
    Ok(values)
}

pub(crate) async fn events(
    State(sim): State<Arc<Sim>>,
    Path(enterprise_id): Path<String>,
    RawQuery(query): RawQuery,
    caller: Caller,
) -> JsonResult {
    let q = query.as_deref();
    let page_size = match param(q, "pageSize") {
        None => 10,
        Some(v) => match v.parse::<usize>() {
            Ok(n) if (1..=1000).contains(&n) => n,
            _ => {
                return Err(ApiError::invalid(format!(
                    "Invalid pageSize {v:?}: expected a number from 1 to 1000"
                )))
            }
        },
    };
    let ascending = match param(q, "sortOrder").as_deref() {
        None | Some("descending") => false,
        Some("ascending") => true,
        Some(other) => {
            return Err(ApiError::invalid(format!(
                "Invalid sortOrder {other:?}: expected ascending or descending"
            )))
        }
    };
    let next = cursor(q, "next")?;
    let previous = cursor(q, "previous")?;
    if next.is_some() && previous.is_some() {
        return Err(ApiError::invalid("Pass either next or previous, not both"));
    }
    let query = Query {
        start_ms: param(q, "startTime")
            .map(|t| parse_time("startTime", &t))
            .transpose()?,
        end_ms: param(q, "endTime")
            .map(|t| parse_time("endTime", &t))
            .transpose()?,
        originating_user_ids: filter(q, "originatingUserId")?,
        event_types: filter(q, "eventType")?,
        model_ids: filter(q, "modelId")?,
        categories: filter(q, "category")?,
        page_size,
        ascending,
        next,
        previous,
    };
    let world = sim.world.read().await;
    caller.require_admin(&world, &enterprise_id, "enterprise.auditLogs:read")?;
    let page = world.audit.query(&query);
    Ok(Json(json!({
        "events": page.events,
        "pagination": { "next": page.next, "previous": page.previous },
    })))
}
