//! `/api/v1/runs/{run_id}/labels`: typed annotations on a run (human or programmatic).
//! Labels are append-only; editing a key writes a new label and the latest per key wins
//! (the `latest_labels` view). They are in SQL as soon as the write returns.

use actix_web::{HttpResponse, web};
use chrono::Utc;
use serde::Deserialize;
use serde_json::{Value, json};
use wharf_model::{LabelRecord, Record};

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Labels at most per request.
const MAX_LABELS: usize = 1_000;

/// One label to write.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewLabel {
    key: String,
    /// A string, number or boolean (numbers also land in `value_num`).
    value: Value,
    #[serde(default)]
    note: Option<String>,
    /// Who labels (default: the token, `token:<id>`).
    #[serde(default)]
    author: Option<String>,
}

/// One label, or `{"labels": [...]}`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum LabelBody {
    /// `{"labels": [...]}`: several labels in one request.
    Many {
        /// The labels, written together.
        labels: Vec<NewLabel>,
    },
    /// A bare label object.
    One(NewLabel),
}

/// `POST /api/v1/runs/{run_id}/labels`.
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: web::Json<LabelBody>,
) -> ApiResult<HttpResponse> {
    let run_id = crate::lookup::recorded_run(&state, &caller, &path).await?;
    let labels = match body.into_inner() {
        LabelBody::Many { labels } => labels,
        LabelBody::One(one) => vec![one],
    };
    if labels.is_empty() || labels.len() > MAX_LABELS {
        return Err(ApiError::BadRequest(format!(
            "give between 1 and {MAX_LABELS} labels, got {}",
            labels.len()
        )));
    }
    let now = Utc::now();
    let mut records = Vec::with_capacity(labels.len());
    for (i, l) in labels.into_iter().enumerate() {
        let value = match l.value {
            Value::String(s) => s,
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            other => {
                return Err(ApiError::BadRequest(format!(
                    "labels[{i}].value must be a string, number or boolean, got {other}"
                )));
            }
        };
        if l.key.starts_with("wharf.") {
            return Err(ApiError::BadRequest(format!(
                "labels[{i}].key `{}`: keys starting with `wharf.` are reserved",
                l.key
            )));
        }
        let mut label = LabelRecord::new(
            run_id.clone(),
            Some(caller.collection().to_owned()),
            l.key,
            value,
            Some(
                l.author
                    .unwrap_or_else(|| format!("token:{}", caller.0.token_id)),
            ),
            now,
        );
        label.note = l.note;
        let mut record = Record::Label(label);
        record
            .validate()
            .map_err(|e| ApiError::BadRequest(format!("labels[{i}]: {e}")))?;
        records.push(record);
    }
    let out: Vec<Value> = records
        .iter()
        .filter_map(|r| match r {
            Record::Label(l) => Some(json!({
                "label_id": l.label_id, "key": l.key, "value": l.value,
                "value_num": l.value_num, "author": l.author, "note": l.note,
                "created_at": l.created_at,
            })),
            _ => None,
        })
        .collect();
    state.engine().store.ingest(records).await?;
    Ok(HttpResponse::Created().json(json!({"object": "list", "run_id": run_id, "data": out})))
}

/// `GET /api/v1/runs/{run_id}/labels`: the latest label per key, and `?history=true` for
/// every label written.
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    query: web::Query<HistoryQuery>,
) -> ApiResult<HttpResponse> {
    let run_id = crate::lookup::recorded_run(&state, &caller, &path).await?;
    let table = if query.history {
        "labels"
    } else {
        "latest_labels"
    };
    let session = crate::sql::session(&state, caller.collection()).await?;
    let rows = crate::sql::rows(
        &session,
        &format!(
            "SELECT label_id, key, value, value_num, author, note, created_at FROM {table} \
             WHERE run_id = '{run_id}' ORDER BY key, created_at"
        ),
        state.config.max_sql_rows,
    )
    .await?;
    Ok(HttpResponse::Ok().json(json!({"object": "list", "run_id": run_id, "data": rows})))
}

/// `?history=true`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HistoryQuery {
    #[serde(default)]
    history: bool,
}
