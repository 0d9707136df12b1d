//! "Did you mean ...?": the closest known value by prefix or edit distance.

/// An unknown key within two edits of a known one (`modle` -> `model`).
pub(crate) fn probable_typo(key: &str, known: &[&'static str]) -> Option<&'static str> {
    let lower = key.to_lowercase();
    if let Some(k) = known.iter().copied().find(|k| *k == lower) {
        return Some(k);
    }
    known
        .iter()
        .copied()
        .filter(|k| k.len() >= 4)
        .map(|k| (edit_distance(&lower, k), k))
        .filter(|(d, k)| *d <= 2 && *d * 3 <= k.len())
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// The known value closest to `value` (a prefix, or within two edits).
pub(crate) fn closest<'a>(value: &str, known: &[&'a str]) -> Option<&'a str> {
    let lower = value.to_lowercase();
    if lower.len() >= 3
        && let Some(k) = known.iter().find(|k| k.starts_with(&lower))
    {
        return Some(k);
    }
    known
        .iter()
        .map(|k| (edit_distance(&value.to_lowercase(), k), *k))
        .filter(|(dist, k)| *dist <= 2 && *dist < k.len() / 2)
        .min()
        .map(|(_, k)| k)
}

/// Levenshtein distance on chars (keys are short; bounded by the caller).
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().take(64).collect();
    let b: Vec<char> = b.chars().take(64).collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev.get(j).copied().unwrap_or(0) + usize::from(ca != cb);
            let del = prev.get(j + 1).copied().unwrap_or(0) + 1;
            let ins = cur.get(j).copied().unwrap_or(0) + 1;
            if let Some(slot) = cur.get_mut(j + 1) {
                *slot = sub.min(del).min(ins);
            }
        }
        prev = cur;
    }
    prev.last().copied().unwrap_or(0)
}
