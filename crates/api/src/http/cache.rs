//! In-process caches of figures, least recently used out first within a byte budget
//! (`DRIFTWATCH_CACHE_MB`, split between them; 0 turns them off):
//! - rendered responses (summaries, the scorecard, national summaries), keyed by the response's
//!   ETag — which folds in the authority (or every authority's), its data version, the request
//!   and the as-of day;
//! - one authority's summary rows for one indicator and request shape, keyed by the authority,
//!   its data version, the indicator and the shape — shared by its summaries, its scorecard and
//!   the national summaries that include it.
//!
//! Every write bumps the authority's data version, so an entry is never served stale: a
//! changed authority simply stops matching its old entries, which age out. A request with
//! `Cache-Control: no-cache` is computed afresh (and refreshes the entries).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use bytes::Bytes;

#[derive(Debug)]
pub struct Cached {
    pub content_type: &'static str,
    pub body: Bytes,
}

struct Inner<V> {
    entries: HashMap<String, (Arc<V>, u64)>,
    /// tick -> key, oldest first.
    order: BTreeMap<u64, String>,
    tick: u64,
    bytes: usize,
}

/// What an entry costs against the budget.
pub trait Cost {
    fn cost(&self) -> usize;
}

impl Cost for Cached {
    fn cost(&self) -> usize {
        self.body.len()
    }
}

pub struct Lru<V> {
    inner: Mutex<Inner<V>>,
    max_bytes: usize,
}

/// Rendered responses.
pub type ResponseCache = Lru<Cached>;

impl<V: Cost> Lru<V> {
    pub fn new(max_bytes: usize) -> Self {
        Lru {
            inner: Mutex::new(Inner {
                entries: HashMap::new(),
                order: BTreeMap::new(),
                tick: 0,
                bytes: 0,
            }),
            max_bytes,
        }
    }

    fn cost(key: &str, v: &V) -> usize {
        key.len() + v.cost() + 64
    }

    pub fn get(&self, key: &str) -> Option<Arc<V>> {
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

    pub fn put(&self, key: String, value: V) -> Arc<V> {
        let value = Arc::new(value);
        self.put_arc(key, value.clone());
        value
    }

    fn put_arc(&self, key: String, value: Arc<V>) {
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
        inner.entries.insert(key, (value, tick));
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
            let _ = c.put(k.into(), v(100));
        }
        assert_eq!(c.size().0, 4);
        assert!(c.get("a").is_some()); // a is now the most recent
        let _ = c.put("e".into(), v(100)); // evicts b, the least recently used
        assert!(c.get("b").is_none());
        for k in ["a", "c", "d", "e"] {
            assert!(c.get(k).is_some(), "{k}");
        }
        assert_eq!(c.size(), (4, 660));
    }

    #[test]
    fn disabled_or_oversized_is_never_stored() {
        let off = ResponseCache::new(0);
        let _ = off.put("a".into(), v(1));
        assert!(off.get("a").is_none());
        let small = ResponseCache::new(400);
        let _ = small.put("big".into(), v(200)); // more than a quarter of the budget
        assert!(small.get("big").is_none());
    }
}
