//! Per-key rate limit: an in-process token bucket per key. A bucket holds up to `burst`
//! requests and refills at `per_minute / 60` a second; a request takes one token, or is a 429
//! with `Retry-After` when none is left. Every authenticated response carries
//! `RateLimit-Limit` (the bucket's size), `RateLimit-Remaining` (whole requests left now) and
//! `RateLimit-Reset` (seconds until the bucket is full again), after the IETF RateLimit header
//! fields draft. The buckets live in this process: several instances each allow the rate.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

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
}
