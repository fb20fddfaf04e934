//! Alert rules (`/alerts`): saved audit searches that send each newly copied matching
//! event once, by email and/or a signed webhook. Operators make, switch and delete rules;
//! everyone with a role sees them, their matches and their deliveries. `?q=` fills the new
//! rule's search (the audit page links here with its search); `?test=<id>` shows what a
//! rule would have matched over the last 7 days.

mod server;

use leptos::{form::ActionForm, prelude::*};

pub use server::*;

use crate::alerts::{
    AlertNoticeRow, AlertRuleRow, AlertsOverview, CreatedRule, DeliveryState, StarterRule,
};
use crate::api::ConsoleError;
use crate::audit::query::percent_encode;
use crate::components::format::when;
use crate::components::session::CsrfField;
use crate::query_string::use_query_once;

#[component]
pub fn AlertsPage() -> impl IntoView {
    let create = ServerAction::<CreateAlertRule>::new();
    let starter = ServerAction::<EnableStarterRule>::new();
    let switch = ServerAction::<SwitchAlertRule>::new();
    let delete = ServerAction::<DeleteAlertRule>::new();
    let edit = ServerAction::<EditAlertRule>::new();
    let query = use_query_once();
    let from_search = query.get_untracked().get("q").unwrap_or_default();
    // Followed as the URL changes: the "Test" link stays on this page, so the router keeps
    // the component and only the query changes.
    let test_id = move || query.get().get("test").and_then(|t| t.parse::<i64>().ok());
    let overview = Resource::new(
        move || {
            (
                create.version().get(),
                starter.version().get(),
                switch.version().get(),
                delete.version().get(),
                edit.version().get(),
            )
        },
        |_| read_alerts(),
    );
    let failure = move || {
        create
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| starter.value().get().and_then(Result::err))
            .or_else(|| switch.value().get().and_then(Result::err))
            .or_else(|| delete.value().get().and_then(Result::err))
            .or_else(|| edit.value().get().and_then(Result::err))
    };
    let created = move || {
        create
            .value()
            .get()
            .and_then(Result::ok)
            .or_else(|| starter.value().get().and_then(Result::ok))
            .or_else(|| edit.value().get().and_then(Result::ok))
    };
    view! {
        <h1>"Alert rules"</h1>
        <p class="lede">
            "A rule is a saved audit search. Every event copied from Airtable from the moment the "
            "rule is made is checked against it once, in the order it was copied, and each match "
            "is sent by email and/or to a webhook. A rule switched off and on again catches up on "
            "the events copied meanwhile."
        </p>
        {move || failure().map(|e| view! { <p class="error" role="alert">{e.to_string()}</p> })}
        {move || created().map(|c| view! { <Created created=c /> })}
        <Suspense fallback=|| view! { <p aria-busy="true">"Loading…"</p> }>
            {move || {
                let from_search = from_search.clone();
                Suspend::new(async move {
                    match overview.await {
                        Ok(o) => view! {
                            <Rules overview=o from_search create starter switch delete edit />
                        }
                        .into_any(),
                        Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                    }
                })
            }}
        </Suspense>
        {move || test_id().map(|id| view! { <TestResult id /> })}
    }
}

#[component]
fn Created(created: CreatedRule) -> impl IntoView {
    view! {
        <div class="notice" role="status" data-testid="rule-created">
            <p>{format!("Rule {} saved.", created.id)}</p>
            {created.secret.map(|secret| view! {
                <p>
                    "The webhook's signing secret, shown this once (keep it with the receiver; "
                    "the README says how to check a signature): "
                    <code data-testid="rule-secret">{secret}</code>
                </p>
            })}
        </div>
    }
}

#[component]
fn Rules(
    overview: AlertsOverview,
    from_search: String,
    create: ServerAction<CreateAlertRule>,
    starter: ServerAction<EnableStarterRule>,
    switch: ServerAction<SwitchAlertRule>,
    delete: ServerAction<DeleteAlertRule>,
    edit: ServerAction<EditAlertRule>,
) -> impl IntoView {
    let can_change = overview.can_change;
    let rows = overview
        .rules
        .into_iter()
        .map(|rule| view! { <RuleRow rule can_change switch delete edit /> })
        .collect_view();
    view! {
        {can_change.then(|| view! { <NewRuleForm create from_search /> })}
        <section class="card">
            <h2>"Rules"</h2>
            <table class="table" data-testid="alert-rules">
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Search"</th>
                        <th scope="col">"Sends to"</th>
                        <th scope="col">"Last webhook delivery"</th>
                        <th scope="col">"Matches"</th>
                        <th scope="col">"State"</th>
                        <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </section>
        <Starters starters=overview.starters can_change your_email=overview.your_email starter />
        <Notices notices=overview.notices />
    }
}

#[component]
fn NewRuleForm(create: ServerAction<CreateAlertRule>, from_search: String) -> impl IntoView {
    view! {
        <section class="card" data-testid="new-rule">
            <h2>"New rule"</h2>
            <ActionForm action=create>
                <CsrfField />
                <div class="form-row">
                    <label for="rule-name">"Name"</label>
                    <input id="rule-name" name="name" type="text" required autocomplete="off" />
                </div>
                <div class="form-row">
                    <label for="rule-query">"Search (as on the audit page)"</label>
                    <input id="rule-query" name="query" type="text" required autocomplete="off"
                        value=from_search placeholder="action:grantAdminAccess" />
                </div>
                <div class="form-row">
                    <label for="rule-email">"Email to (commas between addresses)"</label>
                    <input id="rule-email" name="email_to" type="text" autocomplete="off" />
                </div>
                <div class="form-row">
                    <label for="rule-webhook">"Webhook address"</label>
                    <input id="rule-webhook" name="webhook_url" type="url" autocomplete="off"
                        placeholder="https://hooks.example.com/…" />
                    <label for="rule-format">"Format"</label>
                    <select id="rule-format" name="webhook_format">
                        <option value="json">"JSON (rule and whole event)"</option>
                        <option value="slack">"Slack-compatible message"</option>
                    </select>
                </div>
                <button type="submit" class="button primary">"Save rule"</button>
            </ActionForm>
        </section>
    }
}

fn delivery_words(d: &DeliveryState) -> String {
    match d.status.as_str() {
        "delivered" => format!("delivered {}", when(d.delivered_at)),
        "pending" if d.attempts == 0 => "waiting to be sent".into(),
        "pending" => format!(
            "attempt {} failed ({}); next try {}",
            d.attempts,
            d.last_error.clone().unwrap_or_default(),
            when(d.next_attempt_at)
        ),
        "failed" => format!(
            "gave up after {} attempts: {}",
            d.attempts,
            d.last_error.clone().unwrap_or_default()
        ),
        other => other.to_string(),
    }
}

#[component]
fn RuleRow(
    rule: AlertRuleRow,
    can_change: bool,
    switch: ServerAction<SwitchAlertRule>,
    delete: ServerAction<DeleteAlertRule>,
    edit: ServerAction<EditAlertRule>,
) -> impl IntoView {
    let editing = rule.clone();
    let mut to: Vec<String> = rule.email_to.clone();
    if let Some(url) = &rule.webhook_url {
        to.push(format!("webhook ({}) {url}", rule.webhook_format.as_str()));
    }
    let search = format!("/audit?q={}", percent_encode(&rule.query));
    let delivery = rule
        .last_delivery
        .as_ref()
        .map(delivery_words)
        .unwrap_or_else(|| "none yet".into());
    let next = if rule.enabled { "false" } else { "true" };
    let switch_label = if rule.enabled {
        "Switch off"
    } else {
        "Switch on"
    };
    view! {
        <tr data-testid="alert-rule">
            <td>{rule.name.clone()}</td>
            <td><a href=search><code>{rule.query.clone()}</code></a></td>
            <td>{to.join(", ")}</td>
            <td data-testid="rule-delivery">{delivery}</td>
            <td data-testid="rule-notices">{rule.notices}</td>
            <td>{if rule.enabled { "on" } else { "off" }}</td>
            <td>
                <a class="button secondary" href=format!("/alerts?test={}", rule.id)>"Test: last 7 days"</a>
                {can_change.then(|| view! {
                    <ActionForm action=switch>
                        <CsrfField />
                        <input type="hidden" name="id" value=rule.id.to_string() />
                        <input type="hidden" name="enabled" value=next />
                        <button type="submit" class="button secondary">{switch_label}</button>
                    </ActionForm>
                    <ActionForm action=delete>
                        <CsrfField />
                        <input type="hidden" name="id" value=rule.id.to_string() />
                        <button type="submit" class="button secondary"
                            aria-label=format!("Delete the rule {}", rule.name)>"Delete"</button>
                    </ActionForm>
                    <EditRule rule=editing edit />
                })}
            </td>
        </tr>
    }
}

#[component]
fn Starters(
    starters: Vec<StarterRule>,
    can_change: bool,
    your_email: String,
    starter: ServerAction<EnableStarterRule>,
) -> impl IntoView {
    let items = starters
        .into_iter()
        .map(|s| {
            let email = your_email.clone();
            let action = match (&s.query, s.rule_id) {
                (None, _) => view! { <p><em>"Cannot be made into a rule."</em></p> }.into_any(),
                (Some(_), Some(id)) => {
                    view! { <p>{format!("Enabled as rule {id}.")}</p> }.into_any()
                }
                (Some(_), None) if !can_change => ().into_any(),
                (Some(_), None) => view! {
                    <ActionForm action=starter>
                        <CsrfField />
                        <input type="hidden" name="key" value=s.key.clone() />
                        <input type="hidden" name="webhook_url" value="" />
                        <input type="hidden" name="webhook_format" value="json" />
                        <label>
                            "Email to "
                            <input name="email_to" type="text" value=email autocomplete="off" />
                        </label>
                        <button type="submit" class="button primary">"Enable"</button>
                    </ActionForm>
                }
                .into_any(),
            };
            view! {
                <li data-testid="starter-rule">
                    <strong>{s.name.clone()}</strong>" — "{s.description.clone()}
                    {s.query.clone().map(|q| view! { " " <code>{q}</code> })}
                    {s.note.clone().map(|n| view! { <p class="hint">{n}</p> })}
                    {action}
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="card">
            <h2>"Starter rules"</h2>
            <ul class="plain">{items}</ul>
        </section>
    }
}

#[component]
fn Notices(notices: Vec<AlertNoticeRow>) -> impl IntoView {
    let rows = notices
        .into_iter()
        .map(|n| {
            let delivery = n
                .delivery
                .as_ref()
                .map(delivery_words)
                .unwrap_or_else(|| "no webhook".into());
            view! {
                <tr data-testid="alert-notice">
                    <td>{when(Some(n.created_at))}</td>
                    <td>{n.rule_name.clone()}</td>
                    <td>{n.action.clone()}</td>
                    <td>{n.actor_email.clone().unwrap_or_default()}</td>
                    <td>{when(Some(n.occurred_at))}</td>
                    <td><a href=format!("/audit/events/{}", n.event_id)>{n.event_id.clone()}</a></td>
                    <td>{delivery}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="card">
            <h2>"Matches"</h2>
            <p><a href="/alerts">"Refresh"</a>" (rules are checked every few seconds after each copy)."</p>
            <table class="table" data-testid="alert-notices">
                <thead>
                    <tr>
                        <th scope="col">"Noticed"</th>
                        <th scope="col">"Rule"</th>
                        <th scope="col">"Action"</th>
                        <th scope="col">"By"</th>
                        <th scope="col">"Happened"</th>
                        <th scope="col">"Event"</th>
                        <th scope="col">"Webhook"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </section>
    }
}

#[component]
fn TestResult(id: i64) -> impl IntoView {
    let test = Resource::new(move || id, test_alert_rule);
    view! {
        <section class="card" data-testid="rule-test">
            <h2>{format!("Rule {id} over the last 7 days")}</h2>
            <Suspense fallback=|| view! { <p aria-busy="true">"Testing…"</p> }>
                {move || Suspend::new(async move {
                    match test.await {
                        Ok(t) => {
                            let rows = t.first.into_iter().map(|e| view! {
                                <li>
                                    {when(Some(e.occurred_at))}" "{e.action.clone()}" "
                                    <a href=format!("/audit/events/{}", e.id)>{e.id.clone()}</a>
                                </li>
                            }).collect_view();
                            view! {
                                <p data-testid="rule-test-count">
                                    {format!("It would have matched {} events since {} (no notice was sent). ", t.count, when(Some(t.since)))}
                                    <a href=t.search_url>"See them all in the audit search"</a>
                                </p>
                                <ul>{rows}</ul>
                            }
                            .into_any()
                        }
                        Err(e) => error_view(e),
                    }
                })}
            </Suspense>
        </section>
    }
}

fn error_view(e: ConsoleError) -> AnyView {
    view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any()
}

/// The rule's settings in a form that opens on request; it keeps its place in the copy.
#[component]
fn EditRule(rule: AlertRuleRow, edit: ServerAction<EditAlertRule>) -> impl IntoView {
    let format = rule.webhook_format.as_str();
    view! {
        <details>
            <summary>"Edit"</summary>
            <ActionForm action=edit>
                <CsrfField />
                <input type="hidden" name="id" value=rule.id.to_string() />
                <label>"Name " <input name="name" type="text" required value=rule.name.clone() /></label>
                <label>"Search " <input name="query" type="text" required value=rule.query.clone() /></label>
                <label>"Email to " <input name="email_to" type="text" value=rule.email_to.join(", ") /></label>
                <label>"Webhook " <input name="webhook_url" type="url" value=rule.webhook_url.clone().unwrap_or_default() /></label>
                <label>
                    "Format "
                    <select name="webhook_format">
                        <option value="json" selected=format == "json">"JSON"</option>
                        <option value="slack" selected=format == "slack">"Slack"</option>
                    </select>
                </label>
                <button type="submit" class="button secondary">"Save changes"</button>
            </ActionForm>
        </details>
    }
}
