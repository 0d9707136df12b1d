//! What kind of failure an error is, independent of the crate it comes from. Each crate's
//! error enum says its kind through a `kind()` method. The HTTP status of a kind is
//! decided here, once, for the server and the gateway alike; the CLI maps kinds to exit
//! codes in `cli/src/exit.rs`.

/// The kind of an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The caller's input is wrong: a malformed file, request or configuration value.
    InvalidInput,
    /// What was asked for does not exist (or is not the caller's).
    NotFound,
    /// No valid credentials.
    Unauthorized,
    /// Valid credentials without the right to do this.
    Forbidden,
    /// The input is over a size limit.
    TooLarge,
    /// The request conflicts with the current state.
    Conflict,
    /// A part this operation needs is not there or not ready (e.g. no sandbox backend).
    Unavailable,
    /// A service outside wharf that this operation called failed (a model provider).
    Upstream,
    /// The system failed.
    Internal,
}

impl ErrorKind {
    /// Is the caller at fault (HTTP 4xx, CLI exit 2)?
    pub fn is_caller_error(self) -> bool {
        matches!(
            self,
            ErrorKind::InvalidInput
                | ErrorKind::NotFound
                | ErrorKind::Unauthorized
                | ErrorKind::Forbidden
                | ErrorKind::TooLarge
                | ErrorKind::Conflict
        )
    }
}

impl ErrorKind {
    /// The HTTP status of an error of this kind: the one mapping every HTTP answer of
    /// wharf (the API, the dashboards, the gateway) uses.
    pub fn http_status(self) -> u16 {
        match self {
            ErrorKind::InvalidInput => 400,
            ErrorKind::Unauthorized => 401,
            ErrorKind::Forbidden => 403,
            ErrorKind::NotFound => 404,
            ErrorKind::Conflict => 409,
            ErrorKind::TooLarge => 413,
            ErrorKind::Internal => 500,
            ErrorKind::Upstream => 502,
            ErrorKind::Unavailable => 503,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caller_errors_are_exactly_the_4xx_statuses() {
        for kind in [
            ErrorKind::InvalidInput,
            ErrorKind::NotFound,
            ErrorKind::Unauthorized,
            ErrorKind::Forbidden,
            ErrorKind::TooLarge,
            ErrorKind::Conflict,
            ErrorKind::Unavailable,
            ErrorKind::Upstream,
            ErrorKind::Internal,
        ] {
            let status = kind.http_status();
            assert_eq!(
                kind.is_caller_error(),
                (400..500).contains(&status),
                "{kind:?}"
            );
        }
    }
}
