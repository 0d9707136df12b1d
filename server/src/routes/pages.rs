//! The dashboards' routes: thin handlers that authenticate (bearer token or the
//! `wharf_token` cookie), call one `load` and one `render` of `wharf-dashboards`, and serve
//! the HTML with the pages' security headers. A page without a valid token redirects to
//! `/login`; other errors are HTML error pages with the API's status codes.

use std::time::Instant;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use serde::Deserialize;
use wharf_catalog::{RunFilter, RunState};
use wharf_dashboards::layout::{PAGE_HEADERS, error_page};
use wharf_dashboards::{
    assets, compare, console, filters::OverviewFilter, login, notice, overview, run, run_view,
};
use wharf_model::QueueStatus;

use crate::auth::{Caller, TOKEN_COOKIE};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// How long the browser session cookie lasts.
const COOKIE_MAX_AGE_SECS: u64 = 7 * 24 * 3600;

/// Mounts the pages and `/static/*`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(overview_page))
        .route("/runs/{run_id}", web::get().to(run_page))
        .route(
            "/runs/{run_id}/events/{attempt}/{seq}",
            web::get().to(event_page),
        )
        .route("/compare", web::get().to(compare_page))
        .route("/sql", web::get().to(sql_page))
        .route("/login", web::get().to(login_page))
        .route("/login", web::post().to(login_submit))
        .route("/logout", web::post().to(logout))
        .route("/static/{name}", web::get().to(static_file));
}

fn html(status: StatusCode, body: String, started: Option<Instant>) -> HttpResponse {
    let mut r = HttpResponse::build(status);
    r.content_type("text/html; charset=utf-8");
    for h in PAGE_HEADERS {
        r.insert_header(*h);
    }
    if let Some(t) = started {
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        r.insert_header(("server-timing", format!("page;dur={ms:.1}")));
    }
    r.body(body)
}

fn redirect(to: &str) -> HttpResponse {
    let mut r = HttpResponse::SeeOther();
    for h in PAGE_HEADERS {
        r.insert_header(*h);
    }
    r.insert_header((header::LOCATION, to.to_owned())).finish()
}

/// The page's answer: its HTML (with the server's notices), or the login redirect, or an
/// error page (with them too).
fn finish(
    state: &AppState,
    req: &HttpRequest,
    result: ApiResult<String>,
    collection: Option<&str>,
    started: Instant,
) -> HttpResponse {
    let notices = crate::notices::notices(state, collection);
    match result {
        Ok(body) => html(
            StatusCode::OK,
            notice::insert(body, &notices),
            Some(started),
        ),
        Err(ApiError::Unauthorized(_)) => {
            let here = match req.query_string() {
                "" => req.path().to_owned(),
                q => format!("{}?{q}", req.path()),
            };
            redirect(&format!(
                "/login?next={}",
                wharf_dashboards::escape::url_encode(&here)
            ))
        }
        Err(e) => {
            let status = e.status_code();
            if status.is_server_error() {
                tracing::error!(error = %e, path = req.path(), "page failed");
            }
            html(
                status,
                notice::insert(
                    error_page(status.as_u16(), &e.to_string(), collection),
                    &notices,
                ),
                None,
            )
        }
    }
}

fn query<T: serde::de::DeserializeOwned>(req: &HttpRequest) -> ApiResult<T> {
    web::Query::<T>::from_query(req.query_string())
        .map(web::Query::into_inner)
        .map_err(|e| ApiError::BadRequest(format!("query string: {e}")))
}

fn catalog_run(r: &RunState) -> run::CatalogRun {
    let summary = r.summary.as_ref();
    run::CatalogRun {
        status: r.status,
        agent: r.agent.clone(),
        task: r.task.clone(),
        attempts: summary.map(|s| i64::from(s.attempts)),
        best_attempt: summary.and_then(|s| s.best_attempt).map(i64::from),
        error: r.error.clone(),
    }
}

async fn live_runs(state: &AppState, caller: &Caller) -> ApiResult<Vec<overview::LiveRun>> {
    let mut out = Vec::new();
    for status in [QueueStatus::Running, QueueStatus::Queued] {
        let filter = RunFilter {
            status: Some(status),
            limit: Some(50),
            ..Default::default()
        };
        let page = state.catalog().runs(caller.collection(), &filter).await?;
        out.extend(page.items.into_iter().map(|r| overview::LiveRun {
            run_id: r.run_id,
            status: r.status,
            agent: r.agent,
            task: r.task,
            created_at: r.created_at.to_rfc3339(),
            current_step: None,
        }));
    }
    Ok(out)
}

/// `GET /`.
async fn overview_page(
    state: web::Data<AppState>,
    caller: Result<Caller, ApiError>,
    req: HttpRequest,
) -> HttpResponse {
    let started = Instant::now();
    let collection = caller.as_ref().ok().map(|c| c.collection().to_owned());
    let result = async {
        let caller = caller?;
        let filter: OverviewFilter = query(&req)?;
        let session = crate::sql::session(&state, caller.collection()).await?;
        let live = live_runs(&state, &caller).await?;
        let data = overview::load(&session, filter, live).await?;
        Ok::<_, ApiError>(overview::render(&data, caller.collection()))
    }
    .await;
    finish(&state, &req, result, collection.as_deref(), started)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PageQuery {
    #[serde(default)]
    page: Option<u32>,
}

/// `GET /runs/{run_id}?page=N`.
async fn run_page(
    state: web::Data<AppState>,
    caller: Result<Caller, ApiError>,
    req: HttpRequest,
    path: web::Path<String>,
) -> HttpResponse {
    let started = Instant::now();
    let collection = caller.as_ref().ok().map(|c| c.collection().to_owned());
    let result = async {
        let caller = caller?;
        let q: PageQuery = query(&req)?;
        let run_id = crate::lookup::recorded_run(&state, &caller, &path).await?;
        let catalog = state
            .catalog()
            .run(caller.collection(), &run_id)
            .await?
            .map(|r| catalog_run(&r));
        let session = crate::sql::session(&state, caller.collection()).await?;
        let data = run::load(
            &session,
            state.objects(),
            &run_id,
            catalog,
            q.page.unwrap_or(0),
        )
        .await?;
        Ok::<_, ApiError>(run_view::render(&data, caller.collection()))
    }
    .await;
    finish(&state, &req, result, collection.as_deref(), started)
}

/// `GET /runs/{run_id}/events/{attempt}/{seq}`: one event in full.
async fn event_page(
    state: web::Data<AppState>,
    caller: Result<Caller, ApiError>,
    req: HttpRequest,
    path: web::Path<(String, i64, i64)>,
) -> HttpResponse {
    let started = Instant::now();
    let collection = caller.as_ref().ok().map(|c| c.collection().to_owned());
    let result = async {
        let caller = caller?;
        let (id, attempt, seq) = path.into_inner();
        let run_id = crate::lookup::recorded_run(&state, &caller, &id).await?;
        let session = crate::sql::session(&state, caller.collection()).await?;
        let event = run::load_event(&session, &run_id, attempt, seq).await?;
        Ok::<_, ApiError>(run_view::render_event(&run_id, &event, caller.collection()))
    }
    .await;
    finish(&state, &req, result, collection.as_deref(), started)
}

/// `GET /compare?a=&b=`.
async fn compare_page(
    state: web::Data<AppState>,
    caller: Result<Caller, ApiError>,
    req: HttpRequest,
) -> HttpResponse {
    let started = Instant::now();
    let collection = caller.as_ref().ok().map(|c| c.collection().to_owned());
    let result = async {
        let caller = caller?;
        let q: compare::CompareQuery = query(&req)?;
        let session = crate::sql::session(&state, caller.collection()).await?;
        let data = compare::load(&session, state.objects(), q).await?;
        Ok::<_, ApiError>(compare::render(&data, caller.collection()))
    }
    .await;
    finish(&state, &req, result, collection.as_deref(), started)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SqlQuery {
    #[serde(default)]
    q: Option<String>,
}

/// `GET /sql?q=`.
async fn sql_page(
    state: web::Data<AppState>,
    caller: Result<Caller, ApiError>,
    req: HttpRequest,
) -> HttpResponse {
    let started = Instant::now();
    let collection = caller.as_ref().ok().map(|c| c.collection().to_owned());
    let result = (|| -> ApiResult<String> {
        let caller = caller?;
        let q: SqlQuery = query(&req)?;
        Ok(console::render(
            q.q.as_deref().unwrap_or_default(),
            caller.collection(),
        ))
    })();
    finish(&state, &req, result, collection.as_deref(), started)
}

#[derive(Debug, Deserialize)]
struct LoginQuery {
    #[serde(default)]
    next: Option<String>,
}

/// `GET /login`.
async fn login_page(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let q: LoginQuery = query(&req).unwrap_or(LoginQuery { next: None });
    let notices = crate::notices::notices(&state, None);
    html(
        StatusCode::OK,
        notice::insert(login::render(None, q.next.as_deref()), &notices),
        None,
    )
}

/// Whether a form post comes from this server's own pages: `Origin` (or, without it,
/// `Referer`) names this host. Browsers send `Origin` on every cross-site POST, so a
/// foreign page cannot log a victim into the attacker's collection.
fn same_origin(req: &HttpRequest) -> bool {
    let host = req.connection_info().host().to_owned();
    let source = req
        .headers()
        .get(header::ORIGIN)
        .or_else(|| req.headers().get(header::REFERER))
        .and_then(|v| v.to_str().ok());
    match source {
        None => true, // not a browser (curl, tests): no ambient credentials to abuse
        Some(s) => url::Url::parse(s).is_ok_and(|u| {
            let port = u.port().map(|p| format!(":{p}")).unwrap_or_default();
            u.host_str().is_some_and(|h| format!("{h}{port}") == host)
        }),
    }
}

fn session_cookie(req: &HttpRequest, value: &str, max_age: u64) -> HeaderValue {
    let secure = if req.connection_info().scheme() == "https" {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{TOKEN_COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("wharf_token=; Path=/; Max-Age=0"))
}

#[derive(Debug, Deserialize)]
struct LoginForm {
    token: String,
    #[serde(default)]
    next: Option<String>,
}

/// `POST /login`: checks the token, then keeps it in the session cookie.
async fn login_submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<LoginForm>,
) -> HttpResponse {
    let form = form.into_inner();
    let next = form.next.as_deref();
    if !same_origin(&req) {
        return html(
            StatusCode::FORBIDDEN,
            login::render(Some("the login form must be posted from this server"), next),
            None,
        );
    }
    let token = form.token.trim();
    // Tokens are `wharf_` + hex: anything else cannot be one (and must not reach a header).
    let well_formed = !token.is_empty()
        && token.len() <= 200
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    let principal = if well_formed {
        match state.authenticate(token).await {
            Ok(p) => p,
            Err(e) => return finish(&state, &req, Err(e), None, Instant::now()),
        }
    } else {
        None
    };
    if principal.is_none() {
        return html(
            StatusCode::UNAUTHORIZED,
            login::render(Some("invalid or revoked API token"), next),
            None,
        );
    }
    let mut r = redirect(&login::next_target(next));
    r.headers_mut().append(
        header::SET_COOKIE,
        session_cookie(&req, token, COOKIE_MAX_AGE_SECS),
    );
    r
}

/// `POST /logout`: forgets the session cookie.
async fn logout(req: HttpRequest) -> HttpResponse {
    if !same_origin(&req) {
        return html(
            StatusCode::FORBIDDEN,
            error_page(403, "log out from this server's pages", None),
            None,
        );
    }
    let mut r = redirect("/login");
    r.headers_mut()
        .append(header::SET_COOKIE, session_cookie(&req, "", 0));
    r
}

/// `GET /static/{name}`: the embedded assets.
async fn static_file(path: web::Path<String>) -> HttpResponse {
    match assets::get(&path) {
        Some((content_type, bytes)) => HttpResponse::Ok()
            .content_type(content_type)
            .insert_header(("x-content-type-options", "nosniff"))
            .insert_header(("cache-control", "public, max-age=300"))
            .body(bytes),
        None => html(
            StatusCode::NOT_FOUND,
            error_page(404, "no such asset", None),
            None,
        ),
    }
}
