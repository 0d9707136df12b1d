//! A backend that makes no sandbox, and says why. A server whose sandbox backend cannot
//! start (bubblewrap missing) runs on it: SQL, imports and the dashboards work, and every
//! run is refused at submission with the reason and the fix.

use std::sync::Arc;

use crate::{Backend, Sandbox, SandboxError, SandboxSpec};

/// A [`Backend`] whose [`create`](Backend::create) always fails with
/// [`SandboxError::Unavailable`] naming the reason.
#[derive(Debug, Clone)]
pub struct UnavailableBackend {
    reason: String,
}

impl UnavailableBackend {
    /// A backend that refuses every sandbox because of `reason` (what failed and how to
    /// fix it, e.g. the error of [`BwrapBackend::new`](crate::BwrapBackend::new)).
    pub fn new(reason: impl Into<String>) -> UnavailableBackend {
        UnavailableBackend {
            reason: reason.into(),
        }
    }
}

#[async_trait::async_trait]
impl Backend for UnavailableBackend {
    async fn create(&self, _spec: SandboxSpec) -> Result<Arc<dyn Sandbox>, SandboxError> {
        Err(SandboxError::Unavailable(self.reason.clone()))
    }

    fn unavailable(&self) -> Option<&str> {
        Some(&self.reason)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn every_create_fails_with_the_reason() {
        let backend = UnavailableBackend::new("bwrap is missing; apt-get install bubblewrap");
        assert_eq!(
            backend.unavailable(),
            Some("bwrap is missing; apt-get install bubblewrap")
        );
        let err = match backend.create(SandboxSpec::default()).await {
            Ok(_) => panic!("an unavailable backend made a sandbox"),
            Err(e) => e.to_string(),
        };
        assert!(err.contains("runs are disabled"), "{err}");
        assert!(err.contains("apt-get install bubblewrap"), "{err}");
    }
}
