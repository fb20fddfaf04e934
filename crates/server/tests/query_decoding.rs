//! What a person types into a search box is what is searched (issue 16): the router decoded
//! a page's query twice, so a literal `%41` searched for `A`.

mod common;

use common::session::{get, sign_in_as, take_snapshot};
use common::TestConsole;
use console_app::api::Role;
use reqwest::StatusCode;

#[tokio::test]
async fn a_percent_sign_typed_into_a_search_is_searched_as_typed() {
    let t = TestConsole::start().await;
    take_snapshot(&t).await;
    let viewer = sign_in_as(&t, Role::Viewer).await;
    // The browser sends the typed `%41` as `%2541`. Decoded once it is `%41`, which no
    // user's name or email contains; decoded twice it is `A`, which many do.
    for page in ["/users?q=%2541", "/groups?q=%2541", "/workspaces?q=%2541"] {
        let (status, html) = get(&t, &viewer, page).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let html = html.as_str().unwrap_or_default().to_string();
        assert!(
            html.contains(r#"value="%41""#),
            "{page}: the search box shows what was typed"
        );
        assert!(!html.contains(r#"value="A""#), "{page}: not decoded twice");
    }
    let (_, html) = get(&t, &viewer, "/users?q=%2541").await;
    assert!(
        !html
            .as_str()
            .unwrap_or_default()
            .contains("data-testid=\"user-row\""),
        "nobody matches a literal %41"
    );
}
