//! The console's own action log (who did what through the console), with a check of its
//! hash chain. Reads only: anyone with a console role may look.

use leptos::{prelude::*, server_fn::codec::GetUrl};
use leptos_router::hooks::use_query_map;

use crate::api::{ActionLogCheck, ConsoleActionRow, ConsoleError};
use crate::components::format::when;

#[server(endpoint = "actions/list", input = GetUrl)]
pub async fn list_actions(before: Option<i64>) -> Result<Vec<ConsoleActionRow>, ConsoleError> {
    crate::serve::as_role(crate::api::Role::Viewer, async move |console, _| {
        console_core::action_log::page(&console, before).await
    })
    .await
}

#[server(endpoint = "actions/verify", input = GetUrl)]
pub async fn verify_actions() -> Result<ActionLogCheck, ConsoleError> {
    crate::serve::as_role(crate::api::Role::Viewer, async move |console, _| {
        console_core::action_log::check(&console).await
    })
    .await
}

#[component]
pub fn ActionLogPage() -> impl IntoView {
    let query = use_query_map();
    let before = move || query.with(|q| q.get("before").and_then(|b| b.parse::<i64>().ok()));
    let verify = move || query.with(|q| q.get("verify").is_some());
    let rows = Resource::new(before, list_actions);
    let check = Resource::new(verify, |wanted| async move {
        if wanted {
            Some(verify_actions().await)
        } else {
            None
        }
    });
    view! {
        <h1>"Console action log"</h1>
        <p class="lede">
            "Everything people did through the console, newest first. Rows cannot be changed; "
            "each carries a keyed hash of the one before, and the newest row's hash is also kept "
            "outside the database, so a changed, removed or emptied log is detected."
        </p>
        <p><a class="button secondary" href="/audit/actions?verify=1">"Check the log's integrity"</a></p>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                check.await.map(|result| match result {
                    Ok(c) if c.intact => view! {
                        <p class="notice" role="status" data-testid="chain-check">
                            "Intact: all " {c.rows} " rows check out."
                        </p>
                        <CheckNotes notes=c.notes />
                    }.into_any(),
                    Ok(c) => view! {
                        <p class="error" role="alert" data-testid="chain-check">
                            "Tampering detected: " {c.problem.unwrap_or_default()}
                        </p>
                        <CheckNotes notes=c.notes />
                    }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                })
            })}
        </Suspense>
        <Suspense fallback=|| view! { <p aria-busy="true">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match rows.await {
                    Ok(rows) => view! { <ActionTable rows /> }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// What the integrity check relied on, and what it could not.
#[component]
fn CheckNotes(notes: Vec<String>) -> impl IntoView {
    (!notes.is_empty()).then(|| {
        view! {
            <ul class="muted" data-testid="chain-check-notes">
                {notes.into_iter().map(|n| view! { <li>{n}</li> }).collect_view()}
            </ul>
        }
    })
}

#[component]
fn ActionTable(rows: Vec<ConsoleActionRow>) -> impl IntoView {
    if rows.is_empty() {
        return view! { <p>"Nothing has been done through the console yet."</p> }.into_any();
    }
    let older = rows
        .last()
        .map(|r| format!("/audit/actions?before={}", r.seq));
    let body = rows
        .into_iter()
        .map(|row| {
            let outcome = if row.ok { "done" } else { "failed" };
            view! {
                <tr data-testid="action-row">
                    <td>{row.seq}</td>
                    <td>{when(Some(row.at))}</td>
                    <td>{row.actor_email}</td>
                    <td><code>{row.action}</code></td>
                    <td>{row.target.unwrap_or_default()}</td>
                    <td><code class="json">{row.details}</code></td>
                    <td>{outcome}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="table">
            <caption>"Actions"</caption>
            <thead>
                <tr>
                    <th scope="col">"#"</th>
                    <th scope="col">"When"</th>
                    <th scope="col">"Who"</th>
                    <th scope="col">"Action"</th>
                    <th scope="col">"Target"</th>
                    <th scope="col">"Details"</th>
                    <th scope="col">"Outcome"</th>
                </tr>
            </thead>
            <tbody>{body}</tbody>
        </table>
        {older.map(|href| view! { <p><a href=href>"Older actions"</a></p> })}
    }
    .into_any()
}
