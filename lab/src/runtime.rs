//! The lab server's controller runtime: one tokio task per reconciler, fed by the store's
//! watch, with a deduplicating work queue whose delayed adds sleep real time (the simulated
//! delay divided by the cluster's speed). The synchronous part (the [`Reconciler`] trait,
//! [`process_key`], the executor, events) is `lab_core::runtime`, re-exported here.

pub use lab_core::runtime::*;

use crate::clock::Clock;
use crate::resources;
use crate::store::Store;
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;
use tokio::sync::broadcast::error::RecvError;

/// A deduplicating work queue with delayed and rate-limited adds.
pub struct Queue {
    inner: Mutex<QueueInner>,
    notify: Notify,
    clock: Clock,
}

#[derive(Default)]
struct QueueInner {
    order: VecDeque<String>,
    queued: HashSet<String>,
    failures: HashMap<String, u32>,
    /// Keys waiting on a timer, with when (real time) they fire: a later `add_after` for
    /// the same key does not start a second timer.
    timers: HashMap<String, tokio::time::Instant>,
}

impl Queue {
    pub fn new(clock: Clock) -> Arc<Queue> {
        Arc::new(Queue { inner: Mutex::new(QueueInner::default()), notify: Notify::new(), clock })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, QueueInner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn add(&self, key: String) {
        let mut q = self.lock();
        if q.queued.insert(key.clone()) {
            q.order.push_back(key);
            drop(q);
            self.notify.notify_one();
        }
    }

    /// Queue `key` after `simulated` time has passed (upstream `AddAfter`).
    pub fn add_after(self: &Arc<Self>, key: String, simulated: Duration) {
        let real = self.clock.real_duration(simulated);
        if real.is_zero() {
            return self.add(key);
        }
        let at = tokio::time::Instant::now() + real;
        {
            let mut q = self.lock();
            if q.timers.get(&key).is_some_and(|t| *t <= at) {
                return;
            }
            q.timers.insert(key.clone(), at);
        }
        let me = self.clone();
        tokio::spawn(async move {
            tokio::time::sleep_until(at).await;
            let mut q = me.lock();
            if q.timers.get(&key) == Some(&at) {
                q.timers.remove(&key);
            }
            drop(q);
            me.add(key);
        });
    }

    /// Queue `key` after its backoff: 5ms doubling per consecutive failure, capped at 1000s
    /// (upstream `DefaultControllerRateLimiter`'s per-item exponential limiter).
    pub fn add_rate_limited(self: &Arc<Self>, key: String) {
        let n = {
            let mut q = self.lock();
            let n = q.failures.entry(key.clone()).or_default();
            *n += 1;
            *n
        };
        let delay = Duration::from_millis(5).saturating_mul(1u32 << (n - 1).min(20)).min(Duration::from_secs(1000));
        // Backoff is real time upstream; keep it real here too, so conflicts retry quickly.
        let me = self.clone();
        tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            me.add(key);
        });
    }

    /// The key succeeded: reset its backoff (upstream `Forget`).
    pub fn forget(&self, key: &str) {
        self.lock().failures.remove(key);
    }

    /// The next key, waiting for one.
    pub async fn next(&self) -> String {
        loop {
            let notified = self.notify.notified();
            {
                let mut q = self.lock();
                if let Some(k) = q.order.pop_front() {
                    q.queued.remove(&k);
                    return k;
                }
            }
            notified.await;
        }
    }
}

/// Run `r` until the store goes away: initial keys, then keys from changes.
pub async fn run(store: Arc<Store>, r: Arc<dyn Reconciler>) {
    let queue = Queue::new(store.clock().clone());
    // Subscribe before listing so no change falls between the list and the watch.
    let Ok((_, mut rx, _)) = store.watch_from(&resources::PODS, Some(store.resource_version())) else { return };
    for k in r.all_keys(&store) {
        queue.add(k);
    }
    let (s2, r2, q2) = (store.clone(), r.clone(), queue.clone());
    tokio::spawn(async move {
        let mut keys = Vec::new();
        loop {
            match rx.recv().await {
                Ok(ev) => {
                    r2.keys_for(&s2, &ev, &mut keys);
                    for k in keys.drain(..) {
                        q2.add(k);
                    }
                }
                Err(RecvError::Lagged(_)) => {
                    for k in r2.all_keys(&s2) {
                        q2.add(k);
                    }
                }
                Err(RecvError::Closed) => return,
            }
        }
    });
    loop {
        let key = queue.next().await;
        let out = process_key(&store, &*r, &key);
        if out.retry {
            queue.add_rate_limited(key.clone());
        } else if out.forget {
            queue.forget(&key);
        }
        if let Some(d) = out.requeue_after {
            queue.add_after(key.clone(), d);
        }
        // Let watchers and the server run between keys on the small runtime.
        tokio::task::yield_now().await;
    }
}

