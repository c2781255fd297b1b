//! The runtime's work queue against client-go's delaying queue
//! (`k8s.io/client-go/util/workqueue/delaying_queue.go`), which kube-controller-manager's
//! `enqueueSSAfter` (the StatefulSet controller's requeue after `minReadySeconds`) uses.

use lab::clock::Clock;
use lab::runtime::Queue;
use std::time::{Duration, Instant};
use tokio::time::timeout;

/// Spec seconds pass 100 times faster: 1 s of a spec is 10 ms.
fn queue() -> std::sync::Arc<Queue> {
    Queue::new(Clock::new(100.0))
}

#[tokio::test]
async fn add_after_while_an_earlier_one_is_pending_is_dropped_as_the_delaying_queue_insert_does() {
    let q = queue();
    let start = Instant::now();
    // The sync that created shard-3 asks for 5 s; the one at shard-3's Ready, later, for 5 s
    // more than that: `insert` keeps the earlier ready time and drops the later one.
    q.add_after("default/shard".into(), Duration::from_secs(5));
    tokio::time::sleep(Duration::from_millis(20)).await;
    q.add_after("default/shard".into(), Duration::from_secs(5));
    let key = timeout(Duration::from_secs(2), q.next()).await.expect("the first delayed add never fired");
    assert_eq!(key, "default/shard");
    let fired = start.elapsed();
    assert!(fired >= Duration::from_millis(45), "fired after {fired:?}, before its 50 ms");
    // The dropped add never comes.
    assert!(timeout(Duration::from_millis(150), q.next()).await.is_err(), "the later add_after was not dropped");
    // A delayed add that fired is gone: the next one is taken.
    q.add_after("default/shard".into(), Duration::from_secs(5));
    assert!(timeout(Duration::from_secs(2), q.next()).await.is_ok(), "a new add_after after the first fired was dropped");
}
