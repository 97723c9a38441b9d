//! CORS and the security headers.

use std::time::Duration;

use axum::Router;
use axum::http::{HeaderName, HeaderValue, Method, header};
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::settings::BrowserSettings;

/// Why the browser settings cannot be served.
#[derive(Debug, thiserror::Error)]
pub enum BrowserSettingsError {
    #[error("browser.allowed_origins: `{0}` is not an origin like `https://partner.example.nl`")]
    Origin(String),
    #[error(
        "browser.sign_in.authority: `{0}` is not an https URL (plain http only on the loopback interface)"
    )]
    Authority(String),
}

/// An origin is a scheme, a host and an optional port: nothing after them.
fn origin(value: &str) -> Option<HeaderValue> {
    let rest = value
        .strip_prefix("https://")
        .or_else(|| value.strip_prefix("http://"))?;
    let valid = !rest.is_empty()
        && rest
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    valid.then(|| HeaderValue::from_str(value).ok()).flatten()
}

/// Preflights are answered for the allowed origins; every other origin gets no
/// `Access-Control-Allow-Origin`, so its browser refuses the response. Credentials are never
/// allowed: the token is a header the page sets, not a cookie the browser adds.
pub(crate) fn cors(settings: &BrowserSettings) -> Result<CorsLayer, BrowserSettingsError> {
    let origins = settings
        .allowed_origins
        .iter()
        .map(|value| origin(value).ok_or_else(|| BrowserSettingsError::Origin(value.clone())))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::ACCEPT,
            HeaderName::from_static("idempotency-key"),
            HeaderName::from_static("traceparent"),
            HeaderName::from_static("tracestate"),
        ])
        // What a page needs to read back: when to retry, that a kept response was replayed,
        // and the trace to quote in a report.
        .expose_headers([
            header::RETRY_AFTER,
            HeaderName::from_static("idempotent-replayed"),
            HeaderName::from_static("traceparent"),
        ])
        .max_age(Duration::from_secs(600)))
}

/// The Content-Security-Policy of the app and GraphiQL: their own scripts only, no inline
/// script, no framing. The sign-in provider is the one other host the app may call.
fn content_security_policy(
    settings: &BrowserSettings,
) -> Result<HeaderValue, BrowserSettingsError> {
    let mut connect = String::from("'self'");
    if let Some(sign_in) = &settings.sign_in {
        let provider = reqwest::Url::parse(&sign_in.authority)
            .ok()
            .filter(crate::auth::keys::secure_provider_url)
            .map(|url| url.origin().ascii_serialization())
            .filter(|provider| origin(provider).is_some())
            .ok_or_else(|| BrowserSettingsError::Authority(sign_in.authority.clone()))?;
        connect.push(' ');
        connect.push_str(&provider);
    }
    // Every part is ASCII: the provider's origin passed `origin`.
    HeaderValue::from_str(&format!(
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
         img-src 'self' data:; font-src 'self' data:; connect-src {connect}; worker-src 'self'; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ))
    .map_err(|_| BrowserSettingsError::Origin(connect))
}

/// Adds the security headers to every response that does not set its own.
pub(crate) fn security_headers(
    router: Router,
    settings: &BrowserSettings,
) -> Result<Router, BrowserSettingsError> {
    let fixed = [
        (
            header::CONTENT_SECURITY_POLICY,
            content_security_policy(settings)?,
        ),
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        (
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ),
        (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
        (
            HeaderName::from_static("cross-origin-opener-policy"),
            HeaderValue::from_static("same-origin"),
        ),
    ];
    Ok(fixed.into_iter().fold(router, |router, (name, value)| {
        router.layer(SetResponseHeaderLayer::if_not_present(name, value))
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::OpenIdSignIn;

    #[test]
    fn an_origin_is_scheme_host_and_port_only() {
        assert!(origin("https://partner.example.nl").is_some());
        assert!(origin("http://127.0.0.1:5173").is_some());
        assert!(origin("https://partner.example.nl/").is_none());
        assert!(origin("partner.example.nl").is_none());
        assert!(origin("https://").is_none());
        assert!(origin("*").is_none());
    }

    #[test]
    fn the_policy_lets_the_app_reach_its_sign_in_provider_and_nothing_else() {
        let mut settings = BrowserSettings::default();
        let text = |settings: &BrowserSettings| {
            content_security_policy(settings).map(|policy| policy.to_str().unwrap().to_owned())
        };
        let own = text(&settings).unwrap();
        assert!(own.contains("connect-src 'self';"));
        assert!(!own.contains("unsafe-eval"));
        assert!(own.contains("script-src 'self';"));
        settings.sign_in = Some(OpenIdSignIn {
            authority: "https://login.partner.example.nl/realms/staff".into(),
            client_id: "maatwerk".into(),
            scope: "openid".into(),
        });
        let with_provider = text(&settings).unwrap();
        assert!(with_provider.contains("connect-src 'self' https://login.partner.example.nl;"));
        settings.sign_in.as_mut().unwrap().authority = "http://login.example".into();
        assert!(text(&settings).is_err());
        settings.sign_in.as_mut().unwrap().authority = "http://127.0.0.1:8093".into();
        assert!(
            text(&settings)
                .unwrap()
                .contains("connect-src 'self' http://127.0.0.1:8093;")
        );
    }
}
