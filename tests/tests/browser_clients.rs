//! What browser clients meet over real HTTP: the app and GraphiQL served from the binary, the
//! security headers, CORS for the allowed origins only, and the demo sign-in, which exists only
//! in demo mode and signs only for the demo's development identity providers.

use maatwerk_tests::{DemoServer, TestDatabase, data, on_both_databases};
use reqwest::header::HeaderMap;
use serde_json::{Value, json};

const PARTNER: &str = "https://partner.example.nl";

async fn get(server: &DemoServer, path: &str) -> (u16, HeaderMap, String) {
    let response = server
        .client
        .get(format!("http://{}{path}", server.address))
        .send()
        .await
        .expect("the server answers");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, headers, response.text().await.expect("a body"))
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .map(|value| value.to_str().expect("a text header"))
        .unwrap_or("")
}

/// The scripts and stylesheets a page names, which must all be served from the same origin.
fn linked_assets(page: &str) -> Vec<String> {
    page.split(['"', '\''])
        .filter(|part| part.starts_with("/assets/"))
        .map(str::to_owned)
        .collect()
}

async fn the_app_and_graphiql_are_served_from_the_binary_with_security_headers(
    database: TestDatabase,
) {
    let server = DemoServer::start(database).await;
    for page in ["/", "/casussen/some-case", "/graphql"] {
        let (status, headers, body) = get(&server, page).await;
        assert_eq!(status, 200, "{page}");
        assert!(
            header(&headers, "content-type").starts_with("text/html"),
            "{page}"
        );
        let policy = header(&headers, "content-security-policy");
        assert!(policy.contains("script-src 'self';"), "{page}: {policy}");
        assert!(
            policy.contains("frame-ancestors 'none'"),
            "{page}: {policy}"
        );
        assert!(!policy.contains("unsafe-eval"), "{page}: {policy}");
        assert_eq!(header(&headers, "x-content-type-options"), "nosniff");
        assert_eq!(header(&headers, "referrer-policy"), "no-referrer");
        assert_eq!(header(&headers, "cache-control"), "no-cache", "{page}");
        // No script of any other host, and none inline.
        assert!(
            !body.contains("https://") && !body.contains("http://"),
            "{page}: {body}"
        );
        assert!(
            !body.contains("<script>") && !body.contains("<script type=\"module\">"),
            "{page}: {body}"
        );
        let assets = linked_assets(&body);
        assert!(!assets.is_empty(), "{page} names its scripts: {body}");
        for asset in assets {
            let (status, headers, _) = get(&server, &asset).await;
            assert_eq!(status, 200, "{asset}");
            assert!(
                header(&headers, "cache-control").contains("immutable"),
                "{asset}"
            );
            let kind = header(&headers, "content-type");
            assert!(
                kind.starts_with("text/javascript") || kind.starts_with("text/css"),
                "{asset}: {kind}"
            );
        }
    }
    let (status, _, _) = get(&server, "/assets/missing-0000.js").await;
    assert_eq!(status, 404, "a missing asset is not the app's page");
    let (status, _, _) = get(&server, "/favicon.ico").await;
    assert_eq!(status, 404);

    // The API's own responses carry the headers too.
    let (_, headers, _) = get(&server, "/healthz").await;
    assert_eq!(header(&headers, "x-content-type-options"), "nosniff");
    let (status, _, config) = get(&server, "/app/config.json").await;
    assert_eq!(status, 200);
    let config: Value = serde_json::from_str(&config).unwrap();
    assert_eq!(config, json!({ "demo": false, "signIn": null }));
}

async fn preflight(server: &DemoServer, origin: &str) -> reqwest::Response {
    server
        .client
        .request(
            reqwest::Method::OPTIONS,
            format!("http://{}/graphql", server.address),
        )
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "authorization,content-type",
        )
        .send()
        .await
        .expect("the server answers")
}

async fn cors_answers_the_allowed_origins_only(database: TestDatabase) {
    let server = DemoServer::start_with(database, |settings| {
        settings.browser.allowed_origins = vec![PARTNER.to_owned()];
    })
    .await;
    let allowed = preflight(&server, PARTNER).await;
    assert!(allowed.status().is_success(), "{}", allowed.status());
    let headers = allowed.headers();
    assert_eq!(header(headers, "access-control-allow-origin"), PARTNER);
    let methods = header(headers, "access-control-allow-methods");
    assert!(
        methods.contains("POST") && methods.contains("GET"),
        "{methods}"
    );
    let allowed_headers = header(headers, "access-control-allow-headers").to_lowercase();
    assert!(
        allowed_headers.contains("authorization"),
        "{allowed_headers}"
    );
    assert_eq!(header(headers, "access-control-allow-credentials"), "");

    let other = preflight(&server, "https://elsewhere.example").await;
    assert_eq!(
        header(other.headers(), "access-control-allow-origin"),
        "",
        "another origin's browser gets nothing to allow it"
    );

    // The actual request from the allowed origin, with its token, gets the header too.
    let token = server.token("buurtteam-amsterdam-west", "anna").await;
    let response = server
        .client
        .post(format!("http://{}/graphql", server.address))
        .header("origin", PARTNER)
        .bearer_auth(&token)
        .json(&json!({ "query": "{ me { kind } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        header(response.headers(), "access-control-allow-origin"),
        PARTNER
    );
    let exposed = header(response.headers(), "access-control-expose-headers").to_lowercase();
    for name in ["retry-after", "idempotent-replayed", "traceparent"] {
        assert!(exposed.contains(name), "a page can read {name}: {exposed}");
    }
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["data"]["me"]["kind"], "PROFESSIONAL");
}

async fn there_is_no_demo_sign_in_outside_demo_mode(database: TestDatabase) {
    let server = DemoServer::start(database).await;
    let (status, _, _) = get(&server, "/demo/identities").await;
    // The app's page, not a list: the route does not exist.
    assert_eq!(status, 200);
    let response = server
        .client
        .post(format!("http://{}/demo/sign-in", server.address))
        .json(&json!({ "identity": "professional/buurtteam-amsterdam-west/anna" }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status().as_u16(),
        405,
        "no sign-in route to post to"
    );
    let (_, _, listed) = get(&server, "/demo/identities").await;
    assert!(!listed.contains("anna"), "{listed}");
}

async fn a_click_on_a_demo_identity_signs_in_as_that_identity(database: TestDatabase) {
    let server = DemoServer::start_with(database, |settings| settings.demo = true).await;
    let (_, _, config) = get(&server, "/app/config.json").await;
    assert_eq!(
        serde_json::from_str::<Value>(&config).unwrap()["demo"],
        true
    );
    let (status, headers, listed) = get(&server, "/demo/identities").await;
    assert_eq!(status, 200);
    assert!(header(&headers, "content-type").starts_with("application/json"));
    let identities: Vec<Value> = serde_json::from_str(&listed).unwrap();
    let kinds: std::collections::BTreeSet<&str> = identities
        .iter()
        .map(|identity| identity["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["PLATFORM_ADMIN", "PROFESSIONAL", "RESIDENT", "SERVICE"].into()
    );
    let anna = identities
        .iter()
        .find(|identity| identity["id"] == "professional/buurtteam-amsterdam-west/anna")
        .expect("the showcase's case lead is listed");
    assert_eq!(anna["organisation"]["kind"], "NEIGHBOURHOOD_TEAM");
    assert!(
        anna["roles"]
            .as_array()
            .is_some_and(|roles| !roles.is_empty())
    );

    for identity in &identities {
        let response = server
            .client
            .post(format!("http://{}/demo/sign-in", server.address))
            .json(&json!({ "identity": identity["id"] }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200, "{identity}");
        let signed: Value = response.json().await.unwrap();
        let token = signed["token"].as_str().unwrap();
        let me = server.graphql(token, "{ me { kind } }", json!({})).await;
        assert_eq!(data(&me, "me")["kind"], identity["kind"], "{identity}");
    }

    let unknown = server
        .client
        .post(format!("http://{}/demo/sign-in", server.address))
        .json(&json!({ "identity": "professional/buurtteam-amsterdam-west/nobody" }))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status().as_u16(), 404);
    let body: Value = unknown.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "NOT_FOUND");
    assert_eq!(body["errors"][0]["extensions"]["field"], "identity");
    let malformed = server
        .client
        .post(format!("http://{}/demo/sign-in", server.address))
        .json(&json!({ "who": "anna" }))
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status().as_u16(), 400);
    let body: Value = malformed.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(body["errors"][0]["extensions"]["field"], "identity");
}

on_both_databases!(
    the_app_and_graphiql_are_served_from_the_binary_with_security_headers,
    cors_answers_the_allowed_origins_only,
    there_is_no_demo_sign_in_outside_demo_mode,
    a_click_on_a_demo_identity_signs_in_as_that_identity,
);
