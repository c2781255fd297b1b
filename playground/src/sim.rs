//! The playground's runtime: the lab's reconcilers over the lab's store, on one thread and in
//! simulated time, deterministically.
//!
//! The lab server runs one tokio task per reconciler, fed by the store's watch, and sleeps
//! real time for `RequeueAfter`. Here every reconciler has a deduplicating key queue, fed from
//! the same store events (`Reconciler::keys_for`); [`Sim::settle`] takes one key from each
//! queue in turn (round robin) and runs it with `lab_core::runtime::process_key` (the very
//! turn the lab's tasks run) until every queue is empty; `RequeueAfter` and rate-limited
//! retries become timers on the simulated clock, which [`Sim::advance`] fires in time order,
//! settling after each. Nothing reads the wall clock.

use lab_core::clock::Clock;
use lab_core::cluster::kubelet::KubeletConfig;
use lab_core::cluster::node_lifecycle::Kubelets;
use lab_core::cluster::{NodeHost, kind_nodes, nodes, reconcilers};
use lab_core::resources;
use lab_core::runtime::{Reconciler, process_key};
use lab_core::store::{Event as StoreEvent, Store};
use k8s_openapi::jiff::{SignedDuration, Timestamp};
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::time::Duration;

/// Events the store keeps for its history (the playground has no watches to resume).
const HISTORY: usize = 2048;

/// A guard against a reconciler that requeues itself forever without time passing: after
/// this many keys in one settling, the rest waits for the next one.
const MAX_KEYS_PER_SETTLE: usize = 200_000;

#[derive(Default)]
struct KeyQueue {
    order: VecDeque<String>,
    queued: HashSet<String>,
}

impl KeyQueue {
    fn add(&mut self, key: String) {
        if self.queued.insert(key.clone()) {
            self.order.push_back(key);
        }
    }

    fn pop(&mut self) -> Option<String> {
        let k = self.order.pop_front()?;
        self.queued.remove(&k);
        Some(k)
    }
}

/// One simulated cluster: its store, clock and controllers.
pub struct Sim {
    pub store: Arc<Store>,
    /// Which nodes' kubelets run.
    pub kubelets: Arc<Kubelets>,
    pub clock: Clock,
    reconcilers: Vec<Arc<dyn Reconciler>>,
    queues: Vec<KeyQueue>,
    rx: lab_core::store::broadcast::Receiver<Arc<StoreEvent>>,
    /// (when, sequence) → (reconciler, key).
    timers: BTreeMap<(i128, u64), (usize, String)>,
    /// The earliest timer per (reconciler, key): a later one for the same key is not set.
    timer_at: HashMap<(usize, String), i128>,
    seq: u64,
    failures: HashMap<(usize, String), u32>,
}

fn nanos(t: Timestamp) -> i128 {
    t.as_nanosecond()
}

fn at_nanos(n: i128) -> Timestamp {
    Timestamp::from_nanosecond(n).unwrap_or(Timestamp::UNIX_EPOCH)
}

impl Sim {
    /// kind's cluster (`kind-control-plane`, `kind-worker`, `kind-worker2`, the `standard`
    /// StorageClass) on `clock`, with every controller the lab server runs
    /// (`lab_core::cluster::reconcilers`, the list `lab::cluster::run` starts).
    pub fn new(clock: Clock, host: Arc<dyn NodeHost>) -> Sim {
        let store = Arc::new(Store::open(clock.clone(), None, HISTORY).expect("an in-memory store opens"));
        // No server-side apply here, and `state` leaves the field out as kubectl does.
        store.set_managed_fields(false);
        let (_, rx, _) = store.watch_from(&resources::PODS, Some(store.resource_version())).expect("a watch from now");
        nodes::bootstrap(&store, &kind_nodes(2));
        let kubelets = Arc::new(Kubelets::default());
        let reconcilers = reconcilers(host, &KubeletConfig::default(), kubelets.clone());
        let queues = reconcilers.iter().map(|_| KeyQueue::default()).collect();
        let mut sim = Sim { store, kubelets, clock, reconcilers, queues, rx, timers: BTreeMap::new(), timer_at: HashMap::new(), seq: 0, failures: HashMap::new() };
        // The informers' initial lists.
        sim.requeue_everything();
        sim.settle();
        sim
    }

    fn requeue_everything(&mut self) {
        for (i, r) in self.reconcilers.iter().enumerate() {
            for k in r.all_keys(&self.store) {
                self.queues[i].add(k);
            }
        }
    }

    /// The store's changes since the last call, turned into keys (the informers' handlers).
    fn pump(&mut self) {
        use lab_core::store::broadcast::error::TryRecvError;
        let mut keys = Vec::new();
        loop {
            match self.rx.try_recv() {
                Ok(ev) => {
                    for (i, r) in self.reconcilers.iter().enumerate() {
                        r.keys_for(&self.store, &ev, &mut keys);
                        for k in keys.drain(..) {
                            self.queues[i].add(k);
                        }
                    }
                }
                Err(TryRecvError::Lagged(_)) => self.requeue_everything(),
                Err(TryRecvError::Empty) | Err(TryRecvError::Closed) => break,
            }
        }
    }

    /// Queue `key` of reconciler `i` after `d` of simulated time.
    fn add_after(&mut self, i: usize, key: String, d: Duration) {
        if d.is_zero() {
            self.queues[i].add(key);
            return;
        }
        let at = nanos(self.clock.now_precise()) + d.as_nanos() as i128;
        let id = (i, key);
        if self.timer_at.get(&id).is_some_and(|t| *t <= at) {
            return;
        }
        self.timer_at.insert(id.clone(), at);
        self.seq += 1;
        self.timers.insert((at, self.seq), id);
    }

    /// Run queued keys until every queue is empty (or the guard trips). Each reconciler in
    /// turn runs every key queued for it so far, then the changes it made queue more keys: a
    /// controller watching many objects (the garbage collector, the volume controller, the
    /// scheduler's retries) then runs once per turn, not once per change, as the lab's
    /// controllers, busy while changes pile up and deduplicate in their queues, do.
    pub fn settle(&mut self) {
        let mut budget = MAX_KEYS_PER_SETTLE;
        loop {
            self.pump();
            let mut progressed = false;
            for i in 0..self.reconcilers.len() {
                let batch: Vec<String> = std::iter::from_fn(|| self.queues[i].pop()).collect();
                if batch.is_empty() {
                    continue;
                }
                progressed = true;
                let r = self.reconcilers[i].clone();
                for key in batch {
                    let out = process_key(&self.store, &*r, &key);
                    let id = (i, key);
                    if out.retry {
                        // Upstream's per-item exponential backoff: 5ms doubling, at most 1000s.
                        let n = self.failures.entry(id.clone()).or_default();
                        *n += 1;
                        let delay = Duration::from_millis(5).saturating_mul(1u32 << (*n - 1).min(20)).min(Duration::from_secs(1000));
                        self.add_after(i, id.1.clone(), delay);
                    } else if out.forget {
                        self.failures.remove(&id);
                    }
                    if let Some(d) = out.requeue_after {
                        self.add_after(i, id.1, d);
                    }
                    budget = budget.saturating_sub(1);
                }
                self.pump();
                if budget == 0 {
                    return;
                }
            }
            if !progressed {
                return;
            }
        }
    }

    /// Move simulated time forward by `d`, firing every timer due on the way in time order
    /// and settling after each.
    pub fn advance(&mut self, d: Duration) {
        let target = nanos(self.clock.now_precise()) + d.as_nanos() as i128;
        self.settle();
        while let Some((&(at, seq), _)) = self.timers.iter().next() {
            if at > target {
                break;
            }
            self.clock.set(at_nanos(at));
            // Every timer due at this instant.
            while let Some((&(t, s), _)) = self.timers.iter().next() {
                if t > at {
                    break;
                }
                let (i, key) = self.timers.remove(&(t, s)).expect("present");
                if self.timer_at.get(&(i, key.clone())) == Some(&t) {
                    self.timer_at.remove(&(i, key.clone()));
                }
                self.queues[i].add(key);
            }
            let _ = seq;
            self.settle();
        }
        self.clock.set(at_nanos(target));
        self.settle();
    }

    /// Simulated time since `start`, in seconds.
    pub fn seconds_since(&self, start: Timestamp) -> f64 {
        let d: SignedDuration = self.clock.now_precise().duration_since(start);
        d.as_secs_f64()
    }
}
