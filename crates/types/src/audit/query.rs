//! The audit search language, modelled on GitHub's and Okta's audit-log search:
//!
//! ```text
//! actor:alice@corp.com action:deleteBase -category:oauth after:2026-01-01 "quarterly report"
//! ```
//!
//! - `key:value` filters: `actor:` (email or `usr…` ID), `action:`, `category:`, `model:`,
//!   `workspace:` (`wsp…`), `base:` (`app…`), `ip:`, `after:` and `before:` (a date, read as
//!   midnight UTC, or an RFC 3339 time; `after` includes the moment, `before` excludes it).
//! - A value with spaces goes in quotes: `actor:"alice@corp.com"`.
//! - `-` in front of a filter or a quoted text negates it.
//! - Quoted (or bare) text searches every string in the event, payload included, as a phrase.
//! - Different filters must all match; repeating a filter (`action:a action:b`) matches
//!   either value.
//!
//! Pure data, no I/O: the server parses with it, and the browser can too. Parsing a query's
//! `Display` gives the same query back (the search box shows the canonical form).

use std::fmt;
use std::net::IpAddr;

use chrono::{DateTime, Datelike, NaiveDate, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

use super::categories::CATEGORIES;

/// Longest query accepted, in characters: a search box, not a program.
pub const MAX_QUERY_CHARS: usize = 2_000;
/// Most terms in one query.
pub const MAX_TERMS: usize = 40;

/// The filter keys, in the order the help text lists them.
pub const FILTER_KEYS: &[&str] = &[
    "actor",
    "action",
    "category",
    "model",
    "workspace",
    "base",
    "ip",
    "after",
    "before",
];

/// A parsed search.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditQuery {
    pub terms: Vec<Term>,
}

/// One condition, possibly negated.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Term {
    pub negated: bool,
    pub filter: Filter,
}

/// What one term matches.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Filter {
    /// The acting person's email, lower-cased (emails compare without case).
    ActorEmail(String),
    /// The acting person's Airtable user ID (`usr…`).
    ActorId(String),
    Action(String),
    /// One of Airtable's categories, spelled as Airtable spells it.
    Category(String),
    /// The ID of the thing acted on (any kind).
    Model(String),
    /// Events in this workspace (`wsp…`), its bases' included.
    Workspace(String),
    /// Events in this base (`app…`).
    Base(String),
    /// The originating IP address, in its canonical form.
    Ip(String),
    /// At or after this moment.
    After(DateTime<Utc>),
    /// Strictly before this moment.
    Before(DateTime<Utc>),
    /// A phrase found among the event's strings.
    Text(String),
}

/// Why a query could not be read, in words for the person who typed it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct QueryError {
    pub message: String,
    /// Where the problem starts, in characters from the start of the query.
    pub position: usize,
}

impl QueryError {
    fn at(position: usize, message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            position,
        }
    }
}

impl AuditQuery {
    /// Reads a query typed into the search box.
    pub fn parse(input: &str) -> Result<Self, QueryError> {
        let chars: Vec<char> = input.chars().collect();
        if chars.len() > MAX_QUERY_CHARS {
            return Err(QueryError::at(
                MAX_QUERY_CHARS,
                format!("The search is too long: keep it under {MAX_QUERY_CHARS} characters."),
            ));
        }
        let mut reader = Reader { chars, at: 0 };
        let mut terms = Vec::new();
        while let Some(term) = reader.term()? {
            if terms.len() == MAX_TERMS {
                return Err(QueryError::at(
                    reader.at,
                    format!("The search has too many parts: use at most {MAX_TERMS}."),
                ));
            }
            terms.push(term);
        }
        Ok(Self { terms })
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// Adds a filter given through a form control (kept separate in the URL) to the query.
    /// An empty control adds nothing.
    pub fn add_control(&mut self, key: &str, value: &str) -> Result<(), QueryError> {
        let value = value.trim();
        if value.is_empty() {
            return Ok(());
        }
        let filter = filter_for(key, value, 0)?;
        self.terms.push(Term {
            negated: false,
            filter,
        });
        Ok(())
    }

    /// The latest `after:` bound, if any (the one that actually limits the results).
    pub fn after(&self) -> Option<DateTime<Utc>> {
        self.terms
            .iter()
            .filter_map(|t| match t.filter {
                Filter::After(at) => Some(at),
                _ => None,
            })
            .max()
    }

    /// The earliest `before:` bound, if any.
    pub fn before(&self) -> Option<DateTime<Utc>> {
        self.terms
            .iter()
            .filter_map(|t| match t.filter {
                Filter::Before(at) => Some(at),
                _ => None,
            })
            .min()
    }
}

/// The search as it travels in the URL: the box and the form controls beside it, so a
/// search can be bookmarked and shared. Missing fields are empty.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SearchForm {
    pub q: String,
    pub action: String,
    pub category: String,
    pub actor: String,
    pub after: String,
    pub before: String,
}

impl SearchForm {
    /// The box's query with the controls' filters added.
    pub fn to_query(&self) -> Result<AuditQuery, QueryError> {
        let mut query = AuditQuery::parse(&self.q)?;
        for (key, value) in [
            ("action", &self.action),
            ("category", &self.category),
            ("actor", &self.actor),
            ("after", &self.after),
            ("before", &self.before),
        ] {
            query.add_control(key, value)?;
        }
        Ok(query)
    }

    /// The URL query string that reproduces this search (empty fields left out).
    pub fn to_url_query(&self) -> String {
        [
            ("q", &self.q),
            ("action", &self.action),
            ("category", &self.category),
            ("actor", &self.actor),
            ("after", &self.after),
            ("before", &self.before),
        ]
        .into_iter()
        .filter(|(_, value)| !value.trim().is_empty())
        .map(|(key, value)| format!("{key}={}", percent_encode(value)))
        .collect::<Vec<_>>()
        .join("&")
    }
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
pub fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    percent_encode_into(&mut out, value);
    out
}

/// [`percent_encode`] onto the end of `out`: a page of search results writes some 250
/// links, so no string is made per escaped byte.
pub fn percent_encode_into(out: &mut String, value: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(byte as char);
        } else {
            out.push('%');
            out.push(HEX[usize::from(byte >> 4)] as char);
            out.push(HEX[usize::from(byte & 0x0f)] as char);
        }
    }
}

struct Reader {
    chars: Vec<char>,
    at: usize,
}

impl Reader {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn skip_space(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.at += 1;
        }
    }

    fn term(&mut self) -> Result<Option<Term>, QueryError> {
        self.skip_space();
        let start = self.at;
        let Some(first) = self.peek() else {
            return Ok(None);
        };
        let negated = first == '-';
        if negated {
            self.at += 1;
            if self.peek().is_none_or(char::is_whitespace) {
                return Err(QueryError::at(
                    start,
                    "A minus must be followed by a filter or quoted text, as in -action:deleteBase.",
                ));
            }
        }
        let filter = if self.peek() == Some('"') {
            let text = self.quoted()?;
            text_filter(&text, start)?
        } else {
            let word_start = self.at;
            let word = self.word_until_colon();
            if self.peek() == Some(':') {
                self.at += 1;
                let value_start = self.at;
                let value = if self.peek() == Some('"') {
                    self.quoted()?
                } else {
                    self.word()
                };
                if value.trim().is_empty() {
                    return Err(QueryError::at(
                        value_start,
                        format!("{word}: needs a value, as in {}.", example(&word)),
                    ));
                }
                filter_for(&word, value.trim(), word_start)?
            } else {
                text_filter(&word, start)?
            }
        };
        if negated && matches!(filter, Filter::After(_) | Filter::Before(_)) {
            return Err(QueryError::at(
                start,
                "after: and before: cannot be negated: use the other one instead.",
            ));
        }
        if self.peek().is_some_and(|c| !c.is_whitespace()) {
            return Err(QueryError::at(
                self.at,
                "Put a space between the parts of a search.",
            ));
        }
        Ok(Some(Term { negated, filter }))
    }

    /// A bare word up to a colon, a quote or a space.
    fn word_until_colon(&mut self) -> String {
        let mut word = String::new();
        while let Some(c) = self.peek() {
            if c.is_whitespace() || c == ':' || c == '"' {
                break;
            }
            word.push(c);
            self.at += 1;
        }
        word
    }

    /// A bare value up to a space (colons allowed: IPv6 addresses, times).
    fn word(&mut self) -> String {
        let mut word = String::new();
        while let Some(c) = self.peek() {
            if c.is_whitespace() || c == '"' {
                break;
            }
            word.push(c);
            self.at += 1;
        }
        word
    }

    /// A double-quoted string; `\"` and `\\` escape.
    fn quoted(&mut self) -> Result<String, QueryError> {
        let open = self.at;
        self.at += 1;
        let mut text = String::new();
        loop {
            match self.peek() {
                None => {
                    return Err(QueryError::at(
                        open,
                        "A quote is opened but never closed: add the closing \".",
                    ))
                }
                Some('"') => {
                    self.at += 1;
                    return Ok(text);
                }
                Some('\\') if matches!(self.chars.get(self.at + 1), Some('"' | '\\')) => {
                    text.push(self.chars[self.at + 1]);
                    self.at += 2;
                }
                Some(c) => {
                    text.push(c);
                    self.at += 1;
                }
            }
        }
    }
}

fn text_filter(text: &str, position: usize) -> Result<Filter, QueryError> {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.is_empty() {
        return Err(QueryError::at(
            position,
            "Empty quotes search for nothing: put words between them.",
        ));
    }
    Ok(Filter::Text(text))
}

fn example(key: &str) -> &'static str {
    match key {
        "actor" => "actor:alice@corp.com",
        "action" => "action:deleteBase",
        "category" => "category:user",
        "model" => "model:appXXXXXXXXXXXXXX",
        "workspace" => "workspace:wspXXXXXXXXXXXXXX",
        "base" => "base:appXXXXXXXXXXXXXX",
        "ip" => "ip:203.0.113.7",
        "after" => "after:2026-01-01",
        "before" => "before:2026-02-01",
        _ => "action:deleteBase",
    }
}

/// The filter `key:value` stands for, or why it is not one.
fn filter_for(key: &str, value: &str, position: usize) -> Result<Filter, QueryError> {
    let fail = |message: String| Err(QueryError::at(position, message));
    match key.to_ascii_lowercase().as_str() {
        "actor" => {
            if value.contains('@') {
                Ok(Filter::ActorEmail(value.to_lowercase()))
            } else if has_id_prefix(value, "usr") {
                Ok(Filter::ActorId(value.to_string()))
            } else {
                fail(format!(
                    "actor: takes an email address or a user ID starting with usr, not \"{value}\"."
                ))
            }
        }
        "action" => {
            if value.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                Ok(Filter::Action(value.to_string()))
            } else {
                fail(format!(
                    "action: takes an Airtable event name such as deleteBase, not \"{value}\"."
                ))
            }
        }
        "category" => match CATEGORIES.iter().find(|c| c.eq_ignore_ascii_case(value)) {
            Some(category) => Ok(Filter::Category((*category).to_string())),
            None => fail(format!(
                "\"{value}\" is not an audit category. The categories are: {}.",
                CATEGORIES.join(", ")
            )),
        },
        "model" => Ok(Filter::Model(value.to_string())),
        "workspace" => checked_id("workspace", "wsp", value)
            .map(Filter::Workspace)
            .or_else(fail),
        "base" => checked_id("base", "app", value)
            .map(Filter::Base)
            .or_else(fail),
        "ip" => match value.parse::<IpAddr>() {
            Ok(ip) => Ok(Filter::Ip(ip.to_string())),
            Err(_) => fail(format!(
                "ip: takes an IP address such as 203.0.113.7, not \"{value}\"."
            )),
        },
        "after" => checked_moment("after", value)
            .map(Filter::After)
            .or_else(fail),
        "before" => checked_moment("before", value)
            .map(Filter::Before)
            .or_else(fail),
        _ => fail(format!(
            "There is no filter called \"{key}:\". The filters are {}. To search for text \
             with a colon in it, put it in quotes.",
            FILTER_KEYS
                .iter()
                .map(|k| format!("{k}:"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// `value` when it is the ID of a `model` (which starts with `prefix`); else what the
/// filter `model:` takes.
fn checked_id(model: &str, prefix: &str, value: &str) -> Result<String, String> {
    if has_id_prefix(value, prefix) {
        Ok(value.to_string())
    } else {
        Err(format!(
            "{model}: takes a {model} ID starting with {prefix}, not \"{value}\"."
        ))
    }
}

fn has_id_prefix(value: &str, prefix: &str) -> bool {
    value.len() > prefix.len()
        && value.starts_with(prefix)
        && value.chars().all(|c| c.is_ascii_alphanumeric())
}

fn bad_moment(key: &str, value: &str) -> String {
    format!(
        "{key}: takes a date such as 2026-01-31 or a time such as 2026-01-31T09:30:00Z, \
         not \"{value}\"."
    )
}

/// The years a date in a search may name. The audit log starts long after 2000; a date far
/// outside is a typo, and one like `-200000-01-01` would only cost the database (a
/// chart from it has millions of buckets) before saying nothing useful.
pub const MOMENT_YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

/// `value` as the moment of an `after:` or `before:` filter, or why it is not one.
fn checked_moment(key: &str, value: &str) -> Result<DateTime<Utc>, String> {
    let at = moment(value).ok_or_else(|| bad_moment(key, value))?;
    if MOMENT_YEARS.contains(&at.year()) {
        Ok(at)
    } else {
        Err(format!(
            "{key}: takes a date between the years {} and {}, not \"{value}\".",
            MOMENT_YEARS.start(),
            MOMENT_YEARS.end()
        ))
    }
}

/// A date (midnight UTC) or an RFC 3339 time.
fn moment(value: &str) -> Option<DateTime<Utc>> {
    if let Ok(date) = NaiveDate::parse_from_str(value, "%Y-%m-%d") {
        return Some(date.and_hms_opt(0, 0, 0)?.and_utc());
    }
    DateTime::parse_from_rfc3339(value)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

impl fmt::Display for AuditQuery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, term) in self.terms.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{term}")?;
        }
        Ok(())
    }
}

impl fmt::Display for Term {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.negated {
            f.write_str("-")?;
        }
        let (key, value) = match &self.filter {
            Filter::Text(text) => return f.write_str(&quote(text)),
            Filter::ActorEmail(v) | Filter::ActorId(v) => ("actor", v.clone()),
            Filter::Action(v) => ("action", v.clone()),
            Filter::Category(v) => ("category", v.clone()),
            Filter::Model(v) => ("model", v.clone()),
            Filter::Workspace(v) => ("workspace", v.clone()),
            Filter::Base(v) => ("base", v.clone()),
            Filter::Ip(v) => ("ip", v.clone()),
            Filter::After(at) => ("after", show_moment(*at)),
            Filter::Before(at) => ("before", show_moment(*at)),
        };
        if value.is_empty() || value.chars().any(|c| c.is_whitespace() || c == '"') {
            write!(f, "{key}:{}", quote(&value))
        } else {
            write!(f, "{key}:{value}")
        }
    }
}

fn quote(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('"');
    for c in text.chars() {
        if c == '"' || c == '\\' {
            quoted.push('\\');
        }
        quoted.push(c);
    }
    quoted.push('"');
    quoted
}

fn show_moment(at: DateTime<Utc>) -> String {
    if at.time() == chrono::NaiveTime::MIN {
        at.format("%Y-%m-%d").to_string()
    } else {
        at.to_rfc3339_opts(SecondsFormat::AutoSi, true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parse(s: &str) -> AuditQuery {
        AuditQuery::parse(s).unwrap_or_else(|e| panic!("{s:?} should parse: {e}"))
    }

    fn error(s: &str) -> QueryError {
        match AuditQuery::parse(s) {
            Ok(q) => panic!("{s:?} should not parse, got {q:?}"),
            Err(e) => e,
        }
    }

    fn term(negated: bool, filter: Filter) -> Term {
        Term { negated, filter }
    }

    #[test]
    fn percent_encodes_reserved_and_non_ascii_bytes_in_upper_case_hex() {
        assert_eq!(percent_encode("actor:a b@c.com"), "actor%3Aa%20b%40c.com");
        assert_eq!(percent_encode("é~_-."), "%C3%A9~_-.");
        let mut link = String::from("/audit?q=");
        percent_encode_into(&mut link, "\"x\"/?");
        assert_eq!(link, "/audit?q=%22x%22%2F%3F");
    }

    #[test]
    fn reads_every_filter() {
        let q = parse(
            "actor:Alice@Corp.com actor:usrABC123 action:deleteBase category:OAUTH \
             model:appX1 workspace:wspW1 base:appB1 ip:203.0.113.7 after:2026-01-01 \
             before:2026-02-01T10:30:00+02:00 \"quarterly report\" budget",
        );
        let at = |s: &str| DateTime::parse_from_rfc3339(s).map(|t| t.with_timezone(&Utc));
        assert_eq!(
            q.terms,
            vec![
                term(false, Filter::ActorEmail("alice@corp.com".into())),
                term(false, Filter::ActorId("usrABC123".into())),
                term(false, Filter::Action("deleteBase".into())),
                term(false, Filter::Category("oauth".into())),
                term(false, Filter::Model("appX1".into())),
                term(false, Filter::Workspace("wspW1".into())),
                term(false, Filter::Base("appB1".into())),
                term(false, Filter::Ip("203.0.113.7".into())),
                term(false, Filter::After(at("2026-01-01T00:00:00Z").unwrap())),
                term(false, Filter::Before(at("2026-02-01T08:30:00Z").unwrap())),
                term(false, Filter::Text("quarterly report".into())),
                term(false, Filter::Text("budget".into())),
            ]
        );
    }

    #[test]
    fn negation_quotes_and_escapes() {
        let q = parse(r#"-action:deleteBase -"said \"hi\" \\ there"  actor:"bob@corp.com""#);
        assert_eq!(
            q.terms,
            vec![
                term(true, Filter::Action("deleteBase".into())),
                term(true, Filter::Text(r#"said "hi" \ there"#.into())),
                term(false, Filter::ActorEmail("bob@corp.com".into())),
            ]
        );
        assert_eq!(
            q.to_string(),
            r#"-action:deleteBase -"said \"hi\" \\ there" actor:bob@corp.com"#
        );
    }

    #[test]
    fn ipv6_and_canonical_forms() {
        let q = parse("ip:2001:DB8::1 after:2026-03-04T05:06:07.250Z");
        assert_eq!(
            q.to_string(),
            "ip:2001:db8::1 after:2026-03-04T05:06:07.250Z"
        );
    }

    #[test]
    fn empty_query_is_everything() {
        assert!(parse("   ").is_empty());
    }

    #[test]
    fn mistakes_get_plain_messages_with_positions() {
        let e = error("action:deleteBase colour:red");
        assert!(e.message.contains("no filter called \"colour:\""), "{e}");
        assert_eq!(e.position, 18);
        assert!(error("\"unclosed").message.contains("never closed"));
        assert!(error("action:").message.contains("needs a value"));
        assert!(error("- action:x").message.contains("minus"));
        assert!(error("after:yesterday").message.contains("2026-01-31"));
        assert!(error("-after:2026-01-01")
            .message
            .contains("cannot be negated"));
        assert!(error("category:nope").message.contains("baseCollaboration"));
        assert!(error("actor:alice").message.contains("email"));
        assert!(error("workspace:app123").message.contains("wsp"));
        assert!(error("base:wsp123").message.contains("app"));
        assert!(error("ip:1.2.3").message.contains("IP address"));
        assert!(error("action:drop;table").message.contains("event name"));
        assert!(error("\"\"").message.contains("Empty quotes"));
        assert!(error("\"a\"b").message.contains("space"));
        assert!(error(&"x ".repeat(1_001)).message.contains("too long"));
        assert!(error(&"x ".repeat(MAX_TERMS + 1))
            .message
            .contains("too many"));
    }

    #[test]
    fn form_controls_join_the_query() {
        let mut q = parse("\"report\"");
        q.add_control("category", "base").unwrap();
        q.add_control("actor", "").unwrap();
        q.add_control("after", "2026-01-01").unwrap();
        assert_eq!(q.to_string(), "\"report\" category:base after:2026-01-01");
        assert!(q.add_control("after", "soon").is_err());
        assert_eq!(
            q.after(),
            DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
                .ok()
                .map(|t| t.with_timezone(&Utc))
        );
    }

    #[test]
    fn the_form_travels_in_the_url() {
        let form = SearchForm {
            q: "\"a b\" -action:x".into(),
            category: "user".into(),
            ..SearchForm::default()
        };
        assert_eq!(
            form.to_url_query(),
            "q=%22a%20b%22%20-action%3Ax&category=user"
        );
        assert_eq!(
            form.to_query().map(|q| q.to_string()),
            Ok("\"a b\" -action:x category:user".to_string())
        );
        let bad = SearchForm {
            actor: "nobody".into(),
            ..SearchForm::default()
        };
        assert!(bad.to_query().is_err());
    }

    #[test]
    fn dates_far_outside_the_audit_log_are_refused_in_words() {
        for (input, words) in [
            ("after:-200000-01-01", "after: takes a date"),
            ("before:+200000-01-01", "before: takes a date"),
            ("after:1999-12-31", "between the years 2000 and 2100"),
            ("before:2101-01-01", "between the years 2000 and 2100"),
            (
                "before:2101-01-01T00:00:00Z",
                "between the years 2000 and 2100",
            ),
        ] {
            let error = AuditQuery::parse(input).expect_err(input);
            assert!(error.to_string().contains(words), "{input}: {error}");
        }
        for edge in ["after:2000-01-01", "before:2100-12-31T23:59:59Z"] {
            assert!(AuditQuery::parse(edge).is_ok(), "{edge}");
        }
    }

    fn id(prefix: &'static str) -> impl Strategy<Value = String> {
        "[A-Za-z0-9]{1,17}".prop_map(move |s| format!("{prefix}{s}"))
    }

    fn moment_strategy() -> impl Strategy<Value = DateTime<Utc>> {
        // Whole days and times down to the millisecond, 2000–2100.
        (946_684_800_000i64..4_102_444_800_000i64, any::<bool>()).prop_map(|(ms, whole_day)| {
            let ms = if whole_day { ms - ms % 86_400_000 } else { ms };
            DateTime::from_timestamp_millis(ms).unwrap_or_default()
        })
    }

    fn filter_strategy() -> impl Strategy<Value = Filter> {
        prop_oneof![
            "[a-z0-9._%+-]{1,12}@[a-z0-9.-]{1,12}".prop_map(Filter::ActorEmail),
            id("usr").prop_map(Filter::ActorId),
            "[A-Za-z0-9_]{1,30}".prop_map(Filter::Action),
            proptest::sample::select(CATEGORIES).prop_map(|c| Filter::Category(c.to_string())),
            "[^\\s\"]{1,20}".prop_map(Filter::Model),
            "[a-z0-9]{1,10} [a-z0-9]{1,10}".prop_map(Filter::Model),
            id("wsp").prop_map(Filter::Workspace),
            id("app").prop_map(Filter::Base),
            any::<std::net::IpAddr>().prop_map(|ip| Filter::Ip(ip.to_string())),
            moment_strategy().prop_map(Filter::After),
            moment_strategy().prop_map(Filter::Before),
            "\\PC{1,30}"
                .prop_map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
                .prop_filter("non-empty text", |s| !s.is_empty())
                .prop_map(Filter::Text),
        ]
    }

    fn query_strategy() -> impl Strategy<Value = AuditQuery> {
        proptest::collection::vec(
            (any::<bool>(), filter_strategy()).prop_map(|(negated, filter)| Term {
                negated: negated && !matches!(filter, Filter::After(_) | Filter::Before(_)),
                filter,
            }),
            0..8,
        )
        .prop_map(|terms| AuditQuery { terms })
    }

    proptest! {
        #[test]
        fn never_panics_on_any_input(input in "\\PC{0,200}") {
            let _ = AuditQuery::parse(&input);
        }

        #[test]
        fn never_panics_on_query_like_input(input in "[-\"\\\\: a-z@0-9]{0,60}") {
            let _ = AuditQuery::parse(&input);
        }

        #[test]
        fn display_round_trips(query in query_strategy()) {
            let shown = query.to_string();
            let parsed = AuditQuery::parse(&shown);
            prop_assert_eq!(parsed, Ok(query), "shown as {}", shown);
        }

        #[test]
        fn parsing_is_idempotent(input in "[-\"\\\\: a-z@0-9]{0,60}") {
            if let Ok(query) = AuditQuery::parse(&input) {
                let again = AuditQuery::parse(&query.to_string());
                prop_assert_eq!(again, Ok(query));
            }
        }

        #[test]
        fn percent_encoding_keeps_only_unreserved_bytes_and_decodes_back(input in "\\PC{0,40}") {
            let encoded = percent_encode(&input);
            prop_assert!(encoded.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.~%".contains(&b)));
            let mut decoded = Vec::new();
            let mut bytes = encoded.bytes();
            while let Some(b) = bytes.next() {
                if b == b'%' {
                    let hex: String = bytes.by_ref().take(2).map(char::from).collect();
                    decoded.push(u8::from_str_radix(&hex, 16).expect("two hex digits"));
                } else {
                    decoded.push(b);
                }
            }
            prop_assert_eq!(String::from_utf8(decoded).ok(), Some(input));
        }

        #[test]
        fn error_positions_are_inside_the_input(input in "\\PC{0,80}") {
            if let Err(e) = AuditQuery::parse(&input) {
                prop_assert!(e.position <= input.chars().count());
            }
        }
    }
}
