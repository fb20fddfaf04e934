//! The users list: the filters, the table over the latest snapshot (ticked for bulk
//! actions by operators) and taking a new snapshot; an exact match goes to the user's page.

use leptos::{form::ActionForm, prelude::*};
use leptos_router::components::Redirect;

use super::can_change;
use super::filters::UserFilters;
use super::server::list_users;
use super::table::UserTable;
use crate::components::session::CsrfField;
use crate::pages::bulk::BulkForm;
use crate::pages::snapshots::TakeSnapshot;
use crate::people::{UserColumns, UserForm, UserListing};
use crate::query_string::use_query_once;

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
