//! Glob matching for required-output families: `*` and `?` within one path
//! segment, `**` across segments.

/// Does `path` match `pattern`?
pub fn glob_match(pattern: &str, path: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let s: Vec<char> = path.chars().collect();
    matches(&p, &s)
}

fn matches(p: &[char], s: &[char]) -> bool {
    match p.split_first() {
        None => s.is_empty(),
        Some(('*', rest)) if rest.first() == Some(&'*') => {
            let rest = &rest[1..];
            let rest = rest.strip_prefix(&['/']).unwrap_or(rest);
            (0..=s.len()).any(|i| matches(rest, &s[i..]))
        }
        Some(('*', rest)) => {
            let seg = s.iter().position(|&c| c == '/').unwrap_or(s.len());
            (0..=seg).any(|i| matches(rest, &s[i..]))
        }
        Some(('?', rest)) => s.first().is_some_and(|&c| c != '/') && matches(rest, &s[1..]),
        Some((c, rest)) => s.first() == Some(c) && matches(rest, &s[1..]),
    }
}

#[cfg(test)]
mod tests {
    use super::glob_match;

    #[test]
    fn stars_stay_within_a_segment() {
        assert!(glob_match(
            "transcripts/encounter_*.md",
            "transcripts/encounter_01.md"
        ));
        assert!(!glob_match(
            "transcripts/encounter_*.md",
            "transcripts/x/encounter_01.md"
        ));
        assert!(!glob_match("*.md", "a/b.md"));
        assert!(glob_match("**/b.md", "a/x/b.md"));
        assert!(glob_match("**/b.md", "b.md"));
        assert!(glob_match("file?.txt", "file1.txt"));
        assert!(!glob_match("file?.txt", "file12.txt"));
    }
}
