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
            }
        }
        self.items.push(item);
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
            }
        }
        out
    }

    /// The last line: done, or what is still missing.
    pub fn verdict(&self) -> String {
        let lang = self.lang;
        let n = self.passes();
        if self.passed() {
            tr!(lang, "PASSED: all {n} checks are right. Well done.", "통과: 확인 {n}개가 모두 맞다. 잘했다.").replace("all 1 checks are", "the 1 check is")
        } else {
            let missing = self.failures().join("; ");
            tr!(
                lang,
                "NOT YET: {n} check(s) right; still missing: {missing}\nFix it and run the same command again (the later checks run once this one passes).",
                "아직: 확인 {n}개가 맞고, 아직 남은 것: {missing}\n고친 뒤 같은 명령을 다시 실행한다 (이것이 통과하면 다음 확인이 이어진다)."
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
            tr!(lang, "`{function}` in {file} is still `todo!()`", "{file}: `{function}` 함수에 아직 `todo!()`가 남아 있다"),
            tr!(
                lang,
                "Replace the todo!() with your code, then run the check again.\nStuck? cargo run -p workshop -- hint {exercise}",
                "todo!()를 코드로 바꾼 뒤 확인을 다시 실행한다.\n막혔다면: cargo run -p workshop -- hint {exercise}"
            ),
        )
    } else {
        rep.fail(
            tr!(lang, "`{function}` in {file} panicked: {text}", "{file}: `{function}` 함수에서 패닉이 났다: {text}"),
            tr!(
                lang,
                "A panic stops the program; return an error with `?` or `anyhow::bail!` instead, or fix the cause above.",
                "패닉은 프로그램을 멈춘다. 대신 `?`나 `anyhow::bail!`로 오류를 돌려주거나, 위의 원인을 고친다."
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
/// becomes a report line.
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
    let run = AssertUnwindSafe(fut).catch_unwind();
    match tokio::time::timeout(Duration::from_secs(secs), run).await {
        Ok(Ok(Ok(v))) => Ok(v),
        Ok(Ok(Err(e))) => Err(rep.fail(
            tr!(lang, "`{function}` in {file} returned an error: {e:#}", "{file}: `{function}` 함수가 오류를 돌려주었다: {e:#}"),
            tr!(lang, "Read the error above: it is what the API server answered.", "위 오류를 읽는다. API 서버가 답한 내용이다."),
        )),
        Ok(Err(payload)) => Err(explain_panic(rep, site, exercise, panic_text(payload.as_ref()))),
        Err(_) => Err(rep.fail(
            tr!(lang, "`{function}` in {file} did not finish within {secs} s", "{file}: `{function}` 함수가 {secs}초 안에 끝나지 않았다"),
            tr!(lang, "Does it wait for something that never happens? Every wait needs a timeout.", "일어나지 않을 일을 기다리고 있지 않은가? 모든 기다림에는 타임아웃이 필요하다."),
        )),
    }
}

/// Poll `probe` every 200 ms until it returns `Ok(Ok(value))`; `Ok(Err(seen))` means "not
/// yet, this is what I see". After `secs` the report says what was awaited and what was seen.
pub async fn wait<T, F, Fut>(rep: &mut Report, what: String, secs: u64, fix: String, mut probe: F) -> Result<T, Stop>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = anyhow::Result<Result<T, String>>>,
{
    let lang = rep.lang;
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let seen = match probe().await {
            Ok(Ok(v)) => return Ok(v),
            Ok(Err(s)) => s,
            Err(e) => format!("{e:#}"),
        };
        if Instant::now() >= deadline {
            let seen = if seen.is_empty() { tr!(lang, "nothing", "아무것도 없음") } else { seen };
            return Err(rep.fail(
                tr!(lang, "waited {secs} s for {what}, but saw: {seen}", "{secs}초를 기다렸지만 끝나지 않았다: {what}. 본 것: {seen}"),
                fix,
            ));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
