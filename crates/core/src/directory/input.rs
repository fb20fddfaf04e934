//! Checking what people type (ids, permissions, names, searches), and Airtable's refusals
//! in words: shared by the lists, the live reads and the changes.

use std::str::FromStr;

use airtable_client::models::{PermissionLevel, Restriction};
use console_types::{
    api::ConsoleError,
    directory::{PERMISSIONS, RESTRICTIONS},
};

/// Parses an id from a URL or form, saying plainly what is wrong with it.
pub fn parse_id<T>(text: &str, what: &str) -> Result<T, ConsoleError>
where
    T: FromStr,
    T::Err: std::fmt::Display,
{
    let text = text.trim();
    if text.is_empty() {
        return Err(ConsoleError::Invalid(format!("Give the {what} ID.")));
    }
    text.parse::<T>()
        .map_err(|e| ConsoleError::Invalid(format!("That is not a {what} ID: {e}.")))
}

/// A permission level a person may grant from the console.
pub fn parse_permission(text: &str) -> Result<PermissionLevel, ConsoleError> {
    let text = text.trim();
    if PERMISSIONS.iter().any(|(value, _)| *value == text) {
        Ok(PermissionLevel::from(text))
    } else {
        Err(ConsoleError::Invalid(format!(
            "{text:?} is not a permission the console grants: choose one of {}.",
            PERMISSIONS
                .iter()
                .map(|(v, _)| *v)
                .collect::<Vec<_>>()
                .join(", ")
        )))
    }
}

pub(super) fn parse_restriction(text: &str, what: &str) -> Result<Restriction, ConsoleError> {
    let text = text.trim();
    if RESTRICTIONS.iter().any(|(value, _)| *value == text) {
        Ok(Restriction::from(text))
    } else {
        Err(ConsoleError::Invalid(format!(
            "{text:?} is not a setting for who may create {what}: choose unrestricted or onlyOwners."
        )))
    }
}

/// Airtable's answer in words; "not found" becomes a 404 rather than a bad gateway.
pub fn airtable_error(what: &str, error: airtable_client::Error) -> ConsoleError {
    if error.is_not_found() {
        ConsoleError::NotFound(format!(
            "{what} (Airtable does not know it, or you cannot see it)"
        ))
    } else {
        crate::error::airtable_error(error)
    }
}

/// `%` and `_` in a search are literal characters, not wildcards.
pub(crate) fn like_pattern(q: &str) -> String {
    let mut out = String::with_capacity(q.len() + 2);
    out.push('%');
    for c in q.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// A name for something new: trimmed, not empty, at most 200 characters.
pub fn bounded_name(text: &str, what: &str) -> Result<String, ConsoleError> {
    let name = text.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(ConsoleError::Invalid(format!(
            "Give the {what} a name (at most 200 characters)."
        )));
    }
    Ok(name.to_string())
}

#[cfg(test)]
mod tests {
    use airtable_client::ids::WorkspaceId;

    use super::*;

    #[test]
    fn wildcards_in_a_search_are_literal() {
        assert_eq!(like_pattern("abc"), "%abc%");
        assert_eq!(like_pattern("50%_a\\b"), "%50\\%\\_a\\\\b%");
    }

    #[test]
    fn only_grantable_permissions_are_accepted() {
        assert_eq!(parse_permission(" edit ").ok(), Some(PermissionLevel::Edit));
        assert!(parse_permission("none").is_err());
        assert!(parse_permission("Owner").is_err());
    }

    #[test]
    fn ids_are_checked_in_plain_words() {
        let err = parse_id::<WorkspaceId>("app123", "workspace").unwrap_err();
        assert!(err.to_string().contains("not a workspace ID"), "{err}");
        let err = parse_id::<WorkspaceId>("  ", "workspace").unwrap_err();
        assert_eq!(err.to_string(), "Give the workspace ID.");
    }
}
