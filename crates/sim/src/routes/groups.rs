//! User groups.

use std::sync::Arc;

use axum::{
    extract::{Path, RawQuery, State},
    Json,
};

use super::{includes, JsonResult};
use crate::{auth::Caller, error::ApiError, render, Sim};

pub(crate) async fn get(
    State(sim): State<Arc<Sim>>,
    Path(group_id): Path<String>,
    RawQuery(query): RawQuery,
    caller: Caller,
) -> JsonResult {
    let world = sim.world.read().await;
    caller.require_any_admin(&world, "enterprise.groups:read")?;
    let include = includes(query.as_deref(), &["collaborations"])?;
    let g = world
        .groups
        .get(&group_id)
        .ok_or_else(ApiError::not_found)?;
    Ok(Json(render::group(&world, g, !include.is_empty())))
}
