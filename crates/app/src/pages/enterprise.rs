//! The enterprise account's own pages: descendant accounts (shown on the overview), moves
//! between accounts, personal access tokens, packages and the workspace AI allowlist.
//! Moves and token revocations are destructive: they become requests for a second
//! person's approval.

#[cfg(feature = "ssr")]
use std::str::FromStr;

use crate::query_string::use_query_once;
use leptos::{form::ActionForm, prelude::*, server_fn::codec::GetUrl};

use super::approvals::RequestActionForm;
use crate::api::{ConsoleError, Role};
use crate::approvals::{RequestOutcome, RiskyAction};
use crate::components::{format::when, session::CsrfField};
use crate::enterprise::{AiAllowlistChangeRow, Descendants, PackageRow, TokenListing, TokenRow};

#[server(endpoint = "enterprise/descendants", input = GetUrl)]
pub async fn read_descendants() -> Result<Descendants, ConsoleError> {
    crate::serve::as_role(Role::Viewer, async move |console, who| {
        console_core::enterprise::descendants(&console, &who).await
    })
    .await
}

#[server(endpoint = "enterprise/descendants/create")]
pub async fn create_descendant(csrf_token: String, name: String) -> Result<String, ConsoleError> {
    crate::serve::changing(Role::Operator, &csrf_token, async move |console, who| {
        console_core::enterprise::create_descendant(&console, &who, &name).await
    })
    .await
}

/// Asks for workspaces or groups (`what`: `workspaces` or `groups`) to be moved to another
/// account of the organization; the ids are typed into a form, one or many.
#[server(endpoint = "enterprise/move")]
pub async fn request_move(
    csrf_token: String,
    what: String,
    ids: String,
    target: String,
    reason: String,
) -> Result<RequestOutcome, ConsoleError> {
    crate::serve::changing(Role::Operator, &csrf_token, async move |console, who| {
        let action = move_action(&what, &ids, &target)?;
        console_core::approvals::request(&console, &who, action, &reason).await
    })
    .await
}

#[server(endpoint = "enterprise/tokens", input = GetUrl)]
pub async fn list_tokens(q: Option<String>) -> Result<TokenListing, ConsoleError> {
    crate::serve::as_role(Role::Viewer, async move |console, who| {
        console_core::enterprise::personal_access_tokens(
            &console,
            &who,
            q.as_deref().unwrap_or_default(),
        )
        .await
    })
    .await
}

/// Asks for several tokens (ids typed or pasted) to be revoked at once.
#[server(endpoint = "enterprise/tokens/revoke")]
pub async fn request_token_revocation(
    csrf_token: String,
    ids: String,
    reason: String,
) -> Result<RequestOutcome, ConsoleError> {
    crate::serve::changing(Role::Operator, &csrf_token, async move |console, who| {
        let tokens = parse_ids(&ids, "personal access token")?;
        console_core::approvals::request(
            &console,
            &who,
            RiskyAction::RevokePersonalAccessTokens { tokens },
            &reason,
        )
        .await
    })
    .await
}

#[server(endpoint = "enterprise/packages", input = GetUrl)]
pub async fn list_packages() -> Result<Vec<PackageRow>, ConsoleError> {
    crate::serve::as_role(Role::Viewer, async move |console, who| {
        console_core::enterprise::packages(&console, &who).await
    })
    .await
}

#[server(endpoint = "enterprise/packages/install")]
pub async fn install_package(
    csrf_token: String,
    package: String,
    workspace: String,
    name: String,
) -> Result<String, ConsoleError> {
    crate::serve::changing(Role::Operator, &csrf_token, async move |console, who| {
        console_core::enterprise::install_package(&console, &who, &package, &workspace, &name).await
    })
    .await
}

#[server(endpoint = "enterprise/ai-allowlist")]
pub async fn update_ai_allowlist(
    csrf_token: String,
    workspaces: String,
    allowed: String,
    include_descendants: Option<String>,
) -> Result<String, ConsoleError> {
    crate::serve::changing(Role::Operator, &csrf_token, async move |console, who| {
        let allowed = match allowed.as_str() {
            "yes" => true,
            "no" => false,
            other => {
                return Err(ConsoleError::Invalid(format!(
                    "{other:?} is neither yes nor no: say whether AI features are allowed."
                )))
            }
        };
        console_core::enterprise::update_ai_allowlist(
            &console,
            &who,
            &workspaces,
            allowed,
            include_descendants.is_some(),
        )
        .await
    })
    .await
}

#[server(endpoint = "enterprise/ai-allowlist/changes", input = GetUrl)]
pub async fn list_ai_allowlist_changes() -> Result<Vec<AiAllowlistChangeRow>, ConsoleError> {
    crate::serve::as_role(Role::Viewer, async move |console, _| {
        console_core::enterprise::ai_allowlist_changes(&console).await
    })
    .await
}

/// Ids typed into a box: separated by spaces, commas or new lines; each checked.
#[cfg(feature = "ssr")]
fn parse_ids<T>(text: &str, what: &str) -> Result<Vec<T>, ConsoleError>
where
    T: FromStr,
    T::Err: std::fmt::Display,
{
    let ids = text
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<T>()
                .map_err(|e| ConsoleError::Invalid(format!("{s:?} is not a {what} ID: {e}.")))
        })
        .collect::<Result<Vec<T>, _>>()?;
    if ids.is_empty() {
        return Err(ConsoleError::Invalid(format!(
            "Give at least one {what} ID."
        )));
    }
    Ok(ids)
}

#[cfg(feature = "ssr")]
fn move_action(what: &str, ids: &str, target: &str) -> Result<RiskyAction, ConsoleError> {
    let target_enterprise = target.trim().parse().map_err(|e| {
        ConsoleError::Invalid(format!(
            "{:?} is not an enterprise account ID: {e}.",
            target.trim()
        ))
    })?;
    match what {
        "workspaces" => Ok(RiskyAction::MoveWorkspaces {
            workspaces: parse_ids(ids, "workspace")?,
            target_enterprise,
        }),
        "groups" => Ok(RiskyAction::MoveGroups {
            groups: parse_ids(ids, "group")?,
            target_enterprise,
        }),
        other => Err(ConsoleError::Invalid(format!(
            "{other:?} cannot be moved: choose workspaces or groups."
        ))),
    }
}

/// Whether the signed-in person may make changes (operator or above).
fn can_change(user: Result<Option<crate::api::SignedInUser>, ConsoleError>) -> bool {
    matches!(user, Ok(Some(u)) if u.role.allows(Role::Operator))
}

/// What a request form answered, in a sentence with a link to follow it.
fn request_result(result: Result<RequestOutcome, ConsoleError>) -> AnyView {
    match result {
        Ok(RequestOutcome::Requested { id }) => view! {
            <p class="notice" role="status" data-testid="request-sent">
                "Asked. A second person must approve it: "
                <a href=format!("/approvals/{id}")>"follow the request"</a> "."
            </p>
        }
        .into_any(),
        Ok(RequestOutcome::Done { outcome }) => view! {
            <p class="notice" role="status" data-testid="request-done">
                "Done (this action needs no approval here): " {outcome}
            </p>
        }
        .into_any(),
        Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
    }
}

/// The overview's card of descendant accounts, with the forms that make one and that ask
/// to move workspaces or groups between accounts.
#[component]
pub fn DescendantsCard() -> impl IntoView {
    let create = ServerAction::<CreateDescendant>::new();
    let descendants = Resource::new(move || create.version().get(), |_| read_descendants());
    let user = crate::components::session::SignedIn::expect().0;
    view! {
        <section class="card" aria-labelledby="descendants-heading">
            <h2 id="descendants-heading">"Descendant accounts"</h2>
            <Suspense fallback=|| view! { <p aria-busy="true">"Reading the organization…"</p> }>
                {move || Suspend::new(async move {
                    let can = can_change(user.await);
                    match descendants.await {
                        Ok(d) => view! { <DescendantsView d can create /> }.into_any(),
                        Err(e) => view! { <p class="error" role="alert" data-testid="descendants-error">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn DescendantsView(
    d: Descendants,
    can: bool,
    create: ServerAction<CreateDescendant>,
) -> impl IntoView {
    let is_root = d.is_root();
    let rows = d.rows.clone();
    let table = if rows.is_empty() {
        view! { <p class="muted" data-testid="no-descendants">"This account has no descendant accounts."</p> }.into_any()
    } else {
        view! {
            <table class="table" data-testid="descendants">
                <thead><tr>
                    <th scope="col">"Account"</th><th scope="col">"Name"</th>
                    <th scope="col">"Users"</th><th scope="col">"Groups"</th><th scope="col">"Workspaces"</th>
                </tr></thead>
                <tbody>
                    {rows.into_iter().map(|r| view! {
                        <tr data-testid="descendant-row">
                            <td><code>{r.id.clone()}</code></td>
                            <td>{r.name.clone().unwrap_or_else(|| "—".into())}</td>
                            {match r.counts {
                                Some(c) => view! { <td>{c.users}</td><td>{c.groups}</td><td>{c.workspaces}</td> }.into_any(),
                                None => view! { <td>"—"</td><td>"—"</td><td>"—"</td> }.into_any(),
                            }}
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        }
        .into_any()
    };
    let forms = can.then(|| {
        let move_targets = d.rows.iter().map(|r| r.id.clone()).collect::<Vec<_>>();
        view! {
            {is_root.then(|| view! { <CreateDescendantForm create /> })}
            <MoveForm targets=move_targets root=d.root_id.clone() />
        }
    });
    let unreadable = d.counts_unreadable.clone().map(|why| {
        view! { <p class="notice" role="status" data-testid="descendant-counts-unreadable">{why}</p> }
    });
    view! {
        <p class="muted">"Read from Airtable at " {when(Some(d.read_at))} "."</p>
        {unreadable}
        {table}
        {forms}
    }
}

#[component]
fn CreateDescendantForm(create: ServerAction<CreateDescendant>) -> impl IntoView {
    view! {
        <h3>"Make a descendant account"</h3>
        <ActionForm action=create>
            <CsrfField />
            <label for="descendant-name">"Name of the new account"</label>
            <input id="descendant-name" name="name" type="text" required maxlength="200" autocomplete="off" />
            <button type="submit" class="button primary">"Create account"</button>
        </ActionForm>
        {move || create.value().get().map(|r| match r {
            Ok(id) => view! { <p class="notice" role="status" data-testid="descendant-created">"Created account " <code>{id}</code> "."</p> }.into_any(),
            Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
        })}
    }
}

#[component]
fn MoveForm(targets: Vec<String>, root: Option<String>) -> impl IntoView {
    let request = ServerAction::<RequestMove>::new();
    // Moves go between accounts of one organization: the descendants, or back to the root.
    let mut choices = targets;
    if let Some(root) = root {
        if !choices.contains(&root) {
            choices.insert(0, root);
        }
    }
    view! {
        <details class="risky">
            <summary>"Move workspaces or groups to another account…"</summary>
            <ActionForm action=request>
                <CsrfField />
                <fieldset>
                    <legend>"What to move"</legend>
                    <label><input type="radio" name="what" value="workspaces" checked /> " Workspaces"</label>
                    <label><input type="radio" name="what" value="groups" /> " Groups"</label>
                </fieldset>
                <label for="move-ids">"IDs (wsp… or ugp…, separated by spaces, commas or lines)"</label>
                <textarea id="move-ids" name="ids" rows="2" required></textarea>
                <label for="move-target">"To the account"</label>
                <input id="move-target" name="target" type="text" list="move-targets" required
                    pattern="ent[A-Za-z0-9]{14}" autocomplete="off" />
                <datalist id="move-targets">
                    {choices.into_iter().map(|id| view! { <option value=id.clone()></option> }).collect_view()}
                </datalist>
                <label for="move-reason">"Why is this needed?"</label>
                <textarea id="move-reason" name="reason" rows="2" required></textarea>
                <button type="submit" class="button danger">"Ask for approval"</button>
            </ActionForm>
            {move || request.value().get().map(request_result)}
        </details>
    }
}

#[component]
pub fn TokensPage() -> impl IntoView {
    let url = use_query_once();
    let q = move || url.with(|p| p.get("q").unwrap_or_default());
    let tokens = Resource::new(q, |q| list_tokens(Some(q)));
    let user = crate::components::session::SignedIn::expect().0;
    view! {
        <h1>"Personal access tokens"</h1>
        <p class="lede">"Every personal access token of the enterprise's users: who owns it, what it may reach and with which scopes. The tokens' secrets are never shown (Airtable does not give them out)."</p>
        <form method="get" action="/enterprise/tokens" role="search" class="search">
            <label for="token-q">"Name, token ID, owner or scope"</label>
            <div class="search-row">
                <input id="token-q" name="q" type="search" value=q />
                <button type="submit" class="button primary">"Search"</button>
            </div>
        </form>
        <Suspense fallback=|| view! { <p aria-busy="true">"Reading the tokens from Airtable…"</p> }>
            {move || Suspend::new(async move {
                let can = can_change(user.await);
                match tokens.await {
                    Ok(listing) => view! { <TokenTable listing can /> }.into_any(),
                    Err(e) => view! { <p class="error" role="alert" data-testid="tokens-error">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn TokenTable(listing: TokenListing, can: bool) -> impl IntoView {
    let summary = if listing.q.is_empty() {
        format!("{} tokens", listing.total)
    } else {
        format!("{} of {} tokens match", listing.rows.len(), listing.total)
    };
    let rows = listing.rows.clone();
    view! {
        <p class="muted">"Read from Airtable at " {when(Some(listing.read_at))} " · " <a href="/enterprise/tokens">"Refresh"</a></p>
        <p data-testid="token-count">{summary}</p>
        <table class="table" data-testid="tokens">
            <thead><tr>
                <th scope="col">"Name"</th><th scope="col">"Owner"</th><th scope="col">"State"</th>
                <th scope="col">"Reaches"</th><th scope="col">"Scopes"</th><th scope="col">"Created"</th>
                {can.then(|| view! { <th scope="col">"Action"</th> })}
            </tr></thead>
            <tbody>
                {rows.into_iter().map(|t| view! { <TokenLine t can /> }).collect_view()}
            </tbody>
        </table>
        {can.then(|| view! { <RevokeManyForm /> })}
    }
}

#[component]
fn TokenLine(t: TokenRow, can: bool) -> impl IntoView {
    let owner = t.owner_email.clone().unwrap_or_else(|| t.owner_id.clone());
    let revoke = (can && t.state == "active").then(|| {
        t.id.parse().ok().map(|id| {
            view! {
                <RequestActionForm action=RiskyAction::RevokePersonalAccessTokens { tokens: vec![id] } label="Revoke…" />
            }
        })
    });
    view! {
        <tr data-testid="token-row">
            <td>{t.name.clone()} <br /><code class="muted">{t.id.clone()}</code></td>
            <td><a href=format!("/users/{}", t.owner_id)>{owner}</a></td>
            <td>{t.state.clone()}</td>
            <td>{t.access.clone().unwrap_or_else(|| "—".into())}</td>
            <td class="scopes">{t.scopes.join(", ")}</td>
            <td>{when(Some(t.created_at))}</td>
            {can.then(|| view! { <td>{revoke}</td> })}
        </tr>
    }
}

#[component]
fn RevokeManyForm() -> impl IntoView {
    let request = ServerAction::<RequestTokenRevocation>::new();
    view! {
        <details class="risky">
            <summary>"Revoke several tokens…"</summary>
            <ActionForm action=request>
                <CsrfField />
                <label for="revoke-ids">"Token IDs (pat…, separated by spaces, commas or lines)"</label>
                <textarea id="revoke-ids" name="ids" rows="3" required></textarea>
                <label for="revoke-reason">"Why is this needed?"</label>
                <textarea id="revoke-reason" name="reason" rows="2" required></textarea>
                <button type="submit" class="button danger">"Ask for approval"</button>
            </ActionForm>
            {move || request.value().get().map(request_result)}
        </details>
    }
}

#[component]
pub fn PackagesPage() -> impl IntoView {
    let install = ServerAction::<InstallPackage>::new();
    let packages = Resource::new(move || install.version().get(), |_| list_packages());
    let user = crate::components::session::SignedIn::expect().0;
    view! {
        <h1>"Packages"</h1>
        <p class="lede">"Managed apps of the enterprise. Installing one makes a new base from its latest release in a workspace you choose."</p>
        {move || install.value().get().map(|r| match r {
            Ok(id) => view! { <p class="notice" role="status" data-testid="package-installed">"Installed as base " <a href=format!("/bases/{id}")>{id.clone()}</a> "."</p> }.into_any(),
            Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
        })}
        <Suspense fallback=|| view! { <p aria-busy="true">"Reading the packages from Airtable…"</p> }>
            {move || Suspend::new(async move {
                let can = can_change(user.await);
                match packages.await {
                    Ok(rows) if rows.is_empty() => view! { <p class="muted" data-testid="no-packages">"The enterprise has no packages."</p> }.into_any(),
                    Ok(rows) => view! {
                        <table class="table" data-testid="packages">
                            <thead><tr>
                                <th scope="col">"Name"</th><th scope="col">"Type"</th><th scope="col">"Installs"</th>
                                <th scope="col">"Latest release"</th><th scope="col">"Created"</th>
                                {can.then(|| view! { <th scope="col">"Install"</th> })}
                            </tr></thead>
                            <tbody>
                                {rows.into_iter().map(|p| view! { <PackageLine p can install /> }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                    Err(e) => view! { <p class="error" role="alert" data-testid="packages-error">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn PackageLine(p: PackageRow, can: bool, install: ServerAction<InstallPackage>) -> impl IntoView {
    let (package_id, package_name) = (p.id.clone(), p.name.clone());
    let form = (can && p.latest_release.is_some()).then(move || {
        let ws = format!("install-ws-{package_id}");
        let name = format!("install-name-{package_id}");
        view! {
            <details>
                <summary>"Install…"</summary>
                <ActionForm action=install>
                    <CsrfField />
                    <input type="hidden" name="package" value=package_id.clone() />
                    <label for=ws.clone()>"Workspace ID"</label>
                    <input id=ws name="workspace" type="text" required pattern="wsp[A-Za-z0-9]{14}" autocomplete="off" />
                    <label for=name.clone()>"Name of the new base"</label>
                    <input id=name name="name" type="text" required maxlength="200" value=package_name />
                    <button type="submit" class="button primary">"Install"</button>
                </ActionForm>
            </details>
        }
    });
    view! {
        <tr data-testid="package-row">
            <td>{p.name.clone()} <br /><code class="muted">{p.id.clone()}</code>
                {p.description.clone().map(|d| view! { <br /><span class="muted">{d}</span> })}</td>
            <td>{p.kind.clone()}</td>
            <td>{p.installs.map(|n| n.to_string()).unwrap_or_else(|| "—".into())}</td>
            <td>{p.latest_release.clone().unwrap_or_else(|| "none yet".into())}</td>
            <td>{when(Some(p.created_at))}</td>
            {can.then(|| view! { <td>{form}</td> })}
        </tr>
    }
}

#[component]
pub fn AiAllowlistPage() -> impl IntoView {
    let update = ServerAction::<UpdateAiAllowlist>::new();
    let changes = Resource::new(
        move || update.version().get(),
        |_| list_ai_allowlist_changes(),
    );
    let user = crate::components::session::SignedIn::expect().0;
    view! {
        <h1>"Workspace AI allowlist"</h1>
        <p class="lede">"Which workspaces may use Airtable's AI features. Airtable's API can change the allowlist but not list it, so below are the changes made through this console; Airtable's own record is in the audit log."</p>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                can_change(user.await).then(|| view! {
                    <section class="card">
                        <h2>"Change the allowlist"</h2>
                        <ActionForm action=update>
                            <CsrfField />
                            <label for="ai-workspaces">"Workspace IDs (wsp…, separated by spaces, commas or lines)"</label>
                            <textarea id="ai-workspaces" name="workspaces" rows="3" required></textarea>
                            <fieldset>
                                <legend>"AI features"</legend>
                                <label><input type="radio" name="allowed" value="yes" checked /> " Allowed"</label>
                                <label><input type="radio" name="allowed" value="no" /> " Not allowed"</label>
                            </fieldset>
                            <label><input type="checkbox" name="include_descendants" value="yes" /> " Also in descendant accounts' workspaces"</label>
                            <button type="submit" class="button primary">"Save"</button>
                        </ActionForm>
                        {move || update.value().get().map(|r| match r {
                            Ok(said) => view! { <p class="notice" role="status" data-testid="ai-updated">{said}</p> }.into_any(),
                            Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                        })}
                    </section>
                })
            })}
        </Suspense>
        <h2>"Changes made through the console"</h2>
        <Suspense fallback=|| view! { <p aria-busy="true">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match changes.await {
                    Ok(rows) if rows.is_empty() => view! { <p class="muted" data-testid="no-ai-changes">"None yet."</p> }.into_any(),
                    Ok(rows) => view! {
                        <table class="table" data-testid="ai-changes">
                            <thead><tr><th scope="col">"When"</th><th scope="col">"Workspace"</th><th scope="col">"AI features"</th><th scope="col">"By"</th></tr></thead>
                            <tbody>
                                {rows.into_iter().map(|c| view! {
                                    <tr data-testid="ai-change-row">
                                        <td>{when(Some(c.at))}</td>
                                        <td><a href=format!("/workspaces/{}", c.workspace_id)>{c.workspace_id.clone()}</a></td>
                                        <td>{if c.allowed { "allowed" } else { "not allowed" }}</td>
                                        <td>{c.by.clone()}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    #[test]
    fn typed_ids_are_split_and_checked() {
        let ids: Vec<airtable_client::ids::WorkspaceId> =
            parse_ids("wspmhESAta6clCCwF, wspHvvm4dAktsStZH\n", "workspace").unwrap();
        assert_eq!(ids.len(), 2);
        let bad = parse_ids::<airtable_client::ids::WorkspaceId>("usrL2PNC5o3H4lBEi", "workspace");
        assert!(matches!(bad, Err(ConsoleError::Invalid(m)) if m.contains("not a workspace ID")));
        assert!(parse_ids::<airtable_client::ids::WorkspaceId>(" , ", "workspace").is_err());
    }

    #[test]
    fn a_move_names_what_and_where() {
        let action = move_action("groups", "ugp1mKGb3KXUyQfOZ", "entJ9ZQ5vz9ZQ5vz9").unwrap();
        assert!(matches!(action, RiskyAction::MoveGroups { groups, .. } if groups.len() == 1));
        assert!(move_action("bases", "app1", "entJ9ZQ5vz9ZQ5vz9").is_err());
        assert!(move_action("groups", "ugp1mKGb3KXUyQfOZ", "nope").is_err());
    }
}
