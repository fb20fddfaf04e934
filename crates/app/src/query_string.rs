//! A page's query string, decoded exactly once.
//!
//! `leptos_router`'s `use_query_map` decodes every value twice (the URL parser decodes it,
//! then `ParamsMap::insert` unescapes the result again), so a literal `%41` typed into a
//! search box reached the server as `A`, and `%25` as whatever followed it. Pages read
//! their query through [`use_query_once`] instead: the raw query string of the current
//! location (the same on the server and in the browser) decoded once, as
//! `application/x-www-form-urlencoded` says.

use leptos::prelude::*;
use leptos_router::hooks::use_location;

/// The current page's query parameters, in order, each decoded once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueryOnce(Vec<(String, String)>);

impl QueryOnce {
    /// Parses a raw query string (without the leading `?`).
    pub fn parse(raw: &str) -> Self {
        let raw = raw.strip_prefix('?').unwrap_or(raw);
        QueryOnce(
            raw.split('&')
                .filter(|pair| !pair.is_empty())
                .map(|pair| {
                    let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
                    (form_decode(key), form_decode(value))
                })
                .collect(),
        )
    }

    /// The first value of `key` (the same shape as `ParamsMap::get`).
    pub fn get(&self, key: &str) -> Option<String> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    }

    /// Every value of `key`, in order (`None` when there is none).
    pub fn get_all(&self, key: &str) -> Option<Vec<String>> {
        let all: Vec<String> = self
            .0
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .collect();
        (!all.is_empty()).then_some(all)
    }
}

/// One form-encoded component: `+` is a space, `%XX` a byte; invalid escapes stay as
/// they are, and bytes that are not UTF-8 become U+FFFD (as browsers do).
fn form_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(high), Some(low)) => {
                    out.push(high << 4 | low);
                    i += 3;
                }
                _ => {
                    out.push(b'%');
                    i += 1;
                }
            },
            byte => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'a'..=b'f' => Some(byte - b'a' + 10),
        b'A'..=b'F' => Some(byte - b'A' + 10),
        _ => None,
    }
}

/// The current page's query, decoded once, following navigation.
pub fn use_query_once() -> Memo<QueryOnce> {
    let search = use_location().search;
    Memo::new(move |_| search.with(|raw| QueryOnce::parse(raw)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_value_is_decoded_once() {
        let q = QueryOnce::parse("q=%2541&state=active&col=email&col=id&name=Ann+Lee&x=%E2%9C%93");
        assert_eq!(q.get("q").as_deref(), Some("%41"), "typed %41 stays %41");
        assert_eq!(q.get("state").as_deref(), Some("active"));
        assert_eq!(
            q.get_all("col"),
            Some(vec!["email".to_string(), "id".to_string()])
        );
        assert_eq!(q.get("name").as_deref(), Some("Ann Lee"));
        assert_eq!(q.get("x").as_deref(), Some("✓"));
        assert_eq!(q.get("missing"), None);
        assert_eq!(q.get_all("missing"), None);
    }

    #[test]
    fn broken_escapes_are_kept_as_typed() {
        let q = QueryOnce::parse("?a=100%&b=%zz&c=%4&d=%2B&flag");
        assert_eq!(q.get("a").as_deref(), Some("100%"));
        assert_eq!(q.get("b").as_deref(), Some("%zz"));
        assert_eq!(q.get("c").as_deref(), Some("%4"));
        assert_eq!(q.get("d").as_deref(), Some("+"));
        assert_eq!(q.get("flag").as_deref(), Some(""));
    }
}
