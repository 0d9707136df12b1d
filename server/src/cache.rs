//! Short-lived caches in front of the catalog for the per-request hot path (token lookup,
//! a collection's secrets for passthrough calls), so a model call through the gateway
//! costs no database round trip. Changes made through this process (revoking a token,
//! patching secrets) clear the entries at once; changes made by another process show
//! within [`TTL`].

use std::collections::{BTreeMap, HashMap};
use std::hash::Hash;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use wharf_catalog::Principal;

/// How long an entry is trusted.
pub const TTL: Duration = Duration::from_secs(10);
/// Entries kept at most (then the cache is cleared; it refills on demand).
const MAX_ENTRIES: usize = 10_000;

/// A map whose entries expire after [`TTL`].
struct Expiring<K, V> {
    map: Mutex<HashMap<K, (V, Instant)>>,
}

impl<K: Hash + Eq, V: Clone> Default for Expiring<K, V> {
    fn default() -> Self {
        Expiring {
            map: Mutex::new(HashMap::new()),
        }
    }
}

impl<K: Hash + Eq, V: Clone> Expiring<K, V> {
    fn get(&self, k: &K) -> Option<V> {
        let map = self.map.lock().unwrap_or_else(PoisonError::into_inner);
        map.get(k)
            .filter(|(_, at)| at.elapsed() < TTL)
            .map(|(v, _)| v.clone())
    }

    fn put(&self, k: K, v: V) {
        let mut map = self.map.lock().unwrap_or_else(PoisonError::into_inner);
        if map.len() >= MAX_ENTRIES {
            map.clear();
        }
        map.insert(k, (v, Instant::now()));
    }

    fn retain(&self, keep: impl Fn(&K, &V) -> bool) {
        let mut map = self.map.lock().unwrap_or_else(PoisonError::into_inner);
        map.retain(|k, (v, _)| keep(k, v));
    }
}

/// A collection's decrypted secrets.
pub type SecretMap = Arc<BTreeMap<String, String>>;

/// The caches. Cheap to clone.
#[derive(Clone, Default)]
pub struct Caches {
    tokens: Arc<Expiring<[u8; 32], Principal>>,
    secrets: Arc<Expiring<String, SecretMap>>,
}

fn key(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

impl Caches {
    /// A cached principal for `token`.
    pub fn principal(&self, token: &str) -> Option<Principal> {
        self.tokens.get(&key(token))
    }

    /// Remembers a successful lookup.
    pub fn remember_principal(&self, token: &str, principal: &Principal) {
        self.tokens.put(key(token), principal.clone());
    }

    /// Forgets every cached lookup of token `token_id`.
    pub fn forget_token_id(&self, token_id: &str) {
        self.tokens.retain(|_, p| p.token_id != token_id);
    }

    /// Cached secrets of `collection`.
    pub fn secrets(&self, collection: &str) -> Option<SecretMap> {
        self.secrets.get(&collection.to_owned())
    }

    /// Remembers `collection`'s secrets.
    pub fn remember_secrets(&self, collection: &str, secrets: SecretMap) {
        self.secrets.put(collection.to_owned(), secrets);
    }

    /// Forgets `collection`'s secrets.
    pub fn forget_secrets(&self, collection: &str) {
        self.secrets.retain(|c, _| c != collection);
    }
}
