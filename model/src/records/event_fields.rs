//! The fields an event carries whatever its identity, listed once. [`EventRecord`]
//! (a stored row: run, attempt, seq, time) and `wharf_runtimes::AgentEvent` (what a
//! parser produced, before it has a run) are both declared with [`event_struct!`], and
//! move the payload from one to the other with [`event_from!`].
//!
//! [`EventRecord`]: crate::EventRecord

/// The payload fields after `kind`, all `Option`s, in column order. Calls back
/// `$crate::$then!` with the caller's arguments in braces, then the field list.
#[doc(hidden)]
#[macro_export]
macro_rules! __event_payload {
    ($then:ident { $($args:tt)* }) => {
        $crate::$then! { { $($args)* }
            /// Message role (`user`, `assistant`, `tool`, `system`).
            role: Option<String>,
            /// Tool name (tool calls and results), or a subtype for status events.
            name: Option<String>,
            /// Tool call id.
            call_id: Option<String>,
            /// Enclosing tool call (sub-agents).
            parent_call_id: Option<String>,
            /// Tool class across agent CLIs: shell, read, write, edit, search, web, ...
            tool_kind: Option<$crate::ToolKind>,
            /// Message, reasoning or log text.
            text: Option<String>,
            /// Tool input (any JSON, stored as JSON text in `input_json`), or structured
            /// details (session ids) for session and status events.
            input: Option<$crate::__private::JsonValue>,
            /// The tool's output text, for tool results.
            output_text: Option<String>,
            /// Tool, step or session status.
            status: Option<String>,
            /// Shell exit code.
            exit_code: Option<i32>,
            /// Duration in milliseconds.
            duration_ms: Option<i64>,
            /// Model that produced the event.
            model: Option<String>,
            /// Input tokens, cached ones included.
            input_tokens: Option<i64>,
            /// Output tokens, reasoning included.
            output_tokens: Option<i64>,
            /// Cached input tokens read (a subset of `input_tokens`).
            cache_read_tokens: Option<i64>,
            /// Cached input tokens written (a subset of `input_tokens`).
            cache_write_tokens: Option<i64>,
            /// Cost in USD as the runtime reported it.
            cost_usd: Option<f64>,
        }
    };
}

/// Declares an event struct: the caller's own fields, `kind`, the shared payload, the
/// caller's `before_raw` fields, then `raw` (the native line verbatim). The struct must
/// derive serde's `Serialize`/`Deserialize`: payload fields are optional and skipped when
/// `None`.
#[macro_export]
macro_rules! event_struct {
    (
        $(#[$meta:meta])*
        pub struct $name:ident { $($head:tt)* }
        before_raw { $($mid:tt)* }
    ) => {
        $crate::__event_payload! { __event_struct {
            ($(#[$meta])*) $name { $($head)* } { $($mid)* }
        } }
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __event_struct {
    (
        { ($(#[$meta:meta])*) $name:ident { $($head:tt)* } { $($mid:tt)* } }
        $( $(#[$fmeta:meta])* $field:ident : $ty:ty, )*
    ) => {
        $(#[$meta])*
        pub struct $name {
            $($head)*
            /// What the event is: a message, a tool call or result, usage, a status, ...
            pub kind: $crate::EventKind,
            $(
                $(#[$fmeta])*
                #[serde(default, skip_serializing_if = "Option::is_none")]
                pub $field: $ty,
            )*
            $($mid)*
            /// The native line verbatim.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub raw: Option<String>,
        }
    };
}

/// Builds `$name { own fields.., kind, payload and raw moved out of $src }`:
/// `event_from!(agent_event => EventRecord { run_id, attempt, .. })`.
#[macro_export]
macro_rules! event_from {
    ($src:expr => $name:ident { $($own:tt)* }) => {
        $crate::__event_payload! { __event_from { ($src) $name { $($own)* } } }
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __event_from {
    (
        { ($src:expr) $name:ident { $($own:tt)* } }
        $( $(#[$fmeta:meta])* $field:ident : $ty:ty, )*
    ) => {{
        let src = $src;
        $name {
            $($own)*
            kind: src.kind,
            $( $field: src.$field, )*
            raw: src.raw,
        }
    }};
}

/// Builds `$name { own fields.., kind: $kind, every payload field None, raw: None }`:
/// `event_blank!(kind => AgentEvent { ts: None, })`.
#[macro_export]
macro_rules! event_blank {
    ($kind:expr => $name:ident { $($own:tt)* }) => {
        $crate::__event_payload! { __event_blank { ($kind) $name { $($own)* } } }
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __event_blank {
    (
        { ($kind:expr) $name:ident { $($own:tt)* } }
        $( $(#[$fmeta:meta])* $field:ident : $ty:ty, )*
    ) => {
        $name {
            $($own)*
            kind: $kind,
            $( $field: None, )*
            raw: None,
        }
    };
}
