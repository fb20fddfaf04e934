//! Users: the table over every enterprise user (from the latest snapshot, searched,
//! filtered, sorted and paged on the server, exportable as CSV), and one user read live
//! from Airtable with their groups and collaborations, the direct changes (operator and
//! above) and the destructive ones (only as requests for a second person's approval).

// The list's server function takes each filter as its own URL parameter (a plain GET form),
// and the macro's generated client stub cannot carry an item-level allow.
#![allow(clippy::too_many_arguments)]

use leptos::{form::ActionForm, prelude::*, server_fn::codec::GetUrl};
use leptos_router::{components::Redirect, hooks::use_params_map};

use crate::query_string::use_query_once;

use super::approvals::{RequestAction, RequestActionForm};
use super::bulk::{BulkForm, RowCheckbox, SelectAllToggle, StartBulkJob};
use super::workspaces::read_workspace;
use crate::api::{ConsoleError, Role, SignedInUser};
use crate::approvals::{RequestOutcome, RiskyAction};
use crate::audit::query::percent_encode;
use crate::components::{format::when, session::CsrfField};
use crate::directory::CollaboratorKind;
use crate::pages::snapshots::TakeSnapshot;
use crate::people::{
    UserColumns, UserDetail, UserForm, UserListing, UserRow, FLAGS, SORTS, USER_COLUMNS,
};

#[server(endpoint = "users/list", input = GetUrl)]
pub async fn list_users(
    q: Option<String>,
    state: Option<String>,
    admin: Option<String>,
    managed: Option<String>,
    service: Option<String>,
    external: Option<String>,
    two_factor: Option<String>,
    sso: Option<String>,
    inactive_days: Option<String>,
    sort: Option<String>,
    page: Option<String>,
) -> Result<UserListing, ConsoleError> {
    crate::serve::as_role(Role::Viewer, async move |console, who| {
        let form = UserForm {
            q: q.unwrap_or_default(),
            state: state.unwrap_or_default(),
            admin: admin.unwrap_or_default(),
            managed: managed.unwrap_or_default(),
            service: service.unwrap_or_default(),
            external: external.unwrap_or_default(),
            two_factor: two_factor.unwrap_or_default(),
            sso: sso.unwrap_or_default(),
            inactive_days: inactive_days.unwrap_or_default(),
            sort: sort.unwrap_or_default(),
            page: page.unwrap_or_default(),
        };
        let query = form.to_query().map_err(ConsoleError::Invalid)?;
        console_core::users::list(&console, &who, &query).await
    })
    .await
}

#[server(endpoint = "users/get", input = GetUrl)]
pub async fn read_user(id: String) -> Result<UserDetail, ConsoleError> {
    crate::serve::as_role(Role::Viewer, async move |console, who| {
        console_core::users::get(&console, &who, &id).await
    })
    .await
}

#[server(endpoint = "users/logout")]
pub async fn logout_user(csrf_token: String, user: String) -> Result<(), ConsoleError> {
    crate::serve::changing(Role::Operator, &csrf_token, async move |console, who| {
        console_core::users::log_out(&console, &who, &user).await
    })
    .await
}

#[server(endpoint = "users/rename")]
pub async fn rename_user(
    csrf_token: String,
    user: String,
    first_name: String,
    last_name: String,
) -> Result<(), ConsoleError> {
    crate::serve::changing(Role::Operator, &csrf_token, async move |console, who| {
        console_core::users::rename(&console, &who, &user, &first_name, &last_name).await
    })
    .await
}

#[server(endpoint = "users/email")]
pub async fn change_user_email(
    csrf_token: String,
    user: String,
    email: String,
) -> Result<(), ConsoleError> {
    crate::serve::changing(Role::Operator, &csrf_token, async move |console, who| {
        console_core::users::change_email(&console, &who, &user, &email).await
    })
    .await
}

/// Whether the signed-in person may make changes (operator or above).
fn can_change(user: Result<Option<SignedInUser>, ConsoleError>) -> bool {
    matches!(user, Ok(Some(u)) if u.role.allows(Role::Operator))
}

fn yes_no(value: Option<bool>) -> &'static str {
    match value {
        Some(true) => "yes",
        Some(false) => "no",
        None => "not recorded",
    }
}

#[component]
pub fn UsersPage() -> impl IntoView {
    let url = use_query_once();
    let form = move || {
        url.with(|p| {
            let field = |name: &str| p.get(name).unwrap_or_default();
            UserForm {
                q: field("q"),
                state: field("state"),
                admin: field("admin"),
                managed: field("managed"),
                service: field("service"),
                external: field("external"),
                two_factor: field("two_factor"),
                sso: field("sso"),
                inactive_days: field("inactive_days"),
                sort: field("sort"),
                page: field("page"),
            }
        })
    };
    let columns =
        move || url.with(|p| UserColumns::from_params(&p.get_all("col").unwrap_or_default()));
    let take = ServerAction::<TakeSnapshot>::new();
    let list = Resource::new(
        move || (form(), take.version().get()),
        |(f, _)| {
            list_users(
                Some(f.q),
                Some(f.state),
                Some(f.admin),
                Some(f.managed),
                Some(f.service),
                Some(f.external),
                Some(f.two_factor),
                Some(f.sso),
                Some(f.inactive_days),
                Some(f.sort),
                Some(f.page),
            )
        },
    );
    let user = crate::components::session::SignedIn::expect().0;
    view! {
        <h1>"Users"</h1>
        // Rebuilt when the URL changes, so the controls always show the view on screen.
        {move || view! { <UserFilters form=form() columns=columns() /> }}
        {move || take.value().get().map(|r| match r {
            Ok(()) => view! { <p class="notice" role="status" data-testid="snapshot-requested">"A new snapshot is being taken; reload this page in a minute to see it."</p> }.into_any(),
            Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
        })}
        <Suspense fallback=|| view! { <p aria-busy="true">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let can = can_change(user.await);
                let columns = columns();
                match list.await {
                    Ok(UserListing { exact: Some(id), .. }) => {
                        view! { <Redirect path=format!("/users/{id}") /> }.into_any()
                    }
                    Ok(listing) => {
                        let refresh = can.then(|| view! {
                            <ActionForm action=take attr:class="inline">
                                <CsrfField />
                                <button type="submit" class="button secondary">"Refresh (take a new snapshot)"</button>
                            </ActionForm>
                        });
                        // Operators tick rows (or the whole filter) for a bulk action.
                        let table = if can {
                            let (query, total) = (listing.query.clone(), listing.page.total);
                            view! {
                                <BulkForm query total>
                                    <UserTable listing columns selectable=true />
                                </BulkForm>
                            }.into_any()
                        } else {
                            view! { <UserTable listing columns selectable=false /> }.into_any()
                        };
                        view! { {refresh} {table} }.into_any()
                    }
                    Err(e) => view! { <p class="error" role="alert" data-testid="users-error">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn UserFilters(form: UserForm, columns: UserColumns) -> impl IntoView {
    let state_options = [
        ("", "Any"),
        ("provisioned", "Active (provisioned)"),
        ("deactivated", "Deactivated"),
    ];
    let known_state = state_options.iter().any(|(v, _)| *v == form.state);
    let other_state = (!known_state).then(|| {
        let s = form.state.clone();
        view! { <option value=s.clone() selected=true>{s.clone()}</option> }
    });
    let states = state_options
        .iter()
        .map(|(v, label)| view! { <option value=*v selected=form.state == *v>{*label}</option> })
        .collect_view();
    let flags = FLAGS
        .iter()
        .map(|(name, label)| {
            let current = match *name {
                "admin" => form.admin.clone(),
                "managed" => form.managed.clone(),
                "service" => form.service.clone(),
                "external" => form.external.clone(),
                "two_factor" => form.two_factor.clone(),
                _ => form.sso.clone(),
            };
            let id = format!("user-{name}");
            view! {
                <div class="field">
                    <label for=id.clone()>{*label}</label>
                    <select id=id name=*name>
                        <option value="" selected=current.is_empty()>"Any"</option>
                        <option value="yes" selected=current == "yes">"Yes"</option>
                        <option value="no" selected=current == "no">"No"</option>
                    </select>
                </div>
            }
        })
        .collect_view();
    let column_boxes = USER_COLUMNS
        .iter()
        .map(|(name, label)| {
            view! {
                <label class="check">
                    // Named "… column", so it is not mistaken for the filter of the same name.
                    <input type="checkbox" name="col" value=*name checked=columns.shows(name)
                        aria-label=format!("{label} column") />
                    " " {*label}
                </label>
            }
        })
        .collect_view();
    let sorts = SORTS
        .iter()
        .map(|(sort, value, label)| {
            let selected =
                form.sort == *value || (form.sort.is_empty() && *sort == Default::default());
            view! { <option value=*value selected=selected>{*label}</option> }
        })
        .collect_view();
    view! {
        <form method="get" action="/users" role="search" class="search" data-testid="user-filters">
            <label for="user-q">"Name, email address or user ID"</label>
            <div class="search-row">
                <input id="user-q" name="q" type="search" value=form.q.clone() prop:value=form.q.clone()
                    autocomplete="off" spellcheck="false" />
                <button type="submit" class="button primary">"Search"</button>
            </div>
            <div class="filter-fields">
                <div class="field">
                    <label for="user-state">"State"</label>
                    <select id="user-state" name="state">{states}{other_state}</select>
                </div>
                {flags}
                <div class="field">
                    <label for="user-inactive">"No activity for at least (days)"</label>
                    <input id="user-inactive" name="inactive_days" type="number" min="1" max="36500"
                        value=form.inactive_days.clone() prop:value=form.inactive_days.clone() />
                </div>
                <div class="field">
                    <label for="user-sort">"Sort by"</label>
                    <select id="user-sort" name="sort">{sorts}</select>
                </div>
            </div>
            <details class="filters" data-testid="user-columns">
                <summary>"Columns"</summary>
                <fieldset class="column-choice">
                    <legend class="visually-hidden">"Columns to show"</legend>
                    {column_boxes}
                </fieldset>
                <p class="muted">"Tick the columns to show, then search. The CSV always has every column."</p>
            </details>
        </form>
    }
}

#[component]
fn UserTable(listing: UserListing, columns: UserColumns, selectable: bool) -> impl IntoView {
    let page = listing.page;
    let Some(as_of) = page.as_of else {
        return view! {
            <p class="notice" data-testid="no-snapshot">
                "The console has no complete snapshot of the enterprise yet, so it cannot list users. "
                "Take one, then come back in a minute. A search by exact email address or user ID still finds a user."
            </p>
        }
        .into_any();
    };
    let query = listing.query;
    let first = (page.page - 1) * crate::directory::PAGE_SIZE + 1;
    let last = first + page.rows.len() as i64 - 1;
    let summary = if page.rows.is_empty() {
        "No user matches.".to_string()
    } else {
        format!("{first}–{last} of {}", page.total)
    };
    // Paging keeps the column choice.
    let page_href = |n: i64| format!("{}{}", query.page_href(n), columns.url_suffix());
    let prev = (page.page > 1).then(|| {
        view! { <a rel="prev" href=page_href(page.page - 1)>"← Previous"</a> }
    });
    let next = page.has_next().then(|| {
        view! { <a rel="next" href=page_href(page.page + 1)>"Next →"</a> }
    });
    let details = if listing.details_recorded {
        format!(
            "External means an email domain other than {}.",
            listing.email_domains.join(", ")
        )
    } else {
        "This snapshot predates the console recording external users, two-factor sign-in, SSO and last activity; take a new one to see them.".to_string()
    };
    let headers = USER_COLUMNS
        .iter()
        .filter(|(name, _)| columns.shows(name))
        .map(|(_, label)| view! { <th scope="col">{*label}</th> })
        .collect_view();
    view! {
        <p class="muted" data-testid="as-of">
            "As of " {when(Some(as_of))} " (snapshot " {page.snapshot_id.unwrap_or_default()} "). "
            "Changes made since then show on each user's own page. " {details}
        </p>
        <p>
            <span data-testid="user-count">{summary}</span> " · "
            <a href=query.csv_href() download rel="external" data-testid="users-csv">"Download CSV (all pages, every column)"</a> " · "
            <a href="/users/bulk">"Recent bulk actions"</a>
        </p>
        <table class="table" data-testid="users">
            <thead><tr>
                {selectable.then(|| view! { <SelectAllToggle /> })}
                <th scope="col">"Name"</th>
                {headers}
            </tr></thead>
            <tbody>{page.rows.iter().map(|u| user_row(u, &columns, selectable)).collect_view()}</tbody>
        </table>
        <nav class="pager" aria-label="Pages">{prev} " " {next}</nav>
    }
    .into_any()
}

fn user_row(u: &UserRow, columns: &UserColumns, selectable: bool) -> impl IntoView {
    let label = if u.name.trim().is_empty() {
        u.email.clone()
    } else {
        u.name.clone()
    };
    let admin = if u.is_super_admin {
        "super admin"
    } else {
        yes_no(Some(u.is_admin))
    };
    let activity = if u.is_external.is_none() {
        "not recorded".to_string()
    } else {
        when(u.last_activity)
    };
    // One cell per optional column, in the table's order (see `USER_COLUMNS`).
    let cells = USER_COLUMNS
        .iter()
        .filter(|(name, _)| columns.shows(name))
        .map(|(name, _)| match *name {
            "email" => view! { <td data-testid="user-email">{u.email.clone()}</td> }.into_any(),
            "id" => view! { <td><code>{u.id.clone()}</code></td> }.into_any(),
            "state" => {
                // Changed through the console since the snapshot: say so, and by which request.
                let change = u.console_change.clone().map(|c| {
                    let link = c.approval_id.map(|id| view! {
                        " (" <a href=format!("/approvals/{id}")>"request"</a> ")"
                    });
                    view! { <span class="muted" data-testid="console-change">" · " {c.what} {link}</span> }
                });
                view! { <td><span data-testid="user-state">{u.state.clone()}</span>{change}</td> }.into_any()
            }
            "admin" => view! { <td>{admin}</td> }.into_any(),
            "managed" => view! { <td>{yes_no(Some(u.is_managed))}</td> }.into_any(),
            "service" => view! { <td>{yes_no(Some(u.is_service_account))}</td> }.into_any(),
            "external" => {
                view! { <td data-testid="user-external">{yes_no(u.is_external)}</td> }.into_any()
            }
            "two_factor" => view! { <td>{yes_no(u.two_factor)}</td> }.into_any(),
            "sso" => view! { <td>{yes_no(u.sso_required)}</td> }.into_any(),
            _ => view! { <td>{activity.clone()}</td> }.into_any(),
        })
        .collect_view();
    view! {
        <tr data-testid="user-row">
            {selectable.then(|| view! { <RowCheckbox id=u.id.clone() label=label.clone() /> })}
            <td><a href=format!("/users/{}", u.id)>{label}</a></td>
            {cells}
        </tr>
    }
}

/// The actions a user page offers, created once at the page's top level.
#[derive(Clone, Copy)]
struct UserActions {
    logout: ServerAction<LogoutUser>,
    rename: ServerAction<RenameUser>,
    email: ServerAction<ChangeUserEmail>,
    /// Admin access, reactivation and claiming run as a one-user bulk job, the same code
    /// path (and action-log entries) as for many users; the page moves on to the job.
    access: ServerAction<StartBulkJob>,
}

#[component]
pub fn UserPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let actions = UserActions {
        logout: ServerAction::new(),
        rename: ServerAction::new(),
        email: ServerAction::new(),
        access: ServerAction::new(),
    };
    let detail = Resource::new(
        move || {
            (
                id(),
                actions.logout.version().get(),
                actions.rename.version().get(),
                actions.email.version().get(),
            )
        },
        |(id, ..)| read_user(id),
    );
    let user = crate::components::session::SignedIn::expect().0;
    let failure = move || {
        actions
            .logout
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| actions.rename.value().get().and_then(Result::err))
            .or_else(|| actions.email.value().get().and_then(Result::err))
            .or_else(|| actions.access.value().get().and_then(Result::err))
    };
    view! {
        <p><a href="/users">"← Users"</a></p>
        {move || failure().map(|e| view! { <p class="error" role="alert" data-testid="change-error">{e.to_string()}</p> })}
        {move || matches!(actions.logout.value().get(), Some(Ok(()))).then(|| view! {
            <p class="notice" role="status" data-testid="logged-out">"The user's Airtable sessions have ended."</p>
        })}
        {move || matches!(actions.rename.value().get(), Some(Ok(()))).then(|| view! {
            <p class="notice" role="status" data-testid="renamed">"Name changed."</p>
        })}
        {move || matches!(actions.email.value().get(), Some(Ok(()))).then(|| view! {
            <p class="notice" role="status" data-testid="email-changed">"Email address changed; Airtable ended the user's sessions."</p>
        })}
        <Suspense fallback=|| view! { <p aria-busy="true">"Reading the user from Airtable…"</p> }>
            {move || Suspend::new(async move {
                let can = can_change(user.await);
                match detail.await {
                    Ok(u) => view! { <UserView u can actions /> }.into_any(),
                    Err(e) => view! {
                        <h1>"User"</h1>
                        <p class="error" role="alert" data-testid="user-error">{e.to_string()}</p>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn UserView(u: UserDetail, can: bool, actions: UserActions) -> impl IntoView {
    let title = if u.name.trim().is_empty() {
        u.email.clone()
    } else {
        u.name.clone()
    };
    let admin = if u.is_super_admin {
        "super admin"
    } else {
        yes_no(Some(u.is_admin))
    };
    let managed = u.is_managed.map_or("not reported", |m| yes_no(Some(m)));
    let external = u
        .is_external
        .map_or("unknown until a snapshot is taken", |e| yes_no(Some(e)));
    let by_user = format!("/audit?q={}", percent_encode(&format!("actor:{}", u.id)));
    let about_user = format!("/audit?q={}", percent_encode(&format!("model:{}", u.id)));
    let groups = u
        .groups
        .iter()
        .map(|g| {
            view! {
                <tr data-testid="group-row">
                    <td><a href=format!("/groups/{}", g.id)>{g.name.clone().unwrap_or_else(|| g.id.clone())}</a></td>
                    <td><code>{g.id.clone()}</code></td>
                    <td>{g.role.clone().unwrap_or_else(|| "not in the latest snapshot".into())}</td>
                </tr>
            }
        })
        .collect_view();
    let collaborations = u
        .collaborations
        .iter()
        .map(|c| {
            let target = match (c.kind.as_str(), &c.base_id) {
                ("workspace", _) => view! {
                    <a href=format!("/workspaces/{}", c.id)>{c.name.clone().unwrap_or_else(|| c.id.clone())}</a>
                }
                .into_any(),
                ("base", _) => view! { <a href=format!("/bases/{}", c.id)>{c.id.clone()}</a> }.into_any(),
                (_, Some(base)) => view! {
                    <code>{c.id.clone()}</code> " in base " <a href=format!("/bases/{base}")>{base.clone()}</a>
                }
                .into_any(),
                _ => view! { <code>{c.id.clone()}</code> }.into_any(),
            };
            view! {
                <tr data-testid="collaboration-row">
                    <td>{c.kind.clone()}</td>
                    <td>{target}</td>
                    <td data-testid="collaboration-permission">{c.permission.clone()}</td>
                    <td>{when(Some(c.granted_at))} " by " <code>{c.granted_by.clone()}</code></td>
                </tr>
            }
        })
        .collect_view();
    let (first, last) = u.name_parts();
    // The one-user jobs this user's state allows.
    let mut access_kinds: Vec<(&str, &str)> = Vec::new();
    if u.is_deactivated() {
        access_kinds.push(("reactivate", "Reactivate"));
    }
    match u.is_managed {
        Some(false) => access_kinds.push(("claim_managed", "Claim as a managed user")),
        Some(true) => access_kinds.push(("claim_unmanaged", "Release as an unmanaged user")),
        None => {}
    }
    let access_id = u.id.clone();
    let access_forms = access_kinds
        .into_iter()
        .map(|(kind, label)| {
            let user = access_id.clone();
            view! {
                <ActionForm action=actions.access attr:class="inline">
                    <CsrfField />
                    <input type="hidden" name="kind" value=kind />
                    <input type="hidden" name="users[]" value=user />
                    <button type="submit" class="button secondary">{label}</button>
                </ActionForm>
            }
        })
        .collect_view();
    let direct_id = u.id.clone();
    let direct = can.then(move || {
        let rename_id = direct_id.clone();
        let email_id = direct_id.clone();
        view! {
            <section class="card">
                <h2>"Changes"</h2>
                <p class="muted">"These happen at once and are recorded in the console's action log."</p>
                <ActionForm action=actions.logout attr:class="inline">
                    <CsrfField />
                    <input type="hidden" name="user" value=direct_id />
                    <button type="submit" class="button secondary">"Log out of all sessions"</button>
                </ActionForm>
                {access_forms}
                <h3>"Change name"</h3>
                <ActionForm action=actions.rename>
                    <CsrfField />
                    <input type="hidden" name="user" value=rename_id />
                    <div class="form-row">
                        <label for="user-first-name">"First name"</label>
                        <input id="user-first-name" name="first_name" type="text" maxlength="100" value=first autocomplete="off" />
                        <label for="user-last-name">"Last name"</label>
                        <input id="user-last-name" name="last_name" type="text" maxlength="100" value=last autocomplete="off" />
                        <button type="submit" class="button secondary">"Save name"</button>
                    </div>
                </ActionForm>
                <h3>"Change email address"</h3>
                <p class="muted">"The new address must be on one of the enterprise's email domains; Airtable ends the user's sessions when it changes."</p>
                <ActionForm action=actions.email>
                    <CsrfField />
                    <input type="hidden" name="user" value=email_id />
                    <div class="form-row">
                        <label for="user-new-email">"New email address"</label>
                        <input id="user-new-email" name="email" type="email" required maxlength="254" autocomplete="off" />
                        <button type="submit" class="button secondary">"Change email"</button>
                    </div>
                </ActionForm>
            </section>
        }
    });
    let typed = u.id.parse::<airtable_client::ids::UserId>().ok();
    let deactivated = u.is_deactivated();
    let is_admin = u.is_admin;
    let email = u.email.clone();
    // Airtable says whether the enterprise manages an account only for people on its email
    // domains: without that answer (or with a snapshot saying so) this is an external
    // collaborator, whom Airtable will not deactivate, delete or make (or unmake) an admin.
    // Only removing them from the enterprise's workspaces and bases applies.
    let outside = u.is_external == Some(true) || u.is_managed.is_none();
    // Airtable hands the workspaces someone owns to a replacement owner when they are
    // removed: the form offers the other people of those workspaces.
    let owned: Vec<String> = u
        .collaborations
        .iter()
        .filter(|c| c.kind == "workspace" && c.permission == "owner")
        .map(|c| c.id.clone())
        .collect();
    let risky = typed.filter(|_| can).map(|user| {
        if outside {
            return view! {
                <section class="card" data-testid="risky-actions">
                    <h2>"Risky actions"</h2>
                    <p class="muted" data-testid="external-note">
                        {email.clone()} " is an external collaborator (outside the enterprise's email domains): "
                        "Airtable does not let the enterprise deactivate or delete their account or change their admin access. "
                        "What applies is removing them from the enterprise's workspaces, bases and interfaces, which ends every access they have here. "
                        "It needs a second person's approval before it happens."
                    </p>
                    <RemoveFromEnterpriseForm user=user.clone() owned=owned.clone()
                        label=format!("Remove {email} from the enterprise's workspaces, bases and interfaces…") />
                </section>
            }
            .into_any();
        }
        view! {
            <section class="card" data-testid="risky-actions">
                <h2>"Risky actions"</h2>
                <p class="muted">"Each needs a second person's approval before it happens."</p>
                {(!deactivated).then(|| view! { <RequestActionForm action=RiskyAction::DeactivateUser { user: user.clone() } label="Deactivate" /> })}
                <RemoveFromEnterpriseForm user=user.clone() owned=owned.clone() label=format!("Remove {email} from the enterprise…") />
                {is_admin.then(|| view! { <RequestActionForm action=RiskyAction::RevokeAdminAccess { user: user.clone() } label="Revoke admin access" /> })}
                {(!is_admin).then(|| view! { <RequestActionForm action=RiskyAction::GrantAdminAccess { user: user.clone() } label="Grant admin access" /> })}
                <RequestActionForm action=RiskyAction::DeleteUser { user: user.clone() } label=format!("Delete {email}…") confirm=email.clone() />
            </section>
        }
        .into_any()
    });
    view! {
        <h1 data-testid="user-name">{title}</h1>
        <section class="card" data-testid="user-card">
            <dl class="facts">
                <dt>"ID"</dt><dd><code data-testid="user-id">{u.id.clone()}</code></dd>
                <dt>"Email"</dt><dd data-testid="user-email">{u.email.clone()}</dd>
                <dt>"Name"</dt><dd>{u.name.clone()}</dd>
                <dt>"State"</dt><dd data-testid="user-state">{u.state.clone()}</dd>
                <dt>"Admin"</dt><dd data-testid="user-admin">{admin}</dd>
                <dt>"Managed"</dt><dd>{managed}</dd>
                <dt>"Service account"</dt><dd>{yes_no(Some(u.is_service_account))}</dd>
                <dt>"External"</dt><dd>{external}</dd>
                <dt>"Two-factor sign-in"</dt><dd>{yes_no(Some(u.two_factor))}</dd>
                <dt>"SSO required"</dt><dd>{yes_no(Some(u.sso_required))}</dd>
                <dt>"Created"</dt><dd>{u.created_at.map_or_else(|| "not reported".to_string(), |t| when(Some(t)))}</dd>
                <dt>"Last activity"</dt><dd>{when(u.last_activity)}</dd>
                <dt>"Read from Airtable"</dt><dd>{when(Some(u.read_at))}</dd>
            </dl>
            <p>
                <a href=by_user data-testid="audit-by-user">"Audit events by this user"</a> " · "
                <a href=about_user>"Audit events about this user"</a>
            </p>
        </section>
        <section class="card">
            <h2>"Groups (" {u.groups.len()} ")"</h2>
            <table class="table" data-testid="user-groups">
                <thead><tr><th scope="col">"Group"</th><th scope="col">"ID"</th><th scope="col">"Role"</th></tr></thead>
                <tbody>{groups}</tbody>
            </table>
        </section>
        <section class="card">
            <h2>"Shared directly with them (" {u.collaborations.len()} ")"</h2>
            <table class="table" data-testid="user-collaborations">
                <thead><tr><th scope="col">"Kind"</th><th scope="col">"On"</th><th scope="col">"Permission"</th><th scope="col">"Since"</th></tr></thead>
                <tbody>{collaborations}</tbody>
            </table>
        </section>
        {direct}
        {risky}
    }
}

/// Asks to remove someone from the enterprise. Airtable refuses to remove the only owner of
/// a workspace without a replacement owner, so the form asks for one: the other people of
/// the workspaces they own (read live), or none. Each choice is the whole call (the request
/// form posts the call as it is, so it also works without the wasm bundle).
#[component]
fn RemoveFromEnterpriseForm(
    user: airtable_client::ids::UserId,
    owned: Vec<String>,
    #[prop(into)] label: String,
) -> impl IntoView {
    let request = ServerAction::<RequestAction>::new();
    let me = user.to_string();
    let call = move |replacement: Option<airtable_client::ids::UserId>| {
        serde_json::to_string(&RiskyAction::RemoveUserFromEnterprise {
            user: user.clone(),
            replacement_owner: replacement,
            remove_from_descendants: false,
        })
        .unwrap_or_default()
    };
    let owns_workspaces = !owned.is_empty();
    let candidates = Resource::new(
        move || owned.clone(),
        move |workspaces| {
            let me = me.clone();
            async move {
                let mut people: Vec<(String, String)> = Vec::new();
                for id in workspaces {
                    // A workspace that cannot be read offers nobody; the server checks the
                    // choice again (and refuses a removal that would orphan a workspace).
                    let Ok(w) = read_workspace(id).await else {
                        continue;
                    };
                    for c in w.collaborators {
                        if c.kind == CollaboratorKind::User
                            && c.id != me
                            && !people.iter().any(|(id, _)| *id == c.id)
                        {
                            people.push((c.id, c.label));
                        }
                    }
                }
                people.sort_by(|a, b| a.1.cmp(&b.1));
                people
            }
        },
    );
    let none = call(None);
    let field = format!("reason-remove-{}", user_field(&none));
    let select = format!("replacement-{}", user_field(&none));
    let options = move || {
        let call = call.clone();
        Suspend::new(async move {
            candidates
                .await
                .into_iter()
                .filter_map(|(id, email)| {
                    let typed = id.parse::<airtable_client::ids::UserId>().ok()?;
                    Some(view! { <option value=call(Some(typed))>{format!("{email} ({id})")}</option> })
                })
                .collect_view()
        })
    };
    let none_label = if owns_workspaces {
        "Nobody (only if no workspace they own is left without an owner)"
    } else {
        "Nobody (they own no workspace)"
    };
    view! {
        // The sole-owner report links here (`#remove-from-enterprise`); browsers open a
        // <details> that a fragment points into.
        <details class="risky" id="remove-from-enterprise">
            <summary>{label}</summary>
            <ActionForm action=request>
                <CsrfField />
                <p>
                    "Removes them from every workspace, base and interface of the enterprise. "
                    "A workspace they are the only owner of goes to the replacement owner; "
                    "the request is refused if one would be left without an owner."
                </p>
                <label for=select.clone()>"Replacement owner"</label>
                <select id=select name="action" required data-testid="replacement-owner">
                    <option value=none>{none_label}</option>
                    <Suspense fallback=|| ()>{options}</Suspense>
                </select>
                <label for=field.clone()>"Why is this needed?"</label>
                <textarea id=field name="reason" rows="2" required></textarea>
                <button type="submit" class="button danger">"Ask for approval"</button>
            </ActionForm>
            {move || request.value().get().map(|result| match result {
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

/// A short, stable suffix for the form's element IDs, from the call it makes.
fn user_field(call: &str) -> String {
    format!(
        "{:08x}",
        call.bytes().fold(0x811c_9dc5_u32, |hash, byte| {
            (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193)
        })
    )
}
