//! Simulated time: wall-clock time that runs `speed` times faster than real time from the
//! moment the cluster starts. Every timestamp the server writes and every delay the controllers
//! wait for come from here, so `--speed 10` makes a demo ten times faster and tests fast.

use k8s_openapi::jiff::{SignedDuration, Timestamp};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy)]
pub struct Clock {
    started_real: Instant,
    started_wall: Timestamp,
    speed: f64,
}

impl Clock {
    /// A clock that starts at the current wall time and runs `speed` times faster (speed > 0).
    pub fn new(speed: f64) -> Self {
        let speed = if speed.is_finite() && speed > 0.0 { speed } else { 1.0 };
        Clock { started_real: Instant::now(), started_wall: Timestamp::now(), speed }
    }

    pub fn speed(&self) -> f64 {
        self.speed
    }

    /// Simulated now, truncated to whole seconds as the API's `metav1.Time` is.
    pub fn now(&self) -> Timestamp {
        let t = self.now_precise();
        Timestamp::from_second(t.as_second()).unwrap_or(t)
    }

    /// Simulated now with sub-second precision (for `metav1.MicroTime` fields).
    pub fn now_precise(&self) -> Timestamp {
        let real = self.started_real.elapsed().as_secs_f64() * self.speed;
        self.started_wall
            .checked_add(SignedDuration::from_secs_f64(real))
            .unwrap_or(self.started_wall)
    }

    /// How long to really sleep for `simulated` to pass.
    pub fn real_duration(&self, simulated: Duration) -> Duration {
        simulated.div_f64(self.speed)
    }

    /// Sleep until `simulated` time has passed.
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
    fn fast_clock_runs_ahead() {
        let c = Clock::new(1000.0);
        std::thread::sleep(Duration::from_millis(20));
        let ahead = c.now_precise().duration_since(Timestamp::now());
        assert!(ahead.as_secs_f64() > 10.0, "{ahead:?}");
        assert_eq!(c.real_duration(Duration::from_secs(10)), Duration::from_millis(10));
    }

    #[test]
    fn times_format_like_metav1() {
        let t: Timestamp = "2026-11-21T23:40:16.5Z".parse().unwrap();
        assert_eq!(format_time(t), "2026-11-21T23:40:16Z");
    }
}
