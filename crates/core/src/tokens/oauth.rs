//! The console as an OAuth 2 client of Airtable: the authorization URL (PKCE S256), the
//! code exchange and token refresh. The HTTP side of sign-in (redirects, cookies, the
//! pending sign-in) is the server's.

use std::time::Duration;

use oauth2::{
    basic::{
        BasicErrorResponse, BasicRevocationErrorResponse, BasicTokenIntrospectionResponse,
        BasicTokenType,
    },
    AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointNotSet, EndpointSet,
    ExtraTokenFields, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RefreshToken, Scope,
    StandardRevocableToken, StandardTokenResponse, TokenResponse, TokenUrl,
};
use serde::{Deserialize, Serialize};

use super::logins::IssuedTokens;

/// Scopes the console asks for; the README explains each.
pub const SCOPES: &[&str] = &[
    "user.email:read",
    "enterprise.account:read",
    "enterprise.account:write",
    "enterprise.user:read",
    "enterprise.user:write",
    "enterprise.groups:read",
    "enterprise.groups:manage",
    "enterprise.auditLogs:read",
    "enterprise.scim.usersAndGroups:manage",
    "workspacesAndBases:read",
    "workspacesAndBases:write",
    "workspacesAndBases:manage",
    "workspacesAndBases.shares:manage",
    "block:manage",
    "schema.bases:read",
    "schema.bases:write",
];

/// Airtable documents ~60 days for refresh tokens; used when the reply does not say.
const DEFAULT_REFRESH_TTL: Duration = Duration::from_secs(60 * 24 * 3600);

/// Airtable's token reply carries `refresh_expires_in` beside the standard fields.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct AirtableTokenFields {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_expires_in: Option<u64>,
}
impl ExtraTokenFields for AirtableTokenFields {}

type AirtableTokenResponse = StandardTokenResponse<AirtableTokenFields, BasicTokenType>;
type ConfiguredClient = oauth2::Client<
    BasicErrorResponse,
    AirtableTokenResponse,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

/// Where and how to sign people in.
pub struct OAuthEndpoints {
    pub authorize_url: String,
    pub token_url: String,
    pub client_id: String,
    pub client_secret: String,
    pub redirect_url: String,
}

pub struct OAuthProvider {
    client: ConfiguredClient,
    /// Never follows redirects (oauth2's SSRF guidance).
    http: reqwest::Client,
}

impl OAuthProvider {
    pub fn new(endpoints: OAuthEndpoints) -> anyhow::Result<Self> {
        let client = oauth2::Client::new(ClientId::new(endpoints.client_id))
            .set_client_secret(ClientSecret::new(endpoints.client_secret))
            .set_auth_uri(AuthUrl::new(endpoints.authorize_url)?)
            .set_token_uri(TokenUrl::new(endpoints.token_url)?)
            .set_redirect_uri(RedirectUrl::new(endpoints.redirect_url)?);
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(20))
            .build()?;
        Ok(Self { client, http })
    }

    /// Exchanges a refresh token for a new pair (Airtable rotates both).
    pub async fn refresh(&self, refresh_token: String) -> Result<IssuedTokens, String> {
        self.client
            .exchange_refresh_token(&RefreshToken::new(refresh_token))
            .request_async(&self.http)
            .await
            .map(|reply| issued(&reply))
            .map_err(|e| describe_token_error(&e))
    }

    /// Where to send the browser to sign in, with the `state` to expect back and the PKCE
    /// verifier to keep (server-side) for the exchange.
    pub fn authorize_url(&self) -> (url::Url, CsrfToken, PkceCodeVerifier) {
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = self
            .client
            .authorize_url(CsrfToken::new_random)
            .set_pkce_challenge(challenge);
        for scope in SCOPES {
            request = request.add_scope(Scope::new((*scope).to_string()));
        }
        let (url, csrf) = request.url();
        (url, csrf, verifier)
    }

    /// Exchanges the authorization code (with the verifier kept at sign-in) for tokens.
    pub async fn exchange_code(
        &self,
        code: String,
        verifier: String,
    ) -> Result<IssuedTokens, String> {
        self.client
            .exchange_code(AuthorizationCode::new(code))
            .set_pkce_verifier(PkceCodeVerifier::new(verifier))
            .request_async(&self.http)
            .await
            .map(|reply| issued(&reply))
            .map_err(|e| describe_token_error(&e))
    }
}

fn issued(reply: &AirtableTokenResponse) -> IssuedTokens {
    IssuedTokens {
        access_token: reply.access_token().secret().clone(),
        refresh_token: reply.refresh_token().map(|t| t.secret().clone()),
        access_expires_in: reply.expires_in().unwrap_or(Duration::from_secs(3600)),
        refresh_expires_in: reply.refresh_token().map(|_| {
            reply
                .extra_fields()
                .refresh_expires_in
                .map(Duration::from_secs)
                .unwrap_or(DEFAULT_REFRESH_TTL)
        }),
    }
}

/// A token-endpoint failure in words, without echoing anything secret.
fn describe_token_error<E: std::error::Error>(error: &E) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(inner) = source {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        source = inner.source();
    }
    text
}
