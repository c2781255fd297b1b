//! What a check tells the participant: each thing that is right (✔), the first thing that is
//! still missing (✘) with what to do about it, and a verdict.

use crate::lang::Lang;
use crate::tr;
use futures::FutureExt;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// One line of a check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Item {
    /// Something the participant got right.
    Pass(String),
    /// Something still missing, and what to do about it.
    Fail { what: String, fix: String },
    /// Context (what the checker did, what it skipped and why).
    Note(String),
    /// What the checker is waiting for, and until when; printed at once and then every few
    /// seconds while it waits, so that no wait is silent.
    Wait(String),
}

/// The outcome of one check, in the participant's language.
#[derive(Debug)]
pub struct Report {
    pub lang: Lang,
    pub items: Vec<Item>,
    /// Print each item as it is added (the CLI does; tests do not).
    pub echo: bool,
    /// The environment, not the participant's code, is at fault (exit status 2).
    pub env_problem: bool,
}

/// Returned by a check that cannot go on: the failure is already in the report.
#[derive(Debug)]
pub struct Stop;

pub type Outcome = Result<(), Stop>;

impl Report {
    pub fn new(lang: Lang, echo: bool) -> Report {
        Report { lang, items: Vec::new(), echo, env_problem: false }
    }

    fn push(&mut self, item: Item) {
        if self.echo {
            match &item {
                Item::Pass(m) => println!("  ✔ {m}"),
                Item::Fail { what, fix } => {
                    println!("  ✘ {what}");
                    for line in fix.lines() {
                        println!("    → {line}");
                    }
                }
                Item::Note(m) => println!("  · {m}"),
                Item::Wait(m) => println!("  … {m}"),
            }
        }
        self.items.push(item);
    }

    /// A line while waiting: what for, until when, what is seen so far.
    pub fn progress(&mut self, msg: String) {
        self.push(Item::Wait(msg));
    }

    pub fn pass(&mut self, msg: String) {
        self.push(Item::Pass(msg));
    }

    pub fn note(&mut self, msg: String) {
        self.push(Item::Note(msg));
    }

    /// Record a failure and stop the check.
    pub fn fail(&mut self, what: String, fix: String) -> Stop {
        self.push(Item::Fail { what, fix });
        Stop
    }

    /// `ok` passes with `pass`; otherwise fails with `what` and `fix` and stops.
    pub fn require(&mut self, ok: bool, pass: String, what: String, fix: String) -> Outcome {
        if ok {
            self.pass(pass);
            Ok(())
        } else {
            Err(self.fail(what, fix))
        }
    }

    pub fn passes(&self) -> usize {
        self.items.iter().filter(|i| matches!(i, Item::Pass(_))).count()
    }

    pub fn failures(&self) -> Vec<&str> {
        self.items
            .iter()
            .filter_map(|i| match i {
                Item::Fail { what, .. } => Some(what.as_str()),
                _ => None,
            })
            .collect()
    }

    pub fn passed(&self) -> bool {
        self.failures().is_empty() && self.passes() > 0
    }

    /// All the text of the report, for tests and for `--quiet` callers.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for item in &self.items {
            match item {
                Item::Pass(m) => out += &format!("✔ {m}\n"),
                Item::Fail { what, fix } => out += &format!("✘ {what}\n  → {fix}\n"),
                Item::Note(m) => out += &format!("· {m}\n"),
                Item::Wait(m) => out += &format!("… {m}\n"),
            }
        }
        out
    }

    /// The last line: done, or what is still missing.
    pub fn verdict(&self) -> String {
        let lang = self.lang;
        let n = self.passes();
        if self.passed() {
            tr!(lang, "PASSED: all {n} checks are right. Well done.", "통과: 확인 {n}개가 모두 맞습니다. 잘하셨습니다.").replace("all 1 checks are", "the 1 check is")
        } else {
            let missing = self.failures().join("; ");
            tr!(
                lang,
                "NOT YET: {n} check(s) right; still missing: {missing}\nFix it and run the same command again (the later checks run once this one passes).",
                "미완료: 확인 {n}개는 맞고, 남은 것: {missing}\n고친 뒤 같은 명령을 다시 실행하십시오 (이것이 통과하면 다음 확인이 이어집니다)."
            )
        }
    }
}

/// How many calls into participant code are running: their panics become report lines, so
/// the panic hook installed by [`install_panic_hook`] keeps quiet about them.
static PARTICIPANT_CODE: AtomicUsize = AtomicUsize::new(0);

struct Quiet;

impl Quiet {
    fn new() -> Quiet {
        PARTICIPANT_CODE.fetch_add(1, Ordering::SeqCst);
        Quiet
    }
}

impl Drop for Quiet {
    fn drop(&mut self) {
        PARTICIPANT_CODE.fetch_sub(1, Ordering::SeqCst);
    }
}

/// No panic trace for a `todo!()` in the participant's code: the report explains it.
/// Other panics are printed as usual.
pub fn install_panic_hook() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if PARTICIPANT_CODE.load(Ordering::SeqCst) == 0 {
            default(info);
        }
    }));
}

/// The text of a panic payload.
fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic".to_string()
    }
}

/// Where the participant works, for messages: the file and the function.
#[derive(Clone, Copy, Debug)]
pub struct Site {
    pub file: &'static str,
    pub function: &'static str,
}

fn explain_panic(rep: &mut Report, site: Site, exercise: &str, text: String) -> Stop {
    let lang = rep.lang;
    let (file, function) = (site.file, site.function);
    if text.starts_with("not yet implemented") || text.starts_with("not implemented") {
        rep.fail(
            tr!(lang, "`{function}` in {file} is still `todo!()`", "{file}: `{function}` 함수에 아직 `todo!()`가 남아 있습니다"),
            tr!(
                lang,
                "Replace the todo!() with your code, then run the check again.\nStuck? cargo run -p workshop -- hint {exercise}",
                "todo!()를 코드로 바꾼 뒤 확인을 다시 실행하십시오.\n막혔다면: cargo run -p workshop -- hint {exercise}"
            ),
        )
    } else {
        rep.fail(
            tr!(lang, "`{function}` in {file} panicked: {text}", "{file}: `{function}` 함수에서 패닉이 났습니다: {text}"),
            tr!(
                lang,
                "A panic stops the program; return an error with `?` or `anyhow::bail!` instead, or fix the cause above.",
                "패닉은 프로그램을 멈춥니다. 대신 `?`나 `anyhow::bail!`로 오류를 돌려주거나, 위의 원인을 고치십시오."
            ),
        )
    }
}

/// Run the participant's synchronous function, turning a `todo!()` or another panic into a
/// report line instead of a panic trace.
pub fn call<T>(rep: &mut Report, exercise: &str, site: Site, f: impl FnOnce() -> T) -> Result<T, Stop> {
    let _quiet = Quiet::new();
    match std::panic::catch_unwind(AssertUnwindSafe(f)) {
        Ok(v) => Ok(v),
        Err(payload) => Err(explain_panic(rep, site, exercise, panic_text(payload.as_ref()))),
    }
}

/// Run the participant's async function with a time limit: a panic, an error or a timeout
/// becomes a report line. While it runs, a line every few seconds says so.
pub async fn call_async<T>(
    rep: &mut Report,
    exercise: &str,
    site: Site,
    secs: u64,
    fut: impl Future<Output = anyhow::Result<T>>,
) -> Result<T, Stop> {
    let lang = rep.lang;
    let (file, function) = (site.file, site.function);
    let _quiet = Quiet::new();
    let mut run = std::pin::pin!(AssertUnwindSafe(fut).catch_unwind());
    let start = Instant::now();
    let deadline = start + Duration::from_secs(secs);
    let result = loop {
        let tick = (Instant::now() + PROGRESS_EVERY).min(deadline);
        tokio::select! {
            r = &mut run => break Some(r),
            _ = tokio::time::sleep_until(tick.into()) => {
                if Instant::now() >= deadline {
                    break None;
                }
                let elapsed = start.elapsed().as_secs();
                rep.progress(tr!(
                    lang,
                    "`{function}` is still running ({elapsed} s; the check gives up after {secs} s)",
                    "`{function}` 함수가 아직 실행 중입니다 ({elapsed}초 경과, {secs}초가 지나면 확인을 멈춥니다)"
                ));
            }
        }
    };
    match result {
        Some(Ok(Ok(v))) => Ok(v),
        Some(Ok(Err(e))) => {
            let fix = api_status_of(&e).and_then(|s| known_fix(lang, s)).unwrap_or_else(|| {
                tr!(
                    lang,
                    "That is the answer your code got. Stuck? cargo run -p workshop -- hint {exercise}",
                    "코드가 받은 답입니다. 막혔다면: cargo run -p workshop -- hint {exercise}"
                )
            });
            Err(rep.fail(tr!(lang, "`{function}` in {file} returned an error: {}", "{file}: `{function}` 함수가 오류를 돌려주었습니다: {}", error_text(&e)), fix))
        }
        Some(Err(payload)) => Err(explain_panic(rep, site, exercise, panic_text(payload.as_ref()))),
        None => Err(rep.fail(
            tr!(lang, "`{function}` in {file} did not finish within {secs} s", "{file}: `{function}` 함수가 {secs}초 안에 끝나지 않았습니다"),
            tr!(lang, "Does it wait for something that never happens? Every wait needs a timeout.", "일어나지 않을 일을 기다리고 있지 않습니까? 모든 기다림에는 타임아웃이 필요합니다."),
        )),
    }
}

/// How often a wait says what it waits for.
const PROGRESS_EVERY: Duration = Duration::from_secs(10);

/// The API server's `Status` in an error's chain: kube's `Error::Api`, or the `Status` itself.
pub fn api_status_of(e: &anyhow::Error) -> Option<&kube::core::Status> {
    e.chain().find_map(|cause| match cause.downcast_ref::<kube::Error>() {
        Some(kube::Error::Api(status)) => Some(status.as_ref()),
        _ => cause.downcast_ref::<kube::core::Status>(),
    })
}

/// An error as the participant should read it: the contexts the code added, then the API
/// server's message once, in its own words (kube's `Display` of an API error repeats the
/// whole `Status` as a debug dump, and anyhow's `{:#}` repeats it once more per source).
pub fn error_text(e: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in e.chain() {
        let status = match cause.downcast_ref::<kube::Error>() {
            Some(kube::Error::Api(status)) => Some(status.as_ref()),
            _ => cause.downcast_ref::<kube::core::Status>(),
        };
        if let Some(status) = status {
            parts.push(status.message.clone());
            break;
        }
        let text = cause.to_string();
        if !parts.last().is_some_and(|p| p.contains(&text)) {
            parts.push(text);
        }
    }
    parts.join(": ")
}

/// What to do about an answer of the API server that a known mistake earns.
pub fn known_fix(lang: Lang, status: &kube::core::Status) -> Option<String> {
    let msg = status.message.as_str();
    if msg.contains("updates to statefulset spec for fields other than") {
        return Some(tr!(
            lang,
            "volumeClaimTemplates (like most of a StatefulSet's spec) cannot be changed on an existing set: delete the set, wait until it is gone, and create it again.",
            "volumeClaimTemplates는 (스테이트풀셋 spec의 다른 대부분의 필드처럼) 이미 있는 스테이트풀셋에서 바꿀 수 없습니다: 스테이트풀셋을 지우고, 사라질 때까지 기다린 뒤 다시 만드십시오."
        ));
    }
    if msg.contains("resourceVersion should not be set on objects to be created") {
        return Some(tr!(
            lang,
            "The object you create still carries the metadata of the one you read (metadata.resourceVersion). Build a new object: a fresh ObjectMeta with the name (and labels), and the spec you kept.",
            "만들려는 오브젝트에 읽어 온 오브젝트의 메타데이터(metadata.resourceVersion)가 남아 있습니다. 새 오브젝트를 만드십시오: 이름(과 레이블)만 담은 새 ObjectMeta에, 보관해 둔 spec을 넣습니다."
        ));
    }
    match status.reason.as_str() {
        "AlreadyExists" => Some(tr!(
            lang,
            "It still exists: wait until the old one is gone (get_opt returns None) before you create it again.",
            "아직 남아 있습니다: 다시 만들기 전에 옛 오브젝트가 사라질 때까지 (get_opt가 None을 돌려줄 때까지) 기다리십시오."
        )),
        "Conflict" => Some(tr!(
            lang,
            "The object changed after you read it: read it again, change it, and write it again.",
            "읽은 뒤에 오브젝트가 바뀌었습니다: 다시 읽고, 바꾸고, 다시 쓰십시오."
        )),
        "NotFound" => Some(tr!(
            lang,
            "It does not exist (yet, or any more): check the name, and whether your code deleted it before.",
            "그런 오브젝트가 (아직, 또는 더는) 없습니다: 이름을 확인하고, 코드가 먼저 지우지 않았는지 보십시오."
        )),
        "Invalid" => Some(tr!(lang, "The message names the field the API server refused.", "API 서버가 거부한 필드는 메시지에 있습니다.")),
        _ => None,
    }
}

/// Poll `probe` every 200 ms until it returns `Ok(Ok(value))`; `Ok(Err(seen))` means "not
/// yet, this is what I see". A wait that does not end at the first look says what it waits
/// for and for how long at most, then every few seconds what it sees. After `secs` the report
/// says what was awaited and what was seen.
pub async fn wait<T, F, Fut>(rep: &mut Report, what: String, secs: u64, fix: String, mut probe: F) -> Result<T, Stop>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = anyhow::Result<Result<T, String>>>,
{
    let lang = rep.lang;
    let start = Instant::now();
    let deadline = start + Duration::from_secs(secs);
    let mut last_line: Option<Instant> = None;
    loop {
        let seen = match probe().await {
            Ok(Ok(v)) => return Ok(v),
            Ok(Err(s)) => s,
            Err(e) => error_text(&e),
        };
        let seen = if seen.is_empty() { tr!(lang, "nothing", "아무것도 없음") } else { seen };
        if Instant::now() >= deadline {
            return Err(rep.fail(
                tr!(lang, "waited {secs} s for {what}, but saw: {seen}", "{secs}초를 기다렸지만 끝나지 않았습니다: {what}. 본 것: {seen}"),
                fix,
            ));
        }
        match last_line {
            None => {
                rep.progress(tr!(lang, "waiting for {what} (at most {secs} s)", "기다리는 중: {what} (최대 {secs}초)"));
                last_line = Some(Instant::now());
            }
            Some(at) if at.elapsed() >= PROGRESS_EVERY => {
                let elapsed = start.elapsed().as_secs();
                rep.progress(tr!(lang, "{elapsed} s of at most {secs} s; now: {seen}", "{elapsed}초 경과 (최대 {secs}초). 지금: {seen}"));
                last_line = Some(Instant::now());
            }
            Some(_) => {}
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api_error(code: u16, reason: &str, message: &str) -> anyhow::Error {
        let status = kube::core::Status { code, reason: reason.into(), message: message.into(), ..kube::core::Status::failure(message, reason) };
        anyhow::Error::from(kube::Error::Api(Box::new(status))).context("create StatefulSet web")
    }

    /// kube's `Display` of an API error repeats the whole `Status` as a debug dump; the
    /// participant reads the context and the server's message, once.
    #[test]
    fn an_api_error_reads_as_the_servers_message_once() {
        let msg = "StatefulSet.apps \"web\" is invalid: spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden";
        let e = api_error(422, "Invalid", msg);
        assert!(format!("{e:#}").contains("Status {"), "kube's own text is the dump this avoids");
        let text = error_text(&e);
        assert_eq!(text, format!("create StatefulSet web: {msg}"));
        let fix = known_fix(Lang::En, api_status_of(&e).unwrap()).unwrap();
        assert!(fix.contains("cannot be changed on an existing set: delete the set"), "{fix}");
        let rv = api_error(500, "", "resourceVersion should not be set on objects to be created");
        assert!(known_fix(Lang::Ko, api_status_of(&rv).unwrap()).unwrap().contains("metadata.resourceVersion"));
        assert_eq!(error_text(&anyhow::anyhow!("plain")), "plain");
    }

    /// A wait that does not end at the first look says at once what it waits for and for how
    /// long at most (no timing involved: the first line comes before the first sleep).
    #[tokio::test]
    async fn a_wait_says_what_it_waits_for_at_once() {
        let mut rep = Report::new(Lang::En, false);
        let mut looks = 0;
        let got = wait(&mut rep, "the claim www-web-0 to be Bound".into(), 30, String::new(), || {
            looks += 1;
            let n = looks;
            async move { Ok(if n < 3 { Err(format!("Pending ({n})")) } else { Ok(n) }) }
        })
        .await
        .unwrap();
        assert_eq!(got, 3);
        assert_eq!(rep.items.first(), Some(&Item::Wait("waiting for the claim www-web-0 to be Bound (at most 30 s)".into())));
        // A wait that ends at once says nothing.
        let mut quiet = Report::new(Lang::Ko, false);
        wait(&mut quiet, "x".into(), 30, String::new(), || async { Ok(Ok::<_, String>(())) }).await.unwrap();
        assert!(quiet.items.is_empty());
    }

    /// A participant's function that does not finish is stopped at its limit with a line that
    /// says so (the function sleeps for an hour: it cannot end first, however loaded the machine).
    #[tokio::test]
    async fn a_function_that_does_not_finish_is_stopped_at_its_limit() {
        let mut rep = Report::new(Lang::En, false);
        let site = Site { file: "workshop/src/exercises/ex6_rescue.rs", function: "rescue" };
        let out = call_async(&mut rep, "rescue", site, 1, async {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            anyhow::Ok(())
        })
        .await;
        assert!(out.is_err());
        assert!(rep.failures()[0].contains("did not finish within 1 s"), "{}", rep.text());
    }
}
