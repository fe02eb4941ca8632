//! Putting results that finish in any order back into input order.

use std::collections::BTreeMap;

/// Results numbered from 0, released in that order: [`Reorder::push`] takes
/// them as they finish, [`Reorder::pop`] gives the next one once it is there.
#[derive(Debug)]
pub struct Reorder<T> {
    pending: BTreeMap<u64, T>,
    next: u64,
}

impl<T> Default for Reorder<T> {
    fn default() -> Self {
        Reorder {
            pending: BTreeMap::new(),
            next: 0,
        }
    }
}

impl<T> Reorder<T> {
    /// Results numbered from `first` (the earlier ones were released
    /// elsewhere).
    pub fn starting_at(first: u64) -> Self {
        Reorder {
            pending: BTreeMap::new(),
            next: first,
        }
    }

    /// Takes result number `seq`.
    pub fn push(&mut self, seq: u64, item: T) {
        self.pending.insert(seq, item);
    }

    /// The next result in order, if it has arrived.
    pub fn pop(&mut self) -> Option<T> {
        let item = self.pending.remove(&self.next)?;
        self.next += 1;
        Some(item)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn releases_in_order() {
        let mut r = Reorder::default();
        r.push(1, "b");
        assert_eq!(r.pop(), None);
        r.push(0, "a");
        r.push(2, "c");
        assert_eq!(r.pop(), Some("a"));
        assert_eq!(r.pop(), Some("b"));
        assert_eq!(r.pop(), Some("c"));
        assert_eq!(r.pop(), None);
    }
}
