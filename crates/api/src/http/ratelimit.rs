//! Two in-process limits.
//!
//! [`AuthFailures`]: failed authentication per client address. A key that is looked up and not
//! found (or revoked, or expired) counts against the peer address it came from; once an address
//! has `limit` failures within `window` of its first, every request from it that presents a key
//! is a 429 with `Retry-After` until the window ends, answered before any key lookup, so a flood
//! of guessed keys costs no database round trips. Malformed keys (not `dw_...`) are refused
//! without a lookup and do not count. IPv6 addresses count per /64 (one host's usual share).
//! At most [`AuthFailures::CAPACITY`] addresses are remembered: when full, expired windows are
//! dropped, then the oldest.
//!
//! [`RateLimiter`]: per-key rate limit, an in-process token bucket per key. A bucket holds up to `burst`
//! requests and refills at `per_minute / 60` a second; a request takes one token, or is a 429
//! with `Retry-After` when none is left. Every authenticated response carries
//! `RateLimit-Limit` (the bucket's size), `RateLimit-Remaining` (whole requests left now) and
//! `RateLimit-Reset` (seconds until the bucket is full again), after the IETF RateLimit header
//! fields draft. The buckets live in this process: several instances each allow the rate.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};

pub struct RateLimiter {
    per_second: f64,
    burst: f64,
    buckets: Mutex<HashMap<i64, Bucket>>,
}

#[derive(Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// The outcome of one request against its key's bucket.
#[derive(Debug, Clone, Copy)]
pub struct Decision {
    pub allowed: bool,
    pub limit: u32,
    pub remaining: u32,
    /// Seconds until the bucket is full.
    pub reset: u64,
    /// Seconds until one request is allowed (0 when allowed now).
    pub retry_after: u64,
}

impl Decision {
    pub fn write_headers(&self, headers: &mut HeaderMap) {
        for (name, value) in [
            ("ratelimit-limit", self.limit as u64),
            ("ratelimit-remaining", self.remaining as u64),
            ("ratelimit-reset", self.reset),
        ] {
            headers.insert(HeaderName::from_static(name), HeaderValue::from(value));
        }
    }
}

impl RateLimiter {
    /// `per_minute == 0` turns the limit off.
    pub fn new(per_minute: u32, burst: u32) -> Self {
        RateLimiter {
            per_second: per_minute as f64 / 60.0,
            burst: burst.max(1) as f64,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Take a token for `key_id`; `None` when the limit is off.
    pub fn check(&self, key_id: i64) -> Option<Decision> {
        self.check_at(key_id, Instant::now())
    }

    pub fn check_at(&self, key_id: i64, now: Instant) -> Option<Decision> {
        if self.per_second <= 0.0 {
            return None;
        }
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        let b = buckets.entry(key_id).or_insert(Bucket {
            tokens: self.burst,
            at: now,
        });
        let elapsed = now.saturating_duration_since(b.at).as_secs_f64();
        b.tokens = (b.tokens + elapsed * self.per_second).min(self.burst);
        b.at = now;
        let allowed = b.tokens >= 1.0;
        if allowed {
            b.tokens -= 1.0;
        }
        let secs = |tokens_needed: f64| -> u64 {
            if tokens_needed <= 0.0 {
                0
            } else {
                (tokens_needed / self.per_second).ceil() as u64
            }
        };
        Some(Decision {
            allowed,
            limit: self.burst as u32,
            remaining: b.tokens.floor().max(0.0) as u32,
            reset: secs(self.burst - b.tokens),
            retry_after: if allowed {
                0
            } else {
                secs(1.0 - b.tokens).max(1)
            },
        })
    }
}

/// Failed authentication per client address (see the module's description).
pub struct AuthFailures {
    limit: u32,
    window: Duration,
    windows: Mutex<HashMap<IpAddr, FailureWindow>>,
}

#[derive(Clone, Copy)]
struct FailureWindow {
    started: Instant,
    failures: u32,
}

/// The address failures count against: an IPv4 address (IPv4-mapped IPv6 as IPv4), or an
/// IPv6 address's /64.
fn client(addr: IpAddr) -> IpAddr {
    match addr {
        IpAddr::V4(_) => addr,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6((u128::from(v6) & !((1u128 << 64) - 1)).into()),
        },
    }
}

impl AuthFailures {
    /// Addresses remembered at most (about 50 bytes each).
    pub const CAPACITY: usize = 10_000;

    /// `limit == 0` turns the limit off.
    pub fn new(limit: u32, window: Duration) -> Self {
        AuthFailures {
            limit,
            window: window.max(Duration::from_secs(1)),
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Seconds until `addr` may present keys again, when it is over the limit now.
    pub fn blocked(&self, addr: IpAddr) -> Option<u64> {
        self.blocked_at(addr, Instant::now())
    }

    pub fn blocked_at(&self, addr: IpAddr, now: Instant) -> Option<u64> {
        if self.limit == 0 {
            return None;
        }
        let windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        let w = windows.get(&client(addr))?;
        let elapsed = now.saturating_duration_since(w.started);
        if w.failures < self.limit || elapsed >= self.window {
            return None;
        }
        Some(((self.window - elapsed).as_secs_f64().ceil() as u64).max(1))
    }

    /// Count a failed key from `addr`.
    pub fn fail(&self, addr: IpAddr) {
        self.fail_at(addr, Instant::now())
    }

    pub fn fail_at(&self, addr: IpAddr, now: Instant) {
        if self.limit == 0 {
            return;
        }
        let key = client(addr);
        let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        if windows.len() >= Self::CAPACITY && !windows.contains_key(&key) {
            windows.retain(|_, w| now.saturating_duration_since(w.started) < self.window);
            if windows.len() >= Self::CAPACITY
                && let Some(oldest) = windows
                    .iter()
                    .min_by_key(|(_, w)| w.started)
                    .map(|(a, _)| *a)
            {
                windows.remove(&oldest);
            }
        }
        let w = windows.entry(key).or_insert(FailureWindow {
            started: now,
            failures: 0,
        });
        if now.saturating_duration_since(w.started) >= self.window {
            *w = FailureWindow {
                started: now,
                failures: 0,
            };
        }
        w.failures = w.failures.saturating_add(1);
        if w.failures == self.limit {
            tracing::warn!(
                client = %key,
                limit = self.limit,
                window_s = self.window.as_secs(),
                "too many failed API keys from one address; refusing its keys until the window ends"
            );
        }
    }

    /// Addresses remembered now.
    pub fn len(&self) -> usize {
        self.windows.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_burst_then_the_refill_rate() {
        // 60 a minute = 1 a second, burst 3: three at once, the fourth waits one second.
        let l = RateLimiter::new(60, 3);
        let t0 = Instant::now();
        for left in [2, 1, 0] {
            let d = l.check_at(7, t0).unwrap();
            assert!(d.allowed);
            assert_eq!(d.remaining, left);
            assert_eq!(d.limit, 3);
        }
        let d = l.check_at(7, t0).unwrap();
        assert!(!d.allowed);
        assert_eq!(d.retry_after, 1);
        // Empty bucket: 3 tokens at 1/s is 3 s to full.
        assert_eq!(d.reset, 3);
        // Another key has its own bucket.
        assert!(l.check_at(8, t0).unwrap().allowed);
        // 1.5 s later one token is back (1.5, one taken leaves 0.5).
        let d = l.check_at(7, t0 + Duration::from_millis(1500)).unwrap();
        assert!(d.allowed);
        assert_eq!(d.remaining, 0);
        // 0.5 more is needed for the next: ceil(0.5 s) = 1.
        let d = l.check_at(7, t0 + Duration::from_millis(1500)).unwrap();
        assert!(!d.allowed);
        assert_eq!(d.retry_after, 1);
        // Long idle: full again, never above the burst.
        let d = l.check_at(7, t0 + Duration::from_secs(100)).unwrap();
        assert_eq!(d.remaining, 2);
    }

    #[test]
    fn zero_turns_it_off() {
        assert!(RateLimiter::new(0, 10).check(1).is_none());
    }

    #[test]
    fn failed_keys_block_their_address_for_the_rest_of_the_window() {
        // 3 failures a minute.
        let f = AuthFailures::new(3, Duration::from_secs(60));
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        let t0 = Instant::now();
        // Two failures: still allowed to try.
        f.fail_at(a, t0);
        f.fail_at(a, t0 + Duration::from_secs(10));
        assert_eq!(f.blocked_at(a, t0 + Duration::from_secs(10)), None);
        // The third, 20 s after the first: blocked for the 40 s the window has left.
        f.fail_at(a, t0 + Duration::from_secs(20));
        assert_eq!(f.blocked_at(a, t0 + Duration::from_secs(20)), Some(40));
        // 0.5 s before the end: 1 s (rounded up, never 0).
        assert_eq!(f.blocked_at(a, t0 + Duration::from_millis(59_500)), Some(1));
        // Another address is not affected.
        assert_eq!(f.blocked_at(b, t0 + Duration::from_secs(20)), None);
        // The window over: allowed again, and the next failure starts a new window of 1.
        assert_eq!(f.blocked_at(a, t0 + Duration::from_secs(60)), None);
        f.fail_at(a, t0 + Duration::from_secs(61));
        assert_eq!(f.blocked_at(a, t0 + Duration::from_secs(61)), None);
    }

    #[test]
    fn ipv6_counts_per_64_and_mapped_ipv4_as_ipv4() {
        let f = AuthFailures::new(2, Duration::from_secs(60));
        let t0 = Instant::now();
        // Two hosts of one /64 share a window.
        f.fail_at("2001:db8:1:2::1".parse().unwrap(), t0);
        f.fail_at("2001:db8:1:2:ffff::9".parse().unwrap(), t0);
        assert!(
            f.blocked_at("2001:db8:1:2::5".parse().unwrap(), t0)
                .is_some()
        );
        assert!(
            f.blocked_at("2001:db8:1:3::1".parse().unwrap(), t0)
                .is_none()
        );
        f.fail_at("::ffff:192.0.2.7".parse().unwrap(), t0);
        f.fail_at("192.0.2.7".parse().unwrap(), t0);
        assert!(f.blocked_at("192.0.2.7".parse().unwrap(), t0).is_some());
    }

    #[test]
    fn memory_is_bounded() {
        let f = AuthFailures::new(1, Duration::from_secs(60));
        let t0 = Instant::now();
        let n = AuthFailures::CAPACITY as u32;
        for i in 0..n {
            f.fail_at(IpAddr::V4(i.into()), t0 + Duration::from_millis(i as u64));
        }
        assert_eq!(f.len(), AuthFailures::CAPACITY);
        // Full of live windows: a new address pushes out the oldest (0.0.0.0).
        let newcomer = IpAddr::V4((n + 1).into());
        f.fail_at(newcomer, t0 + Duration::from_secs(11));
        assert_eq!(f.len(), AuthFailures::CAPACITY);
        assert!(
            f.blocked_at(newcomer, t0 + Duration::from_secs(11))
                .is_some()
        );
        assert!(
            f.blocked_at(IpAddr::V4(0.into()), t0 + Duration::from_secs(11))
                .is_none()
        );
        assert!(
            f.blocked_at(IpAddr::V4(1.into()), t0 + Duration::from_secs(11))
                .is_some()
        );
        // Once their windows are over, the next newcomer clears every expired one.
        f.fail_at(IpAddr::V4((n + 2).into()), t0 + Duration::from_secs(200));
        assert_eq!(f.len(), 1);
    }

    #[test]
    fn zero_turns_the_failure_limit_off() {
        let f = AuthFailures::new(0, Duration::from_secs(60));
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        for _ in 0..100 {
            f.fail(a);
        }
        assert!(f.blocked(a).is_none());
        assert!(f.is_empty());
    }
}
