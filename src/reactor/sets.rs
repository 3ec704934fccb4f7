//! Small sets a reactor keeps, made so that the common case does not
//! allocate: a fresh reactor that takes one command costs a handful of
//! allocations, and each of them is a measurable part of it
//! (`benches/hgframe.rs`, `server/single_frame_command`).

use std::collections::BTreeSet;

/// A set of stream ids (0 to 255) in 32 bytes, without allocating: a
/// reactor's incoming streams.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct StreamSet([u64; 4]);

impl StreamSet {
    fn bit(id: u8) -> (usize, u64) {
        (usize::from(id >> 6), 1 << (id & 63))
    }

    pub(crate) fn contains(&self, id: u8) -> bool {
        let (word, bit) = Self::bit(id);
        self.0.get(word).is_some_and(|w| w & bit != 0)
    }

    pub(crate) fn insert(&mut self, id: u8) {
        let (word, bit) = Self::bit(id);
        if let Some(w) = self.0.get_mut(word) {
            *w |= bit;
        }
    }

    pub(crate) fn remove(&mut self, id: u8) {
        let (word, bit) = Self::bit(id);
        if let Some(w) = self.0.get_mut(word) {
            *w &= !bit;
        }
    }

    /// The ids, in order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = u8> + '_ {
        (0..=u8::MAX).filter(|&id| self.contains(id))
    }
}

/// How many request ids a [`RequestSet`] holds in place.
const INLINE: usize = 8;

/// A set of request ids, iterated in order: up to [`INLINE`] in place,
/// sorted, then all of them in a `BTreeSet`, so that a server with
/// thousands of active requests still costs `O(log n)` a call.
#[derive(Clone, Debug, Default)]
pub(crate) struct RequestSet {
    len: usize,
    inline: [u16; INLINE],
    spilled: Option<BTreeSet<u16>>,
}

impl RequestSet {
    /// The ids held in place, sorted.
    fn small(&self) -> &[u16] {
        self.inline.get(..self.len).unwrap_or_default()
    }

    pub(crate) fn contains(&self, id: u16) -> bool {
        match &self.spilled {
            Some(set) => set.contains(&id),
            None => self.small().binary_search(&id).is_ok(),
        }
    }

    /// Adds `id`; whether it was not there.
    pub(crate) fn insert(&mut self, id: u16) -> bool {
        if let Some(set) = &mut self.spilled {
            return set.insert(id);
        }
        let Err(at) = self.small().binary_search(&id) else {
            return false;
        };
        if self.len == INLINE {
            let mut set: BTreeSet<u16> = self.small().iter().copied().collect();
            set.insert(id);
            self.spilled = Some(set);
            self.len = 0;
            return true;
        }
        if let Some(tail) = self.inline.get_mut(at..=self.len) {
            tail.rotate_right(1);
            if let Some(slot) = tail.first_mut() {
                *slot = id;
            }
        }
        self.len += 1;
        true
    }

    /// Removes `id`; whether it was there.
    pub(crate) fn remove(&mut self, id: u16) -> bool {
        if let Some(set) = &mut self.spilled {
            return set.remove(&id);
        }
        let Ok(at) = self.small().binary_search(&id) else {
            return false;
        };
        if let Some(tail) = self.inline.get_mut(at..self.len) {
            tail.rotate_left(1);
        }
        self.len -= 1;
        true
    }

    /// The ids, in order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = u16> + '_ {
        let (small, spilled) = match &self.spilled {
            Some(set) => (&[][..], Some(set.iter().copied())),
            None => (self.small(), None),
        };
        small.iter().copied().chain(spilled.into_iter().flatten())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// A `RequestSet` answers as a `BTreeSet` does, through the spill.
        #[test]
        fn request_set_is_a_set(ops in proptest::collection::vec((any::<bool>(), 0u16..24), 0..64)) {
            let mut ours = RequestSet::default();
            let mut model = BTreeSet::new();
            for (insert, id) in ops {
                if insert {
                    prop_assert_eq!(ours.insert(id), model.insert(id));
                } else {
                    prop_assert_eq!(ours.remove(id), model.remove(&id));
                }
                for probe in 0..24 {
                    prop_assert_eq!(ours.contains(probe), model.contains(&probe));
                }
                prop_assert_eq!(ours.iter().collect::<Vec<_>>(), model.iter().copied().collect::<Vec<_>>());
            }
        }
    }

    #[test]
    fn stream_set_holds_every_id() {
        let mut set = StreamSet::default();
        for id in [0, 1, 63, 64, 200, 255] {
            set.insert(id);
        }
        set.remove(64);
        assert_eq!(set.iter().collect::<Vec<_>>(), [0, 1, 63, 200, 255]);
        assert!(set.contains(255) && !set.contains(64));
    }
}
