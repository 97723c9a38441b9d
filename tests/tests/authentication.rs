//! Every way a token can be wrong is refused with 401 `UNAUTHENTICATED` over real HTTP, and
//! leaves no trace: no professional is created for a refused token.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use maatwerk_tests::{
    ISSUER_A, ISSUER_B, TestDatabase, TestKey, TestServer, claims, now, on_both_databases,
};
use serde_json::{Value, json};

const ME: &str = "{ me { kind professional { name roles } organisation { slug } roles } }";

async fn professional_count(server: &TestServer) -> usize {
    let a = server
        .store
        .professionals_of_organisation(server.organisation_a.id)
        .await
        .unwrap()
        .len();
    let b = server
        .store
        .professionals_of_organisation(server.organisation_b.id)
        .await
        .unwrap()
        .len();
    a + b
}

/// Asserts the token is refused as the specification requires, and nothing was written.
async fn assert_refused(server: &TestServer, token: &str, case: &str) {
    let before = professional_count(server).await;
    let response = server.post(Some(token), &json!({ "query": ME })).await;
    assert_eq!(response.status, 401, "{case}: {response:?}");
    assert_eq!(response.error_code(), Some("UNAUTHENTICATED"), "{case}");
    assert!(
        response.body.get("data").is_none(),
        "{case}: a refused request has no data"
    );
    assert_eq!(
        response
            .headers
            .get("www-authenticate")
            .map(|value| value.to_str().unwrap()),
        Some("Bearer error=\"invalid_token\""),
        "{case}"
    );
    assert_eq!(
        professional_count(server).await,
        before,
        "{case}: a refused token must not create anyone"
    );
}

fn encode_part(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).unwrap())
}

async fn a_valid_token_works_and_creates_the_professional(database: TestDatabase) {
    let server = TestServer::start(database).await;
    assert_eq!(professional_count(&server).await, 0);
    let response = server
        .graphql(
            &server.token_a("anna", &["team_lead", "some-other-app"]),
            ME,
            json!({}),
        )
        .await;
    assert_eq!(response.status, 200, "{response:?}");
    assert_eq!(
        response.body["data"]["me"],
        json!({
            "kind": "PROFESSIONAL",
            "professional": { "name": "Test anna", "roles": ["TEAM_LEAD"] },
            "organisation": { "slug": "organisation-a" },
            "roles": ["TEAM_LEAD"],
        })
    );
    assert_eq!(professional_count(&server).await, 1);
    // The same person again is the same professional.
    server
        .graphql(&server.token_a("anna", &[]), ME, json!({}))
        .await;
    assert_eq!(professional_count(&server).await, 1);
    // ES256 and RS256 providers work as well as EdDSA ones.
    let response = server
        .graphql(&server.token_b("bram", &["coach"]), ME, json!({}))
        .await;
    assert_eq!(response.body["data"]["me"]["roles"], json!(["COACH"]));
    let response = server
        .graphql(&server.platform_token(), "{ me { kind } }", json!({}))
        .await;
    assert_eq!(response.body["data"]["me"]["kind"], "PLATFORM_ADMIN");
}

async fn missing_and_garbled_tokens_are_refused(database: TestDatabase) {
    let server = TestServer::start(database).await;
    let response = server.post(None, &json!({ "query": ME })).await;
    assert_eq!(
        (response.status, response.error_code()),
        (401, Some("UNAUTHENTICATED"))
    );
    assert_refused(&server, "not-a-token", "garbage").await;
    assert_refused(&server, "a.b.c", "three garbage parts").await;
}

async fn alg_none_is_refused(database: TestDatabase) {
    let server = TestServer::start(database).await;
    let header = encode_part(&json!({ "alg": "none", "typ": "JWT" }));
    let token = format!("{header}.{}.", encode_part(&claims(ISSUER_A, "mallory")));
    assert_refused(&server, &token, "alg none").await;
}

async fn hmac_signed_with_the_public_key_is_refused(database: TestDatabase) {
    let server = TestServer::start(database).await;
    // The classic confusion attack: HS256 keyed with the provider's public key.
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(TestKey::EdDsa.kid());
    for secret in [TestKey::EdDsa.public_pem(), TestKey::EdDsa.jwks()] {
        let token = jsonwebtoken::encode(
            &header,
            &claims(ISSUER_A, "mallory"),
            &EncodingKey::from_secret(secret.as_bytes()).expect("a non-empty HMAC secret"),
        )
        .unwrap();
        assert_refused(&server, &token, "HS256 with the public key").await;
    }
}

async fn wrong_audience_and_issuer_are_refused(database: TestDatabase) {
    let server = TestServer::start(database).await;
    let mut wrong_audience = claims(ISSUER_A, "mallory");
    wrong_audience["aud"] = json!("another-application");
    assert_refused(&server, &TestKey::EdDsa.sign(&wrong_audience), "wrong aud").await;

    let wrong_issuer = claims("https://login.unknown.test", "mallory");
    assert_refused(&server, &TestKey::EdDsa.sign(&wrong_issuer), "unknown iss").await;

    // Signed with A's key but naming B's issuer: B's keys do not verify it.
    assert_refused(
        &server,
        &TestKey::EdDsa.sign(&claims(ISSUER_B, "mallory")),
        "another provider's iss",
    )
    .await;
}

async fn expired_and_not_yet_valid_tokens_are_refused(database: TestDatabase) {
    let server = TestServer::start(database).await;
    let mut expired = claims(ISSUER_A, "mallory");
    expired["iat"] = json!(now() - 7200);
    expired["exp"] = json!(now() - 3600);
    assert_refused(&server, &TestKey::EdDsa.sign(&expired), "expired").await;

    let mut early = claims(ISSUER_A, "mallory");
    early["nbf"] = json!(now() + 3600);
    assert_refused(&server, &TestKey::EdDsa.sign(&early), "nbf in the future").await;

    let mut too_long = claims(ISSUER_A, "mallory");
    too_long["exp"] = json!(now() + 30 * 24 * 3600);
    assert_refused(
        &server,
        &TestKey::EdDsa.sign(&too_long),
        "lifetime over the maximum",
    )
    .await;

    let mut no_expiry = claims(ISSUER_A, "mallory");
    no_expiry.as_object_mut().unwrap().remove("exp");
    assert_refused(&server, &TestKey::EdDsa.sign(&no_expiry), "no exp").await;

    let mut no_subject = claims(ISSUER_A, "mallory");
    no_subject.as_object_mut().unwrap().remove("sub");
    assert_refused(&server, &TestKey::EdDsa.sign(&no_subject), "no sub").await;
}

async fn exp_as_a_string_is_refused(database: TestDatabase) {
    let server = TestServer::start(database).await;
    let mut token_claims = claims(ISSUER_A, "mallory");
    token_claims["exp"] = json!((now() + 600).to_string());
    assert_refused(
        &server,
        &TestKey::EdDsa.sign(&token_claims),
        "exp as a string",
    )
    .await;
}

async fn unknown_kid_is_refused(database: TestDatabase) {
    let server = TestServer::start(database).await;
    let mut header = Header::new(Algorithm::EdDSA);
    header.kid = Some("not-registered".into());
    let token = jsonwebtoken::encode(
        &header,
        &claims(ISSUER_A, "mallory"),
        &TestKey::EdDsa.encoding_key(),
    )
    .unwrap();
    assert_refused(&server, &token, "unknown kid").await;
    // A key that is not the provider's, under the provider's kid.
    let mut header = Header::new(Algorithm::EdDSA);
    header.kid = Some(TestKey::EdDsa.kid());
    let token = jsonwebtoken::encode(
        &header,
        &claims(ISSUER_A, "mallory"),
        &TestKey::EdDsaRotated.encoding_key(),
    )
    .unwrap();
    assert_refused(&server, &token, "foreign key").await;
}

async fn a_tampered_payload_is_refused(database: TestDatabase) {
    let server = TestServer::start(database).await;
    let token = server.token_a("anna", &["professional"]);
    let parts: Vec<&str> = token.split('.').collect();
    let mut payload: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    payload["roles"] = json!(["org_admin"]);
    let tampered = format!("{}.{}.{}", parts[0], encode_part(&payload), parts[2]);
    assert_refused(&server, &tampered, "tampered payload").await;
}

async fn claims_beyond_the_providers_organisation_are_refused(database: TestDatabase) {
    let server = TestServer::start(database).await;
    let mut other_organisation = claims(ISSUER_A, "mallory");
    other_organisation["organisation"] = json!("organisation-b");
    assert_refused(
        &server,
        &TestKey::EdDsa.sign(&other_organisation),
        "claims organisation B",
    )
    .await;
    // Organisation A may not grant `coach`.
    assert_refused(
        &server,
        &server.token_a("mallory", &["professional", "coach"]),
        "role A may not grant",
    )
    .await;
    // Naming its own organisation is fine.
    let mut own = claims(ISSUER_A, "anna");
    own["organisation"] = json!("organisation-a");
    let response = server
        .graphql(&TestKey::EdDsa.sign(&own), ME, json!({}))
        .await;
    assert_eq!(
        response.body["data"]["me"]["organisation"]["slug"], "organisation-a",
        "{response:?}"
    );
}

async fn critical_header_parameters_are_refused(database: TestDatabase) {
    let server = TestServer::start(database).await;
    // The server understands no extension, so whatever a token marks as critical is refused,
    // even a registered claim name and even when the signature is good.
    let mut header = Header::new(Algorithm::EdDSA);
    header.kid = Some(TestKey::EdDsa.kid());
    header.crit = Some(vec!["exp".into()]);
    let token = jsonwebtoken::encode(
        &header,
        &claims(ISSUER_A, "mallory"),
        &TestKey::EdDsa.encoding_key(),
    )
    .unwrap();
    assert_refused(&server, &token, "crit exp").await;

    let mut header = Header::new(Algorithm::EdDSA);
    header.kid = Some(TestKey::EdDsa.kid());
    header.crit = Some(vec!["b64".into()]);
    header.extras.insert("b64", false);
    let token = jsonwebtoken::encode(
        &header,
        &claims(ISSUER_A, "mallory"),
        &TestKey::EdDsa.encoding_key(),
    )
    .unwrap();
    assert_refused(&server, &token, "crit b64").await;

    // The same token without `crit` is fine.
    let mut header = Header::new(Algorithm::EdDSA);
    header.kid = Some(TestKey::EdDsa.kid());
    let token = jsonwebtoken::encode(
        &header,
        &claims(ISSUER_A, "anna"),
        &TestKey::EdDsa.encoding_key(),
    )
    .unwrap();
    let response = server.graphql(&token, ME, json!({})).await;
    assert_eq!(response.status, 200, "{response:?}");
}

async fn a_name_or_email_claim_that_cannot_be_stored_is_left_out(database: TestDatabase) {
    let server = TestServer::start(database).await;
    let mut token_claims = claims(ISSUER_A, "anna");
    token_claims["name"] = json!("Anna\u{0}");
    token_claims["email"] = json!("anna\u{0}@example.org");
    let response = server
        .graphql(&TestKey::EdDsa.sign(&token_claims), ME, json!({}))
        .await;
    assert_eq!(response.status, 200, "{response:?}");
    assert_eq!(
        response.body["data"]["me"]["professional"]["name"], "anna",
        "{response:?}"
    );
    assert_eq!(professional_count(&server).await, 1);
}

/// A verified token is served from memory on its next requests, but never past its expiry:
/// then it is refused as a fresh one would be.
async fn a_remembered_token_is_refused_once_it_expires(database: TestDatabase) {
    let server = TestServer::start_with(database, |settings| {
        settings.auth.leeway_seconds = 0;
    })
    .await;
    let mut short = claims(ISSUER_A, "brief");
    short["exp"] = json!(now() + 2);
    let token = TestKey::EdDsa.sign(&short);
    for _ in 0..2 {
        let response = server.post(Some(&token), &json!({ "query": ME })).await;
        assert_eq!(response.status, 200, "{response:?}");
    }
    tokio::time::sleep(std::time::Duration::from_millis(3100)).await;
    assert_refused(&server, &token, "expired since it was verified").await;
}

on_both_databases!(
    a_remembered_token_is_refused_once_it_expires,
    a_valid_token_works_and_creates_the_professional,
    missing_and_garbled_tokens_are_refused,
    alg_none_is_refused,
    hmac_signed_with_the_public_key_is_refused,
    wrong_audience_and_issuer_are_refused,
    expired_and_not_yet_valid_tokens_are_refused,
    exp_as_a_string_is_refused,
    unknown_kid_is_refused,
    a_tampered_payload_is_refused,
    claims_beyond_the_providers_organisation_are_refused,
    critical_header_parameters_are_refused,
    a_name_or_email_claim_that_cannot_be_stored_is_left_out,
);
