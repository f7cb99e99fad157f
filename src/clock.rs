//! The time source of the service and the worker, injectable so tests can move time.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, DurationRound, Utc};

/// Where "now" comes from. Everything that compares against `starts_at`, `ends_at`, delay
/// thresholds or job due times asks a `Clock`, never the system directly.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// The current time, truncated to milliseconds as Seam prints timestamps.
    fn now(&self) -> DateTime<Utc>;
}

/// Truncates a timestamp to whole milliseconds.
pub fn to_millis(t: DateTime<Utc>) -> DateTime<Utc> {
    t.duration_trunc(Duration::milliseconds(1)).unwrap_or(t)
}

/// Renders a timestamp as Seam does: RFC 3339, UTC, milliseconds, `Z`.
pub fn format_ts(t: DateTime<Utc>) -> String {
    SeamTime(t).to_string()
}

/// A timestamp that displays and serialises as Seam prints times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeamTime(pub DateTime<Utc>);

impl std::fmt::Display for SeamTime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0.format("%Y-%m-%dT%H:%M:%S%.3fZ"))
    }
}

impl serde::Serialize for SeamTime {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// The real wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        to_millis(Utc::now())
    }
}

/// A clock that only moves when told to; for tests.
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<Mutex<DateTime<Utc>>>);

impl ManualClock {
    /// A clock stopped at `start`.
    pub fn new(start: DateTime<Utc>) -> Self {
        ManualClock(Arc::new(Mutex::new(to_millis(start))))
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        let mut now = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *now += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}
