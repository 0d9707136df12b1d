//! The overview's filters, from the query string to a SQL condition over `runs r`.
//! Values become quoted literals; dates must be `YYYY-MM-DD`; nothing else reaches SQL.

use chrono::NaiveDate;
use serde::Deserialize;

use crate::error::{DashResult, DashboardError};
use crate::escape::{sql_literal, url_encode};

/// `/?runbook=&version=&runtime=&model=&from=&to=&label=key=value&page=`.
/// Empty values (what an untouched form field sends) mean "any".
#[derive(Debug, Clone, Default, Deserialize)]
pub struct OverviewFilter {
    /// Only runs of this runbook (`runs.runbook_name`).
    #[serde(default)]
    pub runbook: Option<String>,
    /// Only this runbook version (`runs.runbook_version`).
    #[serde(default)]
    pub version: Option<String>,
    /// Runtime (agent CLI).
    #[serde(default)]
    pub runtime: Option<String>,
    /// Only runs of this model (`runs.model`, exact slug).
    #[serde(default)]
    pub model: Option<String>,
    /// First day (UTC), inclusive.
    #[serde(default)]
    pub from: Option<String>,
    /// Last day (UTC), inclusive.
    #[serde(default)]
    pub to: Option<String>,
    /// `key=value` of a (latest) label.
    #[serde(default)]
    pub label: Option<String>,
    /// Page of the recent-runs table, from 0.
    #[serde(default)]
    pub page: Option<u32>,
}

fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn date(name: &str, v: &str) -> DashResult<NaiveDate> {
    NaiveDate::parse_from_str(v, "%Y-%m-%d").map_err(|_| {
        DashboardError::BadRequest(format!(
            "`{name}` must be a date like 2026-01-31, got `{v}`"
        ))
    })
}

impl OverviewFilter {
    /// The condition over `runs r` these filters select (`true` when none is set).
    pub fn condition(&self) -> DashResult<String> {
        let mut parts = Vec::new();
        for (column, value) in [
            ("runbook_name", &self.runbook),
            ("runbook_version", &self.version),
            ("runtime", &self.runtime),
            ("model", &self.model),
        ] {
            if let Some(v) = given(value) {
                parts.push(format!("r.{column} = {}", sql_literal(v)));
            }
        }
        if let Some(v) = given(&self.from) {
            parts.push(format!("r.date >= DATE '{}'", date("from", v)?));
        }
        if let Some(v) = given(&self.to) {
            parts.push(format!("r.date <= DATE '{}'", date("to", v)?));
        }
        if let Some(v) = given(&self.label) {
            let (key, value) = v.split_once('=').ok_or_else(|| {
                DashboardError::BadRequest(format!("`label` must be key=value, got `{v}`"))
            })?;
            parts.push(format!(
                "r.run_id IN (SELECT run_id FROM latest_labels WHERE key = {} AND value = {})",
                sql_literal(key.trim()),
                sql_literal(value.trim())
            ));
        }
        Ok(if parts.is_empty() {
            "true".into()
        } else {
            parts.join(" AND ")
        })
    }

    /// Whether any filter is set.
    pub fn is_empty(&self) -> bool {
        [
            &self.runbook,
            &self.version,
            &self.runtime,
            &self.model,
            &self.from,
            &self.to,
            &self.label,
        ]
        .into_iter()
        .all(|v| given(v).is_none())
    }

    /// The filters as a query string (without `page`), values percent-encoded.
    pub fn query_string(&self) -> String {
        [
            ("runbook", &self.runbook),
            ("version", &self.version),
            ("runtime", &self.runtime),
            ("model", &self.model),
            ("from", &self.from),
            ("to", &self.to),
            ("label", &self.label),
        ]
        .into_iter()
        .filter_map(|(k, v)| given(v).map(|v| format!("{k}={}", url_encode(v))))
        .collect::<Vec<_>>()
        .join("&")
    }

    /// The value of one filter for a form field (unescaped).
    pub fn value(&self, name: &str) -> &str {
        let v = match name {
            "runbook" => &self.runbook,
            "version" => &self.version,
            "runtime" => &self.runtime,
            "model" => &self.model,
            "from" => &self.from,
            "to" => &self.to,
            "label" => &self.label,
            _ => return "",
        };
        given(v).unwrap_or("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_filter_selects_everything() {
        let f = OverviewFilter::default();
        assert_eq!(f.condition().unwrap(), "true");
        assert!(f.is_empty());
        let f = OverviewFilter {
            runbook: Some("  ".into()),
            ..Default::default()
        };
        assert!(f.is_empty());
    }

    #[test]
    fn values_are_quoted_and_dates_checked() {
        let f = OverviewFilter {
            runbook: Some("it's".into()),
            from: Some("2026-01-02".into()),
            label: Some("arm = A".into()),
            ..Default::default()
        };
        assert_eq!(
            f.condition().unwrap(),
            "r.runbook_name = 'it''s' AND r.date >= DATE '2026-01-02' AND r.run_id IN (SELECT run_id FROM latest_labels WHERE key = 'arm' AND value = 'A')"
        );
        assert_eq!(
            f.query_string(),
            "runbook=it%27s&from=2026-01-02&label=arm%20%3D%20A"
        );
        let bad = OverviewFilter {
            to: Some("2026-01-02'; DROP".into()),
            ..Default::default()
        };
        assert!(bad.condition().is_err());
        let bad = OverviewFilter {
            label: Some("no-equals".into()),
            ..Default::default()
        };
        assert!(bad.condition().is_err());
    }
}
