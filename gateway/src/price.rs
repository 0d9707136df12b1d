//! Cost of a call from its usage and a price table (shipped `prices.toml`, overridable).

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;

use crate::error::GatewayError;
use crate::usage::Usage;

/// The table shipped with the gateway.
pub const SHIPPED_PRICES: &str = include_str!("../prices.toml");

/// Prices of one model in USD per million tokens.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Price {
    /// Input not read from the cache.
    pub input: f64,
    /// Output, reasoning included.
    pub output: f64,
    /// Cached input read; defaults to `input`.
    #[serde(default)]
    pub cache_read: Option<f64>,
    /// Input written to the cache; defaults to `input`.
    #[serde(default)]
    pub cache_write: Option<f64>,
}

impl Price {
    /// Cost of `usage` in USD. Cache reads and writes are part of `input_tokens` and are
    /// charged at their own rates only; the rest of the input at `input`.
    pub fn cost(&self, usage: &Usage) -> f64 {
        let read = usage.cache_read_tokens.unwrap_or(0).max(0);
        let write = usage.cache_write_tokens.unwrap_or(0).max(0);
        let input = usage.input_tokens.unwrap_or(0).max(0);
        let uncached = (input - read - write).max(0);
        let output = usage.output_tokens.unwrap_or(0).max(0);
        let per_million = uncached as f64 * self.input
            + read as f64 * self.cache_read.unwrap_or(self.input)
            + write as f64 * self.cache_write.unwrap_or(self.input)
            + output as f64 * self.output;
        per_million / 1_000_000.0
    }

    fn check(&self, model: &str) -> Result<(), GatewayError> {
        let rates = [
            Some(self.input),
            Some(self.output),
            self.cache_read,
            self.cache_write,
        ];
        if rates.iter().flatten().all(|r| r.is_finite() && *r >= 0.0) {
            Ok(())
        } else {
            Err(GatewayError::Config(format!(
                "price of `{model}` must be finite and non-negative"
            )))
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PriceFile {
    #[serde(default)]
    models: HashMap<String, Price>,
}

/// Model prices, looked up by model name.
#[derive(Debug, Clone, Default)]
pub struct PriceTable {
    models: HashMap<String, Price>,
}

impl PriceTable {
    /// The shipped table.
    pub fn shipped() -> Result<Self, GatewayError> {
        Self::from_toml_str(SHIPPED_PRICES)
    }

    /// Parses a table (`[models."name"] input = .. output = ..`).
    pub fn from_toml_str(text: &str) -> Result<Self, GatewayError> {
        let file: PriceFile =
            toml::from_str(text).map_err(|e| GatewayError::Config(format!("price table: {e}")))?;
        let mut models = HashMap::with_capacity(file.models.len());
        for (name, price) in file.models {
            price.check(&name)?;
            models.insert(name.to_ascii_lowercase(), price);
        }
        Ok(Self { models })
    }

    /// The shipped table with the entries of the file at `path` replacing or adding models.
    /// Blocking file read: call at startup, not from async code.
    pub fn shipped_with_overrides(path: &Path) -> Result<Self, GatewayError> {
        let text = std::fs::read_to_string(path).map_err(|source| GatewayError::PriceFile {
            path: path.display().to_string(),
            source,
        })?;
        let mut table = Self::shipped()?;
        table.models.extend(Self::from_toml_str(&text)?.models);
        Ok(table)
    }

    /// The price of `model`: exact name, else the longest key it extends with `-`, after
    /// dropping routing prefixes (`openai/`, `models/`) and `:variant` suffixes.
    pub fn lookup(&self, model: &str) -> Option<&Price> {
        let lower = model.trim().to_ascii_lowercase();
        let name = lower.rsplit('/').next().unwrap_or(&lower);
        let name = name.split(':').next().unwrap_or(name);
        if let Some(price) = self.models.get(&lower).or_else(|| self.models.get(name)) {
            return Some(price);
        }
        self.models
            .iter()
            .filter(|(key, _)| {
                name.strip_prefix(key.as_str())
                    .is_some_and(|rest| rest.starts_with('-'))
            })
            .max_by_key(|(key, _)| key.len())
            .map(|(_, price)| price)
    }

    /// Cost of a call, or `None` when the model is unknown or no usage was reported.
    pub fn cost(&self, model: &str, usage: &Usage) -> Option<f64> {
        if usage.input_tokens.is_none() && usage.output_tokens.is_none() {
            return None;
        }
        self.lookup(model).map(|p| p.cost(usage))
    }

    /// Number of priced models.
    pub fn len(&self) -> usize {
        self.models.len()
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.models.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() < 1e-12)
    }

    #[test]
    fn shipped_table_parses_and_matches_dated_names() {
        let table = PriceTable::shipped().unwrap();
        assert!(table.len() > 20);
        let sonnet = table.lookup("claude-sonnet-4-5-20250929").map(|p| p.input);
        assert_eq!(sonnet, Some(3.0));
        assert_eq!(
            table.lookup("gpt-4o-mini-2024-07-18").map(|p| p.input),
            Some(0.15)
        );
        assert_eq!(table.lookup("openai/gpt-4o").map(|p| p.input), Some(2.5));
        assert_eq!(
            table.lookup("models/gemini-2.5-pro").map(|p| p.output),
            Some(10.0)
        );
        assert!(table.lookup("gpt-4o2").is_none());
        assert!(table.lookup("unknown-model").is_none());
    }

    #[test]
    fn cached_input_is_not_double_counted() {
        let price = Price {
            input: 3.0,
            output: 15.0,
            cache_read: Some(0.3),
            cache_write: Some(3.75),
        };
        let usage = Usage {
            input_tokens: Some(1_000_000 + 2_000_000 + 4_000_000),
            output_tokens: Some(100_000),
            cache_read_tokens: Some(2_000_000),
            cache_write_tokens: Some(4_000_000),
            reasoning_tokens: Some(50_000),
        };
        // 1M uncached * 3 + 2M read * 0.3 + 4M write * 3.75 + 0.1M out * 15
        assert!((price.cost(&usage) - (3.0 + 0.6 + 15.0 + 1.5)).abs() < 1e-9);
    }

    #[test]
    fn cost_needs_usage_and_a_known_model() {
        let table = PriceTable::from_toml_str("[models.m]\ninput = 1.0\noutput = 2.0\n").unwrap();
        let usage = Usage {
            input_tokens: Some(1000),
            output_tokens: Some(500),
            ..Usage::default()
        };
        assert!(close(table.cost("m", &usage), 0.002));
        assert_eq!(table.cost("other", &usage), None);
        assert_eq!(table.cost("m", &Usage::default()), None);
    }

    #[test]
    fn bad_tables_are_refused() {
        assert!(PriceTable::from_toml_str("[models.m]\ninput = -1.0\noutput = 2.0\n").is_err());
        assert!(PriceTable::from_toml_str("[models.m]\ninput = 1.0\n").is_err());
        assert!(
            PriceTable::from_toml_str("[models.m]\ninput = 1.0\noutput = 1.0\nfoo = 1\n").is_err()
        );
    }

    #[test]
    fn overrides_replace_shipped_entries() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.toml");
        std::fs::write(&path, "[models.\"gpt-4o\"]\ninput = 9.0\noutput = 9.0\n").unwrap();
        let table = PriceTable::shipped_with_overrides(&path).unwrap();
        assert_eq!(table.lookup("gpt-4o").map(|p| p.input), Some(9.0));
        assert_eq!(table.lookup("gpt-4o-mini").map(|p| p.input), Some(0.15));
    }
}
