//! Access reviews: `/reviews` lists the campaigns and (for admins) makes one; `/reviews/:id`
//! shows a campaign's items with the facts a reviewer needs, the decision forms (radio
//! buttons and a button: the keyboard alone decides), bulk decisions on the filtered items,
//! reassigning and closing (admins), and the evidence pack once closed. `?scope=` and
//! `?show=undecided|mine` filter the items.

mod server;

use leptos::{form::ActionForm, prelude::*};
use leptos_router::hooks::use_params_map;

pub use server::*;

use crate::api::ConsoleError;
use crate::components::format::when;
use crate::components::session::CsrfField;
use crate::query_string::use_query_once;
use crate::reviews::{
    scope_label, CampaignDetail, CampaignRow, ReviewItem, ReviewsOverview, SCOPES,
};

fn error_view(e: ConsoleError) -> AnyView {
    view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any()
}

fn scopes_text(scopes: &[String]) -> String {
    scopes
        .iter()
        .map(|s| scope_label(s))
        .collect::<Vec<_>>()
        .join(", ")
}

#[component]
pub fn ReviewsPage() -> impl IntoView {
    let create = ServerAction::<CreateCampaign>::new();
    let overview = Resource::new(move || create.version().get(), |_| read_reviews());
    view! {
        <h1>"Access reviews"</h1>
        <p class="lede">
            "A campaign freezes, from the latest snapshot, who holds privileged or outside access. "
            "Each reviewer decides keep or revoke for their items; a revoke becomes an approval "
            "request that a second person approves. Closing the campaign makes its evidence pack."
        </p>
        {move || create.value().get().map(|result| match result {
            Ok(id) => view! {
                <p class="notice" role="status" data-testid="campaign-created">
                    {format!("Campaign {id} created. ")}
                    <a href=format!("/reviews/{id}")>"Open the campaign"</a>
                </p>
            }.into_any(),
            Err(e) => error_view(e),
        })}
        <Suspense fallback=|| view! { <p aria-busy="true">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match overview.await {
                    Ok(o) => view! { <Campaigns overview=o create /> }.into_any(),
                    Err(e) => error_view(e),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Campaigns(overview: ReviewsOverview, create: ServerAction<CreateCampaign>) -> impl IntoView {
    let rows = overview
        .campaigns
        .iter()
        .map(|c| view! { <CampaignListRow campaign=c.clone() /> })
        .collect_view();
    let empty = overview.campaigns.is_empty();
    view! {
        {overview.can_manage.then(|| view! {
            <NewCampaignForm create reviewers=overview.reviewers.clone()
                latest=overview.latest_snapshot />
        })}
        <section class="card">
            <h2>"Campaigns"</h2>
            {empty.then(|| view! { <p class="muted">"No campaign yet."</p> })}
            <table class="table" data-testid="review-campaigns">
                <caption>"Access review campaigns, newest first"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Campaign"</th>
                        <th scope="col">"Scopes"</th>
                        <th scope="col">"Due"</th>
                        <th scope="col">"Decided"</th>
                        <th scope="col">"State"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </section>
    }
}

fn state_words(c: &CampaignRow) -> String {
    match (&c.closed_at, c.overdue) {
        (Some(at), _) => format!("closed {}", when(Some(*at))),
        (None, true) => "open, overdue".into(),
        (None, false) => "open".into(),
    }
}

#[component]
fn CampaignListRow(campaign: CampaignRow) -> impl IntoView {
    view! {
        <tr data-testid="review-campaign">
            <td><a href=format!("/reviews/{}", campaign.id)>{campaign.name.clone()}</a></td>
            <td>{scopes_text(&campaign.scopes)}</td>
            <td>{when(Some(campaign.due_at))}</td>
            <td>{format!("{} of {}", campaign.decided, campaign.items)}</td>
            <td>{state_words(&campaign)}</td>
        </tr>
    }
}

#[component]
fn NewCampaignForm(
    create: ServerAction<CreateCampaign>,
    reviewers: Vec<String>,
    latest: Option<chrono::DateTime<chrono::Utc>>,
) -> impl IntoView {
    let pickers = SCOPES
        .iter()
        .map(|(scope, label)| {
            let id = format!("reviewer-{scope}");
            let options = reviewers
                .iter()
                .map(|r| view! { <option value=r.clone()>{r.clone()}</option> })
                .collect_view();
            view! {
                <div class="form-row">
                    <label for=id.clone()>{format!("{label}: reviewer")}</label>
                    <select id=id name=format!("reviewer_{scope}")>
                        <option value="">"Leave this scope out"</option>
                        {options}
                    </select>
                </div>
            }
        })
        .collect_view();
    view! {
        <section class="card" data-testid="new-campaign">
            <h2>"New campaign"</h2>
            <p class="hint">
                {match latest {
                    Some(at) => format!("Items are frozen from the latest snapshot, taken {}.", when(Some(at))),
                    None => "There is no snapshot yet: take one on the Snapshots page first.".into(),
                }}
                " Choose a reviewer for each scope to include; a reviewer never gets an item about themselves."
            </p>
            <ActionForm action=create>
                <CsrfField />
                <div class="form-row">
                    <label for="campaign-name">"Name"</label>
                    <input id="campaign-name" name="name" type="text" required autocomplete="off"
                        placeholder="Q4 2026 access review" />
                </div>
                <div class="form-row">
                    <label for="campaign-due">"Due date"</label>
                    <input id="campaign-due" name="due_date" type="date" required />
                </div>
                {pickers}
                <div class="form-row">
                    <label for="campaign-days">"Inactive users: days without activity"</label>
                    <input id="campaign-days" name="inactive_days" type="number" min="7" max="730" value="90" />
                </div>
                <button type="submit" class="button primary">"Create campaign"</button>
            </ActionForm>
        </section>
    }
}

#[component]
pub fn CampaignPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || {
        params.with(|p| {
            p.get("id")
                .and_then(|id| id.parse::<i64>().ok())
                .unwrap_or_default()
        })
    };
    let query = use_query_once();
    let scope = query.get_untracked().get("scope").unwrap_or_default();
    let show = query.get_untracked().get("show").unwrap_or_default();
    let decide = ServerAction::<DecideReviewItem>::new();
    let bulk = ServerAction::<DecideReviewItems>::new();
    let reassign = ServerAction::<ReassignReviewItem>::new();
    let close = ServerAction::<CloseCampaign>::new();
    let detail = Resource::new(
        move || {
            (
                id(),
                decide.version().get(),
                bulk.version().get(),
                reassign.version().get(),
                close.version().get(),
            )
        },
        |(id, ..)| read_campaign(id),
    );
    let failure = move || {
        decide
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| bulk.value().get().and_then(Result::err))
            .or_else(|| reassign.value().get().and_then(Result::err))
            .or_else(|| close.value().get().and_then(Result::err))
    };
    view! {
        <p><a href="/reviews">"← Access reviews"</a></p>
        {move || failure().map(error_view)}
        {move || decide.value().get().and_then(Result::ok).map(|words| view! {
            <p class="notice" role="status" data-testid="decision-result">{words}</p>
        })}
        {move || bulk.value().get().and_then(Result::ok).map(|o| view! {
            <div class="notice" role="status" data-testid="bulk-result">
                <p>{format!("{} items decided.", o.decided)}</p>
                {(!o.refused.is_empty()).then(|| view! {
                    <ul>{o.refused.iter().map(|(item, why)| view! {
                        <li>{format!("Item {item}: {why}")}</li>
                    }).collect_view()}</ul>
                })}
            </div>
        })}
        <Suspense fallback=|| view! { <p aria-busy="true">"Loading…"</p> }>
            {move || {
                let (scope, show) = (scope.clone(), show.clone());
                Suspend::new(async move {
                    match detail.await {
                        Ok(d) => view! {
                            <Campaign detail=d scope show decide bulk reassign close />
                        }.into_any(),
                        Err(e) => error_view(e),
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
fn Campaign(
    detail: CampaignDetail,
    scope: String,
    show: String,
    decide: ServerAction<DecideReviewItem>,
    bulk: ServerAction<DecideReviewItems>,
    reassign: ServerAction<ReassignReviewItem>,
    close: ServerAction<CloseCampaign>,
) -> impl IntoView {
    let c = detail.campaign.clone();
    let open = c.closed_at.is_none();
    let shown: Vec<ReviewItem> = detail
        .items
        .iter()
        .filter(|i| scope.is_empty() || i.scope == scope)
        .filter(|i| match show.as_str() {
            "undecided" => i.decision.is_none(),
            "mine" => i.yours_to_decide,
            _ => true,
        })
        .cloned()
        .collect();
    let bulk_ids: Vec<String> = shown
        .iter()
        .filter(|i| i.yours_to_decide)
        .map(|i| i.id.to_string())
        .collect();
    let can_manage = detail.can_manage;
    let reviewers = detail.reviewers.clone();
    let rows = shown
        .iter()
        .map(|item| {
            view! {
                <ItemRow item=item.clone() can_manage=can_manage && open
                    reviewers=reviewers.clone() decide reassign />
            }
        })
        .collect_view();
    let scope_options = SCOPES
        .iter()
        .filter(|(s, _)| c.scopes.iter().any(|x| x == *s))
        .map(|(s, label)| view! { <option value=*s selected=scope == *s>{*label}</option> })
        .collect_view();
    let campaign_id = c.id;
    let shown_count = shown.len();
    view! {
        <h1>{format!("Access review: {}", c.name)}</h1>
        <dl class="facts" data-testid="campaign-facts">
            <dt>"Scopes"</dt><dd>{scopes_text(&c.scopes)}
                {c.inactive_days.map(|d| format!(" (inactive: {d} days)"))}</dd>
            <dt>"Frozen from"</dt><dd>{format!("snapshot {} of {}", c.snapshot_id, when(Some(c.snapshot_taken_at)))}</dd>
            <dt>"Due"</dt><dd>{when(Some(c.due_at))}{c.overdue.then_some(" (overdue)")}</dd>
            <dt>"Owner"</dt><dd>{c.owner_email.clone()}</dd>
            <dt>"Decided"</dt><dd data-testid="campaign-decided">{format!("{} of {}", c.decided, c.items)}</dd>
            <dt>"State"</dt><dd data-testid="campaign-state">{state_words(&c)}</dd>
        </dl>
        {detail.evidence.clone().map(|e| view! {
            <section class="card" data-testid="evidence">
                <h2>"Evidence pack"</h2>
                <p>
                    <a href=format!("/reviews/{campaign_id}/evidence.html") rel="external">"Evidence report (printable HTML)"</a>
                    " · "
                    <a href=format!("/reviews/{campaign_id}/evidence.csv") rel="external" download="">"Evidence CSV"</a>
                </p>
                <p class="hint">
                    {format!("Made {}. SHA-256 of the HTML: {}; of the CSV: {}. Action-log head at close: #{} {}.",
                        when(Some(e.made_at)), e.html_sha256, e.csv_sha256, e.chain_head_seq, e.chain_head_hash)}
                </p>
            </section>
        })}
        <section class="card">
            <h2>"Items"</h2>
            <form method="get" action=format!("/reviews/{campaign_id}") class="filters">
                <label for="filter-scope">"Scope"</label>
                <select id="filter-scope" name="scope">
                    <option value="" selected=scope.is_empty()>"All scopes"</option>
                    {scope_options}
                </select>
                <label for="filter-show">"Show"</label>
                <select id="filter-show" name="show">
                    <option value="" selected=show.is_empty()>"All items"</option>
                    <option value="undecided" selected=show == "undecided">"Undecided items"</option>
                    <option value="mine" selected=show == "mine">"Items waiting for my decision"</option>
                </select>
                <button type="submit" class="button secondary">"Filter"</button>
            </form>
            {(open && bulk_ids.len() > 1).then(|| view! {
                <BulkForm ids=bulk_ids.join(",") count=bulk_ids.len() bulk />
            })}
            <table class="table" data-testid="review-items">
                <caption>{format!("{shown_count} of {} items of the campaign", detail.items.len())}</caption>
                <thead>
                    <tr>
                        <th scope="col">"Subject"</th>
                        <th scope="col">"Access"</th>
                        <th scope="col">"Facts"</th>
                        <th scope="col">"Last 90 days"</th>
                        <th scope="col">"Reviewer"</th>
                        <th scope="col">"Decision"</th>
                        <th scope="col">"Outcome"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </section>
        {(open && can_manage).then(|| view! {
            <section class="card" data-testid="close-campaign">
                <h2>"Close the campaign"</h2>
                <p class="hint">"Closing makes the evidence pack; decisions can no longer change."</p>
                <ActionForm action=close>
                    <CsrfField />
                    <input type="hidden" name="id" value=campaign_id.to_string() />
                    <div class="form-row">
                        <input id="close-undecided" type="checkbox" name="with_undecided" value="yes" />
                        <label for="close-undecided">"Close even with undecided items (listed as not reviewed)"</label>
                    </div>
                    <button type="submit" class="button primary">"Close and make the evidence pack"</button>
                </ActionForm>
            </section>
        })}
    }
}

#[component]
fn BulkForm(ids: String, count: usize, bulk: ServerAction<DecideReviewItems>) -> impl IntoView {
    view! {
        <details class="bulk" data-testid="bulk-decision">
            <summary>{format!("Decide the {count} items shown that wait for you")}</summary>
            <ActionForm action=bulk>
                <CsrfField />
                <input type="hidden" name="items" value=ids />
                <fieldset>
                    <legend>{format!("Decision for all {count} items")}</legend>
                    <input id="bulk-keep" type="radio" name="decision" value="keep" />
                    <label for="bulk-keep">"Keep"</label>
                    <input id="bulk-revoke" type="radio" name="decision" value="revoke" />
                    <label for="bulk-revoke">"Revoke"</label>
                </fieldset>
                <label for="bulk-comment">"Comment (required to revoke)"</label>
                <input id="bulk-comment" name="comment" type="text" autocomplete="off" />
                <button type="submit" class="button primary">{format!("Decide {count} items")}</button>
            </ActionForm>
        </details>
    }
}

#[component]
fn ItemRow(
    item: ReviewItem,
    can_manage: bool,
    reviewers: Vec<String>,
    decide: ServerAction<DecideReviewItem>,
    reassign: ServerAction<ReassignReviewItem>,
) -> impl IntoView {
    let id = item.id;
    let facts = item
        .facts
        .iter()
        .map(|f| view! { <li><strong>{format!("{}: ", f.label)}</strong>{f.value.clone()}</li> })
        .collect_view();
    let events = item
        .recent_events
        .iter()
        .map(|e| view! {
            <li><a href=format!("/audit/events/{}", e.id)>{format!("{} {}", when(Some(e.occurred_at)), e.action)}</a></li>
        })
        .collect_view();
    let label = item.subject_label.clone();
    let decision_cell = if item.yours_to_decide {
        let keep = format!("item-{id}-keep");
        let revoke = format!("item-{id}-revoke");
        let comment = format!("item-{id}-comment");
        view! {
            <ActionForm action=decide>
                <CsrfField />
                <input type="hidden" name="item" value=id.to_string() />
                <fieldset>
                    <legend>{format!("Decision on {label}")}</legend>
                    <input id=keep.clone() type="radio" name="decision" value="keep" />
                    <label for=keep>"Keep"</label>
                    <input id=revoke.clone() type="radio" name="decision" value="revoke" />
                    <label for=revoke>{format!("Revoke ({})", item.revoke_means)}</label>
                </fieldset>
                <label for=comment.clone()>"Comment"</label>
                <input id=comment name="comment" type="text" autocomplete="off" />
                <button type="submit" class="button primary"
                    aria-label=format!("Send the decision on {label}")>"Send decision"</button>
            </ActionForm>
        }
        .into_any()
    } else {
        let words = match (&item.decision, item.about_you) {
            (Some(d), _) => format!(
                "{d} — {} ({}){}",
                item.decided_by_email.clone().unwrap_or_default(),
                when(item.decided_at),
                item.comment
                    .as_ref()
                    .map(|c| format!(": {c}"))
                    .unwrap_or_default()
            ),
            (None, true) => "About you: another reviewer decides.".into(),
            (None, false) => "Not decided yet.".into(),
        };
        view! { <span data-testid="item-decision">{words}</span> }.into_any()
    };
    let label = item.subject_label.clone();
    let reassign_form = (can_manage && item.decision.is_none()).then(|| {
        let select = format!("item-{id}-reviewer");
        let options = reviewers
            .iter()
            .map(|r| view! { <option value=r.clone() selected=*r == item.reviewer_email>{r.clone()}</option> })
            .collect_view();
        view! {
            <details>
                <summary>"Reassign"</summary>
                <ActionForm action=reassign>
                    <CsrfField />
                    <input type="hidden" name="item" value=id.to_string() />
                    <label for=select.clone()>{format!("Reviewer of {label}")}</label>
                    <select id=select name="reviewer">{options}</select>
                    <button type="submit" class="button secondary">"Reassign"</button>
                </ActionForm>
            </details>
        }
    });
    view! {
        <tr data-testid="review-item" data-item=id.to_string()>
            <td>
                <strong>{item.subject_label.clone()}</strong><br />
                <span class="muted">{format!("{} · {}", scope_label(&item.scope), item.subject_id)}</span>
            </td>
            <td>{item.reaches.clone()}</td>
            <td><ul class="compact">{facts}</ul></td>
            <td>
                <a href=item.events_url.clone()>{format!("{} audit events", item.recent_count)}</a>
                <ul class="compact">{events}</ul>
            </td>
            <td>{item.reviewer_email.clone()}{reassign_form}</td>
            <td>{decision_cell}</td>
            <td data-testid="item-outcome">
                {item.outcome.clone()}
                {item.request_id.clone().map(|r| view! {
                    " " <a href=format!("/approvals/{r}")>"Request"</a>
                })}
            </td>
        </tr>
    }
}
