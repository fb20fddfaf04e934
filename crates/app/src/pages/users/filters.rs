//! The users list's search form: the query, state and yes/no filters, inactivity, sort
//! order and the columns to show (a plain GET form, so it works without the wasm bundle).

use leptos::prelude::*;

use crate::people::{UserColumns, UserForm, FLAGS, SORTS, USER_COLUMNS};

#[component]
pub(super) fn UserFilters(form: UserForm, columns: UserColumns) -> impl IntoView {
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
