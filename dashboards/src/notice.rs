//! Server-wide notices shown at the top of every page: runs disabled (no sandbox backend),
//! offline models, the demo collection. The server decides which apply; this module renders
//! them (escaped) into a page the renderers already built.

use std::fmt::Write;

use crate::escape::escape;

/// How a notice is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Something does not work and how to fix it.
    Warning,
    /// Worth knowing; nothing needs fixing.
    Info,
}

/// One notice: a short title and a sentence or two. Text between backticks is shown as
/// code; everything is escaped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// How it is shown.
    pub level: Level,
    /// A few words, shown bold.
    pub title: String,
    /// What it means and what to do.
    pub text: String,
}

/// The notices as HTML (empty for none).
pub fn render(notices: &[Notice]) -> String {
    let mut out = String::new();
    for n in notices {
        let class = match n.level {
            Level::Warning => "notice warn",
            Level::Info => "notice info",
        };
        let _ = write!(
            out,
            r#"<div class="{class}" role="status"><b>{}</b> {}</div>"#,
            escape(&n.title),
            with_code(&n.text)
        );
    }
    out
}

/// `page` (a whole document from [`crate::layout::page`]) with `notices` at the top of its
/// `<main>`. The shell writes `<main>` once, before any rendered content, so the first
/// occurrence is the shell's.
pub fn insert(page: String, notices: &[Notice]) -> String {
    const MAIN: &str = "<main>";
    if notices.is_empty() {
        return page;
    }
    let html = render(notices);
    match page.find(MAIN) {
        Some(at) => {
            let at = at + MAIN.len();
            let mut out = String::with_capacity(page.len() + html.len());
            out.push_str(&page[..at]);
            out.push_str(&html);
            out.push_str(&page[at..]);
            out
        }
        None => page,
    }
}

/// Escapes `text`, showing the spans between backticks as `<code>`.
fn with_code(text: &str) -> String {
    let mut out = String::new();
    for (i, part) in text.split('`').enumerate() {
        if i % 2 == 1 {
            let _ = write!(out, "<code>{}</code>", escape(part));
        } else {
            out.push_str(&escape(part));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::{Nav, page};

    #[test]
    fn notices_go_first_in_main_escaped_with_code_spans() {
        let doc = page("t", Nav::Overview, Some("c"), "<p>body</p>");
        let notices = [Notice {
            level: Level::Warning,
            title: "Runs are disabled.".into(),
            text: "<script>x</script> run `apt-get install bubblewrap` & restart".into(),
        }];
        let html = insert(doc, &notices);
        assert!(html.contains(
            r#"<main><div class="notice warn" role="status"><b>Runs are disabled.</b> &lt;script&gt;x&lt;/script&gt; run <code>apt-get install bubblewrap</code> &amp; restart</div><p>body</p>"#
        ), "{html}");
        assert!(!html.contains("<script>x"));
    }

    #[test]
    fn no_notices_leave_the_page_alone() {
        let doc = page("t", Nav::Sql, None, "<p>body</p>");
        assert_eq!(insert(doc.clone(), &[]), doc);
    }
}
