//! Ordered sections for workers that take numbered blocks: each worker processes whole
//! blocks on its own core, and the steps that must follow the input order (collections,
//! the load's repeated rows) run in block order on shared state.

use std::sync::{Condvar, Mutex, MutexGuard};

/// Sections a block passes in order.
const SECTIONS: usize = 2;

struct Inner<S> {
    state: S,
    /// Per section, the block whose turn it is.
    turns: [u64; SECTIONS],
    aborted: bool,
}

/// Shared state entered in block order, one section at a time.
pub(crate) struct Ordered<S> {
    inner: Mutex<Inner<S>>,
    turn: Condvar,
}

impl<S> Ordered<S> {
    /// Block 0's turn in every section.
    pub fn new(state: S) -> Self {
        Ordered {
            inner: Mutex::new(Inner {
                state,
                turns: [0; SECTIONS],
                aborted: false,
            }),
            turn: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner<S>> {
        // A worker that panicked has aborted (see `AbortOnPanic`); the state stays usable.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `f` on the state once every block before `block` has passed `section`, then
    /// hands the section to the next block. `None` when the work was aborted. Every block
    /// taken must pass every section (or abort), else later blocks wait for ever.
    pub fn in_turn<T>(&self, section: usize, block: u64, f: impl FnOnce(&mut S) -> T) -> Option<T> {
        let mut inner = self.lock();
        while !inner.aborted && inner.turns[section] != block {
            inner = self.turn.wait(inner).unwrap_or_else(|e| e.into_inner());
        }
        if inner.aborted {
            return None;
        }
        let out = f(&mut inner.state);
        inner.turns[section] += 1;
        drop(inner);
        self.turn.notify_all();
        Some(out)
    }

    /// Stops every worker at its next section.
    pub fn abort(&self) {
        self.lock().aborted = true;
        self.turn.notify_all();
    }

    /// Whether the work was aborted.
    pub fn aborted(&self) -> bool {
        self.lock().aborted
    }

    /// The state, once the workers are done.
    pub fn into_inner(self) -> S {
        self.inner
            .into_inner()
            .unwrap_or_else(|e| e.into_inner())
            .state
    }
}

/// Aborts the work when dropped during a panic, so the other workers do not wait for the
/// panicking one's turn (the panic then reaches the caller through the thread scope).
pub(crate) struct AbortOnPanic<'a, S>(pub &'a Ordered<S>);

impl<S> Drop for AbortOnPanic<'_, S> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.abort();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_run_in_block_order_whatever_the_threads_do() {
        let ordered = Ordered::new((Vec::new(), Vec::new()));
        std::thread::scope(|s| {
            for worker in 0..3u64 {
                let ordered = &ordered;
                s.spawn(move || {
                    // Worker w takes blocks w, w + 3, ... and races through them.
                    for block in (worker..12).step_by(3) {
                        ordered.in_turn(0, block, |st| st.0.push(block));
                        std::thread::yield_now();
                        ordered.in_turn(1, block, |st| st.1.push(block));
                    }
                });
            }
        });
        let (first, second) = ordered.into_inner();
        assert_eq!(first, (0..12).collect::<Vec<_>>());
        assert_eq!(second, (0..12).collect::<Vec<_>>());
    }

    #[test]
    fn abort_releases_waiting_workers() {
        let ordered = Ordered::new(0);
        std::thread::scope(|s| {
            let waiting = s.spawn(|| ordered.in_turn(0, 5, |n| *n += 1));
            ordered.abort();
            assert_eq!(waiting.join().unwrap(), None);
        });
        assert!(ordered.aborted());
        assert_eq!(ordered.into_inner(), 0);
    }
}
