//! Time in the lab cluster: timestamps are wall-clock time at every speed, and `speed` says
//! how much faster than real time the durations objects ask for pass. At `--speed 20` a pod's
//! `initialDelaySeconds: 10` is half a second, `minReadySeconds: 10` too, and its
//! `creationTimestamp`, conditions and events are all the real time they happened at, so the
//! ages kubectl computes itself (`describe`, `events`) are never `<invalid>`.
//!
//! Controllers get "now" from here and the speed with it (`lab_controllers::Now`, the
//! kubelet's `speed`); a `RequeueAfter` or a shell `sleep` of `d` spec seconds sleeps
//! `d / speed` ([`Clock::real_duration`]).

use k8s_openapi::jiff::Timestamp;
use std::time::Duration;

#[derive(Debug, Clone, Copy)]
pub struct Clock {
    speed: f64,
}

impl Clock {
    /// A clock whose spec durations pass `speed` times faster than real time (speed > 0).
    pub fn new(speed: f64) -> Self {
        // The controllers' `Now` sanitizes a speed the same way.
        Clock { speed: lab_controllers::Now::new(Timestamp::UNIX_EPOCH, speed).speed }
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
        Timestamp::now()
    }

    /// `t` plus `secs` seconds of a spec (a grace period): `secs / speed` of real time.
    pub fn after_spec_seconds(&self, t: Timestamp, secs: i64) -> Timestamp {
        lab_controllers::Now::new(t, self.speed).after(t, secs as f64)
    }

    /// How long to really sleep for `simulated` (spec) time to pass.
    pub fn real_duration(&self, simulated: Duration) -> Duration {
        simulated.div_f64(self.speed)
    }

    /// Sleep until `simulated` (spec) time has passed.
    pub async fn sleep(&self, simulated: Duration) {
        tokio::time::sleep(self.real_duration(simulated)).await
    }
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
        let ahead = c.now_precise().duration_since(Timestamp::now());
        assert!(ahead.as_secs_f64() <= 0.0, "{ahead:?}");
        assert!(c.now() <= Timestamp::now());
        assert_eq!(c.real_duration(Duration::from_secs(10)), Duration::from_millis(10));
        let t: Timestamp = "2026-11-21T23:40:16Z".parse().unwrap();
        assert_eq!(c.after_spec_seconds(t, 30), "2026-11-21T23:40:16.03Z".parse().unwrap());
    }

    #[test]
    fn times_format_like_metav1() {
        let t: Timestamp = "2026-11-21T23:40:16.5Z".parse().unwrap();
        assert_eq!(format_time(t), "2026-11-21T23:40:16Z");
    }
}
