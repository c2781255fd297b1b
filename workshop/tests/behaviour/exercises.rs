//! Every solution passes its check, every starter fails it helpfully, and every known-wrong
//! answer fails it (a wrong answer that passes is a failing test), on a lab cluster started
//! in-process and run 50 times faster than real time. No Docker, no kind. The checks of one
//! exercise share a namespace, so one test runs them one after the other; the six exercises
//! run in parallel. Nothing here depends on timing: every wait in a check has a deadline and
//! every assertion is on what the check reported.

use std::sync::OnceLock;
use workshop::catalogue;
use workshop::checks::Code;
use workshop::cluster::ClusterKind;
use workshop::lang::Lang;
use workshop::report::Report;
use workshop::{Answer, Keep, code};

// The starters as committed, each compiled here as the exercise's own program compiles it.
#[path = "../../src/exercises/ex1_writer.rs"]
mod ex1_writer;
#[path = "../../src/exercises/ex2_own_claims.rs"]
mod ex2_own_claims;
#[path = "../../src/exercises/ex3_peers.rs"]
mod ex3_peers;
#[path = "../../src/exercises/ex4_canary.rs"]
mod ex4_canary;
#[path = "../../src/exercises/ex5_keep_claims.rs"]
mod ex5_keep_claims;
#[allow(dead_code)]
#[path = "../../src/exercises/ex6_rescue.rs"]
mod ex6_rescue;

/// Known-wrong answers: the mistakes a room makes, each of which must fail its check.
#[path = "wrong/mod.rs"]
mod wrong;

/// The solution's `peer_names`, for wrong answers whose mistake is elsewhere.
mod ex3_solution_names {
    pub use workshop::solutions::ex3_peers::peer_names;
}

fn lab() -> &'static lab::Lab {
    static LAB: OnceLock<lab::Lab> = OnceLock::new();
    LAB.get_or_init(|| lab::Lab::start(lab::LabConfig { speed: 50.0, ..Default::default() }).expect("the lab cluster starts"))
}

async fn check(id: &str, answer: Answer, lang: Lang) -> Report {
    let ex = catalogue::find(id).expect("exercise exists");
    workshop::check_in(ex, answer, lang, lab().client(), ClusterKind::Lab, false, Keep::Never).await.0
}

/// What no participant should read: Rust's debug dumps of API errors and of options (a fix
/// line may show code, `Some("None".into())`; what the check saw may not be `Some([...])`).
fn assert_readable(rep: &Report, what: &str) {
    let text = rep.text();
    for dump in ["Status {", "ErrorResponse", "ApiError:", "panicked at"] {
        assert!(!text.contains(dump), "{what}: the report shows {dump:?}:\n{text}");
    }
    let seen: Vec<&str> = text.lines().filter(|l| !l.starts_with("  → ")).collect();
    assert!(!seen.iter().any(|l| l.contains("Some(")), "{what}: the report shows a Rust Option:\n{text}");
}

/// The starter fails on its `todo!()` with the file, the function and the hint command.
async fn starter_fails(id: &str, code: Code) {
    let ex = catalogue::find(id).unwrap();
    let rep = check(id, Answer::participant(ex, code), Lang::En).await;
    let text = rep.text();
    assert!(!rep.passed(), "the starter of {id} passes its check:\n{text}");
    assert!(!rep.env_problem, "the starter of {id} was blamed on the environment:\n{text}");
    let failure = rep.failures().join("\n");
    assert!(failure.contains("todo!()") && failure.contains(ex.file), "the starter of {id} fails without pointing at its todo!():\n{text}");
    assert!(text.contains(&format!("cargo run -p workshop -- hint {id}")), "the starter's failure of {id} names no hint:\n{text}");
    assert_readable(&rep, id);
}

/// The solution passes, in English and in Korean (same checks, other words).
async fn solution_passes(id: &str) {
    let ex = catalogue::find(id).unwrap();
    for lang in [Lang::En, Lang::Ko] {
        let rep = check(id, Answer::solution(ex), lang).await;
        assert!(rep.passed(), "the solution of {id} fails its check ({lang:?}):\n{}", rep.text());
        assert!(rep.passes() >= 3, "the check of {id} checks too little:\n{}", rep.text());
        assert_readable(&rep, id);
        if lang == Lang::Ko {
            assert!(rep.text().chars().any(|c| ('가'..='힣').contains(&c)), "the Korean report of {id} has no Korean:\n{}", rep.text());
        }
    }
}

/// A known-wrong answer fails, and the failure says `expect` (English) or `expect_ko`.
async fn wrong_fails(id: &str, name: &str, code: Code, lang: Lang, expect: &str) {
    let rep = check(id, Answer { code, file: "workshop/tests/wrong/mod.rs" }, lang).await;
    let text = rep.text();
    assert!(!rep.passed(), "the known-wrong answer {id}/{name} passes its check:\n{text}");
    assert!(!rep.env_problem, "{id}/{name} was blamed on the environment:\n{text}");
    let failure = rep.failures().join("\n");
    assert!(failure.contains(expect), "{id}/{name}: the failure does not say {expect:?}:\n{text}");
    assert_readable(&rep, &format!("{id}/{name}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writer() {
    starter_fails("writer", code!(writer, ex1_writer)).await;
    solution_passes("writer").await;
    // Fails at once, before anything is created: the selector's outcome is known from the labels.
    wrong_fails("writer", "app label only", code!(writer, wrong::writer_all_pods), Lang::En, "matches web-0, web-1, web-2, not web-0 alone").await;
    wrong_fails("writer", "a label key no pod has", code!(writer, wrong::writer_made_up_key), Lang::En, "no pod of web has the label pod-name").await;
    wrong_fails("writer", "a label key no pod has (Korean)", code!(writer, wrong::writer_made_up_key), Lang::Ko, "pod-name 레이블이 없으므로").await;
    wrong_fails("writer", "no port", code!(writer, wrong::writer_no_port), Lang::En, "the API server refused your Service: Service \"web-writer\" is invalid").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn own_claims() {
    starter_fails("own-claims", code!(own_claims, ex2_own_claims)).await;
    solution_passes("own-claims").await;
    wrong_fails("own-claims", "one shared claim", code!(own_claims, wrong::claims_shared), Lang::En, "every pod would share that one claim").await;
    wrong_fails("own-claims", "ReadWriteMany", code!(own_claims, wrong::claims_read_write_many), Lang::En, "access modes ReadWriteMany, size 1Gi").await;
    wrong_fails("own-claims", "not mounted", code!(own_claims, wrong::claims_not_mounted), Lang::En, "does not mount www at /usr/share/nginx/html (mounts: -)").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn peers() {
    starter_fails("peers", code!(peers, ex3_peers)).await;
    solution_passes("peers").await;
    wrong_fails("peers", "not headless", code!(peers, wrong::peers_not_headless), Lang::En, "not headless (clusterIP: -)").await;
    wrong_fails("peers", "named after the set", code!(peers, wrong::peers_named_web), Lang::En, "the Service is called \"web\"").await;
    wrong_fails("peers", "short names", code!(peers, wrong::peers_short_names), Lang::En, "expected web-0.nginx.sts-workshop-peers.svc.cluster.local, got web-0.nginx").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn canary() {
    starter_fails("canary", code!(canary, ex4_canary)).await;
    solution_passes("canary").await;
    // The order hint 3 warns about: the image first, the partition a moment later. The pods
    // may look right afterwards; the versions of the set show what the controller was given.
    wrong_fails("canary", "image, then partition", code!(canary, wrong::canary_image_first), Lang::En, "held the new image while its partition was 0").await;
    wrong_fails("canary", "image only", code!(canary, wrong::canary_image_only), Lang::En, "held the new image while its partition was 0").await;
    wrong_fails("canary", "partition only", code!(canary, wrong::canary_partition_only), Lang::En, "the pod template still runs nginx:1.27-alpine").await;
    wrong_fails("canary", "image, then partition (Korean)", code!(canary, wrong::canary_image_first), Lang::Ko, "파티션이 0인 동안").await;

    // After a failure the namespace stays, with what the ✘ line is about (on a cluster that
    // outlives the check); the next check of the exercise removes it first.
    let ex = catalogue::find("canary").unwrap();
    let answer = Answer { code: code!(canary, wrong::canary_image_first), file: "workshop/tests/wrong/mod.rs" };
    let (rep, _) = workshop::check_in(ex, answer, Lang::En, lab().client(), ClusterKind::Lab, false, Keep::OnFailure).await;
    assert!(!rep.passed());
    let sets: kube::Api<k8s_openapi::api::apps::v1::StatefulSet> = kube::Api::namespaced(lab().client(), "sts-workshop-canary");
    assert!(sets.get_opt("web").await.unwrap().is_some(), "the failed check's namespace was not kept");
    let rep = check("canary", Answer::solution(ex), Lang::En).await;
    assert!(rep.passed(), "a kept namespace stands in the way of the next check:\n{}", rep.text());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keep_claims() {
    starter_fails("keep-claims", code!(keep_claims, ex5_keep_claims)).await;
    solution_passes("keep-claims").await;
    wrong_fails("keep-claims", "scale only", code!(keep_claims, wrong::keep_scale_only), Lang::En, "the scale-down is deleting claims").await;
    wrong_fails("keep-claims", "retention only", code!(keep_claims, wrong::keep_retention_only), Lang::En, "still asks for 3 pods").await;
    wrong_fails("keep-claims", "delete the set", code!(keep_claims, wrong::keep_delete_set), Lang::En, "the StatefulSet cache is gone").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rescue() {
    starter_fails("rescue", code!(rescue, ex6_rescue)).await;
    solution_passes("rescue").await;
    // The API server's answer, once, in its own words, and what it means for this exercise.
    let rep = check("rescue", Answer { code: code!(rescue, wrong::rescue_replace), file: "workshop/tests/wrong/mod.rs" }, Lang::En).await;
    let text = rep.text();
    assert!(!rep.passed(), "{text}");
    assert_eq!(text.matches("updates to statefulset spec for fields other than").count(), 1, "the server's message, once:\n{text}");
    assert!(text.contains("cannot be changed on an existing set: delete the set"), "{text}");
    assert_readable(&rep, "rescue/replace");
    // As kind refuses it: a set created from the object read (resourceVersion still set).
    wrong_fails("rescue", "create from the fetched object", code!(rescue, wrong::rescue_reuse_object), Lang::En, "resourceVersion should not be set on objects to be created").await;
    wrong_fails("rescue", "old claim left", code!(rescue, wrong::rescue_keep_claim), Lang::En, "after rescue, claims still ask for linode-block-storage-retain: www-web-0").await;
    wrong_fails("rescue", "old claim left (Korean)", code!(rescue, wrong::rescue_keep_claim), Lang::Ko, "linode-block-storage-retain 클래스를 요구하는 클레임이 있습니다: www-web-0").await;
}
