//! Starting the service: catalog, first-start bootstrap, run service, webhook deliverer,
//! HTTP server.

use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::dev::Service;
use actix_web::{App, HttpServer, web};
use wharf_catalog::{Catalog, SecretKey};
use wharf_engine::{Engine, RunService, ServiceConfig};
use wharf_query::QueryConfig;

use crate::config::ServerConfig;
use crate::error::ApiError;
use crate::metrics::Metrics;
use crate::state::AppState;

/// Where the first token is saved (readable by the owner only).
pub const TOKEN_FILE: &str = "admin-token";

/// What a start found or created.
#[derive(Debug)]
pub struct Started {
    /// The first admin token, when this start created it (shown once).
    pub new_token: Option<String>,
    /// Runs a previous process left in flight, now marked `error`.
    pub recovered: usize,
}

/// Opens the catalog with the configured key (or the key file in the state dir).
pub async fn open_catalog(config: &ServerConfig) -> Result<Catalog, ApiError> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&config.state_dir)
        .map_err(|e| {
            ApiError::Internal(format!(
                "state directory {}: {e}",
                config.state_dir.display()
            ))
        })?;
    let key = match &config.secret_key {
        Some(k) => SecretKey::from_base64(k)?,
        None => SecretKey::load_or_create(&config.state_dir.join("secret.key"))?,
    };
    Ok(Catalog::open(&config.catalog_url(), key).await?)
}

/// On first start (no collection yet): the default collection and an admin token, saved
/// to `state_dir/admin-token` with mode 0600.
pub async fn bootstrap(
    catalog: &Catalog,
    config: &ServerConfig,
) -> Result<Option<String>, ApiError> {
    if !catalog.collections().await?.is_empty() {
        return Ok(None);
    }
    catalog
        .create_collection(&config.default_collection)
        .await?;
    let (_, token) = catalog
        .create_token(&config.default_collection, "admin (first start)", true)
        .await?;
    let path = config.state_dir.join(TOKEN_FILE);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&path)
        .map_err(|e| ApiError::Internal(format!("{}: {e}", path.display())))?;
    writeln!(file, "{token}")
        .map_err(|e| ApiError::Internal(format!("{}: {e}", path.display())))?;
    Ok(Some(token))
}

/// A running server.
pub struct Server {
    /// Where it listens.
    pub addr: std::net::SocketAddr,
    /// What the start did.
    pub started: Started,
    server: actix_web::dev::Server,
    service: RunService,
    stop_webhooks: tokio::sync::watch::Sender<bool>,
}

impl Server {
    /// Serves until stopped (Ctrl-C / SIGTERM), then cancels running runs.
    pub async fn run(self) -> std::io::Result<()> {
        let result = self.server.await;
        self.service.shutdown();
        let _ = self.stop_webhooks.send(true);
        // Give cancelled runs a moment to record themselves.
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.service.running() > 0 && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let engine = self.service.engine();
        engine.gateway.flush(Duration::from_secs(5)).await;
        engine.sink.drain().await;
        result
    }
}

/// Starts everything and binds `config.bind`.
pub async fn start(
    engine: Engine,
    catalog: Catalog,
    config: ServerConfig,
    query: QueryConfig,
    offline: bool,
) -> Result<Server, ApiError> {
    let new_token = bootstrap(&catalog, &config).await?;
    let worker = format!(
        "{}:{}",
        std::env::var("HOSTNAME").unwrap_or_else(|_| "wharf".into()),
        std::process::id()
    );
    let service = RunService::new(
        engine,
        catalog.clone(),
        ServiceConfig {
            concurrency: config.concurrency,
            requests_dir: config.state_dir.join("requests"),
            worker,
        },
    );
    let recovered = service.start().await?;
    for r in &recovered {
        tracing::warn!(run_id = %r.run_id, "run was in flight when the server stopped; marked error");
    }
    let metrics = Metrics::new()?;
    let policy = wharf_catalog::webhook::RetryPolicy {
        max_attempts: config.webhook_max_attempts,
        base: Duration::from_millis(config.webhook_base_delay_ms),
        ..Default::default()
    };
    let (stop_webhooks, stopped) = tokio::sync::watch::channel(false);
    wharf_catalog::webhook::Deliverer::new(catalog.clone(), policy)?
        .spawn(Duration::from_millis(250), stopped);
    let state = AppState {
        service: service.clone(),
        query,
        config: Arc::new(config.clone()),
        metrics,
        offline,
        caches: Default::default(),
    };
    let data = web::Data::new(state);
    let json_limit = config.max_json_bytes;
    let server =
        HttpServer::new(move || {
            let metrics = data.metrics.clone();
            App::new()
                .app_data(data.clone())
                .app_data(
                    web::JsonConfig::default()
                        .limit(json_limit)
                        .error_handler(|e, _| ApiError::from(e).into()),
                )
                .app_data(web::QueryConfig::default().error_handler(|e, _| {
                    ApiError::BadRequest(format!("query string: {e}")).into()
                }))
                .app_data(
                    web::PathConfig::default()
                        .error_handler(|e, _| ApiError::BadRequest(format!("path: {e}")).into()),
                )
                .wrap_fn(move |req, srv| {
                    let started = Instant::now();
                    let route = req.match_pattern().unwrap_or_else(|| "unmatched".into());
                    let method = req.method().to_string();
                    let metrics = metrics.clone();
                    let fut = srv.call(req);
                    async move {
                        let res = fut.await?;
                        metrics.observe(
                            &route,
                            &method,
                            res.status().as_u16(),
                            started.elapsed().as_secs_f64(),
                        );
                        Ok(res)
                    }
                })
                .configure(crate::routes::configure)
                .default_service(web::to(|| async {
                    Err::<actix_web::HttpResponse, _>(ApiError::NotFound("no such route".into()))
                }))
        })
        // Streamed answers are many small writes: without TCP_NODELAY, Nagle's algorithm and
        // delayed ACKs hold each for ~40 ms.
        .on_connect(|conn, _| {
            if let Some(tcp) = conn.downcast_ref::<actix_web::rt::net::TcpStream>() {
                let _ = tcp.set_nodelay(true);
            }
        })
        .bind(&config.bind)
        .map_err(|e| ApiError::Internal(format!("cannot listen on {}: {e}", config.bind)))?;
    let addr = server
        .addrs()
        .first()
        .copied()
        .ok_or_else(|| ApiError::Internal(format!("no address bound for {}", config.bind)))?;
    let server = server.run();
    Ok(Server {
        addr,
        started: Started {
            new_token,
            recovered: recovered.len(),
        },
        server,
        service,
        stop_webhooks,
    })
}
