//! Glob matching for required-output families (`globset`): `*` and `?` within one path
//! segment, `**` across segments.

use globset::GlobBuilder;

/// Does `path` match `pattern`? A pattern `globset` cannot parse (an unclosed `[` or `{`)
/// matches only itself.
pub fn glob_match(pattern: &str, path: &str) -> bool {
    match GlobBuilder::new(pattern).literal_separator(true).build() {
        Ok(glob) => glob.compile_matcher().is_match(path),
        Err(_) => pattern == path,
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
