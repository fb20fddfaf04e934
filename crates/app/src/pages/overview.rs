//! Enterprise overview: who the enterprise is and how big it is, where the audit copy
//! stands, what waits for the signed-in person's approval, recent risky events and the
//! organization's descendant accounts.

use leptos::{prelude::*, server_fn::codec::GetUrl};

use super::approvals::list_approvals;
use super::audit_search::{console_page, EventRole};
use super::audit_sync::AuditSyncCard;
use super::enterprise::DescendantsCard;
use super::reviews::read_overdue_reviews;
use crate::api::{AuditEventRow, ConsoleError, Overview};
use crate::approvals::ApprovalRequest;
use crate::audit::query::percent_encode;
use crate::components::format::when;
use crate::enterprise::risky_events_query;
use crate::query_string::use_query_once;
use crate::reviews::OverdueReviews;

/// Rows of the "recent risky events" and "waiting for you" lists.
const SHORT_LIST: usize = 8;

/// The enterprise's figures, from the read all console users share for a minute or so;
/// `refresh` reads them from Airtable now.
#[server(endpoint = "overview", input = GetUrl)]
pub async fn get_overview(refresh: Option<bool>) -> Result<Overview, ConsoleError> {
    crate::serve::as_role(crate::api::Role::Viewer, async move |console, who| {
        console_core::overview::read(&console, &who, refresh.unwrap_or(false)).await
    })
    .await
}

/// The newest deletions, removals, revocations and moves in the console's audit copy.
#[server(endpoint = "overview/risky-events", input = GetUrl)]
pub async fn recent_risky_events() -> Result<Vec<AuditEventRow>, ConsoleError> {
    crate::serve::as_role(crate::api::Role::Viewer, async move |console, _| {
        console_core::audit::recent_risky_events(&console, SHORT_LIST as i64).await
    })
    .await
}

/// What the overview's three short lists read, fetched together: one resource and one
/// boundary for the three cards instead of one each (each boundary and resource costs
/// every view of the page: docs/BENCHMARKS.md, "Fewer `Suspense` boundaries per page").
/// Each list keeps its own answer, so one that fails leaves the others shown.
type ShortLists = (
    Result<Vec<ApprovalRequest>, ConsoleError>,
    Result<Vec<AuditEventRow>, ConsoleError>,
    Result<OverdueReviews, ConsoleError>,
);

async fn short_lists() -> ShortLists {
    futures::join!(
        list_approvals("waiting".into()),
        recent_risky_events(),
        read_overdue_reviews(),
    )
}

#[component]
pub fn OverviewPage() -> impl IntoView {
    let url = use_query_once();
    let refresh = move || url.with(|p| p.get("refresh").is_some_and(|v| v == "1"));
    let overview = Resource::new(refresh, |refresh| get_overview(Some(refresh)));
    let lists = Resource::new(|| (), |_| short_lists());
    view! {
        <h1>"Enterprise overview"</h1>
        <Suspense fallback=|| view! { <p aria-busy="true">"Loading the enterprise from Airtable…"</p> }>
            {move || Suspend::new(async move {
                match overview.await {
                    Ok(data) => view! { <OverviewCards data /> }.into_any(),
                    Err(error) => view! {
                        <p class="error" role="alert" data-testid="overview-error">{error.to_string()}</p>
                    }.into_any(),
                }
            })}
        </Suspense>
        <Suspense fallback=|| view! { <p aria-busy="true">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let (waiting, risky, overdue) = lists.await;
                view! {
                    <div class="overview-grid">
                        <WaitingForMe waiting />
                        <RecentRiskyEvents events=risky />
                    </div>
                    <OverdueReviewsCard overdue />
                }
            })}
        </Suspense>
        <AuditSyncCard embedded=true />
        <DescendantsCard />
    }
}

/// Requests this person could approve, the oldest first to go.
#[component]
fn WaitingForMe(waiting: Result<Vec<ApprovalRequest>, ConsoleError>) -> impl IntoView {
    let body = match waiting {
        Ok(rows) if rows.is_empty() => {
            view! { <p class="muted">"Nothing waits for you."</p> }.into_any()
        }
        Ok(rows) => {
            let more = rows.len().saturating_sub(SHORT_LIST);
            view! {
                <ul class="compact">
                    {rows.into_iter().take(SHORT_LIST).map(|r| view! {
                        <li data-testid="waiting-row">
                            <a href=format!("/approvals/{}", r.id)>{r.description.clone()}</a>
                            <span class="muted">" · asked by " {r.requested_by_email.clone()} " · expires " {when(Some(r.expires_at))}</span>
                        </li>
                    }).collect_view()}
                </ul>
                {(more > 0).then(|| view! { <p><a href="/approvals">{format!("{more} more…")}</a></p> })}
            }.into_any()
        }
        Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
    };
    view! {
        <section class="card" aria-labelledby="waiting-heading" data-testid="waiting-for-me">
            <h2 id="waiting-heading">"Waiting for your approval"</h2>
            {body}
        </section>
    }
}

/// The newest deletions, removals, revocations and moves in the console's audit copy.
#[component]
fn RecentRiskyEvents(events: Result<Vec<AuditEventRow>, ConsoleError>) -> impl IntoView {
    let search_href = format!("/audit?q={}", percent_encode(&risky_events_query()));
    let body = match events {
        Ok(events) if events.is_empty() => view! {
            <p class="muted">"No deletions, removals, revocations or moves in the console's copy of the audit log."</p>
        }.into_any(),
        Ok(events) => view! {
            <ul class="compact">
                {events.into_iter().map(|e| {
                    let who = e.actor_email.clone().or(e.actor_name.clone()).unwrap_or_else(|| e.actor_type.clone());
                    // What it was done to, by name with its ID, linked to its page when the
                    // console has one.
                    let target = e.model_id.clone().zip(e.target_label()).map(|(id, label)| {
                        match console_page(&id, EventRole::Target) {
                            Some((_, href)) => view! { <a href=href data-testid="risky-event-target">{label}</a> }.into_any(),
                            None => view! { <span data-testid="risky-event-target">{label}</span> }.into_any(),
                        }
                    });
                    view! {
                        <li data-testid="risky-event-row">
                            <a href=format!("/audit/events/{}", e.id)>{e.action.clone()}</a>
                            " " {target}
                            <span class="muted">" · " {who} " · " {when(Some(e.occurred_at))}</span>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <p><a href=search_href>"Search every risky event"</a></p>
        }.into_any(),
        Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
    };
    view! {
        <section class="card" aria-labelledby="risky-heading" data-testid="recent-risky-events">
            <h2 id="risky-heading">"Recent risky events"</h2>
            {body}
        </section>
    }
}

#[component]
fn OverviewCards(data: Overview) -> impl IntoView {
    let domains = data
        .email_domains
        .iter()
        .map(|d| {
            let sso = if d.sso_required {
                "SSO required"
            } else {
                "SSO optional"
            };
            view! { <li>{d.domain.clone()} " (" {sso} ")"</li> }
        })
        .collect_view();
    view! {
        <section class="card">
            <h2 data-testid="enterprise-name">{data.display_name.clone()}</h2>
            <p>
                "Enterprise account " <code data-testid="enterprise-id">{data.enterprise_id.clone()}</code>
            </p>
            <h3>"Email domains"</h3>
            <ul>{domains}</ul>
        </section>
        <section class="stats" aria-label="Counts">
            <Stat label="Users" value=data.user_count testid="count-users" />
            <Stat label="Groups" value=data.group_count testid="count-groups" />
            <Stat label="Workspaces" value=data.workspace_count testid="count-workspaces" />
            <Stat label="Descendant accounts" value=data.descendant_count testid="count-descendants" />
        </section>
        <p class="as-of">
            "As of " <time datetime=data.as_of.clone()>{data.as_of.clone()}</time> " · "
            <a href="/?refresh=1" data-testid="overview-refresh">"Refresh from Airtable"</a>
        </p>
    }
}

#[component]
fn Stat(label: &'static str, value: usize, testid: &'static str) -> impl IntoView {
    view! {
        <div class="stat">
            <div class="stat-value" data-testid=testid>{value}</div>
            <div class="stat-label">{label}</div>
        </div>
    }
}

/// Access review items past their campaign's due date, with their campaigns.
#[component]
fn OverdueReviewsCard(overdue: Result<OverdueReviews, ConsoleError>) -> impl IntoView {
    let body = match overdue {
        Ok(o) if o.items == 0 => view! {
            <p class="muted">"No review item is overdue. " <a href="/reviews">"Access reviews"</a></p>
        }.into_any(),
        Ok(o) => view! {
            <p>
                <a href="/reviews" data-testid="overdue-count">
                    {format!(
                        "{} overdue in {}",
                        console_types::plural(o.items, "review item", "review items"),
                        console_types::plural(o.campaigns.len(), "campaign", "campaigns"),
                    )}
                </a>
            </p>
            <ul class="compact">
                {o.campaigns.into_iter().map(|(id, name, n)| view! {
                    <li><a href=format!("/reviews/{id}")>{name}</a>{format!(": {}", console_types::plural(n, "item", "items"))}</li>
                }).collect_view()}
            </ul>
        }.into_any(),
        Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
    };
    view! {
        <section class="card" aria-labelledby="overdue-reviews-heading" data-testid="overdue-reviews">
            <h2 id="overdue-reviews-heading">"Overdue access reviews"</h2>
            {body}
        </section>
    }
}
