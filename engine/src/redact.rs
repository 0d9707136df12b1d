//! Secret values never reach stored events: every text field of every event is scrubbed
//! of declared secrets, provider keys and the run's gateway token before it is ingested.

use wharf_model::EventRecord;

/// Replaces known secret values by `[REDACTED:NAME]`.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    secrets: Vec<(String, String)>,
}

/// Values shorter than this are not redacted (they would blank out ordinary words); a
/// warning names them instead.
pub const MIN_SECRET_LEN: usize = 4;

impl Redactor {
    /// Adds a secret; returns false (and ignores it) when it is too short to redact safely.
    pub fn add(&mut self, name: &str, value: &str) -> bool {
        if value.chars().count() < MIN_SECRET_LEN {
            return false;
        }
        self.secrets.push((name.to_owned(), value.to_owned()));
        // Longest first, so a secret containing another is replaced whole.
        self.secrets.sort_by_key(|s| std::cmp::Reverse(s.1.len()));
        true
    }

    /// Whether `text` contains a secret.
    pub fn finds(&self, text: &str) -> bool {
        self.secrets.iter().any(|(_, v)| text.contains(v.as_str()))
    }

    /// `text` with every secret replaced.
    pub fn text(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for (name, value) in &self.secrets {
            if out.contains(value.as_str()) {
                out = out.replace(value.as_str(), &format!("[REDACTED:{name}]"));
            }
        }
        out
    }

    fn field(&self, field: &mut Option<String>) {
        if let Some(t) = field.as_mut()
            && self.finds(t)
        {
            *t = self.text(t);
        }
    }

    /// Scrubs every text-bearing field of an event.
    pub fn event(&self, e: &mut EventRecord) {
        if self.secrets.is_empty() {
            return;
        }
        for f in [
            &mut e.text,
            &mut e.output_text,
            &mut e.raw,
            &mut e.name,
            &mut e.status,
            &mut e.role,
        ] {
            self.field(f);
        }
        if let Some(input) = &e.input {
            let s = input.to_string();
            if self.finds(&s) {
                let cleaned = self.text(&s);
                e.input = Some(
                    serde_json::from_str(&cleaned).unwrap_or(serde_json::Value::String(cleaned)),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn redacts_every_field_and_nested_json() {
        let mut r = Redactor::default();
        assert!(r.add("API_TOKEN", "tok-123456"));
        assert!(r.add("LONGER", "tok-123456-extra"));
        assert!(!r.add("SHORT", "ab"));
        let mut e: EventRecord = serde_json::from_value(serde_json::json!({
            "run_id": "0190a0a0-0000-7000-8000-000000000001", "seq": 1, "ts": "2026-01-01T00:00:00Z",
            "kind": "tool_call", "text": "key tok-123456 and tok-123456-extra",
            "input": {"cmd": "curl -H 'x: tok-123456'"}, "raw": "{\"k\":\"tok-123456\"}"
        }))
        .unwrap();
        r.event(&mut e);
        assert_eq!(
            e.text.as_deref(),
            Some("key [REDACTED:API_TOKEN] and [REDACTED:LONGER]")
        );
        assert_eq!(e.input.unwrap()["cmd"], "curl -H 'x: [REDACTED:API_TOKEN]'");
        assert!(!e.raw.unwrap().contains("tok-123456"));
    }
}
