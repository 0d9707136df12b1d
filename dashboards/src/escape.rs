//! The one escaping function every page uses, and the few helpers built on it.
//!
//! Everything that did not come from this crate's own literals (agent output, labels,
//! runbook text, SQL results, ids from the URL) goes through [`escape`] before it reaches
//! HTML, in text and in quoted attribute values alike. Markdown artifacts are rendered by
//! [`crate::preview`], which keeps raw HTML as text and drops `javascript:` links.

use std::fmt::Write;

/// Escapes `text` for HTML text and for double- or single-quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '`' => out.push_str("&#96;"),
            // Control characters other than tab/newline/CR would be invalid in HTML.
            c if c.is_control() && !matches!(c, '\n' | '\r' | '\t') => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// An `href` for a link that may only point inside this server: a path starting with a
/// single `/`. Anything else (`javascript:`, `data:`, `//host`, `http://...`) is `None`,
/// and callers show it as text instead of a link.
pub fn local_href(url: &str) -> Option<String> {
    let u = url.trim();
    let local = u.starts_with('/') && !u.starts_with("//") && !u.starts_with("/\\");
    (local && !u.chars().any(char::is_control)).then(|| escape(u))
}

/// Percent-encodes one URL query value or path segment (RFC 3986 unreserved kept).
pub fn url_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// An artifact path as URL path segments (each percent-encoded, `/` kept).
pub fn url_path(path: &str) -> String {
    path.split('/')
        .map(url_encode)
        .collect::<Vec<_>>()
        .join("/")
}

/// JSON for a `<script type="application/json">` block: `<`, `>`, `&` and the JS line
/// separators are `\u` escapes, so no `</script>` or `<!--` can end the block early.
pub fn json_for_script(value: &serde_json::Value) -> String {
    let text = value.to_string();
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// A SQL string literal (quotes doubled), for values from query parameters.
pub fn sql_literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// At most `max` characters of `text` (on a char boundary), and whether it was cut.
pub fn truncate(text: &str, max: usize) -> (&str, bool) {
    match text.char_indices().nth(max) {
        Some((i, _)) => (&text[..i], true),
        None => (text, false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_makes_script_tags_inert() {
        let out = escape("<script>document.title='pwned'</script>");
        assert_eq!(
            out,
            "&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt;"
        );
        assert!(!out.contains('<'));
    }

    #[test]
    fn escape_stops_attribute_breakouts() {
        let out = escape(r#"" onmouseover="alert(1)" x='y' `z`"#);
        assert!(!out.contains('"') && !out.contains('\'') && !out.contains('`'));
        let html = format!(r#"<a title="{out}">"#);
        assert_eq!(html.matches('"').count(), 2, "{html}");
    }

    #[test]
    fn escape_keeps_text_and_replaces_controls() {
        assert_eq!(escape("a & b\n\tc"), "a &amp; b\n\tc");
        assert_eq!(escape("x\u{0}y"), "x\u{FFFD}y");
    }

    #[test]
    fn javascript_links_never_become_links() {
        assert_eq!(local_href("javascript:alert(1)"), None);
        assert_eq!(local_href(" JavaScript:alert(1)"), None);
        assert_eq!(local_href("//evil.example/x"), None);
        assert_eq!(local_href("/\\evil.example"), None);
        assert_eq!(local_href("https://evil.example"), None);
        assert_eq!(local_href("data:text/html,<script>"), None);
        assert_eq!(
            local_href("/runs/1?a=1&b=2").as_deref(),
            Some("/runs/1?a=1&amp;b=2")
        );
        // A markdown link in agent output is escaped text, nothing more.
        let md = escape("[x](javascript:alert(1))");
        assert_eq!(md, "[x](javascript:alert(1))");
        assert!(!md.contains("href"));
    }

    #[test]
    fn json_for_script_cannot_close_the_block() {
        let v = serde_json::json!({"t": "</script><script>alert(1)</script><!--", "u": "\u{2028}"});
        let out = json_for_script(&v);
        assert!(!out.contains('<') && !out.contains('>'), "{out}");
        let back: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(back, v);
    }

    #[test]
    fn sql_literals_and_urls() {
        assert_eq!(sql_literal("it's"), "'it''s'");
        assert_eq!(url_encode("a b&c=d/é"), "a%20b%26c%3Dd%2F%C3%A9");
        assert_eq!(url_path("dir/a b.md"), "dir/a%20b.md");
        assert_eq!(truncate("héllo", 2), ("hé", true));
        assert_eq!(truncate("hi", 5), ("hi", false));
    }
}
