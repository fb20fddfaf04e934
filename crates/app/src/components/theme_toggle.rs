//! Light/dark theme switch. Before hydration the theme follows the operating system
//! (`prefers-color-scheme` in the stylesheet); the button needs the wasm bundle.

use leptos::prelude::*;

#[component]
pub fn ThemeToggle() -> impl IntoView {
    // `None` until the browser tells us which theme is showing.
    let dark = RwSignal::new(None::<bool>);

    // Runs once in the browser, tracks nothing: read the theme the page shows now.
    Effect::new(move |_| {
        let explicit = document()
            .document_element()
            .and_then(|root| root.get_attribute("data-theme"));
        let system_dark = window()
            .match_media("(prefers-color-scheme: dark)")
            .ok()
            .flatten()
            .map(|m| m.matches())
            .unwrap_or(false);
        dark.set(Some(explicit.map(|t| t == "dark").unwrap_or(system_dark)));
    });

    // Re-runs on every change of `dark`: apply it to the document.
    Effect::new(move |_| {
        if let (Some(is_dark), Some(root)) = (dark.get(), document().document_element()) {
            let _ = root.set_attribute("data-theme", if is_dark { "dark" } else { "light" });
        }
    });

    let is_dark = move || dark.get().unwrap_or(false);
    view! {
        <button
            type="button"
            class="button secondary"
            data-testid="theme-toggle"
            aria-pressed=move || is_dark().to_string()
            on:click=move |_| dark.update(|d| *d = Some(!d.unwrap_or(false)))
        >
            {move || if is_dark() { "Light theme" } else { "Dark theme" }}
        </button>
    }
}
