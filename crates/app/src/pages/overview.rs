//! Enterprise overview: who the enterprise is and how big it is.

use leptos::{prelude::*, server_fn::codec::GetUrl};

use crate::api::{ConsoleError, Overview};

#[server(endpoint = "overview", input = GetUrl)]
pub async fn get_overview() -> Result<Overview, ConsoleError> {
    crate::backend::with_status(
        async move {
            let who = crate::backend::require_role(crate::api::Role::Viewer)?;
            crate::backend::backend()?.overview(&who).await
        }
        .await,
    )
}

#[component]
pub fn OverviewPage() -> impl IntoView {
    let overview = Resource::new(|| (), |_| get_overview());
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
            <a href="/">"Refresh"</a>
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
