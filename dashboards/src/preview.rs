//! Artifact previews by type: markdown rendered (safely), JSON pretty-printed, CSV/TSV as
//! a table, anything else as text. Each returns HTML built only from escaped data.
//!
//! Markdown is agent output, so it is rendered with these rules: raw HTML (block or
//! inline) becomes escaped text; a link becomes an `<a>` only when it points to `http:`,
//! `https:`, `mailto:` or a `#fragment` (with `rel="nofollow noopener noreferrer"`);
//! any other link (`javascript:`, `data:`, relative paths) is shown as its text; images
//! are shown as `[image: alt]` (the page's CSP would block remote images anyway, and a
//! relative one would resolve against the dashboard). The markdown source is kept beside
//! the rendering.

use std::fmt::Write;

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd, html};

use crate::escape::{escape, truncate};

/// Characters of an artifact shown at most (the download has the whole file).
pub const PREVIEW_CHARS: usize = 20_000;
/// CSV rows shown at most, and characters per cell.
const CSV_ROWS: usize = 200;
const CSV_CELL_CHARS: usize = 300;

/// What an artifact's text is previewed as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Rendered markdown beside its source.
    Markdown,
    /// Pretty-printed JSON (text when it does not parse).
    Json,
    /// A table; the delimiter byte.
    Delimited(u8),
    /// Anything else, shown as escaped plain text.
    Text,
}

/// Whether `path` ends with one of `extensions` (each with its dot), ignoring ASCII case.
pub(crate) fn has_extension(path: &str, extensions: &[&str]) -> bool {
    let path = path.to_ascii_lowercase();
    extensions.iter().any(|e| path.ends_with(e))
}

/// Whether an artifact is shown as an image.
pub(crate) fn is_image(path: &str, content_type: &str) -> bool {
    content_type.starts_with("image/")
        || has_extension(path, &[".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg"])
}

/// Whether an artifact is text worth previewing.
pub(crate) fn is_text(path: &str, content_type: &str) -> bool {
    content_type.starts_with("text/")
        || content_type.contains("json")
        || content_type.contains("csv")
        || content_type.contains("yaml")
        || content_type.contains("xml")
        || has_extension(
            path,
            &[
                ".md", ".txt", ".json", ".jsonl", ".csv", ".tsv", ".log", ".yaml", ".yml", ".py",
                ".rs", ".js", ".ts", ".sh", ".html", ".toml", ".sql",
            ],
        )
}

/// The preview kind of an artifact, from its path's extension, else its content type.
pub fn kind(path: &str, content_type: &str) -> Kind {
    let ct = content_type.to_ascii_lowercase();
    if has_extension(path, &[".md", ".markdown"]) || ct.starts_with("text/markdown") {
        Kind::Markdown
    } else if has_extension(path, &[".json"])
        || (ct.contains("json") && !has_extension(path, &[".jsonl"]))
    {
        Kind::Json
    } else if has_extension(path, &[".csv"]) || ct.starts_with("text/csv") {
        Kind::Delimited(b',')
    } else if has_extension(path, &[".tsv"]) || ct.starts_with("text/tab-separated-values") {
        Kind::Delimited(b'\t')
    } else {
        Kind::Text
    }
}

/// The HTML preview of `text` (an artifact's content) shown as `kind`.
pub fn render(kind: Kind, text: &str) -> String {
    let (shown, cut) = truncate(text, PREVIEW_CHARS);
    let mut out = match kind {
        Kind::Markdown => format!(
            r#"<div class="markdown">{}</div><details class="source"><summary>markdown source</summary>{}</details>"#,
            markdown(shown),
            pre(shown)
        ),
        // A cut JSON document does not parse; it is shown as the text it is.
        Kind::Json => match serde_json::from_str::<serde_json::Value>(shown) {
            Ok(v) if !cut => pre(&serde_json::to_string_pretty(&v).unwrap_or_default()),
            _ => pre(shown),
        },
        Kind::Delimited(delimiter) => match table(shown, delimiter) {
            Some(t) => format!(
                r#"{t}<details class="source"><summary>source</summary>{}</details>"#,
                pre(shown)
            ),
            None => pre(shown),
        },
        Kind::Text => pre(shown),
    };
    if cut {
        out.push_str(r#"<p class="muted">preview cut; download for the whole file</p>"#);
    }
    out
}

fn pre(text: &str) -> String {
    format!(r#"<pre class="preview">{}</pre>"#, escape(text))
}

/// Whether a markdown link target may become an `href`: `http:`, `https:` and `mailto:`
/// URLs and `#fragments`. Browsers drop tabs and newlines inside a URL and ignore leading
/// spaces and controls, so the scheme is read after removing them (`java\tscript:` is
/// `javascript:`).
fn safe_link(url: &str) -> bool {
    let cleaned: String = url
        .chars()
        .filter(|c| !c.is_control() && !c.is_whitespace())
        .collect();
    if cleaned.starts_with('#') {
        return true;
    }
    let lower = cleaned.to_ascii_lowercase();
    ["http://", "https://", "mailto:"]
        .iter()
        .any(|s| lower.starts_with(s))
}

/// Agent-written markdown as HTML, by the rules in the module docs.
fn markdown(text: &str) -> String {
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_FOOTNOTES;
    // Links cannot nest in CommonMark, so one flag tracks a link shown as text.
    let mut dropped_link = false;
    let events = Parser::new_ext(text, options).filter_map(|event| {
        Some(match event {
            Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
            Event::Start(Tag::Link {
                dest_url, title, ..
            }) => {
                if !safe_link(&dest_url) {
                    dropped_link = true;
                    return None;
                }
                let mut a = format!(
                    r#"<a href="{}" rel="nofollow noopener noreferrer""#,
                    escape(dest_url.trim())
                );
                if !title.is_empty() {
                    let _ = write!(a, r#" title="{}""#, escape(&title));
                }
                a.push('>');
                Event::InlineHtml(CowStr::from(a))
            }
            Event::End(TagEnd::Link) if std::mem::take(&mut dropped_link) => return None,
            Event::End(TagEnd::Link) => Event::InlineHtml(CowStr::Borrowed("</a>")),
            Event::Start(Tag::Image { .. }) => Event::Text(CowStr::Borrowed("[image: ")),
            Event::End(TagEnd::Image) => Event::Text(CowStr::Borrowed("]")),
            other => other,
        })
    });
    let mut out = String::with_capacity(text.len() + text.len() / 4);
    html::push_html(&mut out, events);
    out
}

/// A delimited text as an HTML table (first row as the header), or `None` when it does
/// not read as one (a parse error, or a single column).
fn table(text: &str, delimiter: u8) -> Option<String> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    let mut total = 0usize;
    for record in reader.records() {
        let record = record.ok()?;
        total += 1;
        if rows.len() <= CSV_ROWS {
            rows.push(
                record
                    .iter()
                    .map(|c| {
                        let (cell, cut) = truncate(c, CSV_CELL_CHARS);
                        if cut {
                            format!("{cell}…")
                        } else {
                            cell.to_owned()
                        }
                    })
                    .collect::<Vec<_>>(),
            );
        }
    }
    let header = rows.first()?;
    if header.len() < 2 {
        return None;
    }
    let mut out = String::from(r#"<div class="table-preview"><table class="csv"><thead><tr>"#);
    for cell in header {
        let _ = write!(out, "<th>{}</th>", escape(cell));
    }
    out.push_str("</tr></thead><tbody>");
    for row in &rows[1..] {
        out.push_str("<tr>");
        for cell in row {
            let _ = write!(out, "<td>{}</td>", escape(cell));
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table></div>");
    let body = total - 1;
    if body > CSV_ROWS {
        let _ = write!(
            out,
            r#"<p class="muted">first {CSV_ROWS} of {body} rows</p>"#
        );
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_previewed_follows_the_type() {
        assert!(is_text("report.md", ""));
        assert!(is_text("x", "application/json"));
        assert!(is_image("a.PNG", ""));
        assert!(!is_text("a.bin", "application/octet-stream"));
    }

    #[test]
    fn kinds_follow_the_extension_then_the_content_type() {
        assert_eq!(kind("out/Report.MD", ""), Kind::Markdown);
        assert_eq!(
            kind("notes", "text/markdown; charset=utf-8"),
            Kind::Markdown
        );
        assert_eq!(kind("a.json", ""), Kind::Json);
        assert_eq!(kind("a.jsonl", "application/json"), Kind::Text);
        assert_eq!(kind("a", "application/json"), Kind::Json);
        assert_eq!(kind("t.csv", ""), Kind::Delimited(b','));
        assert_eq!(kind("t.tsv", ""), Kind::Delimited(b'\t'));
        assert_eq!(kind("run.log", "text/plain"), Kind::Text);
    }

    /// `(name, value)` of each attribute of a tag's inside (`a href="x" rel="y z"`).
    fn attributes(tag: &str) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let mut rest = tag.split_once(' ').map_or("", |(_, r)| r).trim_start();
        while !rest.is_empty() {
            let end = rest.find(['=', ' ']).unwrap_or(rest.len());
            let key = rest[..end].trim_end_matches('/').to_owned();
            rest = &rest[end..];
            let mut value = String::new();
            if let Some(r) = rest.strip_prefix("=\"") {
                let close = r.find('"').unwrap();
                value = r[..close].to_owned();
                rest = &r[close + 1..];
            }
            if !key.is_empty() {
                out.push((key, value));
            }
            rest = rest.trim_start();
        }
        out
    }

    #[test]
    fn markdown_is_rendered_and_nothing_in_it_executes() {
        let md = "# Title\n\nSome **bold** and `code`.\n\n\
                  <script>alert(1)</script>\n\n<img src=x onerror=alert(2)>\n\n\
                  inline <b onclick=\"x()\">tag</b>\n\n\
                  [ok](https://example.com/a?b=1&c=\"2\" \"t<i>\") [bad](javascript:alert(3)) \
                  [tab](java\tscript:alert(4)) [upper](JAVASCRIPT:alert(5)) [data](data:text/html,x) \
                  [rel](other.md) [frag](#part) <javascript:alert(6)> <https://auto.example>\n\n\
                  ![pic](https://evil.example/p.png \"t\")\n\n\
                  | a | b |\n|---|---|\n| <i>1</i> | 2 |\n\n```\n<script>in code</script>\n```\n";
        let html = markdown(md);
        for needle in [
            "<h1>Title</h1>",
            "<strong>bold</strong>",
            "<code>code</code>",
            r#"<a href="https://example.com/a?b=1&amp;c=&quot;2&quot;" rel="nofollow noopener noreferrer" title="t&lt;i&gt;">ok</a>"#,
            r##"<a href="#part" rel="nofollow noopener noreferrer">frag</a>"##,
            r#"<a href="https://auto.example" rel="nofollow noopener noreferrer">"#,
            "&lt;script&gt;alert(1)&lt;/script&gt;",
            "&lt;img src=x onerror=alert(2)&gt;",
            // Text is escaped for text: `<` and `&`, not quotes.
            r#"&lt;b onclick="x()"&gt;"#,
            "[image: pic]",
            "<table>",
            "&lt;i&gt;1&lt;/i&gt;",
            "&lt;script&gt;in code&lt;/script&gt;",
            " bad ",
            " rel ",
        ] {
            assert!(html.contains(needle), "missing {needle} in {html}");
        }
        // Every `<` left is a tag this module allows (text `<` is escaped), with only
        // harmless attributes; the links that stay are exactly the three safe ones.
        let mut hrefs = Vec::new();
        for tag in html.split('<').skip(1).map(|t| &t[..t.find('>').unwrap()]) {
            let name: String = tag
                .trim_start_matches('/')
                .chars()
                .take_while(char::is_ascii_alphanumeric)
                .collect();
            assert!(
                [
                    "h1", "p", "strong", "code", "a", "table", "thead", "tbody", "tr", "th", "td",
                    "pre"
                ]
                .contains(&name.as_str()),
                "tag {tag} in {html}"
            );
            for (key, value) in attributes(tag) {
                assert!(
                    ["href", "rel", "title"].contains(&key.as_str()),
                    "{key} in {tag}"
                );
                if key == "href" {
                    hrefs.push(value);
                }
            }
        }
        assert_eq!(
            hrefs,
            [
                "https://example.com/a?b=1&amp;c=&quot;2&quot;",
                "#part",
                "https://auto.example"
            ]
        );
        // Dropped targets are not shown as text either; a link that does not parse as one
        // (a tab in its target) stays literal text.
        assert!(!html.contains("evil.example") && !html.contains("data:text"));
        assert!(!html.contains("other.md"));
        assert!(html.contains("[tab](java\tscript:alert(4))"));
    }

    #[test]
    fn the_markdown_source_is_kept_beside_the_rendering() {
        let html = render(Kind::Markdown, "# T\n[x](javascript:alert(1))");
        assert!(html.contains("<h1>T</h1>"));
        assert!(html.contains(r#"<pre class="preview"># T"#));
        // The source shows the link as the escaped text it is; no element carries it.
        assert!(html.contains("[x](javascript:alert(1))"));
        assert!(!html.contains("href=\"javascript"));
    }

    #[test]
    fn json_is_pretty_printed_unless_it_does_not_parse() {
        let html = render(Kind::Json, r#"{"html":"<b>x</b>","n":[1,2]}"#);
        assert!(html.contains("{\n  &quot;html&quot;: &quot;&lt;b&gt;x&lt;/b&gt;&quot;,"));
        assert!(html.contains("  &quot;n&quot;: [\n    1,"));
        let broken = render(Kind::Json, r#"{"a": <b>"#);
        assert_eq!(
            broken,
            r#"<pre class="preview">{&quot;a&quot;: &lt;b&gt;</pre>"#
        );
        // A document cut at the preview limit is shown as its text, and says so.
        let long = format!(r#"{{"a": "{}"}}"#, "x".repeat(PREVIEW_CHARS));
        let cut = render(Kind::Json, &long);
        assert!(cut.starts_with(r#"<pre class="preview">{&quot;a&quot;: &quot;xxx"#));
        assert!(cut.ends_with("preview cut; download for the whole file</p>"));
    }

    #[test]
    fn delimited_text_is_a_table_with_escaped_cells() {
        let html = render(
            Kind::Delimited(b','),
            "name,value\n\"<i>a</i>\",1\n\"b, with comma\",2\nshort\n",
        );
        assert!(html.contains("<thead><tr><th>name</th><th>value</th></tr></thead>"));
        assert!(html.contains("<tr><td>&lt;i&gt;a&lt;/i&gt;</td><td>1</td></tr>"));
        assert!(html.contains("<td>b, with comma</td>"));
        // A ragged row is shown as it is.
        assert!(html.contains("<tr><td>short</td></tr>"));
        assert!(!html.contains("<i>"));
        let tsv = render(Kind::Delimited(b'\t'), "a\tb\n1\t2\n");
        assert!(tsv.contains("<th>a</th><th>b</th>"));
        // One column is not a table.
        assert!(!render(Kind::Delimited(b','), "just\ntext\n").contains("<table"));
    }

    #[test]
    fn long_tables_say_how_many_rows_they_hold() {
        let mut csv = String::from("i,sq\n");
        for i in 0..(CSV_ROWS + 50) {
            let _ = writeln!(csv, "{i},{}", i * i);
        }
        let html = render(Kind::Delimited(b','), &csv);
        assert_eq!(html.matches("<tr><td>").count(), CSV_ROWS);
        assert!(html.contains(&format!("first {CSV_ROWS} of {} rows", CSV_ROWS + 50)));
    }
}
