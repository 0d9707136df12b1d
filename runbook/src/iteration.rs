//! The iteration bound: "max 3 rounds", "at most 3 rounds", "≤3 rounds",
//! "up to 3 times", "the 3-round limit". Headings of iteration sections are
//! read first, then all headings, then iteration sections' text, then the
//! rest of the prose. Code is never read.

use crate::markdown::Document;
use crate::runbook::{DEFAULT_MAX_ROUNDS, Iteration, Parameter};
use crate::sections::{Section, SectionKind};
use crate::source::floor_char_boundary;
use crate::template::scan_variables;

const QUALIFIERS: &[&str] = &[
    "maximum of",
    "maximum",
    "max.",
    "max",
    "at most",
    "up to",
    "no more than",
    "limit of",
    "≤",
    "<=",
];

const UNITS: &[&str] = &[
    "round",
    "iteration",
    "attempt",
    "retr",
    "time",
    "cycle",
    "pass",
    "loop",
];

const WORDS: &[&str] = &[
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
];

/// Find the bound, or the default (3) with `defaulted: true`.
pub(crate) fn iteration(doc: &Document<'_>, secs: &[Section], params: &[Parameter]) -> Iteration {
    let iter_secs: Vec<&Section> = secs
        .iter()
        .filter(|s| s.kind == SectionKind::Iteration)
        .collect();
    let mut candidates: Vec<usize> = iter_secs.iter().map(|s| s.heading.line).collect();
    candidates.extend(secs.iter().map(|s| s.heading.line));
    for s in &iter_secs {
        candidates.extend(s.from..s.to);
    }
    candidates.extend(0..doc.lines.len());
    for idx in candidates {
        let Some(line) = doc.lines.get(idx) else {
            continue;
        };
        if line.code || line.front {
            continue;
        }
        if let Some(n) = round_limit(line.text, params) {
            return Iteration {
                max_rounds: n,
                defaulted: false,
                text: Some(line.text.trim().trim_start_matches('#').trim().to_string()),
                line: Some(idx + 1),
            };
        }
    }
    Iteration {
        max_rounds: DEFAULT_MAX_ROUNDS,
        defaulted: true,
        text: None,
        line: None,
    }
}

/// The first bound stated in one line.
pub(crate) fn round_limit(line: &str, params: &[Parameter]) -> Option<u32> {
    let lower = line.to_lowercase();
    let mut best: Option<(usize, u32)> = None;
    for q in QUALIFIERS {
        for (at, _) in lower.match_indices(q) {
            let word_start = lower.get(..at).and_then(|b| b.chars().next_back());
            if q.starts_with(|c: char| c.is_ascii_alphabetic())
                && word_start.is_some_and(char::is_alphanumeric)
            {
                continue;
            }
            let rest = lower.get(at + q.len()..).unwrap_or("");
            if let Some(n) = count_then_unit(rest, params)
                && best.is_none_or(|(b, _)| at < b)
            {
                best = Some((at, n));
            }
        }
    }
    if best.is_none() {
        // "the 3-round limit", "a 5 iteration cap"
        for marker in [
            "-round limit",
            " round limit",
            "-iteration limit",
            " iteration limit",
        ] {
            if let Some(at) = lower.find(marker) {
                let before = lower.get(..at).unwrap_or("");
                let digits: String = before
                    .chars()
                    .rev()
                    .take_while(char::is_ascii_digit)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect();
                if let Ok(n) = digits.parse() {
                    best = Some((at, n));
                    break;
                }
            }
        }
    }
    best.map(|(_, n)| n)
}

fn count_then_unit(rest: &str, params: &[Parameter]) -> Option<u32> {
    let rest = rest.trim_start_matches([' ', ':', '\t', '*']);
    let rest = rest.strip_prefix("of ").unwrap_or(rest);
    let (n, after) = if let Some(word) = WORDS.iter().position(|w| {
        rest.starts_with(w)
            && !rest
                .get(w.len()..)
                .is_some_and(|r| r.starts_with(char::is_alphanumeric))
    }) {
        let len = WORDS.get(word).map_or(0, |w| w.len());
        (u32::try_from(word).ok()?, rest.get(len..)?)
    } else if rest.starts_with("{{") {
        let mut uses = Vec::new();
        scan_variables(rest.get(..floor_char_boundary(rest, 64))?, 0, &mut uses);
        let (name, span) = uses.into_iter().next().filter(|(_, s)| s.start == 0)?;
        let default = params
            .iter()
            .find(|p| p.variable.as_deref() == Some(name.as_str()))?
            .default
            .as_deref()?
            .trim()
            .parse()
            .ok()?;
        (default, rest.get(span.end..)?)
    } else {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 || digits > 4 {
            return None;
        }
        (rest.get(..digits)?.parse().ok()?, rest.get(digits..)?)
    };
    let after = after.trim_start_matches([' ', '-', '*', '\t']);
    let after = after.strip_prefix("total ").unwrap_or(after);
    UNITS.iter().any(|u| after.starts_with(u)).then_some(n)
}

#[cfg(test)]
mod tests {
    use super::round_limit;

    #[test]
    fn phrasings() {
        for (line, n) in [
            ("## Step 2: Iterate on Errors (max 3 rounds)", Some(3)),
            (
                "hill-climbs the weakest criterion (≤3 rounds per encounter)",
                Some(3),
            ),
            ("Repeat up to 5 times total", Some(5)),
            ("perform at most two iterations", Some(2)),
            ("Stop once the 4-round limit is reached.", Some(4)),
            ("Maximum: 2 attempts", Some(2)),
            ("climax 3 rounds", None),
            ("up to 3 files", None),
        ] {
            assert_eq!(round_limit(line, &[]), n, "{line}");
        }
    }
}
