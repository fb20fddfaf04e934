//! The notices: the emails the console wrote about approval requests (its outbox).

use leptos::prelude::*;

use super::server::list_outbox;
use crate::components::format::when;

#[component]
pub fn NoticesPage() -> impl IntoView {
    let emails = Resource::new(|| (), |_| list_outbox());
    view! {
        <h1>"Notices"</h1>
        <p class="lede">"Emails the console wrote about approval requests (to you; admins see all)."</p>
        <Suspense fallback=|| view! { <p aria-busy="true">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match emails.await {
                    Ok(list) if list.is_empty() => view! { <p class="notice">"No notices."</p> }.into_any(),
                    Ok(list) => list.into_iter().map(|e| view! {
                        <article class="card" data-testid="notice">
                            <h2>{e.subject.clone()}</h2>
                            <p class="muted">"To " {e.to.clone()} " · " {when(Some(e.created_at))}
                                {if e.sent_at.is_some() { " · sent" } else { " · kept in the console" }}</p>
                            <pre class="payload">{e.body.clone()}</pre>
                        </article>
                    }).collect_view().into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}
