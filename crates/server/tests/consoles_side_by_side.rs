//! Several consoles in one process (as the integration tests run them): a page rendered
//! while another console is being set up still arrives.
//!
//! Leptos works out the page routes by rendering the app with resources held back by a
//! flag shared by the whole process (leptos-rs/leptos#4773); a page whose resource first
//! ran while that flag was up waited forever. Before the route list was made once per
//! process, this test hung on about one run in three, and CI once hung for 90 minutes.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use common::session::{get_response, sign_in_as};
use common::TestConsole;
use console_app::api::Role;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn pages_render_while_other_consoles_start() {
    let t = TestConsole::start().await;
    let admin = sign_in_as(&t, Role::Admin).await;
    let all_started = AtomicBool::new(false);
    let start_others = async {
        let mut others = Vec::new();
        for _ in 0..8 {
            others.push(TestConsole::start().await);
        }
        all_started.store(true, Ordering::Relaxed);
        others
    };
    let view_pages = async {
        let (mut views, mut stuck) = (0, 0);
        while !all_started.load(Ordering::Relaxed) {
            views += 1;
            // The not-found page waits for every resource before it sends a byte.
            let page = get_response(&t, &admin.browser, "/no/such/page");
            if tokio::time::timeout(Duration::from_secs(5), page)
                .await
                .is_err()
            {
                stuck += 1;
            }
        }
        (views, stuck)
    };
    let (_others, (views, stuck)) = tokio::join!(start_others, view_pages);
    assert!(views > 0, "no page was viewed while the others started");
    assert_eq!(stuck, 0, "{stuck} of {views} pages never arrived");
}
