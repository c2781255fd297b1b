//! Korean particles after a value the program prints: `web-0` → `web-0을`, `web` → `web을`,
//! `nginx` → `nginx를`, `shard-1` → `shard-1로`.
//!
//! A Korean particle depends on the last sound of the word before it: 을/를, 이/가, 은/는, 과/와
//! take the first form after a final consonant (받침), the second after a vowel; 으로/로 takes
//! 으로 after a final consonant except ㄹ, and 로 after a vowel or ㄹ. Writing both forms,
//! one in parentheses ([`fallback_spellings`]), is the fallback of programs that do not know the word; the book's programs know
//! it, so they never print one. The rule reads the word as a Korean reader says it:
//!
//! - a Hangul syllable by its own final consonant;
//! - a number by its Korean reading: the last digit (`web-0` 영, `shard-1` 일, `web-3` 삼,
//!   `1.33` 삼) or, for a round number, its unit (`10` 십, `100` 백, `1000` 천, `10000` 만);
//! - Latin letters by their Korean reading: the words the book prints are listed
//!   (`web` 웹, `nginx` 엔진엑스, `mysql` 마이에스큐엘, `alpine` 알파인, `worker` 워커 …);
//!   upper-case abbreviations by the name of their last letter (`DNS` 디엔에스, `URL` 유알엘);
//!   other words by their spelling (a final l, m, n or ng sounds as 받침, as does a final
//!   b, ck, k, p or t after a single short vowel: `set` 셋, `job` 잡).
//!
//! Punctuation that closes the word (quotes, brackets, a period) is not read.
//! The examples (`examples/support/`) and the workshop checker (`workshop/`) both use it, so
//! one rule speaks for every program of the book.

/// A particle that has two forms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Particle {
    /// 을/를 (object)
    EulReul,
    /// 이/가 (subject)
    IGa,
    /// 은/는 (topic)
    EunNeun,
    /// 과/와 (and, with)
    GwaWa,
    /// 으로/로 (to, as, by)
    EuroRo,
}

/// The spellings a program that does not know the word prints instead of choosing: both forms
/// of a particle, one in parentheses, in either order, and the syllable a consonant adds (으 of
/// 으로, 이 of the copula 이다/이라/이나, 아 of the vocative 아/야) in parentheses. Built from
/// [`Particle::form`], so the tests that forbid them and the rule that avoids them agree.
pub fn fallback_spellings() -> Vec<String> {
    use Particle::*;
    let mut out = Vec::new();
    for p in [EulReul, IGa, EunNeun, GwaWa] {
        let (after_consonant, after_vowel) = (p.form(Ending::Consonant), p.form(Ending::Vowel));
        out.push(format!("{after_consonant}({after_vowel})"));
        out.push(format!("{after_vowel}({after_consonant})"));
    }
    let ro = EuroRo.form(Ending::Vowel);
    let added = EuroRo.form(Ending::Consonant).strip_suffix(ro).unwrap_or_default();
    out.push(format!("({added}){ro}"));
    for (added, rest) in [("이", "다"), ("이", "라"), ("이", "나"), ("아", "야")] {
        out.push(format!("({added}){rest}"));
    }
    out
}

/// How a word ends when it is read aloud in Korean.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ending {
    /// A vowel: 파드, 워커, 이.
    Vowel,
    /// The final consonant ㄹ: 일, 엘, 알.
    Rieul,
    /// Any other final consonant: 영, 삼, 웹, 인.
    Consonant,
}

impl Particle {
    /// The form of this particle after a word that ends as `ending`.
    pub fn form(self, ending: Ending) -> &'static str {
        use Ending::*;
        use Particle::*;
        match (self, ending) {
            (EulReul, Vowel) => "를",
            (EulReul, _) => "을",
            (IGa, Vowel) => "가",
            (IGa, _) => "이",
            (EunNeun, Vowel) => "는",
            (EunNeun, _) => "은",
            (GwaWa, Vowel) => "와",
            (GwaWa, _) => "과",
            (EuroRo, Consonant) => "으로",
            (EuroRo, _) => "로",
        }
    }
}

/// The form of `particle` that follows `word`: `particle::after("web-0", Particle::EulReul)` is `"을"`.
pub fn after(word: &str, particle: Particle) -> &'static str {
    particle.form(ending(word))
}

/// `word` followed by 을 or 를.
pub fn eul(word: &str) -> String {
    format!("{word}{}", after(word, Particle::EulReul))
}
/// `word` followed by 이 or 가.
pub fn i(word: &str) -> String {
    format!("{word}{}", after(word, Particle::IGa))
}
/// `word` followed by 은 or 는.
pub fn eun(word: &str) -> String {
    format!("{word}{}", after(word, Particle::EunNeun))
}
/// `word` followed by 과 or 와.
pub fn gwa(word: &str) -> String {
    format!("{word}{}", after(word, Particle::GwaWa))
}
/// `word` followed by 으로 or 로.
pub fn euro(word: &str) -> String {
    format!("{word}{}", after(word, Particle::EuroRo))
}

/// Latin words the book's programs print, with the ending of their Korean reading.
const WORDS: &[(&str, &str, Ending)] = &[
    ("web", "웹", Ending::Consonant),
    ("nginx", "엔진엑스", Ending::Vowel),
    ("mysql", "마이에스큐엘", Ending::Rieul),
    ("alpine", "알파인", Ending::Consonant),
    ("worker", "워커", Ending::Vowel),
    ("plane", "플레인", Ending::Consonant),
    ("kind", "카인드", Ending::Vowel),
    ("cache", "캐시", Ending::Vowel),
    ("shard", "샤드", Ending::Vowel),
    ("busybox", "비지박스", Ending::Vowel),
    ("www", "더블유더블유더블유", Ending::Vowel),
    ("data", "데이터", Ending::Vowel),
    ("book", "북", Ending::Consonant),
    ("read", "리드", Ending::Vowel),
    ("write", "라이트", Ending::Vowel),
    ("primary", "프라이머리", Ending::Vowel),
    ("replica", "레플리카", Ending::Vowel),
    ("startup", "스타트업", Ending::Consonant),
    ("down", "다운", Ending::Consonant),
    ("identity", "아이덴티티", Ending::Vowel),
    ("storage", "스토리지", Ending::Vowel),
    ("management", "매니지먼트", Ending::Vowel),
    ("claims", "클레임즈", Ending::Vowel),
    ("claim", "클레임", Ending::Consonant),
    ("update", "업데이트", Ending::Vowel),
    ("pitfall", "핏폴", Ending::Rieul),
    ("ordinal", "오디널", Ending::Rieul),
    ("stateful", "스테이트풀", Ending::Rieul),
    ("preflight", "프리플라이트", Ending::Vowel),
    ("pod", "파드", Ending::Vowel),
    ("pods", "파드", Ending::Vowel),
    ("node", "노드", Ending::Vowel),
    ("standard", "스탠더드", Ending::Vowel),
    ("ready", "레디", Ending::Vowel),
    ("running", "러닝", Ending::Consonant),
    ("pending", "펜딩", Ending::Consonant),
    ("bound", "바운드", Ending::Vowel),
    ("retain", "리테인", Ending::Consonant),
    ("delete", "딜리트", Ending::Vowel),
    ("parallel", "패럴렐", Ending::Rieul),
    ("orderedready", "오더드레디", Ending::Vowel),
    ("ondelete", "온딜리트", Ending::Vowel),
    ("rollingupdate", "롤링업데이트", Ending::Vowel),
    ("kubectl", "큐브컨트롤", Ending::Rieul),
    ("docker", "도커", Ending::Vowel),
    ("latest", "레이티스트", Ending::Vowel),
    ("html", "에이치티엠엘", Ending::Rieul),
    ("yaml", "야믈", Ending::Rieul),
    ("txt", "티엑스티", Ending::Vowel),
    ("lab", "랩", Ending::Consonant),
    ("sts", "에스티에스", Ending::Vowel),
    ("rs", "알에스", Ending::Vowel),
    ("dns", "디엔에스", Ending::Vowel),
    ("pvc", "피브이씨", Ending::Vowel),
    ("ip", "아이피", Ending::Vowel),
    ("srv", "에스알브이", Ending::Vowel),
    ("name", "네임", Ending::Consonant),
    ("time", "타임", Ending::Consonant),
    ("timeout", "타임아웃", Ending::Consonant),
    ("keep", "킵", Ending::Consonant),
    ("stable", "스테이블", Ending::Rieul),
    ("spec", "스펙", Ending::Consonant),
    ("rollout", "롤아웃", Ending::Consonant),
    ("resume", "리줌", Ending::Consonant),
    ("offline", "오프라인", Ending::Consonant),
    ("hostname", "호스트네임", Ending::Consonant),
    ("unavailable", "언어베일러블", Ending::Rieul),
    ("none", "논", Ending::Consonant),
    ("on", "온", Ending::Consonant),
    ("slave", "슬레이브", Ending::Vowel),
    ("events", "이벤츠", Ending::Vowel),
    ("gib", "기비바이트", Ending::Vowel),
    ("mib", "메비바이트", Ending::Vowel),
    ("gb", "기가바이트", Ending::Vowel),
    ("mb", "메가바이트", Ending::Vowel),
    ("templates", "템플릿츠", Ending::Vowel),
    ("template", "템플릿", Ending::Consonant),
    ("age", "에이지", Ending::Vowel),
    ("type", "타입", Ending::Consonant),
    ("stdout", "에스티디아웃", Ending::Consonant),
    ("stderr", "에스티디에러", Ending::Vowel),
];

/// The Korean names of the Latin letters (A 에이 … Z 제트), by their ending.
fn letter_name(c: char) -> Ending {
    match c.to_ascii_lowercase() {
        'l' | 'r' => Ending::Rieul,     // 엘, 알
        'm' | 'n' => Ending::Consonant, // 엠, 엔
        _ => Ending::Vowel,             // 에이, 비, 씨, 디, 이, 에프, 지, 에이치, 아이, 제이, 케이, 오, 피, 큐, 에스, 티, 유, 브이, 더블유, 엑스, 와이, 제트
    }
}

/// How `word` ends when read aloud in Korean (see the module's rule).
pub fn ending(word: &str) -> Ending {
    // A particle after a parenthesis belongs to the word before it: 클러스터(1.33)와.
    let trimmed = word.trim_end_matches(|c: char| c.is_whitespace() || "\"'`".contains(c));
    if let Some(inner) = trimmed.strip_suffix(')') {
        let mut depth = 1;
        for (i, c) in inner.char_indices().rev() {
            match c {
                ')' => depth += 1,
                '(' => depth -= 1,
                _ => {}
            }
            if depth == 0 {
                if !inner[..i].trim().is_empty() {
                    return ending(&inner[..i]);
                }
                break;
            }
        }
    }
    let word = word.trim_end_matches(|c: char| c.is_whitespace() || "\"'`)]}>.,:;!?…’”»/*".contains(c));
    let Some(last) = word.chars().last() else {
        return Ending::Vowel;
    };
    if let Some(e) = hangul(last) {
        return e;
    }
    // An identifier in camel case is read by its last part: `serviceName` as 서비스네임.
    if last.is_ascii_alphabetic() {
        let letters: Vec<char> = word.chars().rev().take_while(|c| c.is_ascii_alphabetic()).collect::<Vec<_>>().into_iter().rev().collect();
        let start = (1..letters.len()).rev().find(|&i| letters[i].is_ascii_uppercase() && letters[i - 1].is_ascii_lowercase()).unwrap_or(0);
        return latin(&letters[start..].iter().collect::<String>());
    }
    if last.is_ascii_digit() {
        let digits: String = word.chars().rev().take_while(|c| c.is_ascii_digit()).collect::<Vec<_>>().into_iter().rev().collect();
        return number(&digits);
    }
    // Any other sign is not read; the word before it is.
    let mut chars = word.chars();
    chars.next_back();
    ending(chars.as_str())
}

fn hangul(c: char) -> Option<Ending> {
    let code = c as u32;
    if !(0xAC00..=0xD7A3).contains(&code) {
        return None;
    }
    Some(match (code - 0xAC00) % 28 {
        0 => Ending::Vowel,
        8 => Ending::Rieul,
        _ => Ending::Consonant,
    })
}

/// A run of digits as a Korean reader says it (Sino-Korean numbers: 영 일 이 삼 사 오 육 칠 팔 구).
fn number(digits: &str) -> Ending {
    let value = digits.trim_start_matches('0');
    if value.is_empty() {
        return Ending::Consonant; // 영
    }
    let last = value.chars().last().unwrap();
    if last != '0' {
        return match last {
            '1' | '7' | '8' => Ending::Rieul,          // 일, 칠, 팔
            '3' | '6' => Ending::Consonant,            // 삼, 육
            _ => Ending::Vowel,                        // 이, 사, 오, 구
        };
    }
    // A round number ends in its unit, and every unit has a final consonant:
    // 십, 백, 천, 만, 억, 조.
    Ending::Consonant
}

fn latin(letters: &str) -> Ending {
    let lower = letters.to_ascii_lowercase();
    if let Some((_, _, e)) = WORDS.iter().find(|(w, _, _)| *w == lower) {
        return *e;
    }
    // An abbreviation in capitals (DNS, UID, URL) is read letter by letter.
    if letters.len() > 1 && letters.chars().all(|c| c.is_ascii_uppercase()) || letters.len() == 1 {
        return letter_name(letters.chars().last().unwrap());
    }
    // A word not listed: by its spelling.
    let b = lower.as_bytes();
    let n = b.len();
    let vowel = |c: u8| b"aeiou".contains(&c);
    if lower.ends_with("ng") || lower.ends_with('m') || lower.ends_with('n') {
        return Ending::Consonant;
    }
    if lower.ends_with('l') || lower.ends_with("le") {
        return Ending::Rieul; // label 레이블, file 파일, scale 스케일
    }
    // A silent e after m or n: name 네임, line 라인.
    if lower.ends_with("me") || lower.ends_with("ne") {
        return Ending::Consonant;
    }
    let stop = lower.ends_with("ck") || matches!(b[n - 1], b'b' | b'k' | b'p' | b't');
    let before = if lower.ends_with("ck") { n.checked_sub(3) } else { n.checked_sub(2) };
    // After a single short vowel (set 셋, job 잡, web 웹), not after a consonant (start 스타트);
    // after ee or oo only p and k (keep 킵, book 북; boot 부트, sheet 시트).
    if stop && let Some(v) = before {
        let single = vowel(b[v]) && (v == 0 || !vowel(b[v - 1]));
        let long = v > 0 && matches!(&b[v - 1..=v], b"ee" | b"oo") && matches!(b[n - 1], b'p' | b'k');
        if single || long {
            return Ending::Consonant;
        }
    }
    Ending::Vowel
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fallback_spellings_write_both_forms_with_one_in_parentheses() {
        let f = fallback_spellings();
        assert_eq!(f.len(), 13, "{f:?}");
        for (a, b) in [("을", "를"), ("이", "가"), ("은", "는"), ("과", "와")] {
            assert!(f.contains(&format!("{a}({b})")) && f.contains(&format!("{b}({a})")), "{a}/{b}: {f:?}");
        }
        assert!(f.contains(&format!("({}){}", "으", "로")), "{f:?}");
        assert!(f.iter().all(|s| s.contains('(') && s.contains(')')), "{f:?}");
    }

    /// The names and values the book's programs print, with the particles a Korean reader expects.
    #[test]
    fn the_names_the_book_prints_take_the_particle_of_their_korean_reading() {
        let cases: &[(&str, &str, &str, &str, &str, &str)] = &[
            // word, 을/를, 이/가, 은/는, 과/와, 으로/로
            ("web-0", "을", "이", "은", "과", "으로"), // 영
            ("web-1", "을", "이", "은", "과", "로"),   // 일: ㄹ takes 로
            ("web-2", "를", "가", "는", "와", "로"),   // 이
            ("web-3", "을", "이", "은", "과", "으로"), // 삼
            ("web-4", "를", "가", "는", "와", "로"),   // 사
            ("web", "을", "이", "은", "과", "으로"),   // 웹
            ("nginx", "를", "가", "는", "와", "로"),   // 엔진엑스
            ("mysql-0", "을", "이", "은", "과", "으로"),
            ("mysql", "을", "이", "은", "과", "로"), // 마이에스큐엘
            ("www-web-0", "을", "이", "은", "과", "으로"),
            ("www-web-2", "를", "가", "는", "와", "로"),
            ("sts-book-ordered-startup", "을", "이", "은", "과", "으로"), // 스타트업
            ("sts-book-stable-identity", "를", "가", "는", "와", "로"),   // 아이덴티티
            ("sts-book-shared-claim-pitfall", "을", "이", "은", "과", "로"), // 핏폴
            ("sts-book-ordered-scale-down", "을", "이", "은", "과", "으로"), // 다운
            ("sts-book-headless-dns", "를", "가", "는", "와", "로"),     // 디엔에스
            ("nginx:1.28-alpine", "을", "이", "은", "과", "으로"),       // 알파인
            ("nginx:1.27-alpine", "을", "이", "은", "과", "으로"),
            ("1.33", "을", "이", "은", "과", "으로"), // 삼
            ("1.32", "를", "가", "는", "와", "로"),   // 이
            ("v1.31", "을", "이", "은", "과", "로"),  // 일
            ("shard-1", "을", "이", "은", "과", "로"),
            ("shard-3", "을", "이", "은", "과", "으로"),
            ("cache-0", "을", "이", "은", "과", "으로"),
            ("kind-worker", "를", "가", "는", "와", "로"),
            ("kind-worker2", "를", "가", "는", "와", "로"),
            ("kind-worker3", "을", "이", "은", "과", "으로"),
            ("kind-control-plane", "을", "이", "은", "과", "으로"),
            ("data-web-0", "을", "이", "은", "과", "으로"),
            ("10", "을", "이", "은", "과", "으로"),   // 십
            ("100", "을", "이", "은", "과", "으로"),  // 백
            ("1000", "을", "이", "은", "과", "으로"), // 천
            ("0", "을", "이", "은", "과", "으로"),    // 영
            ("7", "을", "이", "은", "과", "로"),      // 칠
            ("8", "을", "이", "은", "과", "로"),      // 팔
            ("6", "을", "이", "은", "과", "으로"),    // 육
            ("5", "를", "가", "는", "와", "로"),      // 오
            ("9", "를", "가", "는", "와", "로"),      // 구
            ("\"web-0\"", "을", "이", "은", "과", "으로"), // quotes are not read
            ("[\"web-0\", \"web-2\"]", "를", "가", "는", "와", "로"),
            ("DNS", "를", "가", "는", "와", "로"),   // 디엔에스
            ("URL", "을", "이", "은", "과", "로"),   // 유알엘
            ("PVC", "를", "가", "는", "와", "로"),   // 피브이씨
            ("파드", "를", "가", "는", "와", "로"),
            ("스테이트풀셋", "을", "이", "은", "과", "으로"),
            ("레이블", "을", "이", "은", "과", "로"),
            ("set", "을", "이", "은", "과", "으로"),  // 셋 (by spelling)
            ("start", "를", "가", "는", "와", "로"),  // 스타트 (by spelling)
            ("label", "을", "이", "은", "과", "로"),  // 레이블 (by spelling)
            ("serviceName", "을", "이", "은", "과", "으로"), // 서비스네임: camel case by its last part
            ("spec.serviceName", "을", "이", "은", "과", "으로"),
            ("maxUnavailable", "을", "이", "은", "과", "로"),  // 언어베일러블
            ("volumeClaimTemplates", "를", "가", "는", "와", "로"),
            ("podManagementPolicy", "를", "가", "는", "와", "로"), // 폴리시
            ("whenScaled", "를", "가", "는", "와", "로"),  // 스케일드
            ("OnDelete", "를", "가", "는", "와", "로"),
            ("Retain", "을", "이", "은", "과", "으로"),
            ("line", "을", "이", "은", "과", "으로"),   // 라인 (silent e)
            ("scale", "을", "이", "은", "과", "로"),    // 스케일
            ("image", "를", "가", "는", "와", "로"),    // 이미지
            ("sleep", "을", "이", "은", "과", "으로"),  // 슬립
            ("boot", "를", "가", "는", "와", "로"),     // 부트
            ("4GiB", "를", "가", "는", "와", "로"),     // 기비바이트
            ("manifests/replicaset-and-statefulset/", "을", "이", "은", "과", "으로"), // a closing slash is not read
            ("클러스터(1.33)", "를", "가", "는", "와", "로"), // the word before the parenthesis
            ("`web-1`(삭제 후)", "을", "이", "은", "과", "로"),
            ("[순번](ordinal-pods.md)", "을", "이", "은", "과", "으로"),
        ];
        for (word, eul_, i_, eun_, gwa_, ro_) in cases {
            let got = [
                after(word, Particle::EulReul),
                after(word, Particle::IGa),
                after(word, Particle::EunNeun),
                after(word, Particle::GwaWa),
                after(word, Particle::EuroRo),
            ];
            assert_eq!(got, [*eul_, *i_, *eun_, *gwa_, *ro_], "{word}");
        }
    }

    #[test]
    fn the_helpers_glue_the_particle_to_the_word() {
        assert_eq!(eul("web-0"), "web-0을");
        assert_eq!(i("web-4"), "web-4가");
        assert_eq!(eun("web"), "web은");
        assert_eq!(gwa("1.33"), "1.33과");
        assert_eq!(euro("nginx:1.28-alpine"), "nginx:1.28-alpine으로");
        assert_eq!(euro("shard-1"), "shard-1로");
        assert_eq!(euro("파드"), "파드로");
    }

    #[test]
    fn every_listed_reading_ends_as_its_ending_says() {
        for (word, reading, e) in WORDS {
            assert_eq!(ending(reading), *e, "{word} {reading}");
            assert_eq!(ending(word), *e, "{word}");
        }
    }
}
