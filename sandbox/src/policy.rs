//! Network policy of one sandbox and the allowlist of the egress proxy.

use std::fmt;
use std::net::{IpAddr, SocketAddr};

use serde::{Deserialize, Serialize};

use crate::SandboxError;

/// What a sandbox may reach over the network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NetworkPolicy {
    /// Loopback only: nothing outside the sandbox.
    None,
    /// Only wharf's LLM gateway.
    Gateway,
    /// The gateway plus the allowlisted hosts through the egress proxy.
    #[default]
    Allowlist,
    /// The host's network, unfiltered.
    Open,
}

impl NetworkPolicy {
    /// The policy's name as written in config and runbooks.
    pub fn as_str(self) -> &'static str {
        match self {
            NetworkPolicy::None => "none",
            NetworkPolicy::Gateway => "gateway",
            NetworkPolicy::Allowlist => "allowlist",
            NetworkPolicy::Open => "open",
        }
    }

    /// Whether the sandbox gets its own network namespace.
    pub fn isolated(self) -> bool {
        self != NetworkPolicy::Open
    }
}

impl fmt::Display for NetworkPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for NetworkPolicy {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "none" => Ok(NetworkPolicy::None),
            "gateway" => Ok(NetworkPolicy::Gateway),
            "allowlist" => Ok(NetworkPolicy::Allowlist),
            "open" => Ok(NetworkPolicy::Open),
            other => Err(format!(
                "unknown network policy `{other}` (none, gateway, allowlist, open)"
            )),
        }
    }
}

/// The package registries a default `allowlist` run may reach.
pub const DEFAULT_REGISTRIES: &[&str] = &[
    "pypi.org",
    "files.pythonhosted.org",
    "registry.npmjs.org",
    "registry.yarnpkg.com",
    "crates.io",
    "index.crates.io",
    "static.crates.io",
    "deb.debian.org",
    "security.debian.org",
];

/// Network settings of one sandbox.
#[derive(Debug, Clone, Default)]
pub struct Network {
    /// What the sandbox may reach (`allowlist` by default).
    pub policy: NetworkPolicy,
    /// Where wharf's gateway listens on the host (for `gateway` and `allowlist`).
    pub gateway: Option<SocketAddr>,
    /// Hosts the egress proxy lets through (for `allowlist`).
    pub allow: Vec<HostPattern>,
}

/// One allowlist entry: `host`, `*.domain` (any subdomain, not the domain itself) or
/// either with `:port` (default: ports 80 and 443).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostPattern {
    host: String,
    wildcard: bool,
    port: Option<u16>,
}

impl HostPattern {
    /// Parses an entry.
    pub fn parse(entry: &str) -> Result<HostPattern, SandboxError> {
        let bad = |reason| SandboxError::BadAllowEntry {
            entry: entry.to_owned(),
            reason,
        };
        let e = entry.trim().to_ascii_lowercase();
        if e.is_empty() {
            return Err(bad("empty"));
        }
        if e.contains("://") || e.contains('/') {
            return Err(bad("give a host name, not a URL"));
        }
        let (host, port) = match e.rsplit_once(':') {
            Some((h, p)) if !h.contains(':') => (
                h.to_owned(),
                Some(
                    p.parse::<u16>()
                        .map_err(|_| bad("port is not a number 1-65535"))?,
                ),
            ),
            _ => (e.clone(), None),
        };
        let (host, wildcard) = match host.strip_prefix("*.") {
            Some(rest) => (rest.to_owned(), true),
            None => (host, false),
        };
        if host.is_empty()
            || host.contains('*')
            || !host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
        {
            return Err(bad(
                "only letters, digits, '.', '-' and a leading '*.' are allowed",
            ));
        }
        Ok(HostPattern {
            host,
            wildcard,
            port,
        })
    }

    /// Whether `host:port` is allowed by this entry.
    pub fn allows(&self, host: &str, port: u16) -> bool {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        let host_ok = if self.wildcard {
            host.len() > self.host.len() + 1
                && host.ends_with(&self.host)
                && host.as_bytes()[host.len() - self.host.len() - 1] == b'.'
        } else {
            host == self.host
        };
        let port_ok = match self.port {
            Some(p) => p == port,
            None => port == 443 || port == 80,
        };
        host_ok && port_ok
    }

    /// Whether the entry names a loopback host literally (then the proxy may connect there).
    pub fn is_loopback(&self) -> bool {
        self.host == "localhost" || self.host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
    }
}

impl fmt::Display for HostPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.wildcard {
            f.write_str("*.")?;
        }
        f.write_str(&self.host)?;
        if let Some(p) = self.port {
            write!(f, ":{p}")?;
        }
        Ok(())
    }
}

/// Parses a list of allowlist entries.
pub fn parse_allowlist<S: AsRef<str>>(entries: &[S]) -> Result<Vec<HostPattern>, SandboxError> {
    entries
        .iter()
        .map(|e| HostPattern::parse(e.as_ref()))
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn exact_wildcard_and_port() {
        let exact = HostPattern::parse("pypi.org").unwrap();
        assert!(exact.allows("pypi.org", 443));
        assert!(exact.allows("PyPI.org.", 80));
        assert!(!exact.allows("pypi.org", 8080));
        assert!(!exact.allows("evil-pypi.org", 443));
        assert!(!exact.allows("pypi.org.evil.com", 443));

        let wild = HostPattern::parse("*.pythonhosted.org").unwrap();
        assert!(wild.allows("files.pythonhosted.org", 443));
        assert!(!wild.allows("pythonhosted.org", 443));
        assert!(!wild.allows("xpythonhosted.org", 443));

        let port = HostPattern::parse("127.0.0.1:8080").unwrap();
        assert!(port.allows("127.0.0.1", 8080));
        assert!(!port.allows("127.0.0.1", 8081));
        assert!(port.is_loopback());
        assert_eq!(port.to_string(), "127.0.0.1:8080");
    }

    #[test]
    fn bad_entries_say_why() {
        for (entry, why) in [
            ("", "empty"),
            ("https://pypi.org", "URL"),
            ("pypi.org:http", "port"),
            ("a.*.org", "letters"),
            ("pypi.org:70000", "port"),
        ] {
            let err = HostPattern::parse(entry).unwrap_err().to_string();
            assert!(err.contains(why), "{entry}: {err}");
        }
    }

    #[test]
    fn policy_names_round_trip() {
        for p in [
            NetworkPolicy::None,
            NetworkPolicy::Gateway,
            NetworkPolicy::Allowlist,
            NetworkPolicy::Open,
        ] {
            assert_eq!(p.as_str().parse::<NetworkPolicy>().unwrap(), p);
        }
        assert!(
            "closed"
                .parse::<NetworkPolicy>()
                .unwrap_err()
                .contains("none, gateway")
        );
    }
}
