//! Which headers cross the gateway: client credentials never go upstream, the provider's
//! key is added in its convention, hop-by-hop headers stay on their hop.

use actix_web::http::header::HeaderMap as ClientHeaders;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use crate::error::GatewayError;
use crate::provider::{ProviderConfig, ProviderKind};
use crate::token::CREDENTIAL_HEADERS;

/// Anthropic API version sent when the client sent none.
pub const DEFAULT_ANTHROPIC_VERSION: &str = "2023-06-01";

/// Headers that describe one connection, not the message.
const HOP_BY_HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
    "host",
    "content-length",
];

/// Request headers the gateway drops besides hop-by-hop and credentials: compression is
/// negotiated by the gateway itself (it reads the body), cookies are not the agent's to send.
const DROPPED_REQUEST: &[&str] = &["accept-encoding", "cookie"];

/// The upstream request headers: the client's, minus credentials and hop-by-hop ones, plus
/// the provider's extra headers and its key.
pub(crate) fn upstream_headers(
    client: &ClientHeaders,
    provider: &ProviderConfig,
) -> Result<HeaderMap, GatewayError> {
    let mut out = HeaderMap::new();
    for (name, value) in client {
        let name = name.as_str();
        if HOP_BY_HOP.contains(&name)
            || DROPPED_REQUEST.contains(&name)
            || CREDENTIAL_HEADERS.contains(&name)
        {
            continue;
        }
        if let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_bytes(value.as_bytes()),
        ) {
            out.append(n, v);
        }
    }
    for (name, value) in provider.headers() {
        out.insert(header_name(name)?, secret_value(name, value.expose())?);
    }
    if provider.kind() == ProviderKind::Anthropic && !out.contains_key("anthropic-version") {
        out.insert(
            "anthropic-version",
            HeaderValue::from_static(DEFAULT_ANTHROPIC_VERSION),
        );
    }
    for (name, value) in provider.auth_headers() {
        out.insert(header_name(name)?, secret_value(name, &value)?);
    }
    Ok(out)
}

/// The client response headers: the provider's, minus hop-by-hop ones and cookies.
pub(crate) fn response_headers(upstream: &HeaderMap) -> Vec<(String, Vec<u8>)> {
    upstream
        .iter()
        .filter(|(name, _)| {
            let name = name.as_str();
            !HOP_BY_HOP.contains(&name) && name != "set-cookie"
        })
        .map(|(name, value)| (name.as_str().to_owned(), value.as_bytes().to_vec()))
        .collect()
}

fn header_name(name: &str) -> Result<HeaderName, GatewayError> {
    HeaderName::from_bytes(name.as_bytes())
        .map_err(|_| GatewayError::Config(format!("invalid header name `{name}`")))
}

fn secret_value(name: &str, value: &str) -> Result<HeaderValue, GatewayError> {
    let mut value = HeaderValue::from_str(value)
        .map_err(|_| GatewayError::Config(format!("header `{name}` has an invalid value")))?;
    value.set_sensitive(true);
    Ok(value)
}

#[cfg(test)]
mod tests {
    use actix_web::http::header::{HeaderName as AName, HeaderValue as AValue};

    use super::*;

    fn client(pairs: &[(&'static str, &'static str)]) -> ClientHeaders {
        let mut h = ClientHeaders::new();
        for (n, v) in pairs {
            h.append(AName::from_static(n), AValue::from_static(v));
        }
        h
    }

    #[test]
    fn credentials_are_replaced_by_the_provider_key() {
        let provider = ProviderConfig::new(
            "a",
            ProviderKind::Anthropic,
            "http://h",
            "sk-ant-real".into(),
        );
        let provider = provider.unwrap();
        let headers = client(&[
            ("authorization", "Bearer wharf-rt-x"),
            ("x-api-key", "wharf-rt-x"),
            ("x-goog-api-key", "wharf-rt-x"),
            ("anthropic-beta", "tools-2024"),
            ("accept-encoding", "gzip"),
            ("content-type", "application/json"),
            ("host", "gateway"),
        ]);
        let out = upstream_headers(&headers, &provider).unwrap();
        let get = |n: &str| out.get(n).and_then(|v| v.to_str().ok());
        assert_eq!(get("x-api-key"), Some("sk-ant-real"));
        assert_eq!(get("authorization"), None);
        assert_eq!(get("x-goog-api-key"), None);
        assert_eq!(get("anthropic-version"), Some(DEFAULT_ANTHROPIC_VERSION));
        assert_eq!(get("anthropic-beta"), Some("tools-2024"));
        assert_eq!(get("accept-encoding"), None);
        assert_eq!(get("host"), None);
        assert!(
            out.iter()
                .all(|(_, v)| !v.as_bytes().windows(8).any(|w| w == b"wharf-rt"))
        );
    }

    #[test]
    fn openai_gets_a_bearer_key() {
        let provider =
            ProviderConfig::new("o", ProviderKind::Openai, "http://h/v1", "sk-real".into());
        let provider = provider.unwrap();
        let out = upstream_headers(
            &client(&[("authorization", "Bearer wharf-rt-x")]),
            &provider,
        );
        let out = out.unwrap();
        assert_eq!(
            out.get("authorization").and_then(|v| v.to_str().ok()),
            Some("Bearer sk-real")
        );
    }
}
