//! Tasks: versioning, content deduplication, name validation.
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "backend scenarios are test code, called from the #[tokio::test] fns each_backend! generates"
)]

mod common;

use common::{TestDb, catalog_with};
use wharf_catalog::CatalogError;

each_backend!(
    versions_increase_and_identical_puts_are_noops,
    bad_task_input,
    concurrent_puts_get_distinct_versions
);

async fn versions_increase_and_identical_puts_are_noops(db: TestDb) {
    let catalog = catalog_with(&db, &["acme"]).await;
    let v1 = catalog
        .put_task("acme", "fix-bug", "steps: [a]", Some("fixes"))
        .await
        .unwrap();
    assert_eq!(v1.version, 1);
    assert_eq!(v1.sha256.len(), 64);
    let same = catalog
        .put_task("acme", "fix-bug", "steps: [a]", Some("fixes"))
        .await
        .unwrap();
    assert_eq!(same, v1);
    let v2 = catalog
        .put_task("acme", "fix-bug", "steps: [b]", Some("fixes"))
        .await
        .unwrap();
    assert_eq!(v2.version, 2);
    let v3 = catalog
        .put_task("acme", "fix-bug", "steps: [b]", None)
        .await
        .unwrap();
    assert_eq!(v3.version, 3, "a changed description is a new version");
    catalog
        .put_task("acme", "a.other_task-2", "x: 1", None)
        .await
        .unwrap();

    let latest = catalog
        .task("acme", "fix-bug", None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(latest.info, v3);
    assert_eq!(latest.runbook, "steps: [b]");
    let first = catalog
        .task("acme", "fix-bug", Some(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(first.runbook, "steps: [a]");
    assert_eq!(first.info.description.as_deref(), Some("fixes"));
    assert_eq!(
        catalog.task("acme", "fix-bug", Some(9)).await.unwrap(),
        None
    );

    let listed: Vec<_> = catalog
        .tasks("acme")
        .await
        .unwrap()
        .into_iter()
        .map(|t| (t.name, t.version))
        .collect();
    assert_eq!(
        listed,
        [("a.other_task-2".to_owned(), 1), ("fix-bug".to_owned(), 3)]
    );
}

async fn bad_task_input(db: TestDb) {
    let catalog = catalog_with(&db, &["acme"]).await;
    let too_long = "a".repeat(101);
    for name in ["", "Fix", "-lead", "has space", "x/y", too_long.as_str()] {
        let err = catalog
            .put_task("acme", name, "x: 1", None)
            .await
            .unwrap_err();
        assert!(
            matches!(&err, CatalogError::Invalid { field, .. } if field == "task"),
            "{name}: {err}"
        );
    }
    catalog
        .put_task("acme", &"a".repeat(100), "x: 1", None)
        .await
        .unwrap();
    let err = catalog
        .put_task("acme", "ok", "  ", None)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("runbook"), "{err}");
    let err = catalog
        .put_task("ghost", "ok", "x: 1", None)
        .await
        .unwrap_err();
    assert!(matches!(err, CatalogError::NotFound { .. }), "{err}");
}

async fn concurrent_puts_get_distinct_versions(db: TestDb) {
    let catalog = catalog_with(&db, &["acme"]).await;
    let puts: Vec<_> = (0..5)
        .map(|i| {
            let catalog = catalog.clone();
            tokio::spawn(async move {
                catalog
                    .put_task("acme", "race", &format!("v: {i}"), None)
                    .await
                    .unwrap()
                    .version
            })
        })
        .collect();
    let mut versions = Vec::new();
    for p in puts {
        versions.push(p.await.unwrap());
    }
    versions.sort_unstable();
    assert_eq!(versions, [1, 2, 3, 4, 5]);
}
