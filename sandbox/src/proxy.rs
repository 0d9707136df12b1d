//! The egress proxy of `allowlist` runs: HTTP `CONNECT` (HTTPS) and absolute-URI HTTP
//! requests to allowlisted hosts go through; everything else gets a 403 that names the
//! host. Names are resolved here, on the host, and a name that resolves to a loopback,
//! private or link-local address is refused unless the entry names that address itself
//! (so DNS cannot be used to reach host services or cloud metadata).

use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UnixStream};
use tokio::task::JoinHandle;

use crate::SandboxError;
use crate::policy::HostPattern;

const MAX_HEAD: usize = 16 * 1024;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

/// One decision of the egress proxy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EgressDecision {
    /// Host asked for.
    pub host: String,
    /// Port asked for.
    pub port: u16,
    /// Whether it was let through.
    pub allowed: bool,
    /// Why not, when refused.
    pub reason: Option<String>,
}

/// Shared log of decisions, read by the run summary.
pub type EgressLog = Arc<Mutex<Vec<EgressDecision>>>;

/// Serves the proxy on `sock` until the task is aborted.
pub(crate) fn serve(
    sock: &Path,
    allow: Arc<Vec<HostPattern>>,
    log: EgressLog,
) -> Result<JoinHandle<()>, SandboxError> {
    let listener = crate::relay::bind(sock)?;
    Ok(tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let (allow, log) = (allow.clone(), log.clone());
            tokio::spawn(async move {
                let _ = handle(stream, &allow, &log).await;
            });
        }
    }))
}

async fn handle(
    mut client: UnixStream,
    allow: &[HostPattern],
    log: &EgressLog,
) -> std::io::Result<()> {
    let (head, rest) = match read_head(&mut client).await? {
        Some(v) => v,
        None => return respond(&mut client, 400, "malformed proxy request").await,
    };
    let Some(request) = Request::parse(&head) else {
        return respond(&mut client, 400, "malformed proxy request").await;
    };
    let decision = decide(allow, &request.host, request.port).await;
    let record = EgressDecision {
        host: request.host.clone(),
        port: request.port,
        allowed: decision.is_ok(),
        reason: decision.as_ref().err().cloned(),
    };
    if let Ok(mut l) = log.lock() {
        l.push(record);
    }
    let addrs = match decision {
        Ok(addrs) => addrs,
        Err(reason) => {
            tracing::info!(host = %request.host, port = request.port, %reason, "egress refused");
            return respond(&mut client, 403, &reason).await;
        }
    };
    let upstream = connect_any(&addrs).await;
    let Some(mut upstream) = upstream else {
        let msg = format!(
            "wharf egress proxy: could not connect to {}:{}",
            request.host, request.port
        );
        return respond(&mut client, 502, &msg).await;
    };
    if request.connect {
        client
            .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
            .await?;
    } else {
        upstream.write_all(request.forward_head.as_bytes()).await?;
    }
    upstream.write_all(&rest).await?;
    tokio::io::copy_bidirectional(&mut client, &mut upstream).await?;
    Ok(())
}

/// Resolves and checks `host:port`; the error is the refusal text.
async fn decide(allow: &[HostPattern], host: &str, port: u16) -> Result<Vec<SocketAddr>, String> {
    let Some(entry) = allow.iter().find(|p| p.allows(host, port)) else {
        return Err(format!(
            "wharf egress proxy: {host}:{port} is not on this run's allowlist"
        ));
    };
    let addrs: Vec<SocketAddr> = match tokio::net::lookup_host((host, port)).await {
        Ok(a) => a.collect(),
        Err(e) => return Err(format!("wharf egress proxy: cannot resolve {host}: {e}")),
    };
    if addrs.is_empty() {
        return Err(format!("wharf egress proxy: {host} has no address"));
    }
    let literal = host.parse::<IpAddr>().is_ok() || entry.is_loopback();
    if !literal && addrs.iter().any(|a| internal(a.ip())) {
        return Err(format!(
            "wharf egress proxy: {host} resolves to an internal address; allowlist the address itself to reach it"
        ));
    }
    Ok(addrs)
}

fn internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
        }
        IpAddr::V6(v6) => {
            v6.is_loopback()
                || v6.is_unspecified()
                || (v6.segments()[0] & 0xfe00) == 0xfc00
                || (v6.segments()[0] & 0xffc0) == 0xfe80
                || v6
                    .to_ipv4_mapped()
                    .is_some_and(|v4| internal(IpAddr::V4(v4)))
        }
    }
}

async fn connect_any(addrs: &[SocketAddr]) -> Option<TcpStream> {
    for addr in addrs {
        if let Ok(Ok(s)) = tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(addr)).await {
            return Some(s);
        }
    }
    None
}

/// Reads up to the end of the request head; returns (head, bytes after it).
async fn read_head(client: &mut UnixStream) -> std::io::Result<Option<(String, Vec<u8>)>> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 2048];
    loop {
        let n = client.read(&mut chunk).await?;
        if n == 0 {
            return Ok(None);
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let rest = buf.split_off(end + 4);
            return Ok(String::from_utf8(buf).ok().map(|h| (h, rest)));
        }
        if buf.len() > MAX_HEAD {
            return Ok(None);
        }
    }
}

async fn respond(client: &mut UnixStream, status: u16, message: &str) -> std::io::Result<()> {
    let reason = match status {
        400 => "Bad Request",
        403 => "Forbidden",
        _ => "Bad Gateway",
    };
    let body = format!("{message}\n");
    let head = format!(
        "HTTP/1.1 {status} {reason}\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    client.write_all(head.as_bytes()).await?;
    client.write_all(body.as_bytes()).await?;
    client.shutdown().await
}

/// A parsed proxy request head.
#[derive(Debug, PartialEq)]
struct Request {
    connect: bool,
    host: String,
    port: u16,
    /// For plain HTTP: the head rewritten to origin form, without proxy headers.
    forward_head: String,
}

impl Request {
    fn parse(head: &str) -> Option<Request> {
        let mut lines = head.split("\r\n");
        let first = lines.next()?;
        let mut parts = first.split(' ');
        let (method, target, version) = (parts.next()?, parts.next()?, parts.next()?);
        if method.eq_ignore_ascii_case("CONNECT") {
            let (host, port) = split_host_port(target, 443)?;
            return Some(Request {
                connect: true,
                host,
                port,
                forward_head: String::new(),
            });
        }
        let rest = target.strip_prefix("http://")?;
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        let (host, port) = split_host_port(authority, 80)?;
        let mut forward = format!("{method} {path} {version}\r\n");
        for line in lines.filter(|l| !l.is_empty()) {
            let name = line
                .split(':')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            if name.starts_with("proxy-") || name == "connection" {
                continue;
            }
            forward.push_str(line);
            forward.push_str("\r\n");
        }
        forward.push_str("connection: close\r\n\r\n");
        Some(Request {
            connect: false,
            host,
            port,
            forward_head: forward,
        })
    }
}

fn split_host_port(authority: &str, default_port: u16) -> Option<(String, u16)> {
    if authority.is_empty() || authority.contains('@') {
        return None;
    }
    if let Some(v6) = authority.strip_prefix('[') {
        let (host, after) = v6.split_once(']')?;
        let port = match after.strip_prefix(':') {
            Some(p) => p.parse().ok()?,
            None => default_port,
        };
        return Some((host.to_owned(), port));
    }
    match authority.rsplit_once(':') {
        Some((h, p)) => Some((h.to_owned(), p.parse().ok()?)),
        None => Some((authority.to_owned(), default_port)),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn parses_connect_and_absolute_requests() {
        let c = Request::parse("CONNECT pypi.org:443 HTTP/1.1\r\nHost: pypi.org:443").unwrap();
        assert!(c.connect);
        assert_eq!((c.host.as_str(), c.port), ("pypi.org", 443));

        let g = Request::parse(
            "GET http://example.test:8080/a/b?c=1 HTTP/1.1\r\nHost: example.test\r\nProxy-Authorization: x\r\nConnection: keep-alive",
        )
        .unwrap();
        assert!(!g.connect);
        assert_eq!((g.host.as_str(), g.port), ("example.test", 8080));
        assert!(g.forward_head.starts_with("GET /a/b?c=1 HTTP/1.1\r\n"));
        assert!(
            !g.forward_head
                .to_ascii_lowercase()
                .contains("proxy-authorization")
        );
        assert!(g.forward_head.ends_with("connection: close\r\n\r\n"));

        assert!(Request::parse("GET /relative HTTP/1.1").is_none());
        assert!(Request::parse("GET http://user@host/ HTTP/1.1").is_none());
        assert_eq!(split_host_port("[::1]:99", 1), Some(("::1".to_owned(), 99)));
    }

    #[test]
    fn internal_addresses_are_recognised() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "192.168.0.1",
            "169.254.169.254",
            "::1",
            "fd00::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(internal(ip.parse().unwrap()), "{ip}");
        }
        assert!(!internal("151.101.0.223".parse().unwrap()));
    }

    #[tokio::test]
    async fn refuses_hosts_off_the_list_and_internal_resolutions() {
        let allow = vec![
            HostPattern::parse("localhost:9").unwrap(),
            HostPattern::parse("127.0.0.1:10").unwrap(),
        ];
        let err = decide(&allow, "evil.example", 443).await.unwrap_err();
        assert!(err.contains("not on this run's allowlist"), "{err}");
        assert!(decide(&allow, "127.0.0.1", 10).await.is_ok());
    }
}
