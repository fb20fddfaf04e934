//! Light/dark theme switch. Until someone picks a theme the page follows the operating
//! system (`prefers-color-scheme` in the stylesheet). A choice is kept in a cookie, which
//! the server reads to put `data-theme` on `<html>` in the page it sends: a reload shows
//! the chosen theme from the first paint, with no flash of the other one, and without the
//! wasm bundle too. The button itself needs the wasm bundle.

use leptos::prelude::*;

/// The cookie that keeps the choice. Not a secret (a display preference), so it is readable
/// by the page's script, which sets it.
pub const THEME_COOKIE: &str = "console_theme";

/// A theme someone chose.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Theme {
    Light,
    Dark,
}

impl Theme {
    pub fn as_str(self) -> &'static str {
        match self {
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }

    pub fn parse(text: &str) -> Option<Theme> {
        match text.trim() {
            "light" => Some(Theme::Light),
            "dark" => Some(Theme::Dark),
            _ => None,
        }
    }
}

/// The theme chosen in a `Cookie` header, if any (anything else in the cookie is ignored).
/// The server reads it; the browser reads the attribute the server wrote instead.
#[cfg_attr(not(feature = "ssr"), allow(dead_code))]
pub fn theme_from_cookie_header(header: &str) -> Option<Theme> {
    header.split(';').find_map(|pair| {
        let (name, value) = pair.split_once('=')?;
        (name.trim() == THEME_COOKIE)
            .then(|| Theme::parse(value))
            .flatten()
    })
}

/// The theme someone chose (`None`: follow the operating system), shared through context
/// so that what the theme changes (the audit chart's colours) follows it at once.
#[derive(Clone, Copy)]
pub struct ChosenTheme(pub RwSignal<Option<Theme>>);

impl ChosenTheme {
    /// Creates the signal and puts it in context; called once, by the app root.
    pub fn provide() -> Self {
        let chosen = ChosenTheme(RwSignal::new(initial_choice()));
        provide_context(chosen);
        chosen
    }

    /// The signal the app root provided.
    pub fn expect() -> Self {
        use_context::<ChosenTheme>().unwrap_or_else(ChosenTheme::provide)
    }
}

/// On the server: the choice the request's cookie carries.
#[cfg(feature = "ssr")]
pub fn initial_choice() -> Option<Theme> {
    crate::serve::with_request(|parts| {
        parts
            .headers
            .get_all(http::header::COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .find_map(theme_from_cookie_header)
    })
    .flatten()
}

/// In the browser: what the server put on `<html>` (the same cookie, read once), so the
/// hydrated page starts from exactly what was rendered.
#[cfg(not(feature = "ssr"))]
pub fn initial_choice() -> Option<Theme> {
    document()
        .document_element()?
        .get_attribute("data-theme")
        .and_then(|theme| Theme::parse(&theme))
}

/// Keeps the choice for a year. `SameSite=Lax` and no `Secure`: it is a preference, not a
/// credential, and must also work on a plain-HTTP local console.
#[cfg(feature = "hydrate")]
fn remember(theme: Theme) {
    use wasm_bindgen::JsCast;
    document()
        .unchecked_into::<cookie::CookieDocument>()
        .set_cookie(&format!(
            "{THEME_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax",
            theme.as_str()
        ));
}

/// `document.cookie`, which web-sys only offers behind a feature this crate does not enable.
#[cfg(feature = "hydrate")]
mod cookie {
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen]
    extern "C" {
        #[wasm_bindgen(js_name = Document)]
        pub type CookieDocument;

        #[wasm_bindgen(method, setter = cookie)]
        pub fn set_cookie(this: &CookieDocument, value: &str);
    }
}

#[component]
pub fn ThemeToggle() -> impl IntoView {
    let chosen = ChosenTheme::expect().0;
    // Whether the operating system asks for dark; `None` until the browser says (the
    // server cannot know it).
    let system_dark = RwSignal::new(None::<bool>);

    // Runs once in the browser, tracks nothing: ask the operating system's preference.
    Effect::new(move |_| {
        let dark = window()
            .match_media("(prefers-color-scheme: dark)")
            .ok()
            .flatten()
            .map(|m| m.matches())
            .unwrap_or(false);
        system_dark.set(Some(dark));
    });

    // Re-runs on every choice: apply it to the document (a choice only: without one the
    // stylesheet follows the operating system by itself).
    Effect::new(move |_| {
        if let (Some(theme), Some(root)) = (chosen.get(), document().document_element()) {
            let _ = root.set_attribute("data-theme", theme.as_str());
        }
    });

    let is_dark = move || match chosen.get() {
        Some(theme) => theme == Theme::Dark,
        None => system_dark.get().unwrap_or(false),
    };
    let flip = move |_| {
        let next = if is_dark() { Theme::Light } else { Theme::Dark };
        chosen.set(Some(next));
        #[cfg(feature = "hydrate")]
        remember(next);
    };
    view! {
        <button
            type="button"
            class="button secondary"
            data-testid="theme-toggle"
            aria-pressed=move || is_dark().to_string()
            on:click=flip
        >
            {move || if is_dark() { "Light theme" } else { "Dark theme" }}
        </button>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_choice_is_read_from_the_cookie_header_and_nothing_else() {
        assert_eq!(
            theme_from_cookie_header("id=abc; console_theme=dark"),
            Some(Theme::Dark)
        );
        assert_eq!(
            theme_from_cookie_header("console_theme=light"),
            Some(Theme::Light)
        );
        assert_eq!(theme_from_cookie_header("console_theme=blue"), None);
        assert_eq!(theme_from_cookie_header("other_theme=dark"), None);
        assert_eq!(theme_from_cookie_header(""), None);
    }
}
