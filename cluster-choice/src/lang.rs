//! The reader's language: `--lang ko|en`, or `LANG` / `LC_ALL` / `LC_MESSAGES`.

/// English or Korean.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    En,
    Ko,
}

impl Lang {
    /// `LANG=ko_KR.UTF-8` (or `LC_ALL`, `LC_MESSAGES`) means Korean; anything else English.
    pub fn from_env() -> Lang {
        Lang::from_vars(|var| std::env::var(var).ok())
    }

    /// [`Lang::from_env`] over any source of variables: the first one set and not empty
    /// decides, in POSIX's order of precedence.
    fn from_vars(var: impl Fn(&str) -> Option<String>) -> Lang {
        ["LC_ALL", "LC_MESSAGES", "LANG"]
            .into_iter()
            .find_map(|name| var(name).filter(|v| !v.is_empty()))
            .map_or(Lang::En, |v| Lang::parse(&v).unwrap_or(Lang::En))
    }

    /// `ko`, `ko_KR.UTF-8`, `en`, `en_US`, `C`, `POSIX` …; `None` for another language.
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

/// A message in the reader's language: `tr!(lang, "english {x}", "한국어 {x}")`.
#[macro_export]
macro_rules! tr {
    ($lang:expr, $en:literal, $ko:literal $(, $arg:expr)* $(,)?) => {
        match $lang {
            $crate::Lang::En => format!($en $(, $arg)*),
            $crate::Lang::Ko => format!($ko $(, $arg)*),
        }
    };
}

#[cfg(test)]
mod tests {
    use super::Lang;

    fn from(vars: &[(&str, &str)]) -> Lang {
        Lang::from_vars(|name| vars.iter().find(|(n, _)| *n == name).map(|(_, v)| v.to_string()))
    }

    #[test]
    fn korean_locale_names_mean_korean_and_the_rest_english() {
        assert_eq!(from(&[("LANG", "ko_KR.UTF-8")]), Lang::Ko);
        assert_eq!(from(&[("LANG", "en_US.UTF-8")]), Lang::En);
        assert_eq!(from(&[("LANG", "fr_FR.UTF-8")]), Lang::En);
        assert_eq!(from(&[]), Lang::En);
    }

    #[test]
    fn lc_all_wins_over_lc_messages_over_lang_and_empty_ones_do_not_count() {
        assert_eq!(from(&[("LC_ALL", "ko"), ("LC_MESSAGES", "en"), ("LANG", "en")]), Lang::Ko);
        assert_eq!(from(&[("LC_ALL", ""), ("LC_MESSAGES", "en_GB"), ("LANG", "ko_KR")]), Lang::En);
        assert_eq!(from(&[("LC_ALL", ""), ("LANG", "ko_KR")]), Lang::Ko);
    }

    #[test]
    fn parse_takes_language_codes_and_the_c_locale() {
        assert_eq!(Lang::parse("ko"), Some(Lang::Ko));
        assert_eq!(Lang::parse("KO_kr.utf-8"), Some(Lang::Ko));
        assert_eq!(Lang::parse("en"), Some(Lang::En));
        assert_eq!(Lang::parse("C"), Some(Lang::En));
        assert_eq!(Lang::parse("C.UTF-8"), Some(Lang::En));
        assert_eq!(Lang::parse("POSIX"), Some(Lang::En));
        assert_eq!(Lang::parse("de"), None);
        assert_eq!(Lang::parse(""), None);
    }

    #[test]
    fn tr_picks_the_message_of_the_language() {
        let n = 3;
        assert_eq!(crate::tr!(Lang::En, "{n} pods", "파드 {n}개"), "3 pods");
        assert_eq!(crate::tr!(Lang::Ko, "{n} pods", "파드 {n}개"), "파드 3개");
        assert_eq!(Lang::Ko.pick("yes", "예"), "예");
    }
}
