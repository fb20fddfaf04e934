//! The audit history: one search box (with the language of `audit::query`), filters as
//! form controls, newest-first results in keyset pages, a chart, downloads, and a page per
//! event. Everything is in the URL, so a search can be bookmarked and shared; every form is
//! a plain GET form, so it works before the wasm bundle loads.

use leptos::{prelude::*, server_fn::codec::GetUrl};
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::{AuditEventDetail, AuditEventRow, AuditSearchPage, ConsoleError};
use crate::audit::categories::{ACTIONS, CATEGORIES};
use crate::audit::query::{percent_encode, percent_encode_into, SearchForm};
use crate::components::format::when;

#[server(endpoint = "audit/search", input = GetUrl)]
pub async fn search_audit(
    q: String,
    action: String,
    category: String,
    actor: String,
    after: String,
    before: String,
    cursor: String,
) -> Result<AuditSearchPage, ConsoleError> {
    crate::serve::as_role(crate::api::Role::Viewer, async move |console, _| {
        let form = SearchForm {
            q,
            action,
            category,
            actor,
            after,
            before,
        };
        let query = form
            .to_query()
            .map_err(|e| ConsoleError::Invalid(e.to_string()))?;
        let cursor = Some(cursor.as_str()).filter(|c| !c.is_empty());
        console_core::audit::search_events(&console, &query, cursor).await
    })
    .await
}

#[server(endpoint = "audit/event", input = GetUrl)]
pub async fn read_audit_event(id: String) -> Result<Option<AuditEventDetail>, ConsoleError> {
    crate::serve::as_role(crate::api::Role::Viewer, async move |console, _| {
        console_core::audit::event(&console, &id).await
    })
    .await
}

/// A link to the search for one filter, e.g. every event by one person.
fn search_link(key: &str, value: &str) -> String {
    const START: &str = "/audit?q=";
    let mut link = String::with_capacity(START.len() + key.len() + 3 + value.len() * 3);
    link.push_str(START);
    percent_encode_into(&mut link, key);
    link.push_str("%3A"); // the ':' between the key and the value
    percent_encode_into(&mut link, value);
    link
}

#[component]
pub fn AuditSearchPage() -> impl IntoView {
    let url = use_query_map();
    let form = move || {
        url.with(|q| {
            let field = |name: &str| q.get(name).unwrap_or_default();
            SearchForm {
                q: field("q"),
                action: field("action"),
                category: field("category"),
                actor: field("actor"),
                after: field("after"),
                before: field("before"),
            }
        })
    };
    let cursor = move || url.with(|q| q.get("cursor").unwrap_or_default());
    let page = Resource::new(
        move || (form(), cursor()),
        |(form, cursor)| {
            search_audit(
                form.q,
                form.action,
                form.category,
                form.actor,
                form.after,
                form.before,
                cursor,
            )
        },
    );

    view! {
        <h1>"Audit log"</h1>
        <p class="lede">
            "Every event of the Airtable audit log, kept by the console for as long as you need. "
            <a href="/audit/sync">"Where the copy stands"</a> "."
        </p>
        // Rebuilt when the URL changes, so the controls always show the search on screen
        // (`prop:value` too: a box someone typed in no longer follows its attribute).
        {move || view! { <SearchBox form=form() /> }}
        <Suspense fallback=|| view! { <p aria-busy="true">"Searching…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(results) => view! { <Results results form=form() first_page=cursor().is_empty() /> }.into_any(),
                    Err(e) => view! { <p class="error" role="alert" data-testid="search-error">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn SearchBox(form: SearchForm) -> impl IntoView {
    let category_options = CATEGORIES
        .iter()
        .map(|c| view! { <option value=*c selected=form.category == *c>{*c}</option> })
        .collect_view();
    let action_options = ACTIONS
        .iter()
        .map(|(action, _)| view! { <option value=*action></option> })
        .collect_view();
    let filters_open = [
        &form.action,
        &form.category,
        &form.actor,
        &form.after,
        &form.before,
    ]
    .iter()
    .any(|v| !v.is_empty());
    view! {
        <form method="get" action="/audit" role="search" class="search">
            <label for="audit-q">"Search"</label>
            <div class="search-row">
                <input id="audit-q" name="q" type="search" value=form.q.clone() prop:value=form.q.clone()
                    autocomplete="off" spellcheck="false"
                    placeholder="actor:alice@corp.com action:deleteBase after:2026-01-01 \"budget\"" />
                <button type="submit" class="button primary">"Search"</button>
            </div>
            <details class="filters" open=filters_open>
                <summary>"Filters"</summary>
                <div class="filter-grid">
                    <label for="audit-action">"Action"</label>
                    <input id="audit-action" name="action" list="audit-actions" value=form.action.clone() prop:value=form.action.clone() />
                    <datalist id="audit-actions">{action_options}</datalist>
                    <label for="audit-category">"Category"</label>
                    <select id="audit-category" name="category">
                        <option value="" selected=form.category.is_empty()>"Any"</option>
                        {category_options}
                    </select>
                    <label for="audit-actor">"Actor (email or user ID)"</label>
                    <input id="audit-actor" name="actor" value=form.actor.clone() prop:value=form.actor.clone() />
                    <label for="audit-after">"From (UTC)"</label>
                    <input id="audit-after" name="after" type="date" value=form.after.clone() prop:value=form.after.clone() />
                    <label for="audit-before">"Until, not including (UTC)"</label>
                    <input id="audit-before" name="before" type="date" value=form.before.clone() prop:value=form.before.clone() />
                </div>
            </details>
            <details class="help">
                <summary>"How to search"</summary>
                <ul>
                    <li><code>"actor:alice@corp.com"</code> " or " <code>"actor:usr…"</code> ": what one person did"</li>
                    <li><code>"action:deleteBase"</code> ", " <code>"category:user"</code> ": kinds of event (repeat a filter to match either value)"</li>
                    <li><code>"model:app…"</code> ", " <code>"workspace:wsp…"</code> ", " <code>"base:app…"</code> ", " <code>"ip:203.0.113.7"</code></li>
                    <li><code>"after:2026-01-01"</code> " (from that day on) and " <code>"before:2026-02-01"</code> " (up to that day); dates are UTC"</li>
                    <li><code>"-action:loginUser"</code> ": leave matching events out"</li>
                    <li><code>"\"quarterly report\""</code> ": text anywhere in the event, payload included"</li>
                </ul>
            </details>
        </form>
    }
}

#[component]
fn Results(results: AuditSearchPage, form: SearchForm, first_page: bool) -> impl IntoView {
    let url_query = form.to_url_query();
    let joiner = if url_query.is_empty() { "" } else { "&" };
    let older = results.next_cursor.as_ref().map(|cursor| {
        format!(
            "/audit?{url_query}{joiner}cursor={}",
            percent_encode(cursor)
        )
    });
    let newest = format!("/audit?{url_query}");
    // The chart is an image, which the page's stylesheet cannot reach: it is drawn for the
    // theme someone chose (without a choice it follows the operating system by itself).
    let theme = crate::components::theme_toggle::ChosenTheme::expect().0;
    let chart = {
        let base = format!("/audit/chart.svg?{url_query}");
        move || match theme.get() {
            Some(theme) => format!("{base}{joiner}theme={}", theme.as_str()),
            None => base.clone(),
        }
    };
    let csv = format!("/audit/export.csv?{url_query}");
    let ndjson = format!("/audit/export.ndjson?{url_query}");
    let described = if results.query.is_empty() {
        "All events".to_string()
    } else {
        format!("Events matching {}", results.query)
    };
    let empty = results.events.is_empty();
    // An alert rule made from this search acts on new events like these (`/alerts`).
    let alert = (!results.query.is_empty())
        .then(|| format!("/alerts?q={}", percent_encode(&results.query)));
    view! {
        <section class="results">
            <div class="results-head">
                <p data-testid="search-understood">{described}</p>
                {alert.map(|href| view! {
                    <p><a href=href>"Alert on new events like these"</a></p>
                })}
                <p class="downloads">
                    "Download all results: "
                    <a href=csv download rel="external">"CSV"</a> " · "
                    <a href=ndjson download rel="external">"NDJSON"</a>
                </p>
            </div>
            <img class="chart" src=chart width="960" height="160"
                alt="Chart of the matching events over time" />
            {empty.then(|| view! {
                <p class="notice" data-testid="no-results">
                    {if first_page { "No event matches this search." } else { "No older events." }}
                </p>
            })}
            {(!empty).then(|| view! { <EventTable events=results.events /> })}
            <nav class="pager" aria-label="Result pages">
                {(!first_page).then(|| view! { <a href=newest.clone() rel="external">"Newest"</a> })}
                {older.map(|href| view! { <a href=href data-testid="older" rel="external">"Older events"</a> })}
            </nav>
        </section>
    }
}

#[component]
fn EventTable(events: Vec<AuditEventRow>) -> impl IntoView {
    view! {
        <table class="table" data-testid="audit-results">
            <caption class="visually-hidden">"Audit events, newest first"</caption>
            <thead><tr>
                <th scope="col">"Time (UTC)"</th><th scope="col">"Action"</th><th scope="col">"Actor"</th>
                <th scope="col">"Target"</th><th scope="col">"Where"</th><th scope="col">"IP"</th>
            </tr></thead>
            <tbody>
                {events.into_iter().map(|e| view! { <EventRow event=e /> }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn EventRow(event: AuditEventRow) -> impl IntoView {
    let detail = format!("/audit/events/{}", percent_encode(&event.id));
    let actor = actor_cell(&event);
    let target = event
        .model_id
        .clone()
        .zip(event.target_label())
        .map(|(id, named)| {
            let label = match &event.model_type {
                Some(kind) => format!("{kind} {named}"),
                None => named,
            };
            let href = search_link("model", &id);
            view! { <a href=href>{label}</a> }
        });
    let place = event
        .base_id
        .clone()
        .zip(event.base_label())
        .map(|(id, label)| ("base", id, label))
        .or_else(|| {
            event
                .workspace_id
                .clone()
                .zip(event.workspace_label())
                .map(|(id, label)| ("workspace", id, label))
        })
        .map(|(key, id, label)| {
            let href = search_link(key, &id);
            view! { <a href=href>{label}</a> }
        });
    view! {
        <tr data-testid="audit-row">
            <td><a href=detail>{when(Some(event.occurred_at))}</a></td>
            <td>
                <a href=search_link("action", &event.action)>{event.action.clone()}</a>
                {event.category.clone().map(|c| view! { <span class="tag">{c}</span> })}
            </td>
            <td>{actor}</td>
            <td>{target}</td>
            <td>{place}</td>
            <td>{event.ip_address.clone().map(|ip| view! { <a href=search_link("ip", &ip)>{ip.clone()}</a> })}</td>
        </tr>
    }
}

fn actor_cell(event: &AuditEventRow) -> AnyView {
    let label = event
        .actor_email
        .clone()
        .or_else(|| event.actor_name.clone())
        .unwrap_or_else(|| event.actor_type.clone());
    match (&event.actor_id, &event.actor_email) {
        (_, Some(email)) => view! { <a href=search_link("actor", email)>{label}</a> }.into_any(),
        (Some(id), None) => view! { <a href=search_link("actor", id)>{label}</a> }.into_any(),
        (None, None) => view! { <span>{label}</span> }.into_any(),
    }
}

#[component]
pub fn AuditEventPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let event = Resource::new(id, read_audit_event);
    view! {
        <p><a href="/audit">"← Audit log"</a></p>
        <Suspense fallback=|| view! { <p aria-busy="true">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match event.await {
                    Ok(Some(detail)) => view! { <EventDetail detail /> }.into_any(),
                    Ok(None) => view! {
                        <h1>"Event not found"</h1>
                        <p class="notice">"The console's copy of the audit log has no event with this ID."</p>
                    }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// What an ID on an audit event is to the event: who did it, what it was done to, or where
/// it happened. Links to the console's pages say which, since one event can name two users
/// (an admin who deactivated someone) or two workspaces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EventRole {
    Actor,
    Target,
    Workspace,
    Base,
}

/// The console page for an Airtable ID (`usr…`, `wsp…`, `app…`, `ugp…`), if it has one,
/// with a label that says what the ID is to the event.
pub(crate) fn console_page(id: &str, role: EventRole) -> Option<(String, String)> {
    if !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    let (kind, href) = match id.get(..3)? {
        "usr" => ("user", format!("/users?q={id}")),
        "wsp" => ("workspace", format!("/workspaces/{id}")),
        "app" => ("base", format!("/bases/{id}")),
        "ugp" => ("group", format!("/groups/{id}")),
        _ => return None,
    };
    let label = match (role, kind) {
        (EventRole::Actor, _) => format!("The user page of the person who did it ({id})"),
        (EventRole::Target, "user") => format!("The user page of the person it was done to ({id})"),
        (EventRole::Target, _) => format!("The page of the {kind} it was done to ({id})"),
        (EventRole::Workspace, _) | (EventRole::Base, _) => {
            format!("The page of the {kind} it happened in ({id})")
        }
    };
    Some((label, href))
}

#[component]
fn EventDetail(detail: AuditEventDetail) -> impl IntoView {
    let e = detail.row;
    let field = |name: &'static str, value: Option<String>| {
        value.map(|v| view! { <dt>{name}</dt><dd>{v}</dd> })
    };
    let mut related: Vec<(String, String)> = Vec::new();
    if let Some(email) = &e.actor_email {
        related.push((
            "Everything this person did".into(),
            search_link("actor", email),
        ));
    } else if let Some(id) = &e.actor_id {
        related.push((
            "Everything this person did".into(),
            search_link("actor", id),
        ));
    }
    if let Some(id) = &e.model_id {
        related.push((
            "Every event about the same target".into(),
            search_link("model", id),
        ));
    }
    if let Some(id) = &e.workspace_id {
        related.push((
            "Every event in this workspace".into(),
            search_link("workspace", id),
        ));
    }
    if let Some(id) = &e.base_id {
        related.push(("Every event in this base".into(), search_link("base", id)));
    }
    // Links to the console's own pages for what the event names, for IDs of a known kind;
    // one link per page (the first role named wins: someone who acted on themselves).
    let mut pages: Vec<(String, String)> = Vec::new();
    for (id, role) in [
        (&e.actor_id, EventRole::Actor),
        (&e.model_id, EventRole::Target),
        (&e.workspace_id, EventRole::Workspace),
        (&e.base_id, EventRole::Base),
    ] {
        if let Some((label, href)) = id.as_deref().and_then(|id| console_page(id, role)) {
            if !pages.iter().any(|(_, seen)| *seen == href) {
                pages.push((label, href));
            }
        }
    }
    related.extend(pages);
    view! {
        <h1>{e.action.clone()}</h1>
        <dl class="facts" data-testid="event-facts">
            {field("Event ID", Some(e.id.clone()))}
            {field("Time", Some(when(Some(e.occurred_at))))}
            {field("Category", e.category.clone())}
            {field("Actor", Some(match (&e.actor_name, &e.actor_email) {
                (Some(n), Some(m)) => format!("{n} <{m}>"),
                (None, Some(m)) => m.clone(),
                (Some(n), None) => n.clone(),
                (None, None) => e.actor_type.clone(),
            }))}
            {field("Actor ID", e.actor_id.clone())}
            {field("Target", e.target_label().map(|named| match &e.model_type {
                Some(kind) => format!("{kind} {named}"),
                None => named,
            }))}
            {field("Workspace", e.workspace_label())}
            {field("Base", e.base_label())}
            {field("IP address", e.ip_address.clone())}
            {field("User agent", detail.user_agent.clone())}
        </dl>
        <ul class="related">
            {related.into_iter().map(|(label, href)| view! { <li><a href=href>{label}</a></li> }).collect_view()}
        </ul>
        <h2>"The event as Airtable sent it"</h2>
        <pre class="payload" data-testid="event-json">{detail.raw_json}</pre>
    }
}

#[cfg(test)]
mod tests {
    use super::{console_page, EventRole};

    #[test]
    fn known_ids_link_to_their_pages_and_others_do_not() {
        assert_eq!(
            console_page("wspAbc123", EventRole::Workspace).map(|(_, href)| href),
            Some("/workspaces/wspAbc123".to_string())
        );
        assert_eq!(
            console_page("usrX1", EventRole::Actor).map(|(_, href)| href),
            Some("/users?q=usrX1".to_string())
        );
        assert_eq!(console_page("appX/../x", EventRole::Base), None);
        assert_eq!(console_page("entAbc", EventRole::Target), None);
        assert_eq!(console_page("us", EventRole::Target), None);
    }

    #[test]
    fn the_actor_and_the_target_are_told_apart() {
        let actor = console_page("usrA", EventRole::Actor).map(|(label, _)| label);
        let target = console_page("usrB", EventRole::Target).map(|(label, _)| label);
        assert_eq!(
            actor.as_deref(),
            Some("The user page of the person who did it (usrA)")
        );
        assert_eq!(
            target.as_deref(),
            Some("The user page of the person it was done to (usrB)")
        );
    }
}
