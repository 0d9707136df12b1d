//! `POST /api/v1/uploads`: store files for later runs; answers the `file_paths` to use.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use serde_json::json;
use wharf_catalog::Upload;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::multipart::read_parts;
use crate::state::AppState;
use crate::uploads::{check_file_name, object_key};

/// Multipart with file parts, or a raw body with `?name=FILE`.
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    body: web::Payload,
) -> ApiResult<HttpResponse> {
    let limit = state.config.max_upload_bytes;
    let files: Vec<(String, Vec<u8>)> = if crate::body::media_type(&req) == "multipart/form-data" {
        let parts = read_parts(actix_multipart::Multipart::new(req.headers(), body), limit).await?;
        let mut files = Vec::new();
        for p in parts {
            match p.filename {
                Some(name) => files.push((name, p.bytes)),
                None => {
                    return Err(ApiError::BadRequest(format!(
                        "form field `{}` is not a file part",
                        p.name
                    )));
                }
            }
        }
        files
    } else {
        let query =
            web::Query::<std::collections::HashMap<String, String>>::from_query(req.query_string())
                .map_err(|e| ApiError::BadRequest(format!("query: {e}")))?;
        let name = query.get("name").cloned().ok_or_else(|| {
            ApiError::BadRequest(
                "send multipart/form-data file parts, or the raw bytes with ?name=FILE".into(),
            )
        })?;
        vec![(name, crate::body::read(body, limit).await?.to_vec())]
    };
    if files.is_empty() {
        return Err(ApiError::BadRequest("no files in the upload".into()));
    }
    for (name, _) in &files {
        check_file_name(name)?;
    }
    let mut data = Vec::new();
    for (name, bytes) in files {
        let id = uuid::Uuid::new_v4().to_string();
        let key = object_key(caller.collection(), &id, &name);
        let size = bytes.len() as i64;
        let sha256 = wharf_engine::sha256_hex(&bytes);
        state.objects().put(&key, bytes.into()).await?;
        let upload = Upload {
            id: id.clone(),
            collection: caller.collection().to_owned(),
            name: name.clone(),
            bytes: size,
            sha256: sha256.clone(),
            object_key: key,
            created_at: Utc::now(),
        };
        state.catalog().put_upload(&upload).await?;
        data.push(json!({
            "id": id,
            "name": name,
            "bytes": size,
            "sha256": sha256,
            "path": format!("uploads/{id}/{name}"),
        }));
    }
    Ok(HttpResponse::build(StatusCode::CREATED).json(json!({"object": "list", "data": data})))
}
