//! Finding the caller's things by id: anything outside the caller's collection is
//! "not found", the same answer as for an id that does not exist.

use wharf_catalog::RunState;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// The caller's run `id` (a UUID; anything else is a 404 too).
pub async fn run(state: &AppState, caller: &Caller, id: &str) -> ApiResult<RunState> {
    let Ok(id) = wharf_model::normalize_uuid("run_id", id) else {
        return Err(ApiError::not_found(format!("run {}", id.escape_debug())));
    };
    state
        .catalog()
        .run(caller.collection(), &id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("run {id}")))
}
