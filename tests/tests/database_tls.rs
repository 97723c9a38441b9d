//! TLS to PostgreSQL, since a municipality's database rarely sits on the server's host: with
//! `sslmode=verify-full` the store connects only to a server whose certificate chains to the
//! given root and names the host it was asked for, and the connection is encrypted.
//!
//! The server under test is the one `TEST_DATABASE_URL` names, with its certificate for
//! `localhost` (Debian's default, `/etc/ssl/certs/ssl-cert-snakeoil.pem`; another with
//! `TEST_DATABASE_ROOT_CERT`).

use maatwerk_tests::TestDatabase;
use persistence::Store;

/// `url` with its host replaced by `host` and the TLS parameters added.
fn with_tls(url: &str, host: &str, root: &str) -> String {
    let (scheme, rest) = url.split_once("://").expect("a URL");
    let (authority, path) = rest.split_once('/').expect("a database in the URL");
    let (user, _) = authority.rsplit_once('@').expect("a user in the URL");
    let port = authority.rsplit_once(':').map_or("5432", |(_, port)| port);
    format!("{scheme}://{user}@{host}:{port}/{path}?sslmode=verify-full&sslrootcert={root}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_connections_verify_the_servers_certificate_and_are_encrypted() {
    let Some(database) = TestDatabase::postgres().await else {
        return;
    };
    let root = std::env::var("TEST_DATABASE_ROOT_CERT")
        .unwrap_or_else(|_| "/etc/ssl/certs/ssl-cert-snakeoil.pem".into());

    let store = Store::connect(&with_tls(&database.url, "localhost", &root))
        .await
        .expect("a verified TLS connection to the server's certificate name");
    store.migrate().await.expect("migrations run over TLS");
    store
        .execute_unprepared(
            "DO $$ BEGIN \
               IF NOT (SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()) THEN \
                 RAISE EXCEPTION 'the connection is not encrypted'; \
               END IF; \
             END $$",
        )
        .await
        .expect("the connection is encrypted");
    store.close().await.ok();

    // Another name than the certificate's, or a root it does not chain to, is refused.
    for (host, root) in [
        ("127.0.0.1", root.as_str()),
        ("localhost", "/etc/ssl/certs/ca-certificates.crt"),
    ] {
        assert!(
            Store::connect(&with_tls(&database.url, host, root))
                .await
                .is_err(),
            "connected to {host} with {root}"
        );
    }
}
