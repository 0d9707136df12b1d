//! Shared test support: one suite over every backend, and a scripted HTTP receiver.
//!
//! SQLite always runs (a file in a tempdir). Postgres runs when `WHARF_TEST_POSTGRES_URL`
//! names an admin connection; each test gets a fresh randomly named database. Under
//! `CI=true` a missing `WHARF_TEST_POSTGRES_URL` fails the Postgres tests instead of skipping.

#![allow(
    dead_code,
    reason = "each test binary uses a different part of the support code"
)]
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::print_stderr,
    reason = "test support: failing loudly is the point"
)]

use std::sync::{Arc, Mutex};

use sqlx::{AnyPool, Connection, Executor};
use tempfile::TempDir;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use wharf_catalog::{Catalog, NewRun, SecretKey};

/// Generates `sqlite::NAME` and `postgres::NAME` tests calling `NAME(TestDb)` for each name.
#[macro_export]
macro_rules! each_backend {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    super::$name($crate::common::TestDb::sqlite().await).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    if let Some(db) = $crate::common::TestDb::postgres().await {
                        super::$name(db).await;
                    }
                }
            )*
        }
    };
}

/// A fresh, empty catalog database on one backend.
pub struct TestDb {
    /// "sqlite" or "postgres".
    pub backend: &'static str,
    /// The URL to pass to `Catalog::open`.
    pub url: String,
    /// A URL sqlx's Any driver opens directly (for poking at raw rows).
    pub raw_url: String,
    /// The SQLite file, when SQLite.
    pub path: Option<std::path::PathBuf>,
    _dir: Option<TempDir>,
}

/// The key every test catalog uses unless a test says otherwise.
pub fn test_key() -> SecretKey {
    SecretKey::from_base64("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=").unwrap()
}

impl TestDb {
    /// A SQLite file in a new tempdir.
    pub async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("catalog.db");
        TestDb {
            backend: "sqlite",
            url: format!("sqlite:{}", path.display()),
            raw_url: format!("sqlite://{}", path.display()),
            path: Some(path),
            _dir: Some(dir),
        }
    }

    /// A new database on the server at `WHARF_TEST_POSTGRES_URL`; None (skip) when unset,
    /// a panic when unset under `CI=true`.
    pub async fn postgres() -> Option<TestDb> {
        let admin = match std::env::var("WHARF_TEST_POSTGRES_URL") {
            Ok(url) if !url.trim().is_empty() => url,
            _ if std::env::var("CI").is_ok_and(|v| v == "true") => panic!(
                "CI=true but WHARF_TEST_POSTGRES_URL is not set: the Postgres catalog tests must run in CI"
            ),
            _ => {
                eprintln!(
                    "skipping: set WHARF_TEST_POSTGRES_URL to run the Postgres catalog tests"
                );
                return None;
            }
        };
        let name = format!("wharf_test_{}", uuid::Uuid::new_v4().simple());
        let mut conn = sqlx::postgres::PgConnection::connect(&admin)
            .await
            .unwrap_or_else(|e| panic!("connecting to WHARF_TEST_POSTGRES_URL: {e}"));
        conn.execute(format!("CREATE DATABASE {name}").as_str())
            .await
            .unwrap();
        conn.close().await.unwrap();
        let url = with_database(&admin, &name);
        Some(TestDb {
            backend: "postgres",
            raw_url: url.clone(),
            url,
            path: None,
            _dir: None,
        })
    }

    /// Opens the catalog with the test key.
    pub async fn open(&self) -> Catalog {
        self.open_with(test_key()).await
    }

    /// Opens the catalog with `key`.
    pub async fn open_with(&self, key: SecretKey) -> Catalog {
        sqlx::any::install_default_drivers();
        Catalog::open(&self.url, key).await.unwrap()
    }

    /// A raw pool on the same database, for tampering and inspection.
    pub async fn raw(&self) -> AnyPool {
        sqlx::any::install_default_drivers();
        AnyPool::connect(&self.raw_url).await.unwrap()
    }
}

/// `url` with its database path replaced by `name` (query parameters kept).
fn with_database(url: &str, name: &str) -> String {
    let scheme_end = url.find("://").map_or(0, |i| i + 3);
    let (base, query) = match url.find('?') {
        Some(q) => (&url[..q], &url[q..]),
        None => (url, ""),
    };
    let authority_end = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    format!("{}/{name}{query}", &base[..authority_end])
}

/// Opens a catalog and creates the given collections.
pub async fn catalog_with(db: &TestDb, collections: &[&str]) -> Catalog {
    let catalog = db.open().await;
    for c in collections {
        catalog.create_collection(c).await.unwrap();
    }
    catalog
}

/// A queued run request for `collection`.
pub fn new_run(collection: &str) -> NewRun {
    NewRun {
        run_id: wharf_model::new_run_id(),
        collection: collection.to_owned(),
        task: Some("fix-bug".to_owned()),
        agent: Some("claude".to_owned()),
        request: serde_json::json!({"task": "fix-bug"}),
        webhook_url: None,
        labels: serde_json::json!({"team": "a"}),
    }
}

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    pub path: String,
    /// Header names lowercased.
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// The status the receiver answered.
    pub answered: u16,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A minimal HTTP/1.1 server: answers each request with `respond(&request, index)`.
pub struct Receiver {
    pub url: String,
    received: Arc<Mutex<Vec<Received>>>,
}

type Respond = dyn Fn(&Received, usize) -> u16 + Send + Sync;

impl Receiver {
    pub async fn start(
        respond: impl Fn(&Received, usize) -> u16 + Send + Sync + 'static,
    ) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let received = Arc::new(Mutex::new(Vec::new()));
        let log = received.clone();
        let respond: Arc<Respond> = Arc::new(respond);
        tokio::spawn(async move {
            loop {
                let Ok((mut stream, _)) = listener.accept().await else {
                    return;
                };
                let log = log.clone();
                let respond = respond.clone();
                tokio::spawn(async move {
                    let Some(mut request) = read_request(&mut stream).await else {
                        return;
                    };
                    let index = log.lock().unwrap().len();
                    let status = respond(&request, index);
                    request.answered = status;
                    log.lock().unwrap().push(request);
                    let reply = format!(
                        "HTTP/1.1 {status} Scripted\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    );
                    let _ = stream.write_all(reply.as_bytes()).await;
                    let _ = stream.shutdown().await;
                });
            }
        });
        Receiver { url, received }
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}

async fn read_request(stream: &mut tokio::net::TcpStream) -> Option<Received> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let header_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..header_end]).to_string();
    let mut lines = head.split("\r\n");
    let mut start = lines.next()?.split(' ');
    let method = start.next()?.to_owned();
    let path = start.next()?.to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buf[header_end + 4..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Some(Received {
        method,
        path,
        headers,
        body: String::from_utf8_lossy(&body).to_string(),
        answered: 0,
    })
}
