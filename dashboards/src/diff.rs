//! Alignment of two sequences by their longest common subsequence (the `similar` crate's
//! Myers diff), bounded so a large input cannot stall a page: line diffs of text outputs,
//! and two runs' steps side by side.

/// Items compared at most on each side.
pub const MAX_ITEMS: usize = 2_000;

/// One position of an alignment (indexes into the two inputs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pair {
    /// Equal items, `a[i] == b[j]`.
    Both(usize, usize),
    /// Only in A.
    OnlyA(usize),
    /// Only in B.
    OnlyB(usize),
}

/// One line of a diff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line<'a> {
    /// A line of both A and B.
    Same(&'a str),
    /// Only in A.
    Removed(&'a str),
    /// Only in B.
    Added(&'a str),
}

/// The alignment of `a` and `b` (a longest common subsequence, `similar`'s Myers diff), or
/// `None` when either has more than [`MAX_ITEMS`]. Where both sides differ, A's items come
/// first.
pub fn align<T: PartialEq>(a: &[T], b: &[T]) -> Option<Vec<Pair>> {
    if a.len() > MAX_ITEMS || b.len() > MAX_ITEMS {
        return None;
    }
    let mut hook = Alignment::default();
    let Ok(()) = similar::algorithms::myers::diff(&mut hook, a, 0..a.len(), b, 0..b.len());
    hook.flush();
    Some(hook.out)
}

/// Collects `similar`'s edit script as [`Pair`]s, holding each changed region until the
/// next equal run so its A items come before its B items.
#[derive(Default)]
struct Alignment {
    out: Vec<Pair>,
    only_a: Vec<usize>,
    only_b: Vec<usize>,
}

impl Alignment {
    fn flush(&mut self) {
        self.out.extend(self.only_a.drain(..).map(Pair::OnlyA));
        self.out.extend(self.only_b.drain(..).map(Pair::OnlyB));
    }
}

impl similar::algorithms::DiffHook for Alignment {
    type Error = std::convert::Infallible;

    fn equal(&mut self, old: usize, new: usize, len: usize) -> Result<(), Self::Error> {
        self.flush();
        self.out
            .extend((0..len).map(|k| Pair::Both(old + k, new + k)));
        Ok(())
    }

    fn delete(&mut self, old: usize, len: usize, _new: usize) -> Result<(), Self::Error> {
        self.only_a.extend(old..old + len);
        Ok(())
    }

    fn insert(&mut self, _old: usize, new: usize, len: usize) -> Result<(), Self::Error> {
        self.only_b.extend(new..new + len);
        Ok(())
    }
}

/// The line diff of `a` and `b`, or `None` when either has more than [`MAX_ITEMS`] lines.
pub fn lines<'a>(a: &'a str, b: &'a str) -> Option<Vec<Line<'a>>> {
    let xa: Vec<&str> = a.lines().collect();
    let xb: Vec<&str> = b.lines().collect();
    Some(
        align(&xa, &xb)?
            .into_iter()
            .map(|p| match p {
                Pair::Both(i, _) => Line::Same(xa[i]),
                Pair::OnlyA(i) => Line::Removed(xa[i]),
                Pair::OnlyB(j) => Line::Added(xb[j]),
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changed_lines_are_removed_then_added() {
        let d = lines("a\nb\nc\n", "a\nB\nc\nd\n").unwrap();
        assert_eq!(
            d,
            vec![
                Line::Same("a"),
                Line::Removed("b"),
                Line::Added("B"),
                Line::Same("c"),
                Line::Added("d"),
            ]
        );
        assert_eq!(lines("", "").unwrap(), vec![]);
    }

    #[test]
    fn sequences_align_on_their_common_items() {
        let a = ["shell", "read", "write", "shell"];
        let b = ["shell", "write", "edit", "shell"];
        assert_eq!(
            align(&a, &b).unwrap(),
            vec![
                Pair::Both(0, 0),
                Pair::OnlyA(1),
                Pair::Both(2, 1),
                Pair::OnlyB(2),
                Pair::Both(3, 3),
            ]
        );
        assert_eq!(align::<u8>(&[], &[1]).unwrap(), vec![Pair::OnlyB(0)]);
    }

    #[test]
    fn huge_inputs_are_refused() {
        let big = "x\n".repeat(MAX_ITEMS + 1);
        assert!(lines(&big, "x").is_none());
        assert!(align(&vec![0u8; MAX_ITEMS + 1], &[0]).is_none());
    }
}
