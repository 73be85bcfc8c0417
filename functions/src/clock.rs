//! Where "now" comes from. The domain never reads a clock; the service asks this one, so tests
//! and the scanner can run at any date.

use std::sync::Mutex;

use chrono::{DateTime, Utc};

pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> DateTime<Utc>;
}

/// The system clock, to the millisecond: every instant the API writes has at most three
/// fractional digits, which every client's date-time type reads exactly (JavaScript's `Date`,
/// Java's `Instant` through most JSON libraries, Swift's `ISO8601DateFormatter`). Records made in
/// the same millisecond still sort by their UUIDv7 ids.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        senvault_domain::dates::now_to_the_millisecond()
    }
}

/// A clock that only moves when told to (tests, demos, simulations).
pub struct ManualClock(Mutex<DateTime<Utc>>);

impl ManualClock {
    pub fn new(at: DateTime<Utc>) -> Self {
        Self(Mutex::new(at))
    }
    pub fn set(&self, at: DateTime<Utc>) {
        if let Ok(mut g) = self.0.lock() {
            *g = at;
        }
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        self.0.lock().map(|g| *g).unwrap_or_else(|p| *p.into_inner())
    }
}
