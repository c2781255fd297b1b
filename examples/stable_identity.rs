//! A StatefulSet pod's identity survives its deletion: the new pod has the same name,
//! hostname, DNS name and claim, and a new UID (and usually a new IP).
//!
//! cargo run --example stable_identity [-- --lang ko] [-- --timeline FILE.svg]

#[macro_use]
extern crate examples_support as support;

use anyhow::{Result, bail};
use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::{PersistentVolumeClaim, Pod, Service};
use kube::ResourceExt;
use kube::api::DeleteParams;
use kube::runtime::wait::await_condition;
use std::process::ExitCode;
use support::{Example, Needs, PodState};

const MANIFEST: &str = include_str!("../manifests/volume-claim-templates/web-with-storage.yaml");

fn main() -> ExitCode {
    support::run(
        "stable_identity",
        ("A replaced pod keeps its name, hostname, DNS name and claim", "다시 만들어진 파드는 이름, 호스트네임, DNS 이름, 클레임을 그대로 가진다"),
        Needs { storage: true, ..Needs::default() },
        stable_identity,
    )
}

/// What identifies web-1, as seen from the API and from inside the pod.
#[derive(Debug, PartialEq)]
struct Identity {
    name: String,
    hostname: String,
    dns_name: String,
    claim: String,
    claim_uid: String,
    uid: String,
    ip: String,
}

async fn identity(ex: &Example, name: &str) -> Result<Identity> {
    let pod: Pod = ex.api::<Pod>().get(name).await?;
    let spec = pod.spec.clone().unwrap_or_default();
    // The container's hostname comes from spec.hostname; ask the container itself where we can.
    let hostname = match ex.exec(name, None, &["hostname"]).await {
        Ok(out) => out.trim().to_string(),
        Err(_) if ex.is_lab() => {
            ex.say(tr!(ex.lang, "(the lab cluster cannot exec yet: hostname read from spec.hostname)", "(랩 클러스터는 아직 exec를 못 한다: 호스트네임을 spec.hostname에서 읽는다)"));
            spec.hostname.clone().unwrap_or_default()
        }
        Err(e) => return Err(e),
    };
    let dns_name = format!("{}.{}.{}.svc.cluster.local", spec.hostname.clone().unwrap_or_default(), spec.subdomain.clone().unwrap_or_default(), ex.ns);
    let claim = support::claim_of(&pod, "www").unwrap_or_default();
    let claim_uid = ex.api::<PersistentVolumeClaim>().get(&claim).await?.uid().unwrap_or_default();
    let ip = pod.status.and_then(|s| s.pod_ip).unwrap_or_default();
    Ok(Identity { name: pod.metadata.name.unwrap_or_default(), hostname, dns_name, claim, claim_uid, uid: pod.metadata.uid.unwrap_or_default(), ip })
}

// ANCHOR: main
async fn stable_identity(ex: Example) -> Result<()> {
    let lang = ex.lang;
    let service: Service = support::load(MANIFEST, None)?;
    let set: StatefulSet = support::load(MANIFEST, None)?;
    ex.create(&service).await?;
    ex.say(tr!(lang, "Creating StatefulSet web (3 replicas, one claim each)", "web 스테이트풀셋을 만든다 (레플리카 3개, 각각 클레임 하나)"));
    ex.create(&set).await?;
    let sets = ex.api::<StatefulSet>();
    ex.within(tr!(lang, "3 Ready pods of web", "web의 파드 3개가 Ready가 되기"), 180, await_condition(sets, "web", support::set_ready(3))).await?;

    let before = identity(&ex, "web-1").await?;
    ex.say(tr!(
        lang,
        "web-1: hostname {}, DNS name {}, claim {}, uid {}, IP {}",
        "web-1: 호스트네임 {}, DNS 이름 {}, 클레임 {}, uid {}, IP {}",
        before.hostname,
        before.dns_name,
        before.claim,
        before.uid,
        before.ip
    ));
    ex.say(tr!(lang, "Deleting pod web-1", "web-1 파드를 지운다"));
    ex.api::<Pod>().delete("web-1", &DeleteParams::default()).await?;
    let old_uid = before.uid.clone();
    ex.wait_until(tr!(lang, "a new web-1 to be Ready", "새 web-1 파드가 Ready가 되기"), 180, |s| {
        s.pods.get("web-1").is_some_and(|p| p.uid != old_uid && p.state == Some(PodState::Ready))
    })
    .await?;
    let after = identity(&ex, "web-1").await?;
    ex.say(tr!(
        lang,
        "new web-1: hostname {}, DNS name {}, claim {}, uid {}, IP {}",
        "새 web-1: 호스트네임 {}, DNS 이름 {}, 클레임 {}, uid {}, IP {}",
        after.hostname,
        after.dns_name,
        after.claim,
        after.uid,
        after.ip
    ));

    let same = [
        (lang.pick("name", "이름"), &before.name, &after.name),
        (lang.pick("hostname", "호스트네임"), &before.hostname, &after.hostname),
        (lang.pick("DNS name", "DNS 이름"), &before.dns_name, &after.dns_name),
        (lang.pick("claim", "클레임"), &before.claim, &after.claim),
        (lang.pick("claim uid", "클레임 UID"), &before.claim_uid, &after.claim_uid),
    ];
    for (what, b, a) in same {
        if b != a || b.is_empty() {
            let what_changed = support::josa::i(what);
            bail!(tr!(lang, "the {what} changed: {b:?} before, {a:?} after", "{what_changed} 바뀌었다: 이전 {b:?}, 이후 {a:?}"));
        }
    }
    if before.hostname != "web-1" {
        bail!(tr!(lang, "the hostname is {:?}, not the pod's name web-1", "호스트네임이 파드 이름 web-1이 아니다: {:?}", before.hostname));
    }
    if before.uid == after.uid {
        bail!(tr!(lang, "web-1 has the same UID after deletion: it was not replaced", "삭제한 뒤에도 web-1의 UID가 같다: 새로 만들어지지 않았다"));
    }
    ex.say(tr!(lang, "Checked: same name, hostname, DNS name and claim; new UID", "확인: 이름, 호스트네임, DNS 이름, 클레임은 같고 UID는 새것이다"));
    if before.ip == after.ip {
        ex.say(tr!(lang, "The IP happens to be the same this time; nothing guarantees it, so never rely on a pod's IP", "이번에는 IP가 우연히 같다. 보장되는 것이 아니므로 파드 IP에 의존하면 안 된다"));
    } else {
        ex.say(tr!(lang, "The IP changed ({} → {}): clients must use the DNS name", "IP는 바뀌었다 ({} → {}): 클라이언트는 DNS 이름을 써야 한다", before.ip, after.ip));
    }
    Ok(())
}
// ANCHOR_END: main
