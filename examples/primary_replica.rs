//! The case study: a replicated MySQL StatefulSet. Ordinal 0 is the primary and accepts
//! writes; the replicas refuse them and serve reads; a row written to mysql-0 reaches every
//! replica and `mysql-read`; mysql-0 comes back after deletion with its claim and data, and
//! replication resumes. Real MySQL containers: kind only.
//!
//! cargo run --example primary_replica [-- --lang ko] [-- --timeline FILE.svg]

#[macro_use]
extern crate examples_support as support;

use anyhow::{Result, bail};
use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::{ConfigMap, PersistentVolumeClaim, Pod, Secret, Service};
use kube::ResourceExt;
use kube::api::DeleteParams;
use kube::runtime::wait::await_condition;
use std::process::ExitCode;
use std::time::{Duration, Instant};
use support::{Example, Needs, PodState};

const SECRET: &str = include_str!("../manifests/case-study-database/mysql-secret.yaml");
const CONFIG: &str = include_str!("../manifests/case-study-database/mysql-configmap.yaml");
const SERVICES: &str = include_str!("../manifests/case-study-database/mysql-services.yaml");
const SET: &str = include_str!("../manifests/case-study-database/mysql-statefulset.yaml");

fn main() -> ExitCode {
    support::run(
        "primary_replica",
        ("A primary and two replicas: writes to ordinal 0, reads anywhere", "프라이머리 하나와 레플리카 둘: 쓰기는 순번 0에, 읽기는 어디서나"),
        Needs { storage: true, kind_only: true, ..Needs::default() },
        primary_replica,
    )
}

/// Run one SQL statement with the `mysql` client in `pod`'s mysql container, against `host`
/// (`127.0.0.1` for the pod's own server, or a service name). Output without headers.
async fn sql(ex: &Example, pod: &str, host: &str, query: &str) -> Result<String> {
    let script = r#"MYSQL_PWD="$MYSQL_ROOT_PASSWORD" exec mysql -h "$1" -uroot -N -B -e "$2""#;
    Ok(ex.exec(pod, Some("mysql"), &["sh", "-c", script, "sql", host, query]).await?.trim().to_string())
}

/// Ask until the answer is `want` (replication and DNS take a moment).
async fn sql_until(ex: &Example, pod: &str, host: &str, query: &str, want: &str, secs: u64) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let got = sql(ex, pod, host, query).await.unwrap_or_else(|e| format!("{e:#}"));
        if got == want {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!(tr!(ex.lang, "in {pod}, `{query}` against {host} answered {got:?}, expected {want:?} (waited {secs} s)", "{secs}초를 기다렸지만 {pod} 파드에서 {host}에 보낸 `{query}`의 답이 기대와 다르다. 기대: {want:?}, 실제: {got:?}"));
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
}

// ANCHOR: main
async fn primary_replica(ex: Example) -> Result<()> {
    let lang = ex.lang;
    ex.say(tr!(lang, "Creating the Secret, the ConfigMap, services mysql (headless) and mysql-read, and StatefulSet mysql", "시크릿, 컨피그맵, mysql(헤드리스)·mysql-read 서비스, mysql 스테이트풀셋을 만든다"));
    ex.create(&support::load::<Secret>(SECRET, None)?).await?;
    ex.create(&support::load::<ConfigMap>(CONFIG, None)?).await?;
    ex.create(&support::load::<Service>(SERVICES, Some("mysql"))?).await?;
    ex.create(&support::load::<Service>(SERVICES, Some("mysql-read"))?).await?;
    ex.create(&support::load::<StatefulSet>(SET, None)?).await?;
    let sets = ex.api::<StatefulSet>();
    ex.within(tr!(lang, "3 Ready MySQL pods (first start initialises each data directory)", "MySQL 파드 3개가 Ready가 되기 (첫 시작에 데이터 디렉터리를 초기화한다)"), 420, await_condition(sets, "mysql", support::set_ready(3))).await?;

    // The replication sidecar switches the replicas to super_read_only once they are up.
    for replica in ["mysql-1", "mysql-2"] {
        sql_until(&ex, replica, "127.0.0.1", "SELECT @@global.super_read_only", "1", 120).await?;
    }
    ex.say(tr!(lang, "mysql-1 and mysql-2 are read-only replicas", "mysql-1과 mysql-2는 읽기 전용 레플리카다"));

    sql(&ex, "mysql-0", "127.0.0.1", "CREATE DATABASE IF NOT EXISTS book; CREATE TABLE IF NOT EXISTS book.notes (id INT PRIMARY KEY, msg VARCHAR(100)); REPLACE INTO book.notes VALUES (1, 'written to mysql-0')").await?;
    ex.say(tr!(lang, "Wrote row 1 on mysql-0, the primary", "프라이머리 mysql-0에 1번 행을 썼다"));

    match sql(&ex, "mysql-1", "127.0.0.1", "INSERT INTO book.notes VALUES (99, 'written to a replica')").await {
        Ok(_) => bail!(tr!(lang, "mysql-1 accepted a write: it is not a read-only replica", "mysql-1이 쓰기를 받아들였다: 읽기 전용 레플리카가 아니다")),
        Err(e) if format!("{e:#}").contains("read-only") || format!("{e:#}").contains("read_only") => {
            ex.say(tr!(lang, "Checked: mysql-1 refused the write (super-read-only)", "확인: mysql-1이 쓰기를 거부했다 (super-read-only)"))
        }
        Err(e) => return Err(e),
    }

    let row1 = "SELECT msg FROM book.notes WHERE id = 1";
    for replica in ["mysql-1", "mysql-2"] {
        sql_until(&ex, replica, "127.0.0.1", row1, "written to mysql-0", 60).await?;
    }
    ex.say(tr!(lang, "Checked: row 1 reached mysql-1 and mysql-2", "확인: 1번 행이 mysql-1과 mysql-2에 복제되었다"));

    // Clients find the primary by its stable name and read through the load-balanced service.
    sql(&ex, "mysql-2", "mysql-0.mysql", "INSERT INTO book.notes VALUES (2, 'written through mysql-0.mysql')").await?;
    sql_until(&ex, "mysql-1", "mysql-read", "SELECT msg FROM book.notes WHERE id = 2", "written through mysql-0.mysql", 60).await?;
    ex.say(tr!(lang, "Checked: a write through mysql-0.mysql is readable through mysql-read", "확인: mysql-0.mysql로 쓴 행을 mysql-read로 읽을 수 있다"));

    // The primary is replaced: same claim, same data, and the replicas follow it again.
    let claims = ex.api::<PersistentVolumeClaim>();
    let claim_uid = claims.get("mysql-store-mysql-0").await?.uid();
    let old_uid = ex.rec.lock().pods["mysql-0"].uid.clone();
    ex.say(tr!(lang, "Deleting pod mysql-0", "mysql-0 파드를 지운다"));
    ex.api::<Pod>().delete("mysql-0", &DeleteParams::default()).await?;
    ex.wait_until(tr!(lang, "a new mysql-0 to be Ready", "새 mysql-0 파드가 Ready가 되기"), 300, |s| {
        s.pods.get("mysql-0").is_some_and(|p| p.uid != old_uid && p.state == Some(PodState::Ready))
    })
    .await?;
    if claims.get("mysql-store-mysql-0").await?.uid() != claim_uid {
        bail!(tr!(lang, "the new mysql-0 has a different claim", "새 mysql-0의 클레임이 다르다"));
    }
    sql_until(&ex, "mysql-0", "127.0.0.1", row1, "written to mysql-0", 60).await?;
    sql(&ex, "mysql-0", "127.0.0.1", "REPLACE INTO book.notes VALUES (3, 'written after the restart')").await?;
    sql_until(&ex, "mysql-1", "127.0.0.1", "SELECT msg FROM book.notes WHERE id = 3", "written after the restart", 120).await?;
    ex.say(tr!(lang, "Checked: the new mysql-0 kept its claim and data, and mysql-1 replicates from it again", "확인: 새 mysql-0은 클레임과 데이터를 그대로 가졌고, mysql-1은 다시 mysql-0에서 복제한다"));
    Ok(())
}
// ANCHOR_END: main
