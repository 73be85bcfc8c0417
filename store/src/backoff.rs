//! How long to wait before trying again after losing a race: exponential with full jitter, so
//! that writers who collided do not collide again. The one retry policy of the system (the
//! service re-deciding a command, the DynamoDB adapter re-bumping a scope's seq); callers sleep
//! with their own runtime.

use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

/// A random delay in `[1, base_ms << attempt]` milliseconds (the exponent capped at 6).
pub fn delay(attempt: u32, base_ms: u64) -> Duration {
    let random = std::collections::hash_map::RandomState::new().build_hasher().finish();
    let cap = base_ms.max(1) << attempt.min(6);
    Duration::from_millis(1 + random % cap)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_and_stay_bounded() {
        for attempt in 0..10 {
            let d = delay(attempt, 5);
            assert!(d >= Duration::from_millis(1) && d <= Duration::from_millis(1 + (5 << attempt.min(6))));
        }
    }
}
