//! The catalog's secret-encryption key and the sealing of secret values.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

use crate::{CatalogError, random};

const NONCE_LEN: usize = 24;
/// Prefix of a sealed value: format version 1 = base64(nonce || ciphertext+tag).
const SEALED_V1: &str = "v1:";

/// A 32-byte XChaCha20-Poly1305 key that encrypts secret values at rest.
#[derive(Clone)]
pub struct SecretKey([u8; 32]);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(..)")
    }
}

impl SecretKey {
    /// Parses a key from standard base64 (surrounding whitespace ignored).
    pub fn from_base64(s: &str) -> Result<Self, CatalogError> {
        let bytes = STANDARD.decode(s.trim()).map_err(|_| {
            CatalogError::invalid(
                "secret key",
                "not valid base64 (expected 32 bytes, base64-encoded)",
            )
        })?;
        let key: [u8; 32] = bytes.try_into().map_err(|b: Vec<u8>| {
            CatalogError::invalid(
                "secret key",
                format!("decodes to {} bytes, expected 32", b.len()),
            )
        })?;
        Ok(SecretKey(key))
    }

    /// A fresh random key.
    #[allow(
        clippy::expect_used,
        reason = "the OS random source does not fail on supported platforms, and there is no safe fallback for key material"
    )]
    pub fn generate() -> Self {
        let mut key = [0u8; 32];
        random::fill(&mut key).expect("OS random source unavailable");
        SecretKey(key)
    }

    /// The key as standard base64 (for writing to a key file).
    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.0)
    }

    /// Reads the key file, or creates it (mode 0600, base64 + newline) when absent.
    pub fn load_or_create(path: &Path) -> Result<Self, CatalogError> {
        let shown = path.display();
        match std::fs::read_to_string(path) {
            Ok(text) => return Self::from_key_file(path, &text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(CatalogError::io(format!("reading key file {shown}"))(e)),
        }
        let key = SecretKey::generate();
        let created = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path);
        match created {
            Ok(mut file) => {
                writeln!(file, "{}", key.to_base64())
                    .and_then(|()| file.sync_all())
                    .map_err(CatalogError::io(format!("writing key file {shown}")))?;
                Ok(key)
            }
            // Another process created it first: use theirs.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                let text = std::fs::read_to_string(path)
                    .map_err(CatalogError::io(format!("reading key file {shown}")))?;
                Self::from_key_file(path, &text)
            }
            Err(e) => Err(CatalogError::io(format!("creating key file {shown}"))(e)),
        }
    }

    fn from_key_file(path: &Path, text: &str) -> Result<Self, CatalogError> {
        Self::from_base64(text).map_err(|e| match e {
            CatalogError::Invalid { reason, .. } => {
                CatalogError::invalid(format!("key file {}", path.display()), reason)
            }
            other => other,
        })
    }

    /// Encrypts `plaintext` bound to `aad`, returning the stored text form.
    pub(crate) fn seal(&self, aad: &[u8], plaintext: &[u8]) -> Result<String, CatalogError> {
        let mut nonce = [0u8; NONCE_LEN];
        random::fill(&mut nonce)?;
        let cipher = XChaCha20Poly1305::new((&self.0).into());
        let ciphertext = cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad,
                },
            )
            .map_err(|_| CatalogError::Database("encrypting a secret value failed".to_owned()))?;
        let mut blob = Vec::with_capacity(NONCE_LEN + ciphertext.len());
        blob.extend_from_slice(&nonce);
        blob.extend_from_slice(&ciphertext);
        Ok(format!("{SEALED_V1}{}", STANDARD.encode(blob)))
    }

    /// Decrypts a value produced by [`SecretKey::seal`] with the same `aad`; None when the key,
    /// the aad or the bytes do not match.
    pub(crate) fn open(&self, aad: &[u8], sealed: &str) -> Option<Vec<u8>> {
        let blob = STANDARD.decode(sealed.strip_prefix(SEALED_V1)?).ok()?;
        if blob.len() < NONCE_LEN {
            return None;
        }
        let (nonce, ciphertext) = blob.split_at(NONCE_LEN);
        let cipher = XChaCha20Poly1305::new((&self.0).into());
        cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad,
                },
            )
            .ok()
    }
}
