//! Asking for a risky action: the server functions that make a request, and the form other
//! pages (users, workspaces, bases, groups, the enterprise) put beside each risky action.

use leptos::{form::ActionForm, prelude::*};

#[cfg(feature = "ssr")]
use super::request_result::show_outcome_without_wasm;
use crate::api::ConsoleError;
#[cfg(feature = "ssr")]
use crate::api::Role;
use crate::approvals::{RequestOutcome, RiskyAction};
use crate::components::session::CsrfField;

#[server(endpoint = "approvals/request")]
pub async fn request_action(
    csrf_token: String,
    action: String,
    reason: String,
) -> Result<RequestOutcome, ConsoleError> {
    crate::serve::changing(Role::Operator, &csrf_token, async move |console, who| {
        let action: RiskyAction = serde_json::from_str(&action)
            .map_err(|e| ConsoleError::Invalid(format!("The action could not be read: {e}")))?;
        let outcome = console_core::approvals::request(&console, &who, action, &reason).await?;
        show_outcome_without_wasm(&outcome);
        Ok(outcome)
    })
    .await
}

/// Asks to move a base into another workspace (the workspace is typed, so this builds the
/// call here rather than posting it whole as [`RequestAction`] does).
#[server(endpoint = "bases/move")]
pub async fn request_base_move(
    csrf_token: String,
    base: String,
    workspace: String,
    reason: String,
) -> Result<RequestOutcome, ConsoleError> {
    crate::serve::changing(Role::Operator, &csrf_token, async move |console, who| {
        fn typed<T: std::str::FromStr>(
            text: &str,
            what: &str,
            prefix: &str,
        ) -> Result<T, ConsoleError> {
            text.trim().parse().map_err(|_| {
                ConsoleError::Invalid(format!(
                    "{:?} is not a {what} ID (they start with {prefix}).",
                    text.trim()
                ))
            })
        }
        let action = RiskyAction::MoveBase {
            base: typed(&base, "base", "app")?,
            workspace: typed(&workspace, "workspace", "wsp")?,
        };
        let outcome = console_core::approvals::request(&console, &who, action, &reason).await?;
        show_outcome_without_wasm(&outcome);
        Ok(outcome)
    })
    .await
}

/// A short, stable fingerprint of `text` for element IDs (FNV-1a: the same on the server
/// and in the browser, whatever compiler built either).
fn fnv1a(text: &str) -> u32 {
    text.bytes().fold(0x811c_9dc5, |hash: u32, byte| {
        (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193)
    })
}

/// A disclosure with the form that asks for one risky action. `label` names what will
/// happen ("Delete workspace Marketing (14 bases, 37 collaborators)…"); with `confirm`,
/// the person must also type that name, for the actions that cannot be undone.
#[component]
pub fn RequestActionForm(
    action: RiskyAction,
    #[prop(into)] label: String,
    #[prop(optional, into)] confirm: Option<String>,
) -> impl IntoView {
    let request = ServerAction::<RequestAction>::new();
    let json = serde_json::to_string(&action).unwrap_or_default();
    // One page can hold several forms of a kind (a row per collaborator): the call itself
    // tells them apart, so each label points at its own text box.
    let field = format!("reason-{}-{:08x}", action.kind(), fnv1a(&json));
    let confirm_field = format!("confirm-{}-{:08x}", action.kind(), fnv1a(&json));
    // The browser checks the typed name (the field has no `name`, so it is not sent):
    // a guard against the wrong row or the wrong tab, not a security control. The
    // approval is the control.
    let confirm = confirm.map(|expected| {
        view! {
            <label for=confirm_field.clone()>"Type " <strong>{expected.clone()}</strong> " to confirm"</label>
            <input id=confirm_field type="text" required autocomplete="off"
                pattern=regex_literal(&expected) title=format!("Type {expected} exactly") />
        }
    });
    // No refetch of the header's badge after asking: a request never waits for the person
    // who asked it (nobody approves their own), and reading the signed-in person again would
    // re-render the pages that depend on it, this form with its answer among them.
    // Only answers to this form's own submissions: a refusal that came back in the address
    // (no wasm) would otherwise show in every request form of the page, each collapsed;
    // `RequestResult` shows that one at the top of the page.
    let answer = move || {
        (request.version().get() > 0)
            .then(|| request.value().get())
            .flatten()
    };
    view! {
        <details class="risky">
            <summary>{label}</summary>
            <ActionForm action=request>
                <CsrfField />
                <input type="hidden" name="action" value=json />
                <p>{action.describe()}</p>
                <label for=field.clone()>"Why is this needed?"</label>
                <textarea id=field name="reason" rows="2" required></textarea>
                {confirm}
                <button type="submit" class="button danger">"Ask for approval"</button>
            </ActionForm>
            {move || answer().map(|result| match result {
                Ok(RequestOutcome::Requested { id }) => view! {
                    <p class="notice" role="status" data-testid="request-sent">
                        "Asked. A second person must approve it: "
                        <a href=format!("/approvals/{id}")>"follow the request"</a> "."
                    </p>
                }.into_any(),
                Ok(RequestOutcome::Done { outcome }) => view! {
                    <p class="notice" role="status" data-testid="request-done">"Done (this action needs no approval here): " {outcome}</p>
                }.into_any(),
                Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
            })}
        </details>
    }
}

/// `text` as an HTML `pattern` that matches exactly it: regular-expression syntax
/// characters are escaped (only those: browsers read patterns in Unicode mode, where any
/// other escape makes the whole pattern invalid and silently unchecked).
fn regex_literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "^$\\.*+?()[]{}|/".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{fnv1a, regex_literal};

    #[test]
    fn form_ids_come_from_a_known_hash_and_differ_per_call() {
        // Published FNV-1a 32-bit test vectors.
        assert_eq!(fnv1a(""), 0x811c_9dc5);
        assert_eq!(fnv1a("a"), 0xe40c_292c);
        assert_ne!(fnv1a(r#"{"user":"usrA"}"#), fnv1a(r#"{"user":"usrB"}"#));
    }

    #[test]
    fn names_become_exact_patterns() {
        assert_eq!(regex_literal("Marketing"), "Marketing");
        assert_eq!(regex_literal("Q1 (old) v2.0"), "Q1 \\(old\\) v2\\.0");
        assert_eq!(regex_literal("a+b|c/d"), "a\\+b\\|c\\/d");
        // Other punctuation stays as it is: escaping it would make the pattern invalid.
        assert_eq!(regex_literal("ann-marie@corp.com"), "ann-marie@corp\\.com");
    }
}
