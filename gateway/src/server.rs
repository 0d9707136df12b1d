//! The gateway as a standalone server on its own thread (`wharf run` starts one per
//! process on 127.0.0.1:0).

use std::net::{SocketAddr, TcpListener, ToSocketAddrs};
use std::thread::JoinHandle;

use actix_web::{App, HttpResponse, HttpServer, web};
use tokio::sync::oneshot;

use crate::error::GatewayError;
use crate::gateway::Gateway;

/// Seconds in-flight calls get to finish when the server stops.
const SHUTDOWN_GRACE_SECS: u64 = 5;

/// A running gateway server. Dropping it stops the server (in-flight calls get a short
/// grace period); [`GatewayServer::stop`] also waits for it.
#[derive(Debug)]
pub struct GatewayServer {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl GatewayServer {
    /// The bound address (the real port when bound to port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://{local_addr}`: the base URL agents get.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops the server and waits until it has stopped.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = tokio::task::spawn_blocking(move || thread.join()).await;
        }
    }
}

impl Drop for GatewayServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl Gateway {
    /// Serves the gateway routes on `addr` from a dedicated thread with its own runtime.
    /// Binding happens before this returns, so the address is usable at once.
    pub fn serve(
        &self,
        addr: impl ToSocketAddrs + std::fmt::Debug,
    ) -> Result<GatewayServer, GatewayError> {
        let shown = format!("{addr:?}");
        let bind_error = |source| GatewayError::Bind {
            addr: shown.clone(),
            source,
        };
        let listener = TcpListener::bind(addr).map_err(bind_error)?;
        let local = listener.local_addr().map_err(bind_error)?;
        listener.set_nonblocking(true).map_err(bind_error)?;
        let gateway = self.clone();
        let workers = self.config().workers.max(1);
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("wharf-gateway".into())
            .spawn(move || {
                let system = actix_web::rt::System::new();
                system.block_on(async move {
                    let server = HttpServer::new(move || {
                        let gateway = gateway.clone();
                        App::new()
                            .configure(move |cfg| gateway.configure(cfg))
                            // Connectivity probes (claude-code sends `HEAD /` at startup).
                            .route("/", web::head().to(HttpResponse::Ok))
                            .route("/healthz", web::get().to(HttpResponse::Ok))
                    })
                    // Streamed answers are many small writes: without TCP_NODELAY,
                    // Nagle's algorithm and delayed ACKs hold each for ~40 ms.
                    .on_connect(|conn, _| {
                        if let Some(tcp) = conn.downcast_ref::<actix_web::rt::net::TcpStream>() {
                            let _ = tcp.set_nodelay(true);
                        }
                    })
                    .workers(workers)
                    .disable_signals()
                    .shutdown_timeout(SHUTDOWN_GRACE_SECS)
                    .listen(listener);
                    let server = match server {
                        Ok(server) => server.run(),
                        Err(e) => {
                            tracing::error!(addr = %local, error = %e, "llm gateway cannot serve");
                            return;
                        }
                    };
                    let handle = server.handle();
                    let server = actix_web::rt::spawn(server);
                    let _ = stop_rx.await;
                    handle.stop(true).await;
                    let _ = server.await;
                });
            })
            .map_err(bind_error)?;
        tracing::info!(addr = %local, "llm gateway listening");
        Ok(GatewayServer {
            addr: local,
            stop: Some(stop_tx),
            thread: Some(thread),
        })
    }
}
