//! Finding template variables (`{{name}}`, `{{ secrets.NAME }}`) and leftover
//! `{TODO: ...}` markers in a line. Linear: every byte is looked at a bounded
//! number of times.
//!
//! A variable is `{{`, optional spaces, a name (`[A-Za-z_][A-Za-z0-9_-]*`,
//! dot-separated segments allowed), optional spaces, `}}`. Anything else
//! between braces (`{{age, sex}}` in a Python f-string, `{{ .Values.x }}` in
//! a Helm chart) is text; so is GitHub Actions' `${{ ... }}`.

use crate::diagnostic::Span;

/// Variables in one line: `(name, span of the whole {{ ... }})`.
pub(crate) fn scan_variables(line: &str, start: usize, out: &mut Vec<(String, Span)>) {
    let bytes = line.as_bytes();
    let mut from = 0;
    while let Some(rel) = line.get(from..).and_then(|s| s.find("{{")) {
        let at = from + rel;
        let dollar = at > 0 && bytes.get(at - 1) == Some(&b'$');
        match (!dollar).then(|| parse_variable(bytes, at + 2)).flatten() {
            Some((name_range, end)) => {
                if let Some(name) = line.get(name_range.0..name_range.1) {
                    out.push((name.to_string(), Span::new(start + at, start + end)));
                }
                from = end;
            }
            None => from = at + 1,
        }
    }
}

/// After `{{` at `i`: `((name_start, name_end), end_of_closing_braces)`.
fn parse_variable(bytes: &[u8], mut i: usize) -> Option<((usize, usize), usize)> {
    let skip_ws = |mut i: usize| {
        while matches!(bytes.get(i), Some(b' ' | b'\t')) {
            i += 1;
        }
        i
    };
    i = skip_ws(i);
    let name_start = i;
    loop {
        // One segment: a letter or `_`, then letters, digits, `_`, `-`.
        if !matches!(bytes.get(i), Some(c) if c.is_ascii_alphabetic() || *c == b'_') {
            return None;
        }
        i += 1;
        while matches!(bytes.get(i), Some(c) if c.is_ascii_alphanumeric() || *c == b'_' || *c == b'-')
        {
            i += 1;
        }
        if bytes.get(i) == Some(&b'.') {
            i += 1;
        } else {
            break;
        }
    }
    let name_end = i;
    i = skip_ws(i);
    if bytes.get(i) == Some(&b'}') && bytes.get(i + 1) == Some(&b'}') {
        Some(((name_start, name_end), i + 2))
    } else {
        None
    }
}

/// `{TODO: ...}` / `{TODO}` markers (case-insensitive) in one line.
pub(crate) fn scan_todos(line: &str, start: usize, out: &mut Vec<Span>) {
    let bytes = line.as_bytes();
    let mut from = 0;
    while let Some(rel) = line.get(from..).and_then(|s| s.find('{')) {
        let at = from + rel;
        let word = bytes.get(at + 1..at + 5);
        let is_todo = word.is_some_and(|w| w.eq_ignore_ascii_case(b"todo"))
            && matches!(bytes.get(at + 5), Some(b':' | b'}' | b' '));
        if is_todo {
            let end = line
                .get(at..)
                .and_then(|s| s.find('}'))
                .map_or(line.len(), |e| at + e + 1);
            out.push(Span::new(start + at, start + end));
            from = end;
        } else {
            from = at + 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(line: &str) -> Vec<String> {
        let mut out = Vec::new();
        scan_variables(line, 0, &mut out);
        out.into_iter().map(|(n, _)| n).collect()
    }

    #[test]
    fn variables_and_non_variables() {
        assert_eq!(
            names("a {{x}} b {{ y_2 }} {{secrets.KEY}}"),
            ["x", "y_2", "secrets.KEY"]
        );
        assert!(names("{{age, sex}} {{...}} ${{ secrets.X }} {{ .Values.x }} {{x").is_empty());
        assert_eq!(names("f\"{{{x}}}\""), ["x"]);
    }

    #[test]
    fn todo_markers() {
        let mut out = Vec::new();
        scan_todos("a {TODO: fill} b {todo} {TODAY} {TO", 0, &mut out);
        assert_eq!(out, [Span::new(2, 14), Span::new(17, 23)]);
    }
}
