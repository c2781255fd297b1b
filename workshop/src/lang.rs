//! The participant's language: `--lang ko|en`, or `LANG` / `LC_ALL` / `LC_MESSAGES`.

/// English or Korean.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    En,
    Ko,
}

impl Lang {
    /// `LANG=ko_KR.UTF-8` (or `LC_ALL`, `LC_MESSAGES`) means Korean; anything else English.
    pub fn from_env() -> Lang {
        for var in ["LC_ALL", "LC_MESSAGES", "LANG"] {
            if let Ok(v) = std::env::var(var) {
                if !v.is_empty() {
                    return Lang::parse(&v).unwrap_or(Lang::En);
                }
            }
        }
        Lang::En
    }

    /// `ko`, `ko_KR.UTF-8`, `en`, `en_US` …
    pub fn parse(s: &str) -> Option<Lang> {
        let s = s.to_ascii_lowercase();
        if s.starts_with("ko") {
            Some(Lang::Ko)
        } else if s.starts_with("en") || s == "c" || s.starts_with("c.") || s == "posix" {
            Some(Lang::En)
        } else {
            None
        }
    }

    pub fn pick<'a>(self, en: &'a str, ko: &'a str) -> &'a str {
        match self {
            Lang::En => en,
            Lang::Ko => ko,
        }
    }
}

/// A message in the participant's language: `tr!(lang, "english {x}", "한국어 {x}")`.
#[macro_export]
macro_rules! tr {
    ($lang:expr, $en:literal, $ko:literal $(, $arg:expr)* $(,)?) => {
        match $lang {
            $crate::lang::Lang::En => format!($en $(, $arg)*),
            $crate::lang::Lang::Ko => format!($ko $(, $arg)*),
        }
    };
}
