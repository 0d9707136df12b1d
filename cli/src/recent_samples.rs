//! The bundled sample trajectories moved into the last seven days, for `wharf serve --demo`.
//! The samples were recorded within minutes of each other on one day; the demo shows them
//! as a team's week: the runs, in their order, start evenly spread from seven days ago to
//! just before now. Every timestamp field of a run's records (the columns typed
//! `Timestamp` in the table contract) moves by that run's one offset, so each run keeps its
//! own timeline; nothing else in a record changes.

use anyhow::Context;
use chrono::{DateTime, Duration, SecondsFormat, SubsecRound, Utc};
use serde_json::Value;
use wharf_model::{ColumnType, Table};

/// How far back the first run starts.
const SPAN: Duration = Duration::days(7);
/// How long before now the last run ends at the latest.
const MARGIN: Duration = Duration::minutes(5);

/// `jsonl` (native trajectory records, one per line) with every run moved so that the
/// runs spread over the seven days ending at `now`. Errors name the line.
pub fn spread_over_week(jsonl: &str, now: DateTime<Utc>) -> anyhow::Result<String> {
    let now = now.trunc_subsecs(0);
    let mut records = Vec::new();
    for (i, line) in jsonl.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let record: Value =
            serde_json::from_str(line).with_context(|| format!("sample line {}", i + 1))?;
        records.push(record);
    }
    let offsets = offsets(&records, now)?;
    let mut out = String::with_capacity(jsonl.len());
    for mut record in records {
        let offset = record
            .get("run_id")
            .and_then(Value::as_str)
            .and_then(|id| offsets.iter().find(|(run, _)| run == id))
            .map(|(_, offset)| *offset);
        if let Some(offset) = offset {
            shift(&mut record, offset)?;
        }
        out.push_str(&serde_json::to_string(&record)?);
        out.push('\n');
    }
    Ok(out)
}

/// One offset per run header, in the order of their start times: run `i` of `n` starts at
/// `now - SPAN + i * step`, the last one early enough to end `MARGIN` before now.
fn offsets(records: &[Value], now: DateTime<Utc>) -> anyhow::Result<Vec<(String, Duration)>> {
    let mut runs = Vec::new();
    for r in records.iter().filter(|r| r["type"] == "run") {
        let id = r["run_id"]
            .as_str()
            .context("a sample run without a run_id")?;
        let started = time(&r["started_at"]).with_context(|| format!("run {id}: started_at"))?;
        let ended = match &r["ended_at"] {
            Value::Null => started,
            v => time(v).with_context(|| format!("run {id}: ended_at"))?,
        };
        runs.push((id.to_owned(), started, ended - started));
    }
    runs.sort_by_key(|(id, started, _)| (*started, id.clone()));
    let first = now - SPAN;
    let last = runs
        .last()
        .map_or(now, |(_, _, length)| now - MARGIN - *length)
        .max(first);
    let gaps = i64::try_from(runs.len().saturating_sub(1).max(1)).unwrap_or(i64::MAX);
    // Whole seconds, so the moved times keep the samples' precision.
    let step = (last - first).num_seconds() / gaps;
    Ok(runs
        .into_iter()
        .enumerate()
        .map(|(i, (id, started, _))| {
            let i = i64::try_from(i).unwrap_or(i64::MAX);
            (id, first + Duration::seconds(step * i) - started)
        })
        .collect())
}

/// Moves every timestamp field of `record` by `offset`.
fn shift(record: &mut Value, offset: Duration) -> anyhow::Result<()> {
    let Some(table) = record["type"].as_str().and_then(table_of) else {
        return Ok(());
    };
    let Some(fields) = record.as_object_mut() else {
        return Ok(());
    };
    for column in table.columns() {
        if column.ty != ColumnType::Timestamp {
            continue;
        }
        if let Some(value) = fields.get_mut(column.name)
            && !value.is_null()
        {
            let moved = time(value).with_context(|| format!("`{}`", column.name))? + offset;
            *value = Value::String(moved.to_rfc3339_opts(SecondsFormat::AutoSi, true));
        }
    }
    Ok(())
}

fn table_of(kind: &str) -> Option<Table> {
    Some(match kind {
        "run" => Table::Runs,
        "event" => Table::Events,
        "score" => Table::Scores,
        "label" => Table::Labels,
        "artifact" => Table::Artifacts,
        "llm_call" => Table::LlmCalls,
        _ => return None,
    })
}

fn time(value: &Value) -> anyhow::Result<DateTime<Utc>> {
    let text = value.as_str().context("not a string")?;
    Ok(DateTime::parse_from_rfc3339(text)
        .with_context(|| format!("`{text}` is not an RFC 3339 time"))?
        .with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::samples::SAMPLES;

    fn parse(jsonl: &str) -> Vec<Value> {
        jsonl
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    #[test]
    fn the_samples_spread_over_the_week_ending_now_each_run_keeping_its_timeline() {
        let (_, text) = SAMPLES[0];
        let now = DateTime::parse_from_rfc3339("2027-03-10T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let before = parse(text);
        let after = parse(&spread_over_week(text, now).unwrap());
        assert_eq!(before.len(), after.len());

        let mut offsets: BTreeMap<String, Vec<Duration>> = BTreeMap::new();
        let mut starts = Vec::new();
        for (b, a) in before.iter().zip(&after) {
            let table = table_of(b["type"].as_str().unwrap()).unwrap();
            let mut b_rest = b.as_object().unwrap().clone();
            let mut a_rest = a.as_object().unwrap().clone();
            for column in table.columns() {
                if column.ty == ColumnType::Timestamp
                    && let (Some(x), Some(y)) =
                        (b_rest.remove(column.name), a_rest.remove(column.name))
                    && !x.is_null()
                {
                    let (x, y) = (time(&x).unwrap(), time(&y).unwrap());
                    assert!(y <= now && y >= now - SPAN, "{y} is outside the week");
                    let run = b["run_id"].as_str().unwrap().to_owned();
                    offsets.entry(run).or_default().push(y - x);
                }
            }
            assert_eq!(b_rest, a_rest, "only timestamps change");
            if b["type"] == "run" {
                starts.push(time(&a["started_at"]).unwrap());
            }
        }
        for (run, seen) in &offsets {
            assert!(
                seen.windows(2).all(|w| w[0] == w[1]),
                "run {run}: one offset"
            );
        }
        starts.sort();
        assert_eq!(starts.len(), 12);
        assert_eq!(starts[0], now - SPAN, "the first run starts a week ago");
        assert!(
            *starts.last().unwrap() > now - Duration::days(1),
            "the last run is from today: {starts:?}"
        );
        let days: std::collections::BTreeSet<_> = starts.iter().map(|s| s.date_naive()).collect();
        assert!(days.len() >= 7, "the runs spread over the week: {days:?}");
    }

    #[test]
    fn a_bad_line_is_named() {
        let err = spread_over_week("{\"type\":\"run\"}\nnot json\n", Utc::now()).unwrap_err();
        assert!(format!("{err:#}").contains("sample line 2"), "{err:#}");
    }
}
