//! Keeping the YAML parser safe and its errors useful: frontmatter too large
//! or nested too deeply is refused before parsing (YAML parsers slow down
//! quadratically with flow depth), and parser errors get file positions.

use crate::codes::Code;
use crate::diagnostic::{Diagnostic, Span};
use crate::frontmatter::{MAX_FRONTMATTER_BYTES, MAX_FRONTMATTER_DEPTH};
use crate::source::SourceFile;

/// Refuse frontmatter too large or too deeply nested to parse in bounded time.
pub(crate) fn too_complex(
    yaml: &str,
    base: usize,
    open_line: usize,
    src: &SourceFile,
) -> Option<Diagnostic> {
    if yaml.len() > MAX_FRONTMATTER_BYTES {
        let open = src.line_start(open_line + 1);
        return Some(
            Diagnostic::new(
                Code::FrontmatterTooComplex,
                format!(
                    "frontmatter is {} bytes; the limit is {MAX_FRONTMATTER_BYTES}",
                    yaml.len()
                ),
            )
            .at(Span::new(open, open + 3))
            .label("this frontmatter")
            .help("keep configuration in the frontmatter and move data into uploaded files"),
        );
    }
    // Quotes only open a scalar where a value starts; a quote never spans a
    // line here, so it cannot hide brackets beyond its own line.
    let (mut depth, mut quote, mut prev) = (0usize, None::<char>, '\n');
    for (i, c) in yaml.char_indices() {
        let value_start = matches!(prev, '\n' | ':' | '[' | '{' | ',' | '-' | '?');
        if !c.is_whitespace() || c == '\n' {
            prev = c;
        }
        match (quote, c) {
            (_, '\n') => quote = None,
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') if value_start => quote = Some(c),
            (None, '[' | '{') => {
                depth += 1;
                if depth > MAX_FRONTMATTER_DEPTH {
                    return Some(
                        Diagnostic::new(
                            Code::FrontmatterTooComplex,
                            format!("frontmatter nests deeper than {MAX_FRONTMATTER_DEPTH} levels"),
                        )
                        .at(Span::new(base + i, base + i + 1))
                        .label("too deep here")
                        .help("flatten the structure; runbook frontmatter is a few flat keys"),
                    );
                }
            }
            (None, ']' | '}') => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

/// An `R012` diagnostic at the parser's position, with its context made absolute.
pub(crate) fn yaml_error(
    src: &SourceFile,
    first_line: usize,
    e: &serde_yaml_ng::Error,
) -> Diagnostic {
    // "problem at line 5 column 6, while parsing X at line 4 column 8": the
    // first position is shown as the location; the others are made absolute.
    let text = e.to_string();
    let message = match text.find(" at line ") {
        Some(i) => {
            let rest = text.get(i + 9..).unwrap_or("");
            let skip = rest.find(',').unwrap_or(rest.len());
            format!(
                "{}{}",
                text.get(..i).unwrap_or(""),
                rest.get(skip..).unwrap_or("")
            )
        }
        None => text.clone(),
    };
    let message = shift_line_numbers(&message, first_line.saturating_sub(1));
    let span = e.location().map(|loc| {
        let line = first_line + loc.line().saturating_sub(1);
        let start = src.line_start(line);
        let col = src
            .line_text(line)
            .char_indices()
            .nth(loc.column().saturating_sub(1))
            .map_or(src.line_text(line).len(), |(i, _)| i);
        let at = (start + col).min(src.text().len());
        let end = at
            + src
                .text()
                .get(at..)
                .and_then(|s| s.chars().next())
                .filter(|c| *c != '\n' && *c != '\r')
                .map_or(0, char::len_utf8);
        Span::new(at, end)
    });
    Diagnostic::new(
        Code::InvalidYaml,
        format!("frontmatter is not valid YAML: {message}"),
    )
    .at_opt(span)
    .label("here")
    .help("frontmatter is YAML between two `---` lines; quote values that contain `: ` or `#`")
}

/// Add `offset` to every `line N` in a message.
fn shift_line_numbers(message: &str, offset: usize) -> String {
    let mut out = String::new();
    let mut rest = message;
    while let Some(i) = rest.find("line ") {
        out.push_str(rest.get(..i + 5).unwrap_or(""));
        rest = rest.get(i + 5..).unwrap_or("");
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        match rest.get(..digits).and_then(|d| d.parse::<usize>().ok()) {
            Some(n) => out.push_str(&(n + offset).to_string()),
            None => out.push_str(rest.get(..digits).unwrap_or("")),
        }
        rest = rest.get(digits..).unwrap_or("");
    }
    out.push_str(rest);
    out
}
