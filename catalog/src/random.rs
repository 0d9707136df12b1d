//! Random bytes from the operating system.

use crate::CatalogError;

/// Fills `buf` from the OS random source.
pub(crate) fn fill(buf: &mut [u8]) -> Result<(), CatalogError> {
    getrandom::getrandom(buf).map_err(|e| CatalogError::Io {
        context: "reading OS randomness".to_owned(),
        source: std::io::Error::other(e.to_string()),
    })
}

/// A uniformly random u64.
pub(crate) fn u64() -> Result<u64, CatalogError> {
    let mut b = [0u8; 8];
    fill(&mut b)?;
    Ok(u64::from_le_bytes(b))
}

/// Lowercase hex of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}
