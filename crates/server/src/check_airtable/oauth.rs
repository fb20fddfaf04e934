//! The OAuth integration: client id and secret, the redirect URL, Airtable's authorization
//! page and token endpoint.

use url::Url;

use console_core::tokens::oauth::{OAuthEndpoints, OAuthProvider};

use super::{CheckError, Outcome, Report, Subject, REQUEST_TIMEOUT};
use crate::config::{AirtableSettings, Settings};

/// `<CONSOLE_PUBLIC_URL>auth/callback`, exactly as the server makes it.
pub(super) fn redirect_url(settings: &Settings) -> String {
    format!("{}auth/callback", settings.public_url)
}

/// Whether `url` names this machine, where plain http is acceptable.
fn is_local(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d == "localhost" || d.ends_with(".localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// The OAuth integration: the settings, the authorization page and the client secret.
pub(super) async fn check_oauth_client(
    report: &mut Report,
    settings: &Settings,
    real: &AirtableSettings,
    redirect_url: &str,
) -> Result<(), CheckError> {
    let public = &settings.public_url;
    if public.scheme() == "https" || is_local(public) {
        report.push(
            Subject::OAuthClient,
            Outcome::Ok,
            format!(
                "OAuth client {} has a secret; register exactly this redirect URL in the integration at https://airtable.com/create/oauth: {redirect_url}",
                real.client_id
            ),
        );
    } else {
        report.push(
            Subject::OAuthClient,
            Outcome::Fail,
            format!(
                "CONSOLE_PUBLIC_URL ({public}) is not https: sign-in cookies and the OAuth code would cross the network unencrypted. Serve the console over https and set CONSOLE_PUBLIC_URL to that address (the redirect URL to register is then <it>/auth/callback)"
            ),
        );
    }

    let provider = OAuthProvider::new(OAuthEndpoints {
        authorize_url: real.authorize_url.to_string(),
        token_url: real.token_url.to_string(),
        client_id: real.client_id.clone(),
        client_secret: real.client_secret.clone(),
        redirect_url: redirect_url.to_string(),
    })
    .map_err(|e| CheckError::OAuth(format!("{e:#}")))?;
    // Neither request follows a redirect: where the page sends a browser is not ours to visit.
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(REQUEST_TIMEOUT)
        .build()?;

    // The authorization URL a sign-in would use (scopes, state, PKCE): Airtable's page
    // refuses an unknown client id or a redirect URL the integration does not list.
    let (authorize, _state, _verifier) = provider.authorize_url();
    let (outcome, detail) = match http.get(authorize.as_str()).send().await {
        Ok(answer) => {
            let status = answer.status();
            if status.is_success() || status.is_redirection() {
                (
                    Outcome::Ok,
                    format!("Airtable's authorization page accepts client {} with that redirect URL (status {})", real.client_id, status.as_u16()),
                )
            } else {
                let said = page_text(&answer.bytes().await.unwrap_or_default());
                let what = if status.is_client_error() {
                    format!("Airtable's authorization page refuses client {} or the redirect URL {redirect_url} (status {})", real.client_id, status.as_u16())
                } else {
                    format!(
                        "Airtable's authorization page failed (status {})",
                        status.as_u16()
                    )
                };
                (
                    Outcome::Fail,
                    format!("{what}{}: check AIRTABLE_OAUTH_CLIENT_ID and the redirect URLs registered in the integration", said_suffix(&said)),
                )
            }
        }
        Err(e) => (
            Outcome::Fail,
            format!(
                "could not reach AIRTABLE_OAUTH_AUTHORIZE_URL ({}): {}",
                real.authorize_url,
                e.without_url()
            ),
        ),
    };
    report.push(Subject::AuthorizePage, outcome, detail);

    // A code that was never issued: Airtable authenticates the client before it looks at
    // the code, so `invalid_grant` means the id and secret are right and `invalid_client`
    // that they are not. Nothing is issued either way.
    let verifier = "check-airtable-made-up-verifier-0000000000000000";
    let form = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("grant_type", "authorization_code")
        .append_pair("code", "check-airtable-made-up-code")
        .append_pair("redirect_uri", redirect_url)
        .append_pair("code_verifier", verifier)
        .finish();
    let answer = http
        .post(real.token_url.as_str())
        .basic_auth(&real.client_id, Some(&real.client_secret))
        .header(
            reqwest::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .body(form)
        .send()
        .await;
    let (outcome, detail) = match answer {
        Ok(answer) => {
            let status = answer.status().as_u16();
            let body = answer.bytes().await.unwrap_or_default();
            let (kind, message) = airtable_client::error::parse_error_body(&body);
            let said = message.or_else(|| kind.clone()).unwrap_or_default();
            match (status, kind.as_deref()) {
                (401, _) | (_, Some("invalid_client")) => (
                    Outcome::Fail,
                    format!("Airtable's token endpoint refuses client {} and its secret{}: check AIRTABLE_OAUTH_CLIENT_SECRET (generate a new secret in the integration if in doubt)", real.client_id, said_suffix(&said)),
                ),
                (400, _) => (
                    Outcome::Ok,
                    "Airtable's token endpoint accepts the client id and secret (a made-up code was refused, as it should be; nothing was issued)".to_string(),
                ),
                (status, _) => (
                    Outcome::Warn,
                    format!("Airtable's token endpoint answered {status} to a made-up code, so the client secret could not be checked{}", said_suffix(&said)),
                ),
            }
        }
        Err(e) => (
            Outcome::Fail,
            format!(
                "could not reach AIRTABLE_OAUTH_TOKEN_URL ({}): {}",
                real.token_url,
                e.without_url()
            ),
        ),
    };
    report.push(Subject::ClientSecret, outcome, detail);
    Ok(())
}

/// ` (Airtable said: "…")`, or nothing when it said nothing.
fn said_suffix(said: &str) -> String {
    if said.is_empty() {
        String::new()
    } else {
        format!(" (Airtable said: \"{said}\")")
    }
}

/// The readable text of an error page (HTML or JSON), short enough for one line.
pub(super) fn page_text(body: &[u8]) -> String {
    if serde_json::from_slice::<serde_json::Value>(body).is_ok() {
        let (kind, message) = airtable_client::error::parse_error_body(body);
        return message.or(kind).unwrap_or_default();
    }
    let html = String::from_utf8_lossy(body);
    // The title repeats what the body says: read from the body on.
    let from_body = html.find("<body").map_or(&html[..], |at| &html[at..]);
    let mut text = String::new();
    let mut in_tag = false;
    for c in from_body.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                text.push(' ');
            }
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    let words: Vec<&str> = text.split_whitespace().collect();
    let text = words
        .join(" ")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    text.chars().take(200).collect()
}
