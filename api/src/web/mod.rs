//! What browser clients get: the reference partner frontend and GraphiQL from the binary's own
//! assets, the security headers on every response, CORS for the origins the settings allow, and,
//! in demo mode only, the demo sign-in.

mod assets;
mod demo_sign_in;
mod headers;

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Serialize;

use crate::http::state::AppState;

pub use headers::BrowserSettingsError;
pub(crate) use headers::{cors, security_headers};

/// The app, its configuration, GraphiQL and the demo sign-in. Every other `GET` that names no
/// asset is one of the app's own pages, which the app routes itself.
pub(crate) fn routes(demo: bool) -> Router<AppState> {
    let mut router = Router::new()
        .route("/app/config.json", get(config))
        .fallback(get(assets::page_or_asset));
    if demo {
        router = router
            .route("/demo/identities", get(demo_sign_in::identities))
            .route("/demo/sign-in", post(demo_sign_in::sign_in));
    }
    router
}

/// GraphiQL, built with the app from the same sources, so it loads nothing from elsewhere.
pub(crate) async fn graphiql() -> Response {
    assets::page("graphiql.html")
}

/// What the app needs to know before it signs anyone in.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AppConfig<'a> {
    demo: bool,
    sign_in: Option<SignInConfig<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SignInConfig<'a> {
    authority: &'a str,
    client_id: &'a str,
    scope: &'a str,
}

async fn config(State(state): State<AppState>) -> Response {
    let settings = &state.settings;
    axum::Json(AppConfig {
        demo: settings.demo,
        sign_in: settings
            .browser
            .sign_in
            .as_ref()
            .map(|sign_in| SignInConfig {
                authority: &sign_in.authority,
                client_id: &sign_in.client_id,
                scope: &sign_in.scope,
            }),
    })
    .into_response()
}
