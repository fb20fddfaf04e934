//! The browser bundle under `/pkg`: which name it has, and how browsers may keep it.
//!
//! `./x build-site` names the bundle after what it holds (`console_app-<hash>.js`,
//! `console_app-<hash>_bg.wasm`; a dash, as wasm-bindgen reads a dot as an ending), so a name never stands for two contents: such files are
//! sent with a year of `immutable` caching, and a repeat visit costs no bundle bytes at all
//! — not even a question to the server. Anything else under `/pkg` (an unhashed bundle from
//! an older build, a file a test made) is revalidated on every visit instead (`no-cache`
//! with `Last-Modified`, a 304 when unchanged).

use std::path::{Path, PathBuf};

use axum::{
    extract::Request,
    http::{header, HeaderValue, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
    Router,
};

/// What every bundle file's name starts with (the app crate's name, as wasm-bindgen writes it).
const STEM: &str = "console_app";

/// How many hex digits of the content hash `./x build-site` puts in the name.
const HASH_DIGITS: usize = 16;

/// The longest file name a file system takes (Linux's `NAME_MAX`). ServeDir answers a
/// longer one with a 500 (the `open` fails with ENAMETOOLONG); no bundle file is that long.
const LONGEST_FILE_NAME: usize = 255;

const KEEP_FOR_A_YEAR: HeaderValue =
    HeaderValue::from_static("public, max-age=31536000, immutable");
const ASK_EVERY_TIME: HeaderValue = HeaderValue::from_static("no-cache");

/// The bundle's name without its ending, as Leptos' hydration script wants it
/// (`output_name`): `console_app-<hash>` for a hashed build in `pkg`, else plain
/// `console_app`. Of several hashed builds (a folder someone copied over) the newest wins.
pub fn name_in(pkg: &Path) -> String {
    let newest = std::fs::read_dir(pkg)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let file = entry.file_name().into_string().ok()?;
            let name = file.strip_suffix(".js")?;
            hash_of(name)?;
            let modified = entry.metadata().and_then(|m| m.modified()).ok()?;
            Some((modified, name.to_string()))
        })
        .max();
    match newest {
        Some((_, name)) => name,
        None => STEM.to_string(),
    }
}

/// The hash in a bundle name (`console_app-<hash>`, with or without `_bg`), if it has one.
fn hash_of(name: &str) -> Option<&str> {
    let rest = name.strip_prefix(STEM)?.strip_prefix('-')?;
    let hash = rest.strip_suffix("_bg").unwrap_or(rest);
    (hash.len() == HASH_DIGITS && hash.bytes().all(|b| b.is_ascii_hexdigit())).then_some(hash)
}

/// Whether the file at this path under `/pkg` is named after its contents.
fn is_hashed(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or_default();
    // The compressed copies carry the name of what they hold, plus their own ending.
    let file = [".br", ".gz"]
        .iter()
        .find_map(|ending| file.strip_suffix(ending))
        .unwrap_or(file);
    let Some((name, _ending)) = file.rsplit_once('.') else {
        return false;
    };
    hash_of(name).is_some()
}

/// `/pkg`: the brotli or gzip copy `./x build-site` made when the browser takes it, with
/// the caching its name allows. A name no file can have is a plain 404, not a 500.
pub fn files(dir: PathBuf) -> Router {
    let files = tower_http::services::ServeDir::new(dir)
        .precompressed_br()
        .precompressed_gzip();
    Router::new()
        .fallback_service(files)
        .layer(axum::middleware::from_fn(caching))
}

async fn caching(request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if path
        .split('/')
        .any(|segment| segment.len() > LONGEST_FILE_NAME)
    {
        return (StatusCode::NOT_FOUND, "No such file.").into_response();
    }
    let keep = if is_hashed(path) {
        KEEP_FOR_A_YEAR
    } else {
        ASK_EVERY_TIME
    };
    let mut response = next.run(request).await;
    if response.status().is_success() || response.status() == StatusCode::NOT_MODIFIED {
        response.headers_mut().insert(header::CACHE_CONTROL, keep);
    } else {
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, ASK_EVERY_TIME);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_names_with_a_content_hash_are_kept_for_a_year() {
        for path in [
            "/console_app-0123456789abcdef.js",
            "/console_app-0123456789abcdef_bg.wasm",
            "/console_app-0123456789abcdef_bg.wasm.br",
            "/console_app-0123456789ABCDEF.js.gz",
        ] {
            assert!(is_hashed(path), "{path}");
        }
        for path in [
            "/console_app.js",
            "/console_app_bg.wasm",
            "/console_app-0123456789abcde.js",
            "/console_app-0123456789abcdeg.js",
            "/other.0123456789abcdef.js",
            "/snippets/x/inline0.js",
            "/",
        ] {
            assert!(!is_hashed(path), "{path}");
        }
    }

    #[test]
    fn the_name_is_the_newest_hashed_build_or_the_plain_one() {
        let pkg = std::env::temp_dir().join(format!("bundle-name-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&pkg).expect("folder");
        assert_eq!(name_in(&pkg), "console_app");
        std::fs::write(pkg.join("console_app.js"), "").expect("file");
        std::fs::write(pkg.join("console_app-0123456789abcdef_bg.wasm"), "").expect("file");
        assert_eq!(name_in(&pkg), "console_app", "a wasm alone names nothing");
        std::fs::write(pkg.join("console_app-0123456789abcdef.js"), "").expect("file");
        assert_eq!(name_in(&pkg), "console_app-0123456789abcdef");
        assert_eq!(name_in(&pkg.join("missing")), "console_app");
        let _ = std::fs::remove_dir_all(pkg);
    }
}
