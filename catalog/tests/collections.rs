//! Collections: creation, lookup and name validation.
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "backend scenarios are test code, called from the #[tokio::test] fns each_backend! generates"
)]

mod common;

use common::TestDb;
use wharf_catalog::CatalogError;

each_backend!(create_list_and_conflict);

async fn create_list_and_conflict(db: TestDb) {
    let catalog = db.open().await;
    let created = catalog.create_collection("beta").await.unwrap();
    catalog.create_collection("alpha-1").await.unwrap();
    assert_eq!(catalog.collection("beta").await.unwrap(), Some(created));
    assert_eq!(catalog.collection("gamma").await.unwrap(), None);
    let names: Vec<_> = catalog
        .collections()
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.name)
        .collect();
    assert_eq!(names, ["alpha-1", "beta"]);

    let err = catalog.create_collection("beta").await.unwrap_err();
    assert!(matches!(err, CatalogError::Conflict { .. }), "{err}");
    assert!(
        err.to_string().contains("beta") && err.kind().is_caller_error(),
        "{err}"
    );

    for bad in ["", "Upper", "-x", "a b", "a/b"] {
        let err = catalog.create_collection(bad).await.unwrap_err();
        assert!(matches!(err, CatalogError::Invalid { .. }), "{bad}: {err}");
    }
}
