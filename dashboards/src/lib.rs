//! wharf's quality dashboards and trajectory viewer: server-rendered HTML pages over the
//! query layer, and the static assets they load, compiled into the binary.
//!
//! Place in the architecture: above `query` (every page reads through a
//! [`wharf_query::Session`], so the caller's collection scope and the SQL guards apply),
//! below `server`, which authenticates, calls one `load` and one `render` per page, and
//! serves the result with [`layout::PAGE_HEADERS`]. No HTTP framework here: renderers take
//! plain rows and typed structs, so every page is unit-tested without a server.
//!
//! Security rules every renderer follows: all data goes through [`escape::escape`];
//! markdown artifacts are rendered with raw HTML as text and only `http(s):`, `mailto:` and
//! `#` links kept ([`preview`]); other links are built only from ids and escaped paths; pages carry
//! a strict CSP with no inline script or style (data reaches the script through
//! `data-` attributes).

pub mod assets;
pub mod chart;
pub mod compare;
pub mod console;
mod diff;
mod error;
pub mod escape;
pub mod filters;
pub mod layout;
pub mod login;
pub mod notice;
pub mod overview;
pub mod preview;
mod rows;
pub mod run;
pub mod run_view;

pub use error::{DashResult, DashboardError};
pub use escape::escape;
pub use rows::Row;
