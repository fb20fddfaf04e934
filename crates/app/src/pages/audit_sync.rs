//! Where the console's copy of the Airtable audit log stands, and "sync now".

use leptos::{form::ActionForm, prelude::*, server_fn::codec::GetUrl};
use leptos_meta::Meta;

use crate::api::{AuditSyncStatus, ConsoleError};
use crate::audit::siem::SiemSinkStatus;
use crate::components::{format::when, session::CsrfField};

#[server(endpoint = "audit/sync/status", input = GetUrl)]
pub async fn read_audit_sync_status() -> Result<AuditSyncStatus, ConsoleError> {
    crate::serve::as_role(crate::api::Role::Viewer, async move |console, _| {
        console_core::audit::sync_status(&console).await
    })
    .await
}

#[server(endpoint = "audit/sync/sinks", input = GetUrl)]
pub async fn read_siem_sinks() -> Result<Vec<SiemSinkStatus>, ConsoleError> {
    crate::serve::as_role(crate::api::Role::Viewer, async move |console, _| {
        console_core::siem::sink_statuses(&console).await
    })
    .await
}

#[server(endpoint = "audit/sync/now")]
pub async fn sync_audit_now(csrf_token: String) -> Result<(), ConsoleError> {
    crate::serve::changing(
        crate::api::Role::Operator,
        &csrf_token,
        async move |console, who| console_core::audit::request_sync(&console, &who).await,
    )
    .await
}

#[component]
pub fn AuditSyncPage() -> impl IntoView {
    view! {
        <h1>"Audit log copy"</h1>
        <p class="lede">
            "The console keeps its own copy of the Airtable audit log, for longer than "
            "Airtable's 180 days. It reads new events every minute; events reach Airtable's "
            "log a few minutes after they happen."
        </p>
        <AuditSyncCard />
        <SiemSinksCard />
    }
}

/// Where each SIEM sink stands: how far its receiver has acknowledged the copy, how much is
/// still to send, and its last success and failure. Sinks are set by the console's
/// operator (`CONSOLE_SIEM_*`), not here.
#[component]
fn SiemSinksCard() -> impl IntoView {
    let sinks = Resource::new(|| (), |_| read_siem_sinks());
    view! {
        <section class="card" aria-labelledby="sinks-title" data-testid="siem-sinks">
            <h2 id="sinks-title">"SIEM sinks"</h2>
            <Suspense fallback=|| view! { <p aria-busy="true">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match sinks.await {
                        Ok(list) if list.is_empty() => view! {
                            <p class="notice">
                                "The audit copy is not streamed anywhere. Set CONSOLE_SIEM_HTTP_URL "
                                "or CONSOLE_SIEM_SYSLOG_ADDR (see the README)."
                            </p>
                        }.into_any(),
                        Ok(list) => view! { <SinksTable sinks=list /> }.into_any(),
                        Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn SinksTable(sinks: Vec<SiemSinkStatus>) -> impl IntoView {
    let rows = sinks
        .into_iter()
        .map(|s| {
            let behind = s
                .oldest_unsent_at
                .map(|at| describe_duration(s.as_of - at))
                .unwrap_or_else(|| "—".into());
            let error = match s.last_error.clone() {
                Some(e) => {
                    view! { <span class="error">{when(s.last_error_at)} ": " {e}</span> }.into_any()
                }
                None => "—".into_any(),
            };
            view! {
                <tr data-testid=format!("sink-{}", s.name)>
                    <td>{s.name.clone()}</td>
                    <td>{s.kind.clone()}</td>
                    <td>{s.target.clone()}</td>
                    <td class="num">{s.position}</td>
                    <td class="num" data-testid="sink-lag">{s.lag_events}</td>
                    <td>{behind}</td>
                    <td>{when(s.last_success_at)}</td>
                    <td>{error}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table>
            <thead>
                <tr>
                    <th scope="col">"Sink"</th>
                    <th scope="col">"Kind"</th>
                    <th scope="col">"Sends to"</th>
                    <th scope="col">"Acknowledged up to"</th>
                    <th scope="col">"Events behind"</th>
                    <th scope="col">"Oldest unsent waits for"</th>
                    <th scope="col">"Last success"</th>
                    <th scope="col">"Last error"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

/// The sync state with a progress bar during the first backfill and a "Sync now" button.
/// While a run is under way it refreshes itself (every 2 s in the app, or by a meta
/// refresh when the page is read without the wasm bundle). `embedded` (the overview) leaves
/// the meta refresh out: a whole page reloading every few seconds during a long backfill
/// would be unusable; the sync page itself keeps it.
#[component]
pub fn AuditSyncCard(#[prop(optional)] embedded: bool) -> impl IntoView {
    let sync_now = ServerAction::<SyncAuditNow>::new();
    let (tick, set_tick) = signal(0u32);
    let status = Resource::new(
        move || (sync_now.version().get(), tick.get()),
        |_| read_audit_sync_status(),
    );
    // Poll while something is happening; stop when idle.
    Effect::new(move |_| {
        let busy = status
            .get()
            .and_then(Result::ok)
            .is_some_and(|s| s.running || s.requested);
        if busy {
            set_timeout(
                move || set_tick.update(|t| *t += 1),
                std::time::Duration::from_secs(2),
            );
        }
    });
    view! {
        <section class="card" aria-labelledby="sync-title" data-testid="audit-sync">
            <h2 id="sync-title">"Sync status"</h2>
            {move || {
                sync_now
                    .value()
                    .get()
                    .and_then(Result::err)
                    .map(|e| view! { <p class="error" role="alert">{e.to_string()}</p> })
            }}
            <Suspense fallback=|| view! { <p aria-busy="true">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match status.await {
                        Ok(s) => view! { <SyncDetails status=s embedded /> }.into_any(),
                        Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
            <ActionForm action=sync_now>
                <CsrfField />
                <button type="submit" class="button primary">"Sync now"</button>
            </ActionForm>
        </section>
    }
}

#[component]
fn SyncDetails(status: AuditSyncStatus, embedded: bool) -> impl IntoView {
    if !status.configured {
        return view! {
            <p class="notice" data-testid="sync-not-configured">
                "The audit log is not being copied: the console has no token for background "
                "jobs. Set AIRTABLE_SERVICE_TOKEN (see the README)."
            </p>
        }
        .into_any();
    }
    let lag = status.lag().map(describe_duration);
    let state = if status.running {
        "Running"
    } else if status.requested {
        "Starting"
    } else {
        "Idle"
    };
    view! {
        {(!embedded && (status.running || status.requested)).then(|| view! { <Meta http_equiv="refresh" content="3" /> })}
        <dl class="facts">
            <dt>"State"</dt>
            <dd data-testid="sync-state">{state}</dd>
            <dt>"Events stored"</dt>
            <dd data-testid="sync-events">{status.events_stored}</dd>
            <dt>"Newest event"</dt>
            <dd>{when(status.last_event_at)}</dd>
            <dt>"Behind Airtable by"</dt>
            <dd data-testid="sync-lag">{lag.unwrap_or_else(|| "—".into())}</dd>
            <dt>"Last successful run"</dt>
            <dd data-testid="sync-last-success">{when(status.last_success_at)}</dd>
        </dl>
        {status.backfill_percent.map(|p| view! {
            <label for="backfill-progress">"First copy (back to " {when(status.backfill_from)} "): " {p} "%"</label>
            <progress id="backfill-progress" max="100" value=p data-testid="backfill-progress">{p} "%"</progress>
        })}
        {status.running.then(|| view! {
            <p>"This run: " {status.run_pages} " pages, " {status.run_events} " new events."</p>
        })}
        {status.last_error.clone().map(|e| view! {
            <p class="error" role="alert" data-testid="sync-error">
                "The last run failed (" {when(status.last_error_at)} "): " {e}
            </p>
        })}
    }
    .into_any()
}

/// "3 min", "2 h 5 min", "4 days".
fn describe_duration(d: chrono::Duration) -> String {
    let secs = d.num_seconds().max(0);
    match secs {
        0..=59 => format!("{secs} s"),
        60..=3599 => format!("{} min", secs / 60),
        3600..=86_399 => format!("{} h {} min", secs / 3600, (secs % 3600) / 60),
        _ => format!("{} days", secs / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::describe_duration;
    use chrono::Duration;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(describe_duration(Duration::seconds(-5)), "0 s");
        assert_eq!(describe_duration(Duration::seconds(42)), "42 s");
        assert_eq!(describe_duration(Duration::minutes(3)), "3 min");
        assert_eq!(describe_duration(Duration::minutes(125)), "2 h 5 min");
        assert_eq!(describe_duration(Duration::days(4)), "4 days");
    }
}
