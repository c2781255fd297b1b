//! Time in the lab cluster: timestamps are wall-clock time at every speed, and `speed` says
//! how much faster than real time the durations objects ask for pass. At `--speed 20` a pod's
//! `initialDelaySeconds: 10` is half a second, `minReadySeconds: 10` too, and its
//! `creationTimestamp`, conditions and events are all the real time they happened at, so the
//! ages kubectl computes itself (`describe`, `events`) are never `<invalid>`.
//!
//! Controllers get "now" from here and the speed with it (`lab_controllers::Now`, the
//! kubelet's `speed`); a `RequeueAfter` or a shell `sleep` of `d` spec seconds sleeps
//! `d / speed` ([`Clock::real_duration`]).
//!
//! A simulated clock ([`Clock::simulated`]) reads no wall clock at all: its time moves only
//! when its owner sets it (the playground's `advance`), at speed 1. `Timestamp::now()` panics
//! on `wasm32-unknown-unknown`, so the playground runs on one.

use k8s_openapi::jiff::Timestamp;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct Clock {
    speed: f64,
    /// Simulated time, in nanoseconds since the Unix epoch; `None` reads the wall clock.
    simulated: Option<Arc<AtomicI64>>,
}

impl Clock {
    /// A clock whose spec durations pass `speed` times faster than real time (speed > 0).
    pub fn new(speed: f64) -> Self {
        // The controllers' `Now` sanitizes a speed the same way.
        Clock { speed: lab_controllers::Now::new(Timestamp::UNIX_EPOCH, speed).speed, simulated: None }
    }

    /// A clock that stands at `start` until [`Clock::set`] moves it (speed 1: a spec second is
    /// a simulated second). Clones share the time.
    pub fn simulated(start: Timestamp) -> Self {
        Clock { speed: 1.0, simulated: Some(Arc::new(AtomicI64::new(start.as_nanosecond() as i64))) }
    }

    /// Whether this clock is simulated.
    pub fn is_simulated(&self) -> bool {
        self.simulated.is_some()
    }

    /// Move a simulated clock to `t` (never backwards). A wall clock ignores it.
    pub fn set(&self, t: Timestamp) {
        if let Some(s) = &self.simulated {
            s.fetch_max(t.as_nanosecond() as i64, Ordering::Relaxed);
        }
    }

    pub fn speed(&self) -> f64 {
        self.speed
    }

    /// Now, truncated to whole seconds as the API's `metav1.Time` is (so never ahead of the
    /// wall clock).
    pub fn now(&self) -> Timestamp {
        let t = self.now_precise();
        Timestamp::from_second(t.as_second()).unwrap_or(t)
    }

    /// Now with sub-second precision (for `metav1.MicroTime` fields).
    pub fn now_precise(&self) -> Timestamp {
        match &self.simulated {
            Some(s) => Timestamp::from_nanosecond(s.load(Ordering::Relaxed) as i128).unwrap_or(Timestamp::UNIX_EPOCH),
            None => wall_now(),
        }
    }

    /// `t` plus `secs` seconds of a spec (a grace period): `secs / speed` of real time.
    pub fn after_spec_seconds(&self, t: Timestamp, secs: i64) -> Timestamp {
        lab_controllers::Now::new(t, self.speed).after(t, secs as f64)
    }

    /// How long to really sleep for `simulated` (spec) time to pass.
    pub fn real_duration(&self, simulated: Duration) -> Duration {
        simulated.div_f64(self.speed)
    }
}

/// The wall clock (`Timestamp::now()` needs jiff's `std` feature, which nothing else here does).
fn wall_now() -> Timestamp {
    let d = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    Timestamp::from_nanosecond(d.as_nanos() as i128).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// RFC 3339 with seconds, as `metav1.Time` serialises: `2026-11-21T23:40:16Z`.
pub fn format_time(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fast_clock_keeps_wall_time_and_shrinks_durations() {
        let c = Clock::new(1000.0);
        std::thread::sleep(Duration::from_millis(20));
        let ahead = c.now_precise().duration_since(wall_now());
        assert!(ahead.as_secs_f64() <= 0.0, "{ahead:?}");
        assert!(c.now() <= wall_now());
        assert_eq!(c.real_duration(Duration::from_secs(10)), Duration::from_millis(10));
        let t: Timestamp = "2026-11-21T23:40:16Z".parse().unwrap();
        assert_eq!(c.after_spec_seconds(t, 30), "2026-11-21T23:40:16.03Z".parse().unwrap());
    }

    #[test]
    fn a_simulated_clock_moves_only_when_set_and_clones_share_it() {
        let t: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        let c = Clock::simulated(t);
        let c2 = c.clone();
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(c.now_precise(), t);
        c.set("2026-01-01T00:00:01.5Z".parse().unwrap());
        assert_eq!(c2.now_precise(), "2026-01-01T00:00:01.5Z".parse().unwrap());
        assert_eq!(c2.now(), "2026-01-01T00:00:01Z".parse().unwrap());
        c.set(t);
        assert_eq!(c2.now_precise(), "2026-01-01T00:00:01.5Z".parse().unwrap(), "never backwards");
    }

    #[test]
    fn times_format_like_metav1() {
        let t: Timestamp = "2026-11-21T23:40:16.5Z".parse().unwrap();
        assert_eq!(format_time(t), "2026-11-21T23:40:16Z");
    }
}
