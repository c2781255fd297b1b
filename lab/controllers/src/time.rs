//! "Now" as a decision sees it: the time every timestamp is written in, and how fast the
//! durations that objects ask for (`minReadySeconds`, `progressDeadlineSeconds`, grace
//! periods, probe delays) elapse against it.
//!
//! A runtime that runs the cluster faster than real time (the lab's `--speed 20`) keeps its
//! timestamps on the wall clock, so clients that compute ages themselves (kubectl's
//! `describe` and `events`) never see a time in their future, and passes the speed here: a
//! spec's `d` seconds then pass in `d / speed` seconds of timestamps. [`Action::RequeueAfter`]
//! stays in spec seconds (the runtime divides it by the speed when it sleeps).
//!
//! [`Action::RequeueAfter`]: crate::Action::RequeueAfter

use k8s_openapi::jiff::{SignedDuration, Timestamp};

/// The time of a decision and the speed at which spec durations pass.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Now {
    /// The current time, on the axis every timestamp of the objects is on.
    pub time: Timestamp,
    /// Spec durations pass this many times faster than `time` advances (1.0: real time).
    pub speed: f64,
}

impl Now {
    /// `time` at `speed` (a speed that is not a positive number counts as 1).
    pub fn new(time: Timestamp, speed: f64) -> Now {
        Now { time, speed: if speed.is_finite() && speed > 0.0 { speed } else { 1.0 } }
    }

    /// How long `secs` seconds of a spec take on the timestamp axis.
    pub fn spec_duration(&self, secs: f64) -> SignedDuration {
        SignedDuration::from_secs_f64((secs / self.speed).max(0.0))
    }

    /// `t` plus `secs` seconds of a spec.
    pub fn after(&self, t: Timestamp, secs: f64) -> Timestamp {
        t.checked_add(self.spec_duration(secs)).unwrap_or(t)
    }

    /// When a whole-second timestamp (`metav1.Time`, truncated) counts as having happened, for
    /// measuring a spec duration from it. Upstream measures from `t` itself: the truncation
    /// makes it up to a second early, a tenth of `minReadySeconds: 10`. At speed `s` that
    /// second would be `s` spec seconds (at 20, `minReadySeconds: 10` would pass at once), so
    /// `t` is read as `t + 1s - 1s/s`: never more than `1/s` seconds early, upstream's error
    /// in spec time, and exactly `t` at speed 1.
    pub fn since(&self, t: Timestamp) -> Timestamp {
        if self.speed <= 1.0 {
            return t;
        }
        t.checked_add(SignedDuration::from_secs_f64(1.0 - 1.0 / self.speed)).unwrap_or(t)
    }

    /// How many spec seconds a span of timestamps is worth (for [`Action::RequeueAfter`]).
    ///
    /// [`Action::RequeueAfter`]: crate::Action::RequeueAfter
    pub fn in_spec_seconds(&self, d: SignedDuration) -> f64 {
        d.as_secs_f64() * self.speed
    }
}

/// A plain timestamp is "now" at real speed.
impl From<Timestamp> for Now {
    fn from(time: Timestamp) -> Now {
        Now { time, speed: 1.0 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_durations_shrink_by_the_speed() {
        let t: Timestamp = "2026-11-22T00:00:00Z".parse().unwrap();
        let n = Now::new(t, 20.0);
        assert_eq!(n.after(t, 10.0), "2026-11-22T00:00:00.5Z".parse().unwrap());
        assert_eq!(n.in_spec_seconds(SignedDuration::from_millis(500)), 10.0);
        assert_eq!(Now::from(t).after(t, 10.0), "2026-11-22T00:00:10Z".parse().unwrap());
        assert_eq!(Now::new(t, f64::NAN).speed, 1.0);
    }

    /// `podutil.IsPodAvailable` (`pkg/api/v1/pod/util.go`) at speed 20: `minReadySeconds: 10`
    /// is half a second of timestamps, measured from the end of the truncated second.
    #[test]
    fn min_ready_seconds_pass_at_the_speed() {
        use k8s_openapi::api::core::v1::{Pod, PodCondition, PodStatus};
        use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
        let t: Timestamp = "2026-11-22T00:00:00Z".parse().unwrap();
        let pod = Pod {
            status: Some(PodStatus {
                conditions: Some(vec![PodCondition { type_: "Ready".into(), status: "True".into(), last_transition_time: Some(Time(t)), ..Default::default() }]),
                ..Default::default()
            }),
            ..Default::default()
        };
        let at = |ms: i64| t.checked_add(SignedDuration::from_millis(ms)).unwrap();
        // Ready at some moment of the second `t` (truncated): available half a second after
        // the latest moment it can have been (1.45s), never before.
        assert!(!crate::meta::is_pod_available(&pod, 10, Now::new(at(1_400), 20.0)));
        assert!(crate::meta::is_pod_available(&pod, 10, Now::new(at(1_500), 20.0)));
        assert!(!crate::meta::is_pod_available(&pod, 10, at(9_000)));
        assert!(crate::meta::is_pod_available(&pod, 10, at(10_001)));
    }
}
