//! The built app (`api/web/dist`, built from `api/web` and checked in), embedded in the binary.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use include_dir::{Dir, include_dir};

static ASSETS: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/web/dist");

/// Built files carry a content hash in their name, so they never change under it.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Pages name the current build's files, so they are checked on every load.
const REVALIDATE: &str = "no-cache";

pub(super) async fn page_or_asset(uri: Uri) -> Response {
    let path = uri.path().trim_start_matches('/');
    if let Some(file) = ASSETS.get_file(path).filter(|_| !path.is_empty()) {
        let cache = if path.starts_with("assets/") {
            IMMUTABLE
        } else {
            REVALIDATE
        };
        return file_response(path, file.contents(), cache);
    }
    // A path with an extension names a file that is not there; any other is one of the app's
    // pages (`/zaken/…`), which `index.html` routes in the browser.
    let last = path.rsplit('/').next().unwrap_or("");
    if last.contains('.') || path.starts_with("assets/") {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    }
    page("index.html")
}

pub(super) fn page(name: &str) -> Response {
    match ASSETS.get_file(name) {
        Some(file) => file_response(name, file.contents(), REVALIDATE),
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

fn file_response(path: &str, contents: &'static [u8], cache: &'static str) -> Response {
    let mut response = Response::new(Body::from(contents));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(content_type(path)),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    response
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}
