//! `maatwerk demo` loads all of its data or none of it: a load that fails midway leaves an
//! empty database, with nothing in the access log, which a second load fills.

use maatwerk_tests::{TestDatabase, on_both_databases};
use persistence::organisations::OrganisationFilter;

async fn a_demo_load_that_fails_midway_leaves_nothing_behind(database: TestDatabase) {
    let store = database.store().await;
    // The directory entries are written last: take their table away and the load fails
    // after everything else went in.
    store
        .execute_unprepared("ALTER TABLE directory_entries RENAME TO directory_entries_elsewhere")
        .await
        .unwrap();
    let failed = api::demo::populate(&store).await;
    assert!(failed.is_err(), "the load went through without its table");
    store
        .execute_unprepared("ALTER TABLE directory_entries_elsewhere RENAME TO directory_entries")
        .await
        .unwrap();
    assert_eq!(
        store
            .count_organisations(&OrganisationFilter::default())
            .await
            .unwrap(),
        0
    );
    assert_eq!(store.municipalities().await.unwrap(), vec![]);
    assert_eq!(store.access_log_length().await.unwrap(), 0);

    let showcase = api::demo::populate(&store)
        .await
        .expect("the demo loads into the database the failed load left empty");
    assert!(
        store
            .count_organisations(&OrganisationFilter::default())
            .await
            .unwrap()
            > 0
    );
    assert!(store.access_log_length().await.unwrap() > 0);
    assert!(showcase.organisations > 1, "{}", showcase.reference);
}

on_both_databases!(a_demo_load_that_fails_midway_leaves_nothing_behind);
