//! What a browser downloads: pages and JSON compressed when it accepts that, the bundle
//! sent as the compressed copy built beside it, and a repeat visit answered with a 304.

mod common;

use common::session::*;
use common::TestConsole;
use console_app::api::Role;
use reqwest::{header, StatusCode};

/// A client that shows the bytes as sent: no decompression, no redirects.
fn raw_client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_gzip()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// A site folder holding these bundle files, each with the two compressed copies
/// `./x build-site` makes (their contents marked, so the test sees which one was sent).
fn site_with_bundle(names: &[&str]) -> std::path::PathBuf {
    let site = std::env::temp_dir().join(format!("console-site-{}", uuid::Uuid::new_v4().simple()));
    let pkg = site.join("pkg");
    std::fs::create_dir_all(&pkg).expect("pkg folder");
    for name in names {
        std::fs::write(pkg.join(name), "plain javascript").expect("file");
        std::fs::write(pkg.join(format!("{name}.br")), "brotli copy").expect("br");
        std::fs::write(pkg.join(format!("{name}.gz")), "gzip copy").expect("gz");
    }
    site
}

async fn start_in(site: &std::path::Path) -> TestConsole {
    TestConsole::start_with(&[("CONSOLE_SITE_ROOT", site.to_str().expect("utf-8 path"))]).await
}

#[tokio::test]
async fn the_bundle_is_sent_as_its_compressed_copy_and_revalidated() {
    let site = site_with_bundle(&["console_app.js"]);
    let t = start_in(&site).await;
    let client = raw_client();
    let url = t.url("/pkg/console_app.js");
    for (accepts, body, encoding) in [
        ("br, gzip", "brotli copy", Some("br")),
        ("gzip", "gzip copy", Some("gzip")),
        ("identity", "plain javascript", None),
    ] {
        let response = client
            .get(&url)
            .header(header::ACCEPT_ENCODING, accepts)
            .send()
            .await
            .expect("bundle");
        assert_eq!(response.status(), StatusCode::OK, "{accepts}");
        let headers = response.headers().clone();
        assert_eq!(
            headers
                .get(header::CONTENT_ENCODING)
                .map(|v| v.to_str().unwrap_or("")),
            encoding,
            "{accepts}"
        );
        assert_eq!(headers[header::CACHE_CONTROL], "no-cache", "{accepts}");
        assert!(
            headers[header::CONTENT_TYPE]
                .to_str()
                .unwrap_or("")
                .contains("javascript"),
            "{accepts}: {headers:?}"
        );
        assert_eq!(response.text().await.expect("body"), body, "{accepts}");
    }

    // A repeat visit: the browser asks whether its copy is still good, and gets no bytes.
    let first = client.get(&url).send().await.expect("bundle");
    let modified = first.headers()[header::LAST_MODIFIED].clone();
    let again = client
        .get(&url)
        .header(header::IF_MODIFIED_SINCE, modified)
        .send()
        .await
        .expect("revalidate");
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert!(again.bytes().await.expect("body").is_empty());
    let _ = std::fs::remove_dir_all(site);
}

/// A bundle named after its contents: every page names it, and a browser keeps it for a
/// year without asking again, so a repeat visit costs no bundle bytes and no request.
#[tokio::test]
async fn a_bundle_named_by_its_hash_is_named_by_the_pages_and_kept_for_a_year() {
    let hashed = "console_app-0123456789abcdef";
    let site = site_with_bundle(&[&format!("{hashed}.js"), &format!("{hashed}_bg.wasm")]);
    let t = start_in(&site).await;
    let client = raw_client();

    let page = client
        .get(t.url("/signin"))
        .send()
        .await
        .expect("sign-in page");
    let html = page.text().await.expect("page");
    for file in [
        format!("/pkg/{hashed}.js"),
        format!("/pkg/{hashed}_bg.wasm"),
    ] {
        assert!(html.contains(&file), "the page names {file}: {html}");
        for accepts in ["br", "gzip", "identity"] {
            let response = client
                .get(t.url(&file))
                .header(header::ACCEPT_ENCODING, accepts)
                .send()
                .await
                .expect("bundle");
            assert_eq!(response.status(), StatusCode::OK, "{file} {accepts}");
            assert_eq!(
                response.headers()[header::CACHE_CONTROL],
                "public, max-age=31536000, immutable",
                "{file} {accepts}"
            );
        }
    }
    // A file that is not there is not cached at all (a later build may bring it).
    let missing = client
        .get(t.url("/pkg/console_app-fedcba9876543210.js"))
        .send()
        .await
        .expect("missing file");
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert_eq!(missing.headers()[header::CACHE_CONTROL], "no-cache");
    let _ = std::fs::remove_dir_all(site);
}

#[tokio::test]
async fn pages_and_json_are_compressed_for_browsers_that_accept_it() {
    let t = TestConsole::start().await;
    let person = sign_in_as(&t, Role::Viewer).await;
    // A small answer goes out as it is: gzip would make it larger.
    let small = raw_client()
        .get(t.url("/api/whoami"))
        .header(header::ACCEPT_ENCODING, "gzip")
        .header(header::COOKIE, session_cookie(&t).await)
        .send()
        .await
        .expect("whoami, raw");
    assert_eq!(small.status(), StatusCode::OK);
    assert!(small.headers().get(header::CONTENT_ENCODING).is_none());
    let small = small.bytes().await.expect("body");
    assert!(
        small.len() < usize::from(console_server::COMPRESS_FROM_BYTES),
        "{}",
        small.len()
    );
    for path in ["/users", "/api/approvals/policy"] {
        let response = person.browser.get(t.url(path)).send().await.expect("view");
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        // The test client takes gzip and undoes it; what matters is that it was asked for
        // and sent, which the length on the wire shows against the uncompressed body. As a
        // browser asks: pages go out as gzip even where brotli is accepted (cheaper to
        // make per answer; the bundle's brotli copy is made once, by `./x build-site`).
        let wire = raw_client()
            .get(t.url(path))
            .header(header::ACCEPT_ENCODING, "gzip, deflate, br, zstd")
            .header(header::COOKIE, session_cookie(&t).await)
            .send()
            .await
            .expect("view, raw");
        assert_eq!(
            wire.headers()
                .get(header::CONTENT_ENCODING)
                .map(|v| v.as_bytes()),
            Some(&b"gzip"[..]),
            "{path}"
        );
        let compressed = wire.bytes().await.expect("body");
        assert_eq!(&compressed[..2], &[0x1f, 0x8b], "{path}: a gzip stream");
        let plain = response.bytes().await.expect("body");
        assert!(
            compressed.len() < plain.len(),
            "{path}: {} bytes compressed against {} plain",
            compressed.len(),
            plain.len()
        );
    }
}

/// The value of the JavaScript string literal at the start of `text` (`'…'` as the page's
/// hydration data writes it, or `"…"`), or `None` if there is none: the escapes a
/// JavaScript engine reads in it, up to its closing quote.
fn js_string_value(text: &str) -> Option<String> {
    let quote = text.chars().next().filter(|c| matches!(c, '\'' | '"'))?;
    let mut chars = text[1..].chars();
    let mut value = String::new();
    loop {
        match chars.next()? {
            c if c == quote => return Some(value),
            '\n' | '\r' | '\u{2028}' | '\u{2029}' => return None,
            '\\' => match chars.next()? {
                'n' => value.push('\n'),
                'r' => value.push('\r'),
                't' => value.push('\t'),
                '0' => value.push('\0'),
                'u' => {
                    let rest = chars.as_str();
                    let (hex, used) = match rest.strip_prefix('{') {
                        Some(braced) => {
                            let end = braced.find('}')?;
                            (&braced[..end], end + 2)
                        }
                        None => (rest.get(..4)?, 4),
                    };
                    value.push(char::from_u32(u32::from_str_radix(hex, 16).ok()?)?);
                    chars = rest[used..].chars();
                }
                other => value.push(other),
            },
            c => value.push(c),
        }
    }
}

/// Whether `needle` is one of the strings anywhere in `value`.
fn holds_string(value: &serde_json::Value, needle: &str) -> bool {
    match value {
        serde_json::Value::String(s) => s == needle,
        serde_json::Value::Array(items) => items.iter().any(|v| holds_string(v, needle)),
        serde_json::Value::Object(map) => map.values().any(|v| holds_string(v, needle)),
        _ => false,
    }
}

/// The data a page hands the browser for hydration (`__RESOLVED_RESOURCES[n] = '…';`,
/// written by the vendored `hydration_context`, vendor/README.md) reads back in JavaScript
/// as the JSON the server serialized, whatever characters it holds, and never closes its
/// `<script>` early.
#[tokio::test]
async fn a_pages_hydration_data_reads_back_whatever_characters_it_holds() {
    let t = TestConsole::start().await;
    let person = sign_in_as(&t, Role::Viewer).await;
    let tricky = "</script><script>alert(1)</script> \"quoted\" 'single' back\\slash tab\tline\u{2028}\u{2029} é 日本 \u{7f}<!--";
    let address =
        reqwest::Url::parse_with_params(&t.url("/users"), [("q", tricky)]).expect("address");
    let path = format!("{}?{}", address.path(), address.query().unwrap_or_default());
    let html = page_html(&t, &person, &path).await;

    assert_eq!(
        html.matches("</script>").count(),
        html.matches("<script").count(),
        "a script closed early"
    );
    let prefix = "__RESOLVED_RESOURCES[";
    let mut found = false;
    for (at, _) in html.match_indices(prefix) {
        let Some((_, literal)) = html[at + prefix.len()..].split_once("] = ") else {
            continue;
        };
        let json = js_string_value(literal)
            .unwrap_or_else(|| panic!("not a JavaScript string: {literal}"));
        let value: serde_json::Value =
            serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {json}"));
        found |= holds_string(&value, tricky);
    }
    assert!(
        found,
        "the search text is not in the page's data as it was sent:\n{html}"
    );
}
