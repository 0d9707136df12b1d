//! The page shell every page shares, the security headers pages are served with, and
//! small formatting helpers.

use std::fmt::Write;

use wharf_model::QueueStatus;

use crate::escape::escape;

/// The Content-Security-Policy of every page: only this server's own scripts, styles and
/// images; no inline script, no inline style, no plugins, no framing.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Headers every HTML page is served with (beside the content type).
pub const PAGE_HEADERS: &[(&str, &str)] = &[
    ("content-security-policy", CONTENT_SECURITY_POLICY),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "same-origin"),
    ("x-frame-options", "DENY"),
    ("cache-control", "no-store"),
];

/// Which nav entry is current.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nav {
    /// `/`.
    Overview,
    /// A run page.
    Run,
    /// `/compare`.
    Compare,
    /// `/sql`.
    Sql,
    /// `/login` (no nav).
    Login,
}

/// A whole HTML document: head, nav (with the collection's name when known), `body`.
/// `title` is escaped; `body` is HTML built by the renderers (already escaped).
pub fn page(title: &str, nav: Nav, collection: Option<&str>, body: &str) -> String {
    let mut out = String::with_capacity(body.len() + 2048);
    let _ = write!(
        out,
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{} · wharf</title><link rel="icon" href="/static/favicon.svg"><link rel="stylesheet" href="/static/dashboard.css"><script src="/static/dashboard.js" defer></script></head>
<body>"#,
        escape(title)
    );
    if nav != Nav::Login {
        out.push_str(r#"<header class="top"><a class="brand" href="/">wharf</a><nav>"#);
        for (entry, href, label) in [
            (Nav::Overview, "/", "Overview"),
            (Nav::Compare, "/compare", "Compare"),
            (Nav::Sql, "/sql", "SQL"),
        ] {
            let current = if entry == nav {
                r#" aria-current="page""#
            } else {
                ""
            };
            let _ = write!(out, r#"<a href="{href}"{current}>{label}</a>"#);
        }
        out.push_str("</nav>");
        if let Some(c) = collection {
            let _ = write!(
                out,
                r#"<span class="collection">collection <b>{}</b></span>"#,
                escape(c)
            );
        }
        out.push_str(r#"<form method="post" action="/logout" class="logout"><button type="submit">Log out</button></form></header>"#);
    }
    out.push_str("<main>");
    out.push_str(body);
    out.push_str("</main></body></html>\n");
    out
}

/// An error page body (message escaped).
pub fn error_page(status: u16, message: &str, collection: Option<&str>) -> String {
    page(
        &format!("Error {status}"),
        Nav::Overview,
        collection,
        &format!(
            r#"<h1>Error {status}</h1><p class="error">{}</p><p><a href="/">Back to the overview</a></p>"#,
            escape(message)
        ),
    )
}

/// Milliseconds as `1.2 s`, `3 min 4 s`, `5 ms`.
pub fn duration(ms: Option<f64>) -> String {
    match ms {
        None => "—".into(),
        Some(ms) if ms < 1000.0 => format!("{ms:.0} ms"),
        Some(ms) if ms < 60_000.0 => format!("{:.1} s", ms / 1000.0),
        Some(ms) => {
            let s = (ms / 1000.0).round() as i64;
            format!("{} min {} s", s / 60, s % 60)
        }
    }
}

/// A cost in USD.
pub fn usd(v: Option<f64>) -> String {
    match v {
        None => "—".into(),
        Some(v) if v > 0.0 && v < 0.01 => format!("${v:.4}"),
        Some(v) => format!("${v:.2}"),
    }
}

/// A count with thousands separators.
pub fn count(v: Option<f64>) -> String {
    let Some(v) = v else { return "—".into() };
    let n = v.round() as i64;
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// A score (two decimals at most).
pub fn score(v: Option<f64>) -> String {
    match v {
        None => "—".into(),
        Some(v) if v.fract() == 0.0 => format!("{v:.0}"),
        Some(v) => format!("{v:.2}"),
    }
}

/// A status badge (`succeeded`, `failed`, `running`...), escaped.
pub fn status_badge(status: &str) -> String {
    let class = match status {
        "succeeded" | "passed" | "done" => "ok",
        "failed" | "error" | "timeout" => "bad",
        "waiting" => "live",
        s if s.parse::<QueueStatus>().is_ok_and(QueueStatus::is_live) => "live",
        _ => "neutral",
    };
    format!(r#"<span class="badge {class}">{}</span>"#, escape(status))
}

/// A timestamp as shown: `2026-11-22 00:43:41` (the input's first 19 characters, `T`
/// replaced), escaped.
pub fn timestamp(ts: Option<&str>) -> String {
    match ts {
        None => "—".into(),
        Some(t) => escape(&t.chars().take(19).collect::<String>().replace('T', " ")),
    }
}

/// A table of already escaped cells; an empty body says "none".
pub fn table(headers: &[&str], rows: impl Iterator<Item = Vec<String>>) -> String {
    classed_table("", headers, rows.map(|cells| ("", cells)))
}

/// [`table`] with a class on the table and one per row (`""` for none).
pub fn classed_table<'a>(
    class: &str,
    headers: &[&str],
    rows: impl Iterator<Item = (&'a str, Vec<String>)>,
) -> String {
    let mut out = if class.is_empty() {
        String::from("<table>")
    } else {
        format!(r#"<table class="{class}">"#)
    };
    out.push_str("<thead><tr>");
    for h in headers {
        let _ = write!(out, "<th>{h}</th>");
    }
    out.push_str("</tr></thead><tbody>");
    let mut any = false;
    for (row_class, cells) in rows {
        any = true;
        if row_class.is_empty() {
            out.push_str("<tr>");
        } else {
            let _ = write!(out, r#"<tr class="{row_class}">"#);
        }
        for c in cells {
            let _ = write!(out, "<td>{c}</td>");
        }
        out.push_str("</tr>");
    }
    if !any {
        let _ = write!(
            out,
            r#"<tr><td colspan="{}" class="empty">none</td></tr>"#,
            headers.len()
        );
    }
    out.push_str("</tbody></table>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shell_escapes_the_title_and_loads_only_local_assets() {
        let html = page("<x>", Nav::Sql, Some("<c>"), "<p>body</p>");
        assert!(html.contains("<title>&lt;x&gt; · wharf</title>"));
        assert!(html.contains("<b>&lt;c&gt;</b>"));
        assert!(html.contains(r#"href="/sql" aria-current="page""#));
        assert!(!html.contains("http"));
        assert!(!html.contains("<script>"), "no inline script");
    }

    #[test]
    fn formats() {
        assert_eq!(duration(Some(999.0)), "999 ms");
        assert_eq!(duration(Some(1500.0)), "1.5 s");
        assert_eq!(duration(Some(125_000.0)), "2 min 5 s");
        assert_eq!(usd(Some(0.001)), "$0.0010");
        assert_eq!(count(Some(1234567.0)), "1,234,567");
        assert_eq!(score(Some(0.5)), "0.50");
        assert_eq!(
            timestamp(Some("2026-01-02T03:04:05.123Z")),
            "2026-01-02 03:04:05"
        );
        assert!(status_badge("<x>").contains("&lt;x&gt;"));
    }
}
