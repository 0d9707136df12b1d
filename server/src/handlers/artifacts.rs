//! A run's results: the list, one file by its path, all of them as a zip. Paths are looked
//! up among the run's recorded artifacts (never joined into a storage key), so a crafted
//! path can only miss.

use std::io::Write;

use actix_web::{HttpResponse, web};
use serde_json::{Value, json};

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::views::artifact_url;

/// One recorded artifact.
struct Artifact {
    path: String,
    object_key: String,
    size: i64,
    content_type: Option<String>,
    sha256: Option<String>,
    attempt: i64,
}

/// `?attempt=N`: one attempt's files instead of the kept ones.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttemptQuery {
    attempt: Option<i64>,
}

/// The caller's run `id` and its artifacts from the `artifacts` table, scoped to the
/// caller's collection: attempt `attempt` when given, else the attempt the run kept (its
/// best), else the latest attempt's file of each path.
async fn run_artifacts(
    state: &AppState,
    caller: &Caller,
    id: &str,
    attempt: Option<i64>,
) -> ApiResult<(wharf_catalog::RunState, Vec<Artifact>)> {
    let run = crate::lookup::run(state, caller, id).await?;
    let run_id = &run.run_id;
    let sql = format!(
        "SELECT path, object_key, size, content_type, sha256, attempt FROM artifacts \
         WHERE run_id = '{run_id}' AND object_key IS NOT NULL AND role <> 'input' ORDER BY attempt, path"
    );
    let session = crate::sql::session(state, caller.collection()).await?;
    let rows = crate::sql::rows(&session, &sql, state.config.max_sql_rows).await?;
    let list: Vec<Artifact> = rows
        .into_iter()
        .filter_map(|r| {
            Some(Artifact {
                path: r.get("path")?.as_str()?.to_owned(),
                object_key: r.get("object_key")?.as_str()?.to_owned(),
                size: r.get("size").and_then(Value::as_i64).unwrap_or(0),
                content_type: r
                    .get("content_type")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                sha256: r.get("sha256").and_then(Value::as_str).map(str::to_owned),
                attempt: r.get("attempt").and_then(Value::as_i64).unwrap_or(1),
            })
        })
        .collect();
    let kept = attempt.or_else(|| {
        run.summary
            .as_ref()
            .and_then(|s| s.best_attempt)
            .map(i64::from)
    });
    let list = match kept {
        Some(n) => list.into_iter().filter(|a| a.attempt == n).collect(),
        None => latest(list),
    };
    Ok((run, list))
}

/// The latest attempt's file of each path.
fn latest(list: Vec<Artifact>) -> Vec<Artifact> {
    let mut by_path: std::collections::BTreeMap<String, Artifact> = Default::default();
    for a in list {
        match by_path.get(&a.path) {
            Some(old) if old.attempt > a.attempt => {}
            _ => {
                by_path.insert(a.path.clone(), a);
            }
        }
    }
    by_path.into_values().collect()
}

/// `GET /api/v1/runs/{run_id}/artifacts`.
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    query: web::Query<AttemptQuery>,
) -> ApiResult<HttpResponse> {
    let (run, list) = run_artifacts(&state, &caller, &path, query.attempt).await?;
    let suffix = query
        .attempt
        .map(|n| format!("?attempt={n}"))
        .unwrap_or_default();
    let data: Vec<Value> = list
        .iter()
        .map(|a| {
            json!({
                "path": a.path,
                "bytes": a.size,
                "content_type": a.content_type,
                "sha256": a.sha256,
                "attempt": a.attempt,
                "url": format!("{}{suffix}", artifact_url(&run.run_id, &a.path)),
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({"object": "list", "run_id": run.run_id, "data": data})))
}

/// `GET /api/v1/runs/{run_id}/artifacts/{path}`.
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    query: web::Query<AttemptQuery>,
) -> ApiResult<HttpResponse> {
    let (run_id, file) = path.into_inner();
    let (run, list) = run_artifacts(&state, &caller, &run_id, query.attempt).await?;
    let found = list.into_iter().find(|a| a.path == file).ok_or_else(|| {
        ApiError::not_found(format!(
            "artifact `{}` of run {}",
            file.escape_debug(),
            run.run_id
        ))
    })?;
    let bytes = state.objects().get(&found.object_key).await?;
    let content_type = found
        .content_type
        .unwrap_or_else(|| "application/octet-stream".into());
    let name = found
        .path
        .rsplit('/')
        .next()
        .unwrap_or("file")
        .replace('"', "");
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header(("x-content-type-options", "nosniff"))
        .insert_header(("content-security-policy", "sandbox"))
        .insert_header((
            "content-disposition",
            format!("inline; filename=\"{name}\""),
        ))
        .body(bytes))
}

/// `GET /api/v1/runs/{run_id}/artifacts.zip`.
pub async fn zip(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    query: web::Query<AttemptQuery>,
) -> ApiResult<HttpResponse> {
    let (run, list) = run_artifacts(&state, &caller, &path, query.attempt).await?;
    let mut files = Vec::new();
    for a in list {
        let bytes = state.objects().get(&a.object_key).await?;
        files.push((a.path, bytes));
    }
    let archive = tokio::task::spawn_blocking(move || -> std::io::Result<Vec<u8>> {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (path, bytes) in files {
            zip.start_file(path, options)
                .map_err(std::io::Error::other)?;
            zip.write_all(&bytes)?;
        }
        Ok(zip.finish().map_err(std::io::Error::other)?.into_inner())
    })
    .await
    .map_err(|e| ApiError::Internal(format!("zip: {e}")))?
    .map_err(|e| ApiError::Internal(format!("zip: {e}")))?;
    Ok(HttpResponse::Ok()
        .content_type("application/zip")
        .insert_header((
            "content-disposition",
            format!("attachment; filename=\"run-{}.zip\"", run.run_id),
        ))
        .body(archive))
}
