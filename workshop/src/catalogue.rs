//! The exercises: their ids, chapters, files and hints, in both languages.

/// One exercise.
#[derive(Debug)]
pub struct Exercise {
    /// What the participant types: `cargo run -p workshop -- check <id>`.
    pub id: &'static str,
    pub number: u8,
    pub title: (&'static str, &'static str),
    /// The chapter it belongs to (a file in the book's `src/`).
    pub chapter: &'static str,
    /// The file the participant edits.
    pub file: &'static str,
    /// The solution's file.
    pub solution: &'static str,
    /// The program that compiles `file` on its own (`src/bin/<program>.rs`): an unfinished
    /// exercise stops only its own check.
    pub program: &'static str,
    /// Hints, from gentle to nearly the answer: (English, Korean).
    pub hints: &'static [(&'static str, &'static str)],
}

pub const ALL: &[Exercise] = &[
    Exercise {
        id: "writer",
        number: 1,
        title: ("Make ordinal 0 the writer", "순번 0을 쓰기 담당으로 만들기"),
        chapter: "ordinal-pods.md",
        file: "workshop/src/exercises/ex1_writer.rs",
        solution: "workshop/solutions/ex1_writer.rs",
        program: "ex1_writer",
        hints: &[
            ("A Service sends traffic to the pods its selector matches. `app: web` matches all three.", "서비스는 셀렉터가 고르는 파드로 트래픽을 보낸다. `app: web`은 세 파드를 모두 고른다."),
            ("The StatefulSet controller adds a label to every pod whose value is the pod's own name.", "스테이트풀셋 컨트롤러는 모든 파드에 파드 자신의 이름을 값으로 하는 레이블을 붙인다."),
            ("Select `statefulset.kubernetes.io/pod-name: web-0` (together with `app: web`), port 80.", "`app: web`과 함께 `statefulset.kubernetes.io/pod-name: web-0`을 고르고, 포트는 80이다."),
        ],
    },
    Exercise {
        id: "own-claims",
        number: 2,
        title: ("Give each pod its own claim", "파드마다 자기 클레임 주기"),
        chapter: "volume-claim-templates.md",
        file: "workshop/src/exercises/ex2_own_claims.rs",
        solution: "workshop/solutions/ex2_own_claims.rs",
        program: "ex2_own_claims",
        hints: &[
            ("A `persistentVolumeClaim` volume in the pod template names one claim that every pod shares. You want a template instead.", "파드 템플릿의 `persistentVolumeClaim` 볼륨은 모든 파드가 함께 쓰는 클레임 하나를 가리킨다. 필요한 것은 템플릿이다."),
            ("Push a `PersistentVolumeClaim` named `www` onto `spec.volume_claim_templates` (ReadWriteOnce, requests storage 1Gi).", "이름이 `www`인 `PersistentVolumeClaim`을 `spec.volume_claim_templates`에 넣는다 (ReadWriteOnce, storage 요청 1Gi)."),
            ("Then mount it: a `VolumeMount` named `www` at `/usr/share/nginx/html` in `containers[0]`. No entry under `volumes`.", "그리고 마운트한다: `containers[0]`에 이름 `www`, 경로 `/usr/share/nginx/html`인 `VolumeMount`. `volumes`에는 아무것도 넣지 않는다."),
        ],
    },
    Exercise {
        id: "peers",
        number: 3,
        title: ("Find every peer through DNS", "DNS로 모든 피어 찾기"),
        chapter: "headless-services.md",
        file: "workshop/src/exercises/ex3_peers.rs",
        solution: "workshop/solutions/ex3_peers.rs",
        program: "ex3_peers",
        hints: &[
            ("Pods get DNS names only under the Service named in the set's `spec.serviceName`.", "파드는 스테이트풀셋의 `spec.serviceName`에 적힌 서비스 아래에서만 DNS 이름을 얻는다."),
            ("That Service must be headless: `cluster_ip: Some(\"None\".into())`, selecting the set's pod labels.", "그 서비스는 헤드리스여야 한다: `cluster_ip: Some(\"None\".into())`, 스테이트풀셋의 파드 레이블을 고른다."),
            ("Each name is `<set>-<ordinal>.<serviceName>.<namespace>.svc.cluster.local`, for ordinals `start .. start + replicas`.", "각 이름은 `<set>-<ordinal>.<serviceName>.<namespace>.svc.cluster.local`이고, 순번은 `start .. start + replicas`이다."),
        ],
    },
    Exercise {
        id: "canary",
        number: 4,
        title: ("Stage a canary with partition", "파티션으로 카나리 배포하기"),
        chapter: "updates.md",
        file: "workshop/src/exercises/ex4_canary.rs",
        solution: "workshop/solutions/ex4_canary.rs",
        program: "ex4_canary",
        hints: &[
            ("A rolling update replaces pods from the highest ordinal down, and only those with an ordinal at or above `partition`.", "롤링 업데이트는 가장 높은 순번부터 내려가며 파드를 바꾸고, 순번이 `partition` 이상인 파드만 바꾼다."),
            ("With 3 replicas, `spec.updateStrategy.rollingUpdate.partition: 2` updates `web-2` only.", "레플리카가 3개면 `spec.updateStrategy.rollingUpdate.partition: 2`는 `web-2`만 업데이트한다."),
            ("Set the partition before the image, or both in one write (`get`, change both, `replace`): otherwise the roll-out goes on to `web-1`.", "이미지보다 파티션을 먼저 바꾸거나, 둘을 한 번에 쓴다 (`get`, 둘 다 바꾸고 `replace`). 그렇지 않으면 롤아웃이 `web-1`까지 이어진다."),
        ],
    },
    Exercise {
        id: "keep-claims",
        number: 5,
        title: ("Keep claims through a scale to zero", "0으로 스케일해도 클레임 지키기"),
        chapter: "volume-claim-templates.md",
        file: "workshop/src/exercises/ex5_keep_claims.rs",
        solution: "workshop/solutions/ex5_keep_claims.rs",
        program: "ex5_keep_claims",
        hints: &[
            ("Look at the set's `persistentVolumeClaimRetentionPolicy` before you scale.", "스케일하기 전에 스테이트풀셋의 `persistentVolumeClaimRetentionPolicy`를 본다."),
            ("`whenScaled: Delete` deletes the claim of each pod a scale-down removes; `Retain` keeps it. The field can be changed on a running set.", "`whenScaled: Delete`는 스케일 다운으로 없어지는 파드의 클레임을 지우고, `Retain`은 남긴다. 이 필드는 실행 중인 스테이트풀셋에서 바꿀 수 있다."),
            ("One merge patch: `{\"spec\": {\"persistentVolumeClaimRetentionPolicy\": {\"whenScaled\": \"Retain\"}, \"replicas\": 0}}`; resume by patching `replicas` back.", "병합 패치 하나: `{\"spec\": {\"persistentVolumeClaimRetentionPolicy\": {\"whenScaled\": \"Retain\"}, \"replicas\": 0}}`. 재개할 때는 `replicas`를 다시 패치한다."),
        ],
    },
    Exercise {
        id: "rescue",
        number: 6,
        title: ("Rescue a StatefulSet stuck on a missing StorageClass", "없는 스토리지클래스에 막힌 스테이트풀셋 구하기"),
        chapter: "volume-claim-templates.md",
        file: "workshop/src/exercises/ex6_rescue.rs",
        solution: "workshop/solutions/ex6_rescue.rs",
        program: "ex6_rescue",
        hints: &[
            ("`kubectl describe pvc www-web-0` says why the claim is Pending. The API server refuses any change to `volumeClaimTemplates`.", "`kubectl describe pvc www-web-0`이 클레임이 Pending인 이유를 알려 준다. API 서버는 `volumeClaimTemplates`의 변경을 모두 거부한다."),
            ("So: read the set, delete it, wait until it and its pods are gone, and create it again with `storage_class_name: Some(\"standard\".into())`.", "그러니 스테이트풀셋을 읽고, 지우고, 스테이트풀셋과 파드가 사라질 때까지 기다린 뒤 `storage_class_name: Some(\"standard\".into())` 설정으로 다시 만든다."),
            ("The old claim `www-web-0` survives the set and still asks for the missing class: delete it too (it is Pending, so it holds no data) before you create the set again.", "옛 클레임 `www-web-0`은 스테이트풀셋이 지워져도 남고 여전히 없는 클래스를 요구한다. 스테이트풀셋을 다시 만들기 전에 이것도 지운다 (Pending이므로 데이터가 없다)."),
        ],
    },
];

/// An exercise by id (`own-claims`), number (`2`) or file stem (`ex2_own_claims`).
pub fn find(name: &str) -> Option<&'static Exercise> {
    let name = name.trim().to_ascii_lowercase().replace('_', "-");
    ALL.iter().find(|e| {
        e.id == name || e.number.to_string() == name || format!("ex{}", e.number) == name || format!("ex{}-{}", e.number, e.id) == name
    })
}
