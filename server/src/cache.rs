//! Short-lived caches in front of the catalog for the per-request hot path (token lookup,
//! a collection's secrets for passthrough calls), so a model call through the gateway
//! costs no database round trip. Changes made through this process (revoking a token,
//! patching secrets) clear the entries at once; changes made by another process show
//! within [`TTL`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use wharf_catalog::Principal;

/// How long an entry is trusted.
pub const TTL: Duration = Duration::from_secs(10);
/// Entries kept at most (then the cache is cleared; it refills on demand).
const MAX_ENTRIES: usize = 10_000;

/// The caches. Cheap to clone.
#[derive(Clone, Default)]
pub struct Caches {
    tokens: Arc<Mutex<HashMap<[u8; 32], (Principal, Instant)>>>,
    secrets:
        Arc<Mutex<HashMap<String, (Arc<std::collections::BTreeMap<String, String>>, Instant)>>>,
}

fn key(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

impl Caches {
    /// A cached principal for `token`.
    pub fn principal(&self, token: &str) -> Option<Principal> {
        let map = self.tokens.lock().unwrap_or_else(PoisonError::into_inner);
        map.get(&key(token))
            .filter(|(_, at)| at.elapsed() < TTL)
            .map(|(p, _)| p.clone())
    }

    /// Remembers a successful lookup.
    pub fn remember_principal(&self, token: &str, principal: &Principal) {
        let mut map = self.tokens.lock().unwrap_or_else(PoisonError::into_inner);
        if map.len() >= MAX_ENTRIES {
            map.clear();
        }
        map.insert(key(token), (principal.clone(), Instant::now()));
    }

    /// Forgets every cached lookup of token `token_id`.
    pub fn forget_token_id(&self, token_id: &str) {
        let mut map = self.tokens.lock().unwrap_or_else(PoisonError::into_inner);
        map.retain(|_, (p, _)| p.token_id != token_id);
    }

    /// Cached secrets of `collection`.
    pub fn secrets(
        &self,
        collection: &str,
    ) -> Option<Arc<std::collections::BTreeMap<String, String>>> {
        let map = self.secrets.lock().unwrap_or_else(PoisonError::into_inner);
        map.get(collection)
            .filter(|(_, at)| at.elapsed() < TTL)
            .map(|(s, _)| s.clone())
    }

    /// Remembers `collection`'s secrets.
    pub fn remember_secrets(
        &self,
        collection: &str,
        secrets: Arc<std::collections::BTreeMap<String, String>>,
    ) {
        let mut map = self.secrets.lock().unwrap_or_else(PoisonError::into_inner);
        if map.len() >= MAX_ENTRIES {
            map.clear();
        }
        map.insert(collection.to_owned(), (secrets, Instant::now()));
    }

    /// Forgets `collection`'s secrets.
    pub fn forget_secrets(&self, collection: &str) {
        let mut map = self.secrets.lock().unwrap_or_else(PoisonError::into_inner);
        map.remove(collection);
    }
}
