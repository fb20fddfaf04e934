//! `/_sim/…`: what tests need to know about, and do to, the simulator.

use std::sync::Arc;

use axum::{extract::State, response::IntoResponse, Json};

use crate::{error::ApiError, Sim};

pub(crate) async fn info(State(sim): State<Arc<Sim>>) -> impl IntoResponse {
    Json(sim.info().await)
}

pub(crate) async fn health() -> &'static str {
    "ok"
}

pub(crate) async fn not_found() -> ApiError {
    ApiError::not_found()
}
