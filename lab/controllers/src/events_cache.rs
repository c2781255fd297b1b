//! What a component's event recorder does before an Event reaches the API server: client-go's
//! `EventCorrelator` (`tools/record/events_cache.go`), which every recorder made with
//! `record.NewBroadcaster` runs (kube-controller-manager's controllers, the kubelet):
//!
//! - **aggregation**: once an object has had events from one source with the same type and
//!   reason but 10 different messages within 10 minutes, the next ones become one event whose
//!   message reads `(combined from similar events): <latest message>`, counted up;
//! - **counting**: an event identical to one already recorded (message included) bumps that
//!   event's `count` and `lastTimestamp` instead of creating another.
//!
//! - **spam filter** (`EventSourceObjectSpamFilter`): a source may send 25 events about one
//!   object, then one every 5 minutes (a token bucket per source and object); a skipped event
//!   is still counted, so the next one that passes carries the count of those skipped. This is
//!   why a pod that keeps failing shows counts that stop growing after a minute or two.
//!
//! The scheduler records through the newer `events.k8s.io` library (`tools/events`), which
//! does not aggregate: for it only the counting applies ([`Recorder::EventsV1`]).

use crate::action::Event;
use crate::time::Now;
use k8s_openapi::jiff::Timestamp;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// `maxLruCacheEntries`: each of the three caches keeps this many keys.
const LRU_ENTRIES: usize = 4096;
/// `defaultAggregateMaxEvents`, `defaultAggregateIntervalInSeconds`.
const AGGREGATE_MAX_EVENTS: usize = 10;
const AGGREGATE_INTERVAL_SECONDS: f64 = 600.0;

/// `defaultSpamBurst`, `defaultSpamQPS`: tokens a source has for one object, and how fast a
/// spent one comes back.
const SPAM_BURST: f64 = 25.0;
const SPAM_SECONDS_PER_TOKEN: f64 = 300.0;

/// Upstream `EventAggregatorByReasonMessageFunc`.
pub const AGGREGATE_PREFIX: &str = "(combined from similar events): ";

/// Which client library records the event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recorder {
    /// `k8s.io/client-go/tools/record`: aggregation and counting.
    Core,
    /// `k8s.io/client-go/tools/events` (the scheduler): identical events are counted only.
    EventsV1,
}

/// The fields of an Event the correlator keys on, as the recorder fills them in.
#[derive(Clone, Debug)]
pub struct Recorded<'a> {
    pub event: &'a Event,
    /// `source.host` (the kubelet's node), `reportingInstance`.
    pub host: &'a str,
}

/// What to send to the API server.
#[derive(Clone, Debug, PartialEq)]
pub enum Correlated {
    /// Create a new Event with this message (the event's own, or the aggregate's); tell its
    /// name with [`Correlator::created`] and this key.
    Create { message: String, key: LogKey },
    /// Patch the Event `name` recorded earlier: `count`, `message` and `lastTimestamp` now.
    /// `name` is empty when the event was skipped each time before: create it (as the recorder
    /// does when its patch finds no event) and tell its name with [`Correlator::created`].
    Patch { name: String, count: i32, first_timestamp: Timestamp, message: String, key: LogKey },
    /// Send nothing: the spam filter has no token left for this source and object.
    Skip,
}

/// Which recorded event a created one is (its key in the recorder's log).
#[derive(Clone, Debug, PartialEq)]
pub struct LogKey(String);

/// An LRU map of at most [`LRU_ENTRIES`] keys (groupcache's `lru.Cache`): adding past the
/// limit evicts the least recently used key.
#[derive(Debug)]
struct Lru<V> {
    entries: HashMap<String, (u64, V)>,
    /// Each key by its last use, oldest first.
    by_use: BTreeMap<u64, String>,
    tick: u64,
}

impl<V> Default for Lru<V> {
    fn default() -> Self {
        Lru { entries: HashMap::new(), by_use: BTreeMap::new(), tick: 0 }
    }
}

impl<V> Lru<V> {
    /// Mark `key` used now.
    fn touch(&mut self, key: &str, old: Option<u64>) -> u64 {
        self.tick += 1;
        if let Some(t) = old {
            self.by_use.remove(&t);
        }
        self.by_use.insert(self.tick, key.to_string());
        self.tick
    }

    fn get(&mut self, key: &str) -> Option<&mut V> {
        let old = self.entries.get(key).map(|(t, _)| *t)?;
        let tick = self.touch(key, Some(old));
        self.entries.get_mut(key).map(|(t, v)| {
            *t = tick;
            v
        })
    }

    fn add(&mut self, key: String, value: V) {
        let old = self.entries.get(&key).map(|(t, _)| *t);
        let tick = self.touch(&key, old);
        self.entries.insert(key, (tick, value));
        if self.entries.len() > LRU_ENTRIES
            && let Some((_, oldest)) = self.by_use.pop_first()
        {
            self.entries.remove(&oldest);
        }
    }
}

#[derive(Debug)]
struct AggregateRecord {
    /// The distinct messages seen in the group (at most `AGGREGATE_MAX_EVENTS - 1` kept).
    local_keys: BTreeSet<String>,
    last: Timestamp,
}

#[derive(Debug, Clone)]
struct EventLog {
    count: i32,
    first_timestamp: Timestamp,
    name: String,
}

/// A token bucket (golang.org/x/time/rate's `Limiter`, behind client-go's
/// `NewTokenBucketRateLimiter`): full at first, a token back every [`SPAM_SECONDS_PER_TOKEN`].
#[derive(Debug, Clone)]
struct TokenBucket {
    tokens: f64,
    last: Timestamp,
}

impl TokenBucket {
    /// `TryAccept`: take a token if one is there. As `rate.Limiter.AllowN`, only a token taken
    /// changes the bucket. (Within a nanosecond's worth of a whole token counts as one: the
    /// fractions add up in floating point.)
    fn try_accept(&mut self, at: Now) -> bool {
        let elapsed = at.in_spec_seconds(at.time.duration_since(self.last)).max(0.0);
        let tokens = (self.tokens + elapsed / SPAM_SECONDS_PER_TOKEN).min(SPAM_BURST);
        if tokens < 1.0 - 1e-9 / SPAM_SECONDS_PER_TOKEN {
            return false;
        }
        self.tokens = (tokens - 1.0).max(0.0);
        self.last = self.last.max(at.time);
        true
    }
}

/// One cluster's recorders' memory. Upstream each component has its own; every key here
/// starts with the source, which keeps them apart the same way.
#[derive(Debug, Default)]
pub struct Correlator {
    aggregates: Lru<AggregateRecord>,
    logs: Lru<EventLog>,
    /// `EventSourceObjectSpamFilter`'s buckets, by source and object (`getSpamKey`).
    spam: Lru<TokenBucket>,
}

fn object_key(r: &Recorded) -> String {
    let o = &r.event.regarding;
    let ns = o.namespace.as_deref().unwrap_or("");
    let uid = o.uid.as_deref().unwrap_or("");
    [r.event.source, r.host, &o.kind, ns, &o.name, uid, &o.api_version].join("\u{0}")
}

impl Correlator {
    /// Upstream `EventCorrelate`: aggregate, count (a patch of an earlier event), then filter
    /// spam ([`Recorder::Core`] only). The caller tells the name of an event it creates with
    /// [`Correlator::created`]. The intervals are spec seconds (a lab running faster passes them
    /// faster, as its probes).
    pub fn correlate(&mut self, r: &Recorded, recorder: Recorder, at: Now) -> Correlated {
        let now = at.time;
        let ev = r.event;
        let object = object_key(r);
        // getEventKey: the object (with fieldPath, empty here), type, reason and message.
        let event_key = [object.as_str(), "", ev.type_.as_str(), &ev.reason, &ev.message].join("\u{0}");
        let (message, key) = match recorder {
            Recorder::EventsV1 => (ev.message.clone(), event_key),
            Recorder::Core => {
                // EventAggregatorByReasonFunc: reportingController and reportingInstance are the
                // source and host the record package fills in.
                let aggregate_key = [object.as_str(), ev.type_.as_str(), &ev.reason, ev.source, r.host].join("\u{0}");
                let mut record = match self.aggregates.get(&aggregate_key) {
                    Some(rec) if at.in_spec_seconds(now.duration_since(rec.last)) <= AGGREGATE_INTERVAL_SECONDS => AggregateRecord { local_keys: std::mem::take(&mut rec.local_keys), last: now },
                    _ => AggregateRecord { local_keys: BTreeSet::new(), last: now },
                };
                record.local_keys.insert(ev.message.clone());
                let aggregate = record.local_keys.len() >= AGGREGATE_MAX_EVENTS;
                if aggregate {
                    // "do not grow our local key set any larger than max" (PopAny).
                    record.local_keys.pop_first();
                }
                self.aggregates.add(aggregate_key.clone(), record);
                if aggregate { (format!("{AGGREGATE_PREFIX}{}", ev.message), aggregate_key) } else { (ev.message.clone(), event_key) }
            }
        };
        // eventObserve: a key seen before is a patch of that event, counted up; the count is
        // kept even when the filter below skips the event.
        let seen = self.logs.get(&key).cloned();
        let out = match seen {
            Some(log) if log.count > 0 => {
                let count = log.count + 1;
                self.logs.add(key.clone(), EventLog { count, ..log.clone() });
                Correlated::Patch { name: log.name, count, first_timestamp: log.first_timestamp, message, key: LogKey(key) }
            }
            _ => {
                // Named once created ([`Correlator::created`]).
                self.logs.add(key.clone(), EventLog { count: 1, first_timestamp: now, name: String::new() });
                Correlated::Create { message, key: LogKey(key) }
            }
        };
        // The spam filter, keyed by source and object (getSpamKey: no type, reason or message).
        if recorder == Recorder::Core {
            let bucket = match self.spam.get(&object) {
                Some(b) => b,
                None => {
                    self.spam.add(object.clone(), TokenBucket { tokens: SPAM_BURST, last: now });
                    self.spam.get(&object).expect("just added")
                }
            };
            if !bucket.try_accept(at) {
                return Correlated::Skip;
            }
        }
        out
    }

    /// The name the API server accepted for the event just created (upstream `UpdateState`), so
    /// later repeats patch it.
    pub fn created(&mut self, key: &LogKey, name: &str) {
        if let Some(log) = self.logs.get(&key.0) {
            log.name = name.to_string();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::{EventType, ObjectRef};

    fn ev(name: &str, reason: &str, message: &str, source: &'static str) -> Event {
        Event {
            regarding: ObjectRef { api_version: "apps/v1".into(), kind: "StatefulSet".into(), namespace: Some("default".into()), name: name.into(), uid: Some(format!("uid-{name}")) },
            type_: EventType::Normal,
            reason: reason.into(),
            message: message.into(),
            source,
        }
    }

    fn at(secs: i64) -> Timestamp {
        Timestamp::from_second(1_700_000_000 + secs).unwrap()
    }

    /// The message of an event to create, if it is one.
    fn created(c: Correlated) -> Option<String> {
        match c {
            Correlated::Create { message, .. } => Some(message),
            Correlated::Patch { .. } | Correlated::Skip => None,
        }
    }

    /// (name, count, firstTimestamp, message) of a patch, if it is one.
    fn patched(c: Correlated) -> Option<(String, i32, Timestamp, String)> {
        match c {
            Correlated::Patch { name, count, first_timestamp, message, .. } => Some((name, count, first_timestamp, message)),
            Correlated::Create { .. } | Correlated::Skip => None,
        }
    }

    /// Records `e` as the Executor does: a created event gets its name recorded.
    fn record(c: &mut Correlator, e: &Event, recorder: Recorder, now: Timestamp, n: &mut usize) -> Correlated {
        let r = Recorded { event: e, host: "" };
        let out = c.correlate(&r, recorder, Now::new(now, 1.0));
        match &out {
            Correlated::Create { key, .. } => {
                *n += 1;
                c.created(key, &format!("ev{n}"));
            }
            Correlated::Patch { name, key, .. } if name.is_empty() => {
                *n += 1;
                c.created(key, &format!("ev{n}"));
            }
            _ => {}
        }
        out
    }

    /// `TestEventCorrelator` in client-go's `events_cache_test.go`: the tenth similar event (same
    /// object, type and reason, a new message) becomes a combined one, and the next similar ones
    /// patch it.
    #[test]
    fn ten_similar_events_are_combined_and_the_rest_count_up_the_combined_one() {
        let mut c = Correlator::default();
        let mut n = 0;
        for i in 0..9 {
            let e = ev("web", "SuccessfulCreate", &format!("create Pod web-{i} in StatefulSet web successful"), "statefulset-controller");
            assert_eq!(created(record(&mut c, &e, Recorder::Core, at(i), &mut n)), Some(e.message.clone()));
        }
        let e = ev("web", "SuccessfulCreate", "create Pod web-9 in StatefulSet web successful", "statefulset-controller");
        assert_eq!(created(record(&mut c, &e, Recorder::Core, at(9), &mut n)), Some(format!("{AGGREGATE_PREFIX}create Pod web-9 in StatefulSet web successful")));
        let e = ev("web", "SuccessfulCreate", "create Pod web-10 in StatefulSet web successful", "statefulset-controller");
        assert_eq!(
            patched(record(&mut c, &e, Recorder::Core, at(10), &mut n)),
            Some(("ev10".into(), 2, at(9), format!("{AGGREGATE_PREFIX}create Pod web-10 in StatefulSet web successful")))
        );
        // Another reason, another object: their own groups.
        let other = ev("web", "SuccessfulDelete", "delete Pod web-10 in StatefulSet web successful", "statefulset-controller");
        assert!(matches!(record(&mut c, &other, Recorder::Core, at(11), &mut n), Correlated::Create { message, .. } if !message.starts_with(AGGREGATE_PREFIX)));
        // Ten minutes without a similar event: the group starts again.
        let e = ev("web", "SuccessfulCreate", "create Pod web-11 in StatefulSet web successful", "statefulset-controller");
        assert_eq!(created(record(&mut c, &e, Recorder::Core, at(10 + 601), &mut n)), Some(e.message.clone()));
    }

    /// groupcache's `lru.Cache`: past its size, the least recently used key goes, and a key
    /// read is used again.
    #[test]
    fn the_caches_forget_the_least_recently_used_key_past_their_size() {
        let mut l = Lru::default();
        for i in 0..LRU_ENTRIES {
            l.add(format!("k{i}"), i);
        }
        assert_eq!(l.get("k0"), Some(&mut 0));
        l.add("new".into(), 0);
        assert_eq!(l.entries.len(), LRU_ENTRIES);
        assert!(l.get("k0").is_some(), "read just before: kept");
        assert!(l.get("k1").is_none(), "the least recently used: gone");
        assert_eq!(l.by_use.len(), LRU_ENTRIES);
    }

    #[test]
    fn an_identical_event_counts_up_the_first_one() {
        let mut c = Correlator::default();
        let mut n = 0;
        let e = ev("web-0", "Unhealthy", "Readiness probe failed: HTTP probe failed with statuscode: 503", "kubelet");
        assert!(matches!(record(&mut c, &e, Recorder::Core, at(0), &mut n), Correlated::Create { .. }));
        assert_eq!(patched(record(&mut c, &e, Recorder::Core, at(2), &mut n)), Some(("ev1".into(), 2, at(0), e.message.clone())));
        let other = ev("web-0", "Unhealthy", "Readiness probe failed: Get \"http://10.244.1.2:80/\": connection refused", "kubelet");
        assert_eq!(created(record(&mut c, &other, Recorder::Core, at(3), &mut n)), Some(other.message.clone()));
        assert_eq!(patched(record(&mut c, &e, Recorder::Core, at(4), &mut n)), Some(("ev1".into(), 3, at(0), e.message.clone())));
    }

    /// `EventSourceObjectSpamFilter` (`events_cache.go`, `defaultSpamBurst` 25 and
    /// `defaultSpamQPS` 1/300): a readiness probe failing every 10 s. The first 25 events about
    /// the pod reach the API server, the next ones are skipped until a token has come back five
    /// minutes after the first, and the one that then passes carries every skipped one in its
    /// count.
    #[test]
    fn a_source_sends_25_events_about_an_object_then_one_every_five_minutes() {
        let mut c = Correlator::default();
        let mut n = 0;
        let e = ev("web-0", "Unhealthy", "Readiness probe failed: HTTP probe failed with statuscode: 404", "kubelet");
        assert!(matches!(record(&mut c, &e, Recorder::Core, at(0), &mut n), Correlated::Create { .. }));
        for k in 2..=25 {
            assert_eq!(patched(record(&mut c, &e, Recorder::Core, at(10 * (k - 1)), &mut n)), Some(("ev1".into(), k as i32, at(0), e.message.clone())), "event {k}");
        }
        for k in 26..=30 {
            assert_eq!(record(&mut c, &e, Recorder::Core, at(10 * (k - 1)), &mut n), Correlated::Skip, "event {k}");
        }
        // Another object, or another source about this one: buckets of their own.
        let other = ev("web-1", "Unhealthy", "Readiness probe failed: HTTP probe failed with statuscode: 404", "kubelet");
        assert!(matches!(record(&mut c, &other, Recorder::Core, at(295), &mut n), Correlated::Create { .. }));
        let controller = ev("web-0", "Unhealthy", "Readiness probe failed: HTTP probe failed with statuscode: 404", "statefulset-controller");
        assert!(matches!(record(&mut c, &controller, Recorder::Core, at(296), &mut n), Correlated::Create { .. }));
        // 300 s after the bucket was full, a token: the 31st event, counting the skipped five.
        assert_eq!(patched(record(&mut c, &e, Recorder::Core, at(300), &mut n)), Some(("ev1".into(), 31, at(0), e.message.clone())));
        assert_eq!(record(&mut c, &e, Recorder::Core, at(310), &mut n), Correlated::Skip);
        // A new message skipped is counted too: when a token lets it through it is created,
        // with its count so far.
        let new = ev("web-0", "Killing", "Stopping container nginx", "kubelet");
        assert_eq!(record(&mut c, &new, Recorder::Core, at(320), &mut n), Correlated::Skip);
        assert_eq!(record(&mut c, &new, Recorder::Core, at(330), &mut n), Correlated::Skip);
        assert_eq!(patched(record(&mut c, &new, Recorder::Core, at(600), &mut n)), Some((String::new(), 3, at(320), new.message.clone())));
        assert_eq!(patched(record(&mut c, &new, Recorder::Core, at(900), &mut n)).map(|p| (p.0, p.1)), Some(("ev4".into(), 4)));
    }

    /// The scheduler's `events.k8s.io` library has no such filter: its events are only counted.
    #[test]
    fn the_events_v1_recorder_does_not_filter() {
        let mut c = Correlator::default();
        let mut n = 0;
        let e = ev("web-0", "FailedScheduling", "0/3 nodes are available: 3 Insufficient cpu.", "default-scheduler");
        for k in 1..=40 {
            assert!(!matches!(record(&mut c, &e, Recorder::EventsV1, at(k), &mut n), Correlated::Skip), "event {k}");
        }
    }

    /// Spec seconds: at speed 10 the five minutes pass in 30 s of timestamps.
    #[test]
    fn the_spam_filter_refills_in_spec_time() {
        let mut c = Correlator::default();
        let e = ev("web-0", "Unhealthy", "Readiness probe failed", "kubelet");
        let r = Recorded { event: &e, host: "" };
        for k in 0..25 {
            assert_ne!(c.correlate(&r, Recorder::Core, Now::new(at(k), 10.0)), Correlated::Skip);
        }
        assert_eq!(c.correlate(&r, Recorder::Core, Now::new(at(25), 10.0)), Correlated::Skip);
        assert_ne!(c.correlate(&r, Recorder::Core, Now::new(at(30), 10.0)), Correlated::Skip);
    }
}
