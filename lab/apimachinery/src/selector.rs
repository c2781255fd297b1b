//! Label and field selectors, parsed and matched as the API server does.
//!
//! Upstream: `staging/src/k8s.io/apimachinery/pkg/labels/selector.go` (lexer, parser,
//! `Requirement.Matches`), `pkg/apis/meta/v1/helpers.go` (`LabelSelectorAsSelector`),
//! `staging/src/k8s.io/apimachinery/pkg/fields/selector.go` and the per-kind field label
//! conversions in `pkg/apis/core/v1/conversion.go`.
//!
//! Public functions (the server calls these):
//! - [`parse_label_selector`]`(&str) -> Result<LabelSelector, SelectorError>`: the
//!   `labelSelector` query parameter. An empty string matches everything. Errors carry
//!   upstream's message (`unable to parse requirement: ...`, `found ',', expected: ...`);
//!   answer them with [`SelectorError::to_status`] (400 BadRequest).
//! - [`LabelSelector::matches`]`(&BTreeMap<String,String>)`, [`LabelSelector::matches_opt`]
//!   (`Option<&BTreeMap>`, for `metadata.labels` that may be absent), `Display` gives
//!   upstream's canonical `String()` (sorted by key, e.g. `app=web,tier in (a,b)`), used for
//!   the scale subresource's `status.selector`.
//! - [`label_selector_from_api`]`(Option<&metav1::LabelSelector>)`: upstream
//!   `LabelSelectorAsSelector`: `None` matches nothing, an empty selector matches everything.
//! - [`parse_field_selector`]`(kind, &str) -> Result<FieldSelector, SelectorError>`: the
//!   `fieldSelector` query parameter, with the field labels upstream supports for `kind`
//!   (`Pod`, `Event`, `Namespace`, `Node`, `Secret`, `Service`, `ReplicationController`;
//!   every other kind: `metadata.name`, `metadata.namespace`). Unsupported labels give
//!   upstream's message (`field label not supported: spec.foo`, or for kinds with only the
//!   default conversion `"spec.foo" is not a known field selector: only "metadata.name", "metadata.namespace"`).
//! - [`parse_field_selector_in_group`]`(group, kind, &str)`: the same, with events.k8s.io
//!   `Event`'s own labels (`regarding.name=web-0`, `reportingController=...`).
//! - [`object_fields`]`(kind, &serde_json::Value) -> BTreeMap<String,String>`: an object's
//!   selectable field values as upstream's `GetAttrs`/`ToSelectableFields` compute them
//!   (missing fields are `""`, so `spec.nodeName=` selects unscheduled pods).
//! - [`FieldSelector::matches`]`(&BTreeMap<String,String>)` and
//!   [`FieldSelector::matches_object`]`(kind, &Value)`.
//! - [`FieldSelector::requires_exact_match`] / [`LabelSelector::requires_exact_match`]: a
//!   value the selector pins (e.g. `metadata.name=x`), for an index lookup.

use std::collections::BTreeMap;
use std::fmt;

use k8s_openapi::apimachinery::pkg::apis::meta::v1 as metav1;
use serde_json::Value;

use crate::validation::{aggregate_message, is_qualified_name, is_valid_label_value, BadValue, FieldError};

/// A selector that failed to parse, with the message the real API server answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelectorError {
    pub message: String,
}

impl SelectorError {
    fn new(message: impl Into<String>) -> Self {
        SelectorError { message: message.into() }
    }

    /// The 400 `Status` the API server answers for a bad selector.
    pub fn to_status(&self) -> Value {
        serde_json::json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": "BadRequest",
            "code": 400,
        })
    }
}

impl fmt::Display for SelectorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for SelectorError {}

// ---------------------------------------------------------------------------
// Label selectors
// ---------------------------------------------------------------------------

/// upstream `selection.Operator` as label selectors use it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    Equals,
    DoubleEquals,
    NotEquals,
    In,
    NotIn,
    Exists,
    DoesNotExist,
    GreaterThan,
    LessThan,
}

/// One requirement: key, operator and (sorted, deduplicated) values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    pub key: String,
    pub operator: Operator,
    pub values: Vec<String>,
}

impl Requirement {
    /// upstream `NewRequirement`: validates the key, the value count for the operator and
    /// each value; the error is the aggregate of all problems, as upstream.
    pub fn new(key: &str, operator: Operator, values: Vec<String>) -> Result<Requirement, SelectorError> {
        let mut errs: Vec<FieldError> = Vec::new();
        let key_errs = is_qualified_name(key);
        if !key_errs.is_empty() {
            errs.push(FieldError::invalid("key", BadValue::Str(key.to_string()), key_errs.join("; ")));
        }
        match operator {
            Operator::In | Operator::NotIn => {
                if values.is_empty() {
                    errs.push(FieldError::invalid(
                        "values",
                        BadValue::Raw("[]string{}".into()),
                        "for 'in', 'notin' operators, values set can't be empty",
                    ));
                }
            }
            Operator::Equals | Operator::DoubleEquals | Operator::NotEquals => {
                if values.len() != 1 {
                    errs.push(FieldError::invalid(
                        "values",
                        BadValue::Raw(go_string_slice(&values)),
                        "exact-match compatibility requires one single value",
                    ));
                }
            }
            Operator::Exists | Operator::DoesNotExist => {
                if !values.is_empty() {
                    errs.push(FieldError::invalid(
                        "values",
                        BadValue::Raw(go_string_slice(&values)),
                        "values set must be empty for exists and does not exist",
                    ));
                }
            }
            Operator::GreaterThan | Operator::LessThan => {
                if values.len() != 1 {
                    errs.push(FieldError::invalid(
                        "values",
                        BadValue::Raw(go_string_slice(&values)),
                        "for 'Gt', 'Lt' operators, exactly one value is required",
                    ));
                }
                for (i, v) in values.iter().enumerate() {
                    if v.parse::<i64>().is_err() {
                        errs.push(FieldError::invalid(
                            format!("values[{i}]"),
                            BadValue::Str(v.clone()),
                            "for 'Gt', 'Lt' operators, the value must be an integer",
                        ));
                    }
                }
            }
        }
        for (i, v) in values.iter().enumerate() {
            let verrs = is_valid_label_value(v);
            if !verrs.is_empty() {
                errs.push(FieldError::invalid(format!("values[{i}][{key}]"), BadValue::Str(v.clone()), verrs.join("; ")));
            }
        }
        if !errs.is_empty() {
            return Err(SelectorError::new(aggregate_message(&errs)));
        }
        let mut values = values;
        values.sort();
        values.dedup();
        Ok(Requirement { key: key.to_string(), operator, values })
    }

    /// upstream `Requirement.Matches`: `!=` and `notin` match a missing key; `in`/`=` need it.
    pub fn matches_lookup<'a>(&self, get: impl Fn(&str) -> Option<&'a str>) -> bool {
        let has = |v: &str| self.values.iter().any(|x| x == v);
        match self.operator {
            Operator::In | Operator::Equals | Operator::DoubleEquals => get(&self.key).is_some_and(has),
            Operator::NotIn | Operator::NotEquals => get(&self.key).is_none_or(|v| !has(v)),
            Operator::Exists => get(&self.key).is_some(),
            Operator::DoesNotExist => get(&self.key).is_none(),
            Operator::GreaterThan | Operator::LessThan => {
                let Some(Ok(l)) = get(&self.key).map(str::parse::<i64>) else { return false };
                let [r] = self.values.as_slice() else { return false };
                let Ok(r) = r.parse::<i64>() else { return false };
                if self.operator == Operator::GreaterThan { l > r } else { l < r }
            }
        }
    }
}

impl fmt::Display for Requirement {
    /// upstream `Requirement.String()`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.operator == Operator::DoesNotExist {
            f.write_str("!")?;
        }
        f.write_str(&self.key)?;
        let op = match self.operator {
            Operator::Equals => "=",
            Operator::DoubleEquals => "==",
            Operator::NotEquals => "!=",
            Operator::In => " in ",
            Operator::NotIn => " notin ",
            Operator::GreaterThan => ">",
            Operator::LessThan => "<",
            Operator::Exists | Operator::DoesNotExist => return Ok(()),
        };
        f.write_str(op)?;
        let set = matches!(self.operator, Operator::In | Operator::NotIn);
        if set {
            f.write_str("(")?;
        }
        f.write_str(&self.values.join(","))?;
        if set {
            f.write_str(")")?;
        }
        Ok(())
    }
}

fn go_string_slice(values: &[String]) -> String {
    let q: Vec<String> = values.iter().map(|v| crate::validation::go_quote(v)).collect();
    format!("[]string{{{}}}", q.join(", "))
}

/// A parsed label selector: requirements ANDed, sorted by key (stable) as upstream.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LabelSelector {
    pub requirements: Vec<Requirement>,
    /// upstream `labels.Nothing()`: the conversion of an absent API selector.
    pub nothing: bool,
}

impl LabelSelector {
    /// Matches every label set.
    pub fn everything() -> Self {
        LabelSelector::default()
    }

    /// Matches no label set (upstream `labels.Nothing()`).
    pub fn nothing() -> Self {
        LabelSelector { requirements: Vec::new(), nothing: true }
    }

    /// True if this selector does not restrict anything (upstream `Empty()`).
    pub fn is_empty(&self) -> bool {
        !self.nothing && self.requirements.is_empty()
    }

    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.matches_lookup(|k| labels.get(k).map(String::as_str))
    }

    /// Labels as the objects carry them: `metadata.labels` may be absent.
    pub fn matches_opt(&self, labels: Option<&BTreeMap<String, String>>) -> bool {
        self.matches_lookup(|k| labels.and_then(|l| l.get(k)).map(String::as_str))
    }

    /// Match against labels given by a lookup function.
    pub fn matches_lookup<'a>(&self, get: impl Fn(&str) -> Option<&'a str> + Copy) -> bool {
        !self.nothing && self.requirements.iter().all(|r| r.matches_lookup(get))
    }

    /// Match against a JSON object's `metadata.labels`.
    pub fn matches_object(&self, obj: &Value) -> bool {
        let labels = obj.pointer("/metadata/labels").and_then(Value::as_object);
        self.matches_lookup(|k| labels.and_then(|l| l.get(k)).and_then(Value::as_str))
    }

    /// upstream `RequiresExactMatch`: the single value `=`, `==` or a one-value `in` pins.
    pub fn requires_exact_match(&self, key: &str) -> Option<&str> {
        let r = self.requirements.iter().find(|r| r.key == key)?;
        match (r.operator, r.values.as_slice()) {
            (Operator::Equals | Operator::DoubleEquals | Operator::In, [v]) => Some(v),
            _ => None,
        }
    }

    fn add(&mut self, r: Requirement) {
        self.requirements.push(r);
        // upstream sorts by key with sort.Sort (not stable); stable keeps input order for ties
        self.requirements.sort_by(|a, b| a.key.cmp(&b.key));
    }
}

impl fmt::Display for LabelSelector {
    /// upstream `internalSelector.String()`: requirements joined with `,`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.requirements.iter().map(|r| r.to_string()).collect();
        f.write_str(&parts.join(","))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok {
    Error,
    End,
    ClosedPar,
    Comma,
    DoesNotExist,
    DoubleEquals,
    Equals,
    GreaterThan,
    Identifier,
    In,
    LessThan,
    NotEquals,
    NotIn,
    OpenPar,
}

fn keyword(s: &str) -> Option<Tok> {
    Some(match s {
        ")" => Tok::ClosedPar,
        "," => Tok::Comma,
        "!" => Tok::DoesNotExist,
        "==" => Tok::DoubleEquals,
        "=" => Tok::Equals,
        ">" => Tok::GreaterThan,
        "in" => Tok::In,
        "<" => Tok::LessThan,
        "!=" => Tok::NotEquals,
        "notin" => Tok::NotIn,
        "(" => Tok::OpenPar,
        _ => return None,
    })
}

fn is_whitespace(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n')
}

fn is_special(c: u8) -> bool {
    matches!(c, b'=' | b'!' | b'(' | b')' | b',' | b'>' | b'<')
}

/// upstream `Lexer.Lex` over the whole input (bytes, as Go's lexer reads them).
fn lex(s: &str) -> Vec<(Tok, String)> {
    let b = s.as_bytes();
    let mut pos = 0;
    let mut out = Vec::new();
    loop {
        while pos < b.len() && is_whitespace(b[pos]) {
            pos += 1;
        }
        // upstream reads a 0 byte as end of input
        if pos >= b.len() || b[pos] == 0 {
            out.push((Tok::End, String::new()));
            return out;
        }
        if is_special(b[pos]) {
            let start = pos;
            let mut last: Option<(Tok, usize)> = None;
            while pos < b.len() && is_special(b[pos]) {
                let cand = &s[start..pos + 1];
                if let Some(t) = keyword(cand) {
                    last = Some((t, pos + 1));
                } else if last.is_some() {
                    break;
                }
                pos += 1;
            }
            match last {
                Some((t, end)) => {
                    pos = end;
                    out.push((t, s[start..end].to_string()));
                }
                None => {
                    out.push((Tok::Error, format!("error expected: keyword found '{}'", &s[start..pos])));
                }
            }
        } else {
            let start = pos;
            while pos < b.len() && b[pos] != 0 && !is_special(b[pos]) && !is_whitespace(b[pos]) {
                pos += 1;
            }
            let lit = String::from_utf8_lossy(&b[start..pos]).into_owned();
            let tok = keyword(&lit).unwrap_or(Tok::Identifier);
            out.push((tok, lit));
        }
    }
}

struct Parser {
    items: Vec<(Tok, String)>,
    pos: usize,
}

#[derive(Clone, Copy, PartialEq)]
enum Ctx {
    KeyAndOperator,
    Values,
}

impl Parser {
    fn lookahead(&self, ctx: Ctx) -> (Tok, String) {
        let (t, l) = self.items[self.pos.min(self.items.len() - 1)].clone();
        (Self::ctx_tok(t, ctx), l)
    }
    fn consume(&mut self, ctx: Ctx) -> (Tok, String) {
        let r = self.lookahead(ctx);
        self.pos += 1;
        r
    }
    fn ctx_tok(t: Tok, ctx: Ctx) -> Tok {
        if ctx == Ctx::Values && matches!(t, Tok::In | Tok::NotIn) { Tok::Identifier } else { t }
    }

    fn parse(&mut self) -> Result<LabelSelector, SelectorError> {
        let mut sel = LabelSelector::everything();
        loop {
            let (tok, lit) = self.lookahead(Ctx::Values);
            match tok {
                Tok::Identifier | Tok::DoesNotExist => {
                    let r = self
                        .parse_requirement()
                        .map_err(|e| SelectorError::new(format!("unable to parse requirement: {e}")))?;
                    sel.add(r);
                    let (t, l) = self.consume(Ctx::Values);
                    match t {
                        Tok::End => return Ok(sel),
                        Tok::Comma => {
                            let (t2, l2) = self.lookahead(Ctx::Values);
                            if t2 != Tok::Identifier && t2 != Tok::DoesNotExist {
                                return Err(SelectorError::new(format!("found '{l2}', expected: identifier after ','")));
                            }
                        }
                        _ => return Err(SelectorError::new(format!("found '{l}', expected: ',' or 'end of string'"))),
                    }
                }
                Tok::End => return Ok(sel),
                _ => {
                    return Err(SelectorError::new(format!(
                        "found '{lit}', expected: !, identifier, or 'end of string'"
                    )));
                }
            }
        }
    }

    fn parse_requirement(&mut self) -> Result<Requirement, String> {
        let (key, op) = self.parse_key_and_infer_operator()?;
        if let Some(op @ (Operator::Exists | Operator::DoesNotExist)) = op {
            return Requirement::new(&key, op, Vec::new()).map_err(|e| e.message);
        }
        let op = self.parse_operator()?;
        let mut values = match op {
            Operator::In | Operator::NotIn => self.parse_values()?,
            _ => self.parse_exact_value()?,
        };
        values.sort(); // upstream passes sets.String.List(), which is sorted
        Requirement::new(&key, op, values).map_err(|e| e.message)
    }

    fn parse_key_and_infer_operator(&mut self) -> Result<(String, Option<Operator>), String> {
        let mut op = None;
        let (mut tok, mut lit) = self.consume(Ctx::Values);
        if tok == Tok::DoesNotExist {
            op = Some(Operator::DoesNotExist);
            (tok, lit) = self.consume(Ctx::Values);
        }
        if tok != Tok::Identifier {
            return Err(format!("found '{lit}', expected: identifier"));
        }
        let errs = is_qualified_name(&lit);
        if !errs.is_empty() {
            // upstream passes a nil path here, which prints as "<nil>"
            return Err(FieldError::invalid("<nil>", BadValue::Str(lit.clone()), errs.join("; ")).to_string());
        }
        let (t, _) = self.lookahead(Ctx::Values);
        if (t == Tok::End || t == Tok::Comma) && op.is_none() {
            op = Some(Operator::Exists);
        }
        Ok((lit, op))
    }

    fn parse_operator(&mut self) -> Result<Operator, String> {
        let (tok, lit) = self.consume(Ctx::KeyAndOperator);
        Ok(match tok {
            Tok::In => Operator::In,
            Tok::Equals => Operator::Equals,
            Tok::DoubleEquals => Operator::DoubleEquals,
            Tok::GreaterThan => Operator::GreaterThan,
            Tok::LessThan => Operator::LessThan,
            Tok::NotIn => Operator::NotIn,
            Tok::NotEquals => Operator::NotEquals,
            _ => return Err(format!("found '{lit}', expected: in, notin, =, ==, !=, gt, lt")),
        })
    }

    fn parse_values(&mut self) -> Result<Vec<String>, String> {
        let (tok, lit) = self.consume(Ctx::Values);
        if tok != Tok::OpenPar {
            return Err(format!("found '{lit}' expected: '('"));
        }
        let (tok, lit) = self.lookahead(Ctx::Values);
        match tok {
            Tok::Identifier | Tok::Comma => {
                let s = self.parse_identifiers_list()?;
                let (t, _) = self.consume(Ctx::Values);
                if t != Tok::ClosedPar {
                    return Err(format!("found '{lit}', expected: ')'"));
                }
                Ok(s)
            }
            Tok::ClosedPar => {
                self.consume(Ctx::Values);
                Ok(vec![String::new()])
            }
            _ => Err(format!("found '{lit}', expected: ',', ')' or identifier")),
        }
    }

    fn parse_identifiers_list(&mut self) -> Result<Vec<String>, String> {
        let mut s: Vec<String> = Vec::new();
        let insert = |s: &mut Vec<String>, v: String| {
            if !s.contains(&v) {
                s.push(v)
            }
        };
        loop {
            let (tok, lit) = self.consume(Ctx::Values);
            match tok {
                Tok::Identifier => {
                    insert(&mut s, lit);
                    let (t2, l2) = self.lookahead(Ctx::Values);
                    match t2 {
                        Tok::Comma => continue,
                        Tok::ClosedPar => return Ok(s),
                        _ => return Err(format!("found '{l2}', expected: ',' or ')'")),
                    }
                }
                Tok::Comma => {
                    if s.is_empty() {
                        insert(&mut s, String::new());
                    }
                    let (t2, _) = self.lookahead(Ctx::Values);
                    if t2 == Tok::ClosedPar {
                        insert(&mut s, String::new());
                        return Ok(s);
                    }
                    if t2 == Tok::Comma {
                        insert(&mut s, String::new());
                    }
                }
                _ => return Err(format!("found '{lit}', expected: ',', or identifier")),
            }
        }
    }

    fn parse_exact_value(&mut self) -> Result<Vec<String>, String> {
        let (tok, _) = self.lookahead(Ctx::Values);
        if tok == Tok::End || tok == Tok::Comma {
            return Ok(vec![String::new()]);
        }
        let (tok, lit) = self.consume(Ctx::Values);
        if tok == Tok::Identifier {
            return Ok(vec![lit]);
        }
        Err(format!("found '{lit}', expected: identifier"))
    }
}

/// Parse a `labelSelector` string (upstream `labels.Parse`). `""` matches everything.
pub fn parse_label_selector(s: &str) -> Result<LabelSelector, SelectorError> {
    let mut p = Parser { items: lex(s), pos: 0 };
    p.parse()
}

/// upstream `metav1.LabelSelectorAsSelector`: `None` matches nothing, `{}` everything.
/// Errors (bad keys or values, unknown operators) carry upstream's message.
pub fn label_selector_from_api(sel: Option<&metav1::LabelSelector>) -> Result<LabelSelector, SelectorError> {
    let Some(sel) = sel else { return Ok(LabelSelector::nothing()) };
    let mut out = LabelSelector::everything();
    for (k, v) in sel.match_labels.iter().flatten() {
        out.add(Requirement::new(k, Operator::Equals, vec![v.clone()])?);
    }
    for e in sel.match_expressions.iter().flatten() {
        let op = match e.operator.as_str() {
            "In" => Operator::In,
            "NotIn" => Operator::NotIn,
            "Exists" => Operator::Exists,
            "DoesNotExist" => Operator::DoesNotExist,
            other => {
                return Err(SelectorError::new(format!(
                    "{} is not a valid label selector operator",
                    crate::validation::go_quote(other)
                )));
            }
        };
        out.add(Requirement::new(&e.key, op, e.values.clone().unwrap_or_default())?);
    }
    Ok(out)
}

/// Same as [`label_selector_from_api`] for a selector held as JSON (`spec.selector`).
pub fn label_selector_from_json(sel: Option<&Value>) -> Result<LabelSelector, SelectorError> {
    match sel {
        None | Some(Value::Null) => Ok(LabelSelector::nothing()),
        Some(v) => {
            let api = <metav1::LabelSelector as serde::Deserialize>::deserialize(v)
                .map_err(|e| SelectorError::new(format!("invalid label selector: {e}")))?;
            label_selector_from_api(Some(&api))
        }
    }
}

/// upstream `metav1.FormatLabelSelector` (kubectl's wide SELECTOR column): `<none>` when
/// empty, `<error>` when it does not convert, otherwise the canonical string.
pub fn format_label_selector(sel: Option<&metav1::LabelSelector>) -> String {
    match label_selector_from_api(sel) {
        Err(_) => "<error>".into(),
        Ok(s) => {
            let l = s.to_string();
            if l.is_empty() { "<none>".into() } else { l }
        }
    }
}

// ---------------------------------------------------------------------------
// Field selectors
// ---------------------------------------------------------------------------

/// One field selector term: `field=value` or `field!=value`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldRequirement {
    pub field: String,
    pub not_equals: bool,
    pub value: String,
}

/// A parsed field selector: terms ANDed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FieldSelector {
    pub terms: Vec<FieldRequirement>,
}

impl FieldSelector {
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// upstream: a missing field reads as `""`.
    pub fn matches(&self, fields: &BTreeMap<String, String>) -> bool {
        self.terms.iter().all(|t| {
            let v = fields.get(&t.field).map(String::as_str).unwrap_or("");
            (v == t.value) != t.not_equals
        })
    }

    /// Match an object given as JSON, computing its fields with [`object_fields`].
    pub fn matches_object(&self, kind: &str, obj: &Value) -> bool {
        self.is_empty() || self.matches(&object_fields(kind, obj))
    }

    /// The value an `=`/`==` term pins for `field`.
    pub fn requires_exact_match(&self, field: &str) -> Option<&str> {
        self.terms.iter().find(|t| t.field == field && !t.not_equals).map(|t| t.value.as_str())
    }
}

impl fmt::Display for FieldSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self
            .terms
            .iter()
            .map(|t| format!("{}{}{}", t.field, if t.not_equals { "!=" } else { "=" }, escape_field_value(&t.value)))
            .collect();
        f.write_str(&parts.join(","))
    }
}

/// upstream `fields.EscapeValue`.
pub fn escape_field_value(s: &str) -> String {
    s.replace('\\', "\\\\").replace(',', "\\,").replace('=', "\\=")
}

/// upstream `splitTerms`: split on commas not escaped by a backslash.
fn split_terms(s: &str) -> Vec<&str> {
    if s.is_empty() {
        return Vec::new();
    }
    let mut terms = Vec::new();
    let mut start = 0;
    let mut in_slash = false;
    for (i, c) in s.char_indices() {
        if in_slash {
            in_slash = false;
        } else if c == '\\' {
            in_slash = true;
        } else if c == ',' {
            terms.push(&s[start..i]);
            start = i + 1;
        }
    }
    terms.push(&s[start..]);
    terms
}

/// upstream `splitTerm`: the first `!=`, `==` or `=` (tried in that order at each position).
fn split_term(term: &str) -> Option<(&str, bool, &str)> {
    for (i, _) in term.char_indices() {
        let rest = &term[i..];
        for (op, neq) in [("!=", true), ("==", false), ("=", false)] {
            if rest.starts_with(op) {
                return Some((&term[..i], neq, &term[i + op.len()..]));
            }
        }
    }
    None
}

/// upstream `UnescapeValue`.
fn unescape_value(s: &str) -> Result<String, SelectorError> {
    let mut out = String::with_capacity(s.len());
    let mut in_slash = false;
    for c in s.chars() {
        if in_slash {
            match c {
                '\\' | ',' | '=' => out.push(c),
                _ => {
                    return Err(SelectorError::new(format!(
                        "invalid field selector: invalid escape sequence: \\{c}"
                    )));
                }
            }
            in_slash = false;
            continue;
        }
        match c {
            '\\' => in_slash = true,
            // Go prints the rune with %v: its number
            ',' | '=' => {
                return Err(SelectorError::new(format!(
                    "invalid field selector: unescaped character in value: {}",
                    c as u32
                )));
            }
            _ => out.push(c),
        }
    }
    if in_slash {
        return Err(SelectorError::new("invalid field selector: invalid escape sequence: \\"));
    }
    Ok(out)
}

/// Field labels a kind supports, as upstream's field label conversion functions list them.
/// `None`: the kind has only upstream's default conversion (`metadata.name`, `metadata.namespace`).
pub fn supported_field_labels(kind: &str) -> Option<&'static [&'static str]> {
    Some(match kind {
        "Pod" => &[
            "metadata.name",
            "metadata.namespace",
            "spec.nodeName",
            "spec.restartPolicy",
            "spec.schedulerName",
            "spec.serviceAccountName",
            "spec.hostNetwork",
            "status.phase",
            "status.podIP",
            "status.podIPs",
            "status.nominatedNodeName",
        ],
        "Event" => &[
            "involvedObject.kind",
            "involvedObject.namespace",
            "involvedObject.name",
            "involvedObject.uid",
            "involvedObject.apiVersion",
            "involvedObject.resourceVersion",
            "involvedObject.fieldPath",
            "reason",
            "reportingComponent",
            "source",
            "type",
            "metadata.namespace",
            "metadata.name",
        ],
        "Namespace" => &["status.phase", "metadata.name"],
        "Node" => &["metadata.name", "spec.unschedulable"],
        "Secret" => &["type", "metadata.namespace", "metadata.name"],
        "Service" => &["metadata.namespace", "metadata.name", "spec.clusterIP", "spec.type"],
        "ReplicationController" => &["metadata.name", "metadata.namespace", "status.replicas"],
        _ => return None,
    })
}

/// upstream `Scheme.ConvertFieldLabel` for `kind`: the (possibly renamed) label, or the error.
fn convert_field_label(kind: &str, label: &str) -> Result<String, SelectorError> {
    match supported_field_labels(kind) {
        Some(list) => {
            if kind == "Pod" && label == "spec.host" {
                // upstream keeps this for old clients
                return Ok("spec.nodeName".into());
            }
            if list.contains(&label) {
                Ok(label.to_string())
            } else {
                Err(SelectorError::new(format!("field label not supported: {label}")))
            }
        }
        None => match label {
            "metadata.name" | "metadata.namespace" => Ok(label.to_string()),
            _ => Err(SelectorError::new(format!(
                "\"{label}\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\""
            ))),
        },
    }
}

/// events.k8s.io/v1 `Event` field labels and the core labels they map to (upstream
/// `pkg/apis/events/v1/conversion.go`); both groups are served from one storage.
const EVENTS_V1_FIELD_LABELS: &[(&str, &str)] = &[
    ("reason", "reason"),
    ("regarding.kind", "involvedObject.kind"),
    ("regarding.namespace", "involvedObject.namespace"),
    ("regarding.name", "involvedObject.name"),
    ("regarding.uid", "involvedObject.uid"),
    ("regarding.apiVersion", "involvedObject.apiVersion"),
    ("regarding.resourceVersion", "involvedObject.resourceVersion"),
    ("regarding.fieldPath", "involvedObject.fieldPath"),
    ("reportingController", "reportingComponent"),
    ("type", "type"),
    ("metadata.namespace", "metadata.namespace"),
    ("metadata.name", "metadata.name"),
];

/// Like [`parse_field_selector`], for a kind of an API group: `events.k8s.io` `Event`s take
/// that group's labels (`regarding.name`, `reportingController`, ...), which select on the
/// same fields as the core ones ([`object_fields`] reads both shapes).
pub fn parse_field_selector_in_group(group: &str, kind: &str, s: &str) -> Result<FieldSelector, SelectorError> {
    if group == "events.k8s.io" && kind == "Event" {
        let mut sel = parse_terms(s)?;
        for t in &mut sel.terms {
            match EVENTS_V1_FIELD_LABELS.iter().find(|(l, _)| *l == t.field) {
                Some((_, core)) => t.field = (*core).to_string(),
                None => return Err(SelectorError::new(format!("field label not supported: {}", t.field))),
            }
        }
        return Ok(sel);
    }
    parse_field_selector(kind, s)
}

/// Parse a `fieldSelector` for objects of `kind` (upstream `fields.ParseSelector` followed by
/// the apiserver's field label conversion). `""` matches everything.
pub fn parse_field_selector(kind: &str, s: &str) -> Result<FieldSelector, SelectorError> {
    let mut sel = parse_terms(s)?;
    for t in &mut sel.terms {
        t.field = convert_field_label(kind, &t.field)?;
    }
    Ok(sel)
}

/// upstream `fields.ParseSelector`: the terms, unconverted.
fn parse_terms(s: &str) -> Result<FieldSelector, SelectorError> {
    let mut parts = split_terms(s);
    parts.sort();
    let mut terms = Vec::new();
    for part in parts {
        if part.is_empty() {
            continue;
        }
        let Some((lhs, neq, rhs)) = split_term(part) else {
            return Err(SelectorError::new(format!("invalid selector: '{s}'; can't understand '{part}'")));
        };
        let value = unescape_value(rhs)?;
        terms.push(FieldRequirement { field: lhs.to_string(), not_equals: neq, value });
    }
    Ok(FieldSelector { terms })
}

fn str_at(obj: &Value, ptr: &str) -> String {
    match obj.pointer(ptr) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Bool(b)) => b.to_string(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

/// An object's selectable fields as upstream's registries compute them (`GetAttrs`).
/// Always `metadata.name`, and `metadata.namespace` for namespaced objects.
pub fn object_fields(kind: &str, obj: &Value) -> BTreeMap<String, String> {
    let mut f = BTreeMap::new();
    let mut put = |k: &str, v: String| {
        f.insert(k.to_string(), v);
    };
    put("metadata.name", str_at(obj, "/metadata/name"));
    put("metadata.namespace", str_at(obj, "/metadata/namespace"));
    match kind {
        "Pod" => {
            put("spec.nodeName", str_at(obj, "/spec/nodeName"));
            put("spec.restartPolicy", str_at(obj, "/spec/restartPolicy"));
            put("spec.schedulerName", str_at(obj, "/spec/schedulerName"));
            put("spec.serviceAccountName", str_at(obj, "/spec/serviceAccountName"));
            let host_network = obj.pointer("/spec/hostNetwork").and_then(Value::as_bool).unwrap_or(false);
            put("spec.hostNetwork", host_network.to_string());
            put("status.phase", str_at(obj, "/status/phase"));
            // upstream: the first of status.podIPs (podIP mirrors it)
            let ip = obj
                .pointer("/status/podIPs/0/ip")
                .and_then(Value::as_str)
                .map(str::to_string)
                .unwrap_or_else(|| str_at(obj, "/status/podIP"));
            put("status.podIP", ip);
            put("status.nominatedNodeName", str_at(obj, "/status/nominatedNodeName"));
        }
        "Event" => {
            // core/v1 or events.k8s.io/v1 shape (regarding, reportingController, deprecatedSource)
            let v1 = obj.get("regarding").is_some() || obj.get("note").is_some();
            let r = if v1 { "regarding" } else { "involvedObject" };
            for k in ["kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath"] {
                put(&format!("involvedObject.{k}"), str_at(obj, &format!("/{r}/{k}")));
            }
            put("reason", str_at(obj, "/reason"));
            let reporting = if v1 { "/reportingController" } else { "/reportingComponent" };
            put("reportingComponent", str_at(obj, reporting));
            put("source", str_at(obj, if v1 { "/deprecatedSource/component" } else { "/source/component" }));
            put("type", str_at(obj, "/type"));
        }
        "Namespace" => {
            put("status.phase", str_at(obj, "/status/phase"));
        }
        "Node" => {
            let u = obj.pointer("/spec/unschedulable").and_then(Value::as_bool).unwrap_or(false);
            put("spec.unschedulable", u.to_string());
        }
        "Secret" => {
            put("type", str_at(obj, "/type"));
        }
        "Service" => {
            put("spec.clusterIP", str_at(obj, "/spec/clusterIP"));
            put("spec.type", str_at(obj, "/spec/type"));
        }
        "ReplicationController" => {
            let r = obj.pointer("/status/replicas").and_then(Value::as_i64).unwrap_or(0);
            put("status.replicas", r.to_string());
        }
        _ => {}
    }
    f
}
