//! An in-process cache of rendered figures (summaries, the scorecard), keyed by the response's
//! ETag — which already folds in the authority, its data version, the request and the as-of
//! day. Every write bumps the data version, so an entry can never be served stale: a changed
//! authority simply stops matching its old entries, which age out (least recently used first)
//! within the byte budget (`DRIFTWATCH_CACHE_MB`, 0 turns it off). A request with
//! `Cache-Control: no-cache` is computed afresh (and refreshes the entry).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use bytes::Bytes;

#[derive(Debug)]
pub struct Cached {
    pub content_type: &'static str,
    pub body: Bytes,
}

#[derive(Default)]
struct Inner {
    entries: HashMap<String, (Arc<Cached>, u64)>,
    /// tick -> key, oldest first.
    order: BTreeMap<u64, String>,
    tick: u64,
    bytes: usize,
}

pub struct ResponseCache {
    inner: Mutex<Inner>,
    max_bytes: usize,
}

impl ResponseCache {
    pub fn new(max_bytes: usize) -> Self {
        ResponseCache {
            inner: Mutex::new(Inner::default()),
            max_bytes,
        }
    }

    fn cost(key: &str, v: &Cached) -> usize {
        key.len() + v.body.len() + 64
    }

    pub fn get(&self, key: &str) -> Option<Arc<Cached>> {
        if self.max_bytes == 0 {
            return None;
        }
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        inner.tick += 1;
        let tick = inner.tick;
        let (value, old) = {
            let entry = inner.entries.get_mut(key)?;
            let old = std::mem::replace(&mut entry.1, tick);
            (entry.0.clone(), old)
        };
        inner.order.remove(&old);
        inner.order.insert(tick, key.to_string());
        Some(value)
    }

    pub fn put(&self, key: String, value: Cached) {
        let cost = Self::cost(&key, &value);
        if self.max_bytes == 0 || cost > self.max_bytes / 4 {
            return; // too big to be worth holding
        }
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((old, t)) = inner.entries.remove(&key) {
            inner.order.remove(&t);
            inner.bytes -= Self::cost(&key, &old);
        }
        while inner.bytes + cost > self.max_bytes {
            let Some((_, oldest)) = inner.order.pop_first() else {
                break;
            };
            if let Some((v, _)) = inner.entries.remove(&oldest) {
                inner.bytes -= Self::cost(&oldest, &v);
            }
        }
        inner.tick += 1;
        let tick = inner.tick;
        inner.order.insert(tick, key.clone());
        inner.bytes += cost;
        inner.entries.insert(key, (Arc::new(value), tick));
    }

    /// (entries, bytes) held.
    pub fn size(&self) -> (usize, usize) {
        let inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        (inner.entries.len(), inner.bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(n: usize) -> Cached {
        Cached {
            content_type: "application/json",
            body: Bytes::from(vec![b'x'; n]),
        }
    }

    #[test]
    fn least_recently_used_entries_go_first() {
        // Each entry costs 1 + 100 + 64 = 165 bytes; the budget holds three (660 / 165 = 4,
        // but a fourth would exceed 660 only with the fifth).
        let c = ResponseCache::new(660);
        for k in ["a", "b", "c", "d"] {
            c.put(k.into(), v(100));
        }
        assert_eq!(c.size().0, 4);
        assert!(c.get("a").is_some()); // a is now the most recent
        c.put("e".into(), v(100)); // evicts b, the least recently used
        assert!(c.get("b").is_none());
        for k in ["a", "c", "d", "e"] {
            assert!(c.get(k).is_some(), "{k}");
        }
        assert_eq!(c.size(), (4, 660));
    }

    #[test]
    fn disabled_or_oversized_is_never_stored() {
        let off = ResponseCache::new(0);
        off.put("a".into(), v(1));
        assert!(off.get("a").is_none());
        let small = ResponseCache::new(400);
        small.put("big".into(), v(200)); // more than a quarter of the budget
        assert!(small.get("big").is_none());
    }
}
