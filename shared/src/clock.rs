//! The one source of "now". Production uses the system clock; tests can move time
//! forward (token expiry, lockout windows) without sleeping.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use time::OffsetDateTime;

#[derive(Clone, Debug, Default)]
pub struct Clock {
    /// Seconds added to the system time. Always zero outside tests.
    offset: Arc<AtomicI64>,
}

impl Clock {
    pub fn system() -> Self {
        Self::default()
    }

    pub fn now(&self) -> OffsetDateTime {
        let now = OffsetDateTime::now_utc();
        let offset = self.offset.load(Ordering::Relaxed);
        if offset == 0 {
            now
        } else {
            now + time::Duration::seconds(offset)
        }
    }

    pub fn unix(&self) -> i64 {
        self.now().unix_timestamp()
    }

    /// Moves this clock (and every clone of it) forward.
    pub fn advance(&self, by: time::Duration) {
        self.offset.fetch_add(by.whole_seconds(), Ordering::Relaxed);
    }
}
