//! The trajectory digest the judge reads: one short line per event, bounded,
//! keeping the start and the end of the run when it is too long.

use serde::{Deserialize, Serialize};

/// Characters kept of one event's text.
pub const EVENT_TEXT_CHARS: usize = 240;

/// What the digest needs of one trajectory event (the engine maps its event rows onto this).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DigestEvent {
    /// Event kind (`message`, `tool_call`, `tool_result`, `error`, ...).
    pub kind: String,
    /// Tool or actor name, if any.
    pub name: Option<String>,
    /// Text, command or summary, if any.
    pub text: Option<String>,
    /// Status (`ok`, `error`, exit code), if any.
    pub status: Option<String>,
}

/// A bounded text summary of a trajectory.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrajectoryDigest {
    /// The rendered lines.
    pub text: String,
    /// Events in the trajectory.
    pub events: usize,
    /// Events left out to stay within the limit.
    pub omitted: usize,
}

impl TrajectoryDigest {
    /// Renders `events` in at most about `limit` characters: the first and
    /// last events are kept and the omission is stated in the text.
    pub fn from_events(events: &[DigestEvent], limit: usize) -> TrajectoryDigest {
        let lines: Vec<String> = events
            .iter()
            .enumerate()
            .map(|(i, e)| line(i + 1, e))
            .collect();
        let total: usize = lines.iter().map(|l| l.chars().count() + 1).sum();
        if total <= limit {
            return TrajectoryDigest {
                text: lines.join("\n"),
                events: events.len(),
                omitted: 0,
            };
        }
        let half = limit / 2;
        let mut head = Vec::new();
        let mut used = 0;
        for l in &lines {
            let n = l.chars().count() + 1;
            if used + n > half {
                break;
            }
            used += n;
            head.push(l.as_str());
        }
        let mut tail = Vec::new();
        let mut used_tail = 0;
        for l in lines.iter().skip(head.len()).rev() {
            let n = l.chars().count() + 1;
            if used + used_tail + n > limit.saturating_sub(64) {
                break;
            }
            used_tail += n;
            tail.push(l.as_str());
        }
        tail.reverse();
        let omitted = lines.len() - head.len() - tail.len();
        let mut text = head.join("\n");
        if !text.is_empty() {
            text.push('\n');
        }
        text.push_str(&format!(
            "[... {omitted} of {} events omitted to stay within {limit} characters ...]",
            lines.len()
        ));
        for l in tail {
            text.push('\n');
            text.push_str(l);
        }
        TrajectoryDigest {
            text,
            events: events.len(),
            omitted,
        }
    }
}

fn line(n: usize, e: &DigestEvent) -> String {
    let mut out = format!("{n}. [{}]", one_line(&e.kind, 40));
    if let Some(name) = e.name.as_deref().filter(|s| !s.trim().is_empty()) {
        out.push(' ');
        out.push_str(&one_line(name, 60));
    }
    if let Some(status) = e.status.as_deref().filter(|s| !s.trim().is_empty()) {
        out.push_str(&format!(" ({})", one_line(status, 40)));
    }
    if let Some(text) = e.text.as_deref().filter(|s| !s.trim().is_empty()) {
        out.push_str(": ");
        out.push_str(&one_line(text, EVENT_TEXT_CHARS));
    }
    out
}

/// Whitespace collapsed, cut to `max` characters with an ellipsis.
fn one_line(s: &str, max: usize) -> String {
    let flat = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max {
        flat
    } else {
        let cut: String = flat.chars().take(max.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(i: usize) -> DigestEvent {
        DigestEvent {
            kind: "tool_call".into(),
            name: Some("shell".into()),
            text: Some(format!("echo step {i}\nsecond line")),
            status: Some("ok".into()),
        }
    }

    #[test]
    fn short_trajectories_are_kept_whole() {
        let d = TrajectoryDigest::from_events(&[ev(1), ev(2)], 10_000);
        assert_eq!(
            d.text,
            "1. [tool_call] shell (ok): echo step 1 second line\n2. [tool_call] shell (ok): echo step 2 second line"
        );
        assert_eq!(d.omitted, 0);
    }

    #[test]
    fn long_trajectories_keep_both_ends_and_say_so() {
        let events: Vec<_> = (1..=500).map(ev).collect();
        let d = TrajectoryDigest::from_events(&events, 2000);
        assert!(d.text.chars().count() <= 2000, "{}", d.text.len());
        assert!(d.text.starts_with("1. [tool_call]"));
        assert!(d.text.contains("echo step 500"));
        assert!(d.omitted > 400);
        assert!(
            d.text
                .contains(&format!("[... {} of 500 events omitted", d.omitted))
        );
    }

    #[test]
    fn long_text_is_cut() {
        let e = DigestEvent {
            kind: "message".into(),
            text: Some("x".repeat(5000)),
            ..DigestEvent::default()
        };
        let d = TrajectoryDigest::from_events(&[e], 100_000);
        assert!(d.text.chars().count() < EVENT_TEXT_CHARS + 20);
        assert!(d.text.ends_with('…'));
    }
}
