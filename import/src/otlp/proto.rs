//! OTLP trace protobuf (`POST /v1/traces`), decoded with the `opentelemetry-proto` message
//! types (prost, no tonic) and turned into the span model. The types are re-exported so
//! tests and tools can encode requests.

use std::rc::Rc;

pub use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
pub use opentelemetry_proto::tonic::common::v1::{
    AnyValue, ArrayValue, InstrumentationScope, KeyValue, KeyValueList, any_value,
};
pub use opentelemetry_proto::tonic::resource::v1::Resource;
pub use opentelemetry_proto::tonic::trace::v1::span::Event;
pub use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span, Status};
use serde_json::{Map, Number, Value};

use super::{PROTO_FORMAT, SpanEvent, hex, time_of_nanos};
use crate::ImportError;

/// StatusCode ERROR.
pub const STATUS_CODE_ERROR: i32 =
    opentelemetry_proto::tonic::trace::v1::status::StatusCode::Error as i32;

/// Decodes a request into the span model.
pub(crate) fn decode(bytes: &[u8]) -> Result<Vec<super::Span>, ImportError> {
    let request = <ExportTraceServiceRequest as prost::Message>::decode(bytes).map_err(|e| {
        ImportError::input(
            PROTO_FORMAT,
            format!("not an OTLP ExportTraceServiceRequest: {e}"),
        )
    })?;
    let mut spans = Vec::new();
    for (r, rs) in request.resource_spans.into_iter().enumerate() {
        let resource = Rc::new(attributes(
            rs.resource.map(|r| r.attributes).unwrap_or_default(),
        ));
        for (s, ss) in rs.scope_spans.into_iter().enumerate() {
            let scope = ss.scope.map(|s| s.name).filter(|n| !n.is_empty());
            for (i, span) in ss.spans.into_iter().enumerate() {
                let at = format!("resource_spans[{r}].scope_spans[{s}].spans[{i}]");
                spans.push(convert(span, at, &resource, scope.clone())?);
            }
        }
    }
    Ok(spans)
}

fn convert(
    span: Span,
    at: String,
    resource: &Rc<Map<String, Value>>,
    scope: Option<String>,
) -> Result<super::Span, ImportError> {
    if span.trace_id.len() != 16 {
        return Err(ImportError::field(
            PROTO_FORMAT,
            format!("{at}.trace_id"),
            format!("expected 16 bytes, got {}", span.trace_id.len()),
        ));
    }
    if span.span_id.len() != 8 {
        return Err(ImportError::field(
            PROTO_FORMAT,
            format!("{at}.span_id"),
            format!("expected 8 bytes, got {}", span.span_id.len()),
        ));
    }
    let status = span.status.unwrap_or_default();
    Ok(super::Span {
        trace_id: hex(&span.trace_id),
        span_id: hex(&span.span_id),
        parent_span_id: (!span.parent_span_id.is_empty()).then(|| hex(&span.parent_span_id)),
        name: span.name,
        start: time_of_nanos(span.start_time_unix_nano),
        end: time_of_nanos(span.end_time_unix_nano),
        attributes: attributes(span.attributes),
        resource: Rc::clone(resource),
        scope,
        events: span
            .events
            .into_iter()
            .map(|e| SpanEvent {
                name: e.name,
                time: time_of_nanos(e.time_unix_nano),
                attributes: attributes(e.attributes),
            })
            .collect(),
        error: status.code == STATUS_CODE_ERROR,
        status_message: Some(status.message).filter(|m| !m.is_empty()),
        at,
    })
}

fn attributes(pairs: Vec<KeyValue>) -> Map<String, Value> {
    pairs
        .into_iter()
        .map(|kv| (kv.key, kv.value.map(value).unwrap_or(Value::Null)))
        .collect()
}

fn value(any: AnyValue) -> Value {
    use any_value::Value as V;
    match any.value {
        None => Value::Null,
        Some(V::StringValue(s)) => Value::String(s),
        Some(V::BoolValue(b)) => Value::Bool(b),
        Some(V::IntValue(i)) => Value::Number(i.into()),
        Some(V::DoubleValue(f)) => Number::from_f64(f).map_or(Value::Null, Value::Number),
        Some(V::ArrayValue(a)) => Value::Array(a.values.into_iter().map(value).collect()),
        Some(V::KvlistValue(kv)) => Value::Object(attributes(kv.values)),
        Some(V::BytesValue(b)) => Value::String(hex(&b)),
        // An index into a profiles dictionary, which a trace export does not carry.
        Some(V::StringValueStrindex(_)) => Value::Null,
    }
}
