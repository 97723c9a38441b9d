//! The migrated databases each test's database is copied from, so that a test does not run
//! every migration itself: a SQLite file that each test copies, and a PostgreSQL database
//! that each test clones with `CREATE DATABASE … TEMPLATE`.
//!
//! A template is named after a hash of the migrations' sources. One built by other migrations
//! (an older checkout's, or a migration still being written) is therefore never used, and test
//! runs with the same migrations share one: at most one template per set of migrations is left
//! on the machine. A template is built under a name of its own and renamed when complete, so a
//! test never copies a half-migrated one, and processes that build one at the same time need
//! not wait for each other: the rename publishes one of their copies and the others go.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use persistence::Store;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use sha2::{Digest, Sha256};

/// The migrated SQLite template, built once per process unless an earlier run left it.
pub(crate) fn sqlite() -> &'static Path {
    static TEMPLATE: OnceLock<PathBuf> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        let directory = crate::sqlite_directory();
        let template = directory.join(format!("template-{}.db", fingerprint()));
        if !template.exists() {
            let building = directory.join(format!(
                "template-{}-{}.db",
                fingerprint(),
                uuid::Uuid::new_v4().simple()
            ));
            crate::on_own_runtime(build_sqlite(building.clone()))
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            // Replaces a template another process published meanwhile: that one is as good.
            std::fs::rename(&building, &template).expect("publish the SQLite template");
        }
        template
    })
}

async fn build_sqlite(path: PathBuf) {
    let store = Store::connect(&format!("sqlite://{}?mode=rwc", path.display()))
        .await
        .expect("create the SQLite template");
    store.migrate().await.expect("migrate the SQLite template");
    // Moves every page out of the write-ahead log into the file itself, since a test copies
    // only that file.
    store
        .execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
        .await
        .expect("checkpoint the SQLite template");
    store.close().await.expect("close the SQLite template");
}

/// The name of the migrated PostgreSQL template on the server `admin_url` names, built once
/// per process unless an earlier run left it.
pub(crate) fn postgres(admin_url: &str) -> &'static str {
    static TEMPLATE: OnceLock<String> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        crate::on_own_runtime(build_postgres(admin_url.to_owned()))
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

async fn build_postgres(admin_url: String) -> String {
    let template = format!("maatwerk_template_{}", fingerprint());
    let admin = crate::admin_connection(&admin_url)
        .await
        .expect("TEST_DATABASE_URL must reach a PostgreSQL server");
    if exists(&admin, &template).await {
        admin.close().await.ok();
        return template;
    }

    let uuid = uuid::Uuid::new_v4().simple().to_string();
    let building = format!("{template}_{}", &uuid[..12]);
    admin
        .execute_unprepared(&format!("CREATE DATABASE {building}"))
        .await
        .expect("create the template database");
    let store = Store::connect(&crate::database_url(&admin_url, &building))
        .await
        .expect("connect to the template database");
    store
        .migrate()
        .await
        .expect("migrate the template database");
    // PostgreSQL clones no database that anyone is connected to, so once migrated nobody may
    // connect to the template again: a clone in another test binary would fail.
    store.close().await.expect("close the template database");
    admin
        .execute_unprepared(&format!(
            "ALTER DATABASE {building} WITH ALLOW_CONNECTIONS false"
        ))
        .await
        .expect("close the template database to connections");

    let renamed = admin
        .execute_unprepared(&format!("ALTER DATABASE {building} RENAME TO {template}"))
        .await;
    if let Err(error) = renamed {
        // Another process published the same template first: use theirs.
        admin
            .execute_unprepared(&format!("DROP DATABASE {building}"))
            .await
            .ok();
        assert!(
            exists(&admin, &template).await,
            "publish the template database: {error}"
        );
    }
    admin.close().await.ok();
    template
}

async fn exists(admin: &DatabaseConnection, database: &str) -> bool {
    admin
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT 1 FROM pg_database WHERE datname = $1",
            [database.into()],
        ))
        .await
        .expect("look the template database up")
        .is_some()
}

/// A short hash of every file in `persistence/src/migration`: it changes with the schema that
/// the migrations build.
fn fingerprint() -> &'static str {
    static FINGERPRINT: OnceLock<String> = OnceLock::new();
    FINGERPRINT.get_or_init(|| {
        let directory = Path::new(env!("CARGO_MANIFEST_DIR")).join("../persistence/src/migration");
        let mut files: Vec<PathBuf> = std::fs::read_dir(&directory)
            .unwrap_or_else(|error| panic!("read {}: {error}", directory.display()))
            .map(|entry| entry.expect("a migration file").path())
            .collect();
        files.sort();
        let mut hash = Sha256::new();
        for file in files {
            let source = std::fs::read(&file)
                .unwrap_or_else(|error| panic!("read {}: {error}", file.display()));
            hash.update(file.file_name().unwrap_or_default().as_encoded_bytes());
            hash.update([0]);
            hash.update(&source);
            hash.update([0]);
        }
        hash.finalize()[..8]
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect()
    })
}
