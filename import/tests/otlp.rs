//! OTLP trace import, JSON and protobuf.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{calls, events, fixture, kinds, scores};
use prost::Message;
use serde_json::{Value, json};
use wharf_import::otlp::proto::{
    self, AnyValue, ArrayValue, ExportTraceServiceRequest, InstrumentationScope, KeyValue,
    KeyValueList, Resource, ResourceSpans, ScopeSpans, Status, any_value,
};
use wharf_import::{Format, ImportOptions, detect, import, otlp_json, otlp_protobuf};
use wharf_model::{GraderKind, LlmApi, RunStatus};

#[test]
fn imports_the_json_fixture() {
    let runs = otlp_json(&fixture("otlp.traces.json")).unwrap();
    assert_eq!(runs.len(), 2);

    let agent = &runs[0];
    assert_eq!(agent.source_id, "trace:5b8aa5a2d2c872e8321cf37308d69df2");
    assert_eq!(agent.run.status, RunStatus::Succeeded);
    assert_eq!(agent.run.runtime.as_deref(), Some("Support"));
    assert_eq!(agent.run.model.as_deref(), Some("gpt-4o-2024-08-06"));
    assert_eq!(agent.run.model_provider.as_deref(), Some("openai"));
    assert_eq!(agent.run.input_tokens, Some(812 + 905));
    assert_eq!(agent.run.output_tokens, Some(46 + 21));
    assert_eq!(agent.run.cache_read_tokens, Some(512 + 768));
    assert_eq!(
        agent.run.started_at.to_rfc3339(),
        "2026-10-12T10:00:00+00:00"
    );
    assert_eq!(agent.run.duration_ms, Some(3100));
    assert_eq!(
        kinds(agent),
        [
            "session_start",
            "user_message",
            "user_message",
            "tool_call",
            "usage",
            "tool_result",
            "assistant_message",
            "usage",
        ]
    );
    let ev = events(agent);
    assert_eq!(ev[1].role.as_deref(), Some("system"));
    assert_eq!(
        ev[2].text.as_deref(),
        Some("What's the status of order 4432?")
    );
    assert_eq!(ev[3].name.as_deref(), Some("get_order_status"));
    assert_eq!(ev[3].input, Some(json!({"order_id": "4432"})));
    assert_eq!(
        ev[5].call_id.as_deref(),
        Some("call_VSPygqKTWdrhaFErNvMV18Yl")
    );
    assert_eq!(ev[5].status.as_deref(), Some("ok"));
    assert_eq!(ev[5].duration_ms, Some(270));
    assert_eq!(
        ev[5].output_text.as_deref(),
        Some("{\"status\":\"shipped\",\"eta\":\"2026-10-14\"}")
    );
    assert_eq!(
        ev[6].text.as_deref(),
        Some("Order 4432 has shipped and should arrive on October 14.")
    );

    let calls = calls(agent);
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[0].api, LlmApi::Chat);
    assert_eq!(calls[0].provider, "openai");
    assert_eq!(calls[0].latency_ms, Some(1200));
    assert_eq!(calls[1].ttft_ms, Some(412));
    assert_eq!(calls[1].cache_read_tokens, Some(768));

    let scores = scores(agent);
    assert_eq!(scores.len(), 2);
    assert_eq!(scores[0].criterion, "Relevance");
    assert_eq!(scores[0].grader_kind, GraderKind::External);
    assert_eq!(
        scores[0].grader_name,
        "opentelemetry.instrumentation.openai_agents"
    );
    assert_eq!(scores[0].value, Some(4.0));
    assert_eq!(scores[0].label.as_deref(), Some("relevant"));
    assert_eq!(scores[0].passed, None);
    assert_eq!(
        scores[0].explanation.as_deref(),
        Some("The answer addresses the order status directly.")
    );
    assert_eq!(scores[1].passed, Some(true));
    assert_ne!(scores[0].score_id, scores[1].score_id);

    let failed = &runs[1];
    assert_eq!(failed.source_id, "trace:0af7651916cd43dd8448eb211c80319c");
    assert_eq!(failed.run.status, RunStatus::Error);
    assert_eq!(
        failed.run.error.as_deref(),
        Some("rate limited: retry after 20s")
    );
    assert_eq!(failed.run.runtime.as_deref(), Some("ticket-summarizer"));
    assert_eq!(kinds(failed), ["session_start", "user_message", "error"]);
    let call = calls_of(failed);
    assert_eq!(call.api, LlmApi::Messages);
    assert_eq!(call.status_code, Some(429));
    assert_eq!(call.error.as_deref(), Some("rate limited: retry after 20s"));
}

fn calls_of(run: &wharf_import::Imported) -> wharf_model::LlmCallRecord {
    calls(run).first().map(|c| (*c).clone()).unwrap()
}

#[test]
fn reimport_is_idempotent_and_ids_derive_from_the_source() {
    let a = otlp_json(&fixture("otlp.traces.json")).unwrap();
    let b = otlp_json(&fixture("otlp.traces.json")).unwrap();
    assert_eq!(a, b);
    assert_ne!(a[0].run.run_id, a[1].run.run_id);
}

/// The JSON fixture re-encoded as protobuf with the crate's prost structs.
fn to_proto(doc: &Value) -> ExportTraceServiceRequest {
    let kvs = |list: &Value| -> Vec<KeyValue> {
        list.as_array()
            .map(|items| items.iter().map(key_value).collect())
            .unwrap_or_default()
    };
    ExportTraceServiceRequest {
        resource_spans: doc["resourceSpans"]
            .as_array()
            .unwrap()
            .iter()
            .map(|rs| ResourceSpans {
                resource: Some(Resource {
                    attributes: kvs(&rs["resource"]["attributes"]),
                    ..Default::default()
                }),
                scope_spans: rs["scopeSpans"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|ss| ScopeSpans {
                        scope: Some(InstrumentationScope {
                            name: ss["scope"]["name"].as_str().unwrap_or("").to_owned(),
                            ..Default::default()
                        }),
                        spans: ss["spans"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .map(|s| proto::Span {
                                trace_id: unhex(s["traceId"].as_str().unwrap()),
                                span_id: unhex(s["spanId"].as_str().unwrap()),
                                parent_span_id: unhex(s["parentSpanId"].as_str().unwrap_or("")),
                                name: s["name"].as_str().unwrap().to_owned(),
                                kind: s["kind"].as_i64().unwrap() as i32,
                                start_time_unix_nano: nanos(&s["startTimeUnixNano"]),
                                end_time_unix_nano: nanos(&s["endTimeUnixNano"]),
                                attributes: kvs(&s["attributes"]),
                                events: s["events"]
                                    .as_array()
                                    .map(|events| {
                                        events
                                            .iter()
                                            .map(|e| proto::Event {
                                                time_unix_nano: nanos(&e["timeUnixNano"]),
                                                name: e["name"].as_str().unwrap().to_owned(),
                                                attributes: kvs(&e["attributes"]),
                                                ..Default::default()
                                            })
                                            .collect()
                                    })
                                    .unwrap_or_default(),
                                status: Some(Status {
                                    message: s["status"]["message"]
                                        .as_str()
                                        .unwrap_or("")
                                        .to_owned(),
                                    code: s["status"]["code"].as_i64().unwrap_or(0) as i32,
                                }),
                                ..Default::default()
                            })
                            .collect(),
                        schema_url: String::new(),
                    })
                    .collect(),
                schema_url: String::new(),
            })
            .collect(),
    }
}

fn key_value(kv: &Value) -> KeyValue {
    KeyValue {
        key: kv["key"].as_str().unwrap().to_owned(),
        value: Some(any(&kv["value"])),
        ..Default::default()
    }
}

fn any(v: &Value) -> AnyValue {
    use any_value::Value as V;
    let value = if let Some(s) = v.get("stringValue") {
        V::StringValue(s.as_str().unwrap().to_owned())
    } else if let Some(i) = v.get("intValue") {
        V::IntValue(i.as_str().unwrap().parse().unwrap())
    } else if let Some(d) = v.get("doubleValue") {
        V::DoubleValue(d.as_f64().unwrap())
    } else if let Some(b) = v.get("boolValue") {
        V::BoolValue(b.as_bool().unwrap())
    } else if let Some(a) = v.get("arrayValue") {
        V::ArrayValue(ArrayValue {
            values: a["values"].as_array().unwrap().iter().map(any).collect(),
        })
    } else if let Some(kv) = v.get("kvlistValue") {
        V::KvlistValue(KeyValueList {
            values: kv["values"]
                .as_array()
                .unwrap()
                .iter()
                .map(key_value)
                .collect(),
        })
    } else {
        panic!("unexpected value {v}")
    };
    AnyValue { value: Some(value) }
}

fn nanos(v: &Value) -> u64 {
    v.as_str().map_or(0, |s| s.parse().unwrap())
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn protobuf_imports_the_same_records_as_json() {
    let json_bytes = fixture("otlp.traces.json");
    let doc: Value = serde_json::from_slice(&json_bytes).unwrap();
    let bytes = to_proto(&doc).encode_to_vec();
    assert_eq!(detect("traces.bin", &bytes), Format::OtlpProtobuf);
    let from_proto = otlp_protobuf(&bytes).unwrap();
    let from_json = otlp_json(&json_bytes).unwrap();
    assert_eq!(from_proto, from_json);
}

#[test]
fn a_trace_is_a_run_unless_spans_name_their_run() {
    let span = |trace: u8, span: u8, start: u64, attrs: Vec<KeyValue>| proto::Span {
        trace_id: vec![trace; 16],
        span_id: vec![span; 8],
        name: "chat m".into(),
        start_time_unix_nano: start,
        end_time_unix_nano: start + 1_000_000,
        attributes: attrs,
        ..Default::default()
    };
    let s = |k: &str, v: &str| KeyValue {
        key: k.into(),
        value: Some(AnyValue {
            value: Some(any_value::Value::StringValue(v.into())),
        }),
        ..Default::default()
    };
    let i = |k: &str, v: i64| KeyValue {
        key: k.into(),
        value: Some(AnyValue {
            value: Some(any_value::Value::IntValue(v)),
        }),
        ..Default::default()
    };
    let run_id = "01900000-0000-7000-8000-00000000beef";
    let request = ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: None,
            scope_spans: vec![ScopeSpans {
                scope: None,
                spans: vec![
                    span(
                        1,
                        1,
                        1_800_000_000_000_000_000,
                        vec![
                            s("gen_ai.operation.name", "chat"),
                            s("gen_ai.conversation.id", "c-1"),
                            i("gen_ai.usage.input_tokens", 10),
                        ],
                    ),
                    span(
                        2,
                        2,
                        1_800_000_001_000_000_000,
                        vec![
                            s("gen_ai.operation.name", "chat"),
                            s("gen_ai.conversation.id", "c-1"),
                            i("gen_ai.usage.input_tokens", 20),
                        ],
                    ),
                    span(
                        3,
                        3,
                        1_800_000_002_000_000_000,
                        vec![
                            s("gen_ai.operation.name", "chat"),
                            s("wharf.run_id", run_id),
                            i("gen_ai.usage.input_tokens", 5),
                        ],
                    ),
                ],
                schema_url: String::new(),
            }],
            schema_url: String::new(),
        }],
    };
    let runs = otlp_protobuf(&request.encode_to_vec()).unwrap();
    // A conversation id does not join traces (exporters send traces in pieces and only
    // some spans carry it); `wharf.run_id` does.
    assert_eq!(runs.len(), 3);
    assert_eq!(runs[0].source_id, format!("trace:{}", "01".repeat(16)));
    assert_eq!(runs[0].run.input_tokens, Some(10));
    assert_eq!(calls(&runs[0]).len(), 1);
    assert!(
        calls(&runs[0])
            .iter()
            .all(|c| c.model == "unknown" && c.provider == "unknown")
    );
    assert_eq!(runs[2].run.run_id, run_id);

    // A run id override needs a single run.
    let opts = ImportOptions {
        run_id: Some(run_id.into()),
        ..ImportOptions::default()
    };
    let err = import(Format::OtlpProtobuf, &request.encode_to_vec(), &opts).unwrap_err();
    assert_eq!(
        err.to_string(),
        "option `run_id`: the input holds 3 runs; a run id can only be given for one"
    );
}

#[test]
fn errors_name_the_span() {
    let mut doc: Value = serde_json::from_slice(&fixture("otlp.traces.json")).unwrap();
    doc["resourceSpans"][0]["scopeSpans"][0]["spans"][2]["traceId"] = json!("xyz");
    let err = otlp_json(&serde_json::to_vec(&doc).unwrap()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "otlp-json: `resourceSpans[0].scopeSpans[0].spans[2].traceId`: expected 32 hex digits, got `xyz`"
    );

    let mut doc: Value = serde_json::from_slice(&fixture("otlp.traces.json")).unwrap();
    doc["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["events"][0]["attributes"] = json!([]);
    let err = otlp_json(&serde_json::to_vec(&doc).unwrap()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "otlp-json: `resourceSpans[0].scopeSpans[0].spans[0].events[0]`: gen_ai.evaluation.result event without `gen_ai.evaluation.name`"
    );

    let err = otlp_json(br#"{"resourceMetrics": []}"#).unwrap_err();
    assert!(err.to_string().contains("no `resourceSpans`"), "{err}");
    let err = otlp_json(br#"{"resourceSpans": []}"#).unwrap_err();
    assert_eq!(err.to_string(), "otlp-json: the export holds no spans");

    let bad = proto::Span {
        trace_id: vec![1; 3],
        span_id: vec![1; 8],
        ..Default::default()
    };
    let request = ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: None,
            scope_spans: vec![ScopeSpans {
                scope: None,
                spans: vec![bad],
                schema_url: String::new(),
            }],
            schema_url: String::new(),
        }],
    };
    let err = otlp_protobuf(&request.encode_to_vec()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "otlp-protobuf: `resource_spans[0].scope_spans[0].spans[0].trace_id`: expected 16 bytes, got 3"
    );
    let err = otlp_protobuf(b"\xff\xff\xff").unwrap_err();
    assert!(
        err.to_string()
            .starts_with("otlp-protobuf: not an OTLP ExportTraceServiceRequest"),
        "{err}"
    );
}

#[test]
fn reads_the_older_message_events_and_attribute_names() {
    let kv = |k: &str, v: Value| json!({"key": k, "value": v});
    let doc = json!({"resourceSpans": [{"scopeSpans": [{"spans": [{
        "traceId": "0123456789abcdef0123456789abcdef",
        "spanId": "0123456789abcdef",
        "name": "chat gpt-4",
        "startTimeUnixNano": 1_800_000_000_000_000_000u64,
        "endTimeUnixNano": "1800000000500000000",
        "attributes": [
            kv("gen_ai.operation.name", json!({"stringValue": "chat"})),
            kv("gen_ai.system", json!({"stringValue": "openai"})),
            kv("gen_ai.request.model", json!({"stringValue": "gpt-4"})),
            kv("gen_ai.usage.prompt_tokens", json!({"intValue": 12})),
            kv("gen_ai.usage.completion_tokens", json!({"intValue": "3"})),
        ],
        "events": [
            {"name": "gen_ai.system.message", "timeUnixNano": "1800000000000000000",
             "attributes": [kv("content", json!({"stringValue": "Be brief."}))]},
            {"name": "gen_ai.user.message", "timeUnixNano": "1800000000000000000",
             "attributes": [kv("content", json!({"stringValue": "Weather in Paris?"}))]},
            {"name": "gen_ai.choice", "timeUnixNano": "1800000000500000000",
             "attributes": [
                kv("index", json!({"intValue": "0"})),
                kv("finish_reason", json!({"stringValue": "tool_calls"})),
                kv("message", json!({"stringValue": "{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}}]}"})),
             ]}
        ]
    }]}]}]});
    let runs = otlp_json(&serde_json::to_vec(&doc).unwrap()).unwrap();
    let run = &runs[0];
    assert_eq!(
        kinds(run),
        [
            "session_start",
            "user_message",
            "user_message",
            "tool_call",
            "usage"
        ]
    );
    let ev = events(run);
    assert_eq!(ev[1].role.as_deref(), Some("system"));
    assert_eq!(ev[2].text.as_deref(), Some("Weather in Paris?"));
    assert_eq!(ev[3].name.as_deref(), Some("get_weather"));
    assert_eq!(ev[3].input, Some(json!({"city": "Paris"})));
    assert_eq!(
        (ev[4].input_tokens, ev[4].output_tokens),
        (Some(12), Some(3))
    );
    assert_eq!(run.run.model_provider.as_deref(), Some("openai"));
    assert_eq!(calls(run)[0].latency_ms, Some(500));
}

/// An exporter sends a trace span by span (SimpleSpanProcessor) or in batches: each piece
/// imports on its own, a piece without the root span writes no run row, and the pieces'
/// events have the same sequence numbers as the whole trace imported at once, so nothing
/// collides or doubles.
#[test]
fn a_trace_sent_in_pieces_imports_as_one_run() {
    let kv = |k: &str, v: &str| KeyValue {
        key: k.into(),
        value: Some(AnyValue {
            value: Some(any_value::Value::StringValue(v.into())),
        }),
        ..Default::default()
    };
    let root = proto::Span {
        trace_id: vec![7; 16],
        span_id: vec![1; 8],
        name: "invoke_agent a".into(),
        start_time_unix_nano: 1_800_000_000_000_000_000,
        end_time_unix_nano: 1_800_000_009_000_000_000,
        attributes: vec![
            kv("gen_ai.operation.name", "invoke_agent"),
            kv("gen_ai.agent.name", "a"),
        ],
        ..Default::default()
    };
    let child = |id: u8, start: u64, op: &str| proto::Span {
        trace_id: vec![7; 16],
        span_id: vec![id; 8],
        parent_span_id: vec![1; 8],
        name: op.into(),
        start_time_unix_nano: start,
        end_time_unix_nano: start + 1_000_000,
        attributes: vec![
            kv("gen_ai.operation.name", op),
            kv("gen_ai.tool.name", "shell"),
            kv("gen_ai.tool.call.id", &format!("call-{id}")),
        ],
        ..Default::default()
    };
    let export = |spans: Vec<proto::Span>| {
        ExportTraceServiceRequest {
            resource_spans: vec![ResourceSpans {
                resource: None,
                scope_spans: vec![ScopeSpans {
                    scope: None,
                    spans,
                    schema_url: String::new(),
                }],
                schema_url: String::new(),
            }],
        }
        .encode_to_vec()
    };
    let a = child(2, 1_800_000_001_000_000_000, "execute_tool");
    let b = child(3, 1_800_000_002_000_000_000, "execute_tool");
    let whole = otlp_protobuf(&export(vec![a.clone(), b.clone(), root.clone()])).unwrap();
    assert_eq!(whole.len(), 1);
    assert!(!whole[0].partial);
    let pieces: Vec<_> = [vec![a], vec![b], vec![root]]
        .into_iter()
        .map(|spans| otlp_protobuf(&export(spans)).unwrap().remove(0))
        .collect();
    assert!(pieces[0].partial && pieces[1].partial && !pieces[2].partial);
    assert!(pieces.iter().all(|p| p.run.run_id == whole[0].run.run_id));
    let keys = |records: &[wharf_model::Record]| -> Vec<(i64, String)> {
        let mut k: Vec<(i64, String)> = records
            .iter()
            .filter_map(|r| match r {
                wharf_model::Record::Event(e) => Some((e.seq, e.kind.as_str().to_owned())),
                _ => None,
            })
            .collect();
        k.sort();
        k
    };
    let mut from_pieces: Vec<(i64, String)> =
        pieces.iter().flat_map(|p| keys(&p.records)).collect();
    from_pieces.sort();
    assert_eq!(from_pieces, keys(&whole[0].records));
    let mut seqs: Vec<i64> = from_pieces.iter().map(|(s, _)| *s).collect();
    seqs.dedup();
    assert_eq!(seqs.len(), from_pieces.len(), "no two events share a seq");
    // Only the piece with the root writes the run row.
    let rows = |p: &wharf_import::Imported| {
        p.clone()
            .into_records()
            .iter()
            .filter(|r| matches!(r, wharf_model::Record::Run(_)))
            .count()
    };
    assert_eq!(pieces.iter().map(rows).sum::<usize>(), 1);
}
