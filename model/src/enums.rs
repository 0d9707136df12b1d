//! Closed vocabularies stored as strings in the tables.

use serde::{Deserialize, Serialize};

/// Defines a string enum with its serde names, `as_str` and the list of names.
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name {
            $(#[serde(rename = $text)] $variant,)+
        }

        impl $name {
            /// Every accepted spelling, in declaration order.
            pub const NAMES: &'static [&'static str] = &[$($text),+];

            /// The stored spelling.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text,)+
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok(Self::$variant),)+
                    other => Err(format!(
                        "unknown value `{other}`, expected one of: {}",
                        Self::NAMES.join(", ")
                    )),
                }
            }
        }
    };
}

string_enum!(
    /// Where a run came from.
    RunSource { Sandbox => "sandbox", External => "external", Gateway => "gateway" }
);

string_enum!(
    /// Terminal state of a run.
    RunStatus {
        Succeeded => "succeeded",
        Failed => "failed",
        Error => "error",
        Timeout => "timeout",
        Cancelled => "cancelled",
    }
);

string_enum!(
    /// Who computed a cost figure.
    CostSource { Runtime => "runtime", Gateway => "gateway", Computed => "computed" }
);

string_enum!(
    /// Normalized kind of a trajectory event.
    EventKind {
        SessionStart => "session_start",
        UserMessage => "user_message",
        AssistantMessage => "assistant_message",
        Reasoning => "reasoning",
        ToolCall => "tool_call",
        ToolResult => "tool_result",
        Usage => "usage",
        Error => "error",
        Status => "status",
        Log => "log",
        File => "file",
        SessionEnd => "session_end",
    }
);

string_enum!(
    /// Coarse class of a tool, across agent CLIs.
    ToolKind {
        Shell => "shell",
        Read => "read",
        Write => "write",
        Edit => "edit",
        Search => "search",
        Web => "web",
        Mcp => "mcp",
        Subagent => "subagent",
        Todo => "todo",
        Other => "other",
    }
);

string_enum!(
    /// Whether an event's timestamp came from the agent or from the observer.
    TsSource { Native => "native", Observed => "observed" }
);

string_enum!(
    /// Which grader produced a score.
    GraderKind {
        Programmatic => "programmatic",
        Rubric => "rubric",
        Human => "human",
        External => "external",
    }
);

string_enum!(
    /// What an artifact is to its run.
    ArtifactRole { Primary => "primary", Output => "output", Report => "report", Input => "input" }
);

string_enum!(
    /// Wire API of an LLM call.
    LlmApi { Chat => "chat", Responses => "responses", Messages => "messages", Gemini => "gemini" }
);
