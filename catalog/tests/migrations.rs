//! Opening catalogs: migrations are idempotent, files are private, URLs are checked.
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "backend scenarios are test code, called from the #[tokio::test] fns each_backend! generates"
)]

mod common;

use std::os::unix::fs::PermissionsExt;

use common::{TestDb, catalog_with, test_key};
use sqlx::Row;
use wharf_catalog::{Catalog, CatalogError, SecretKey};

each_backend!(reopen_applies_nothing_twice, concurrent_opens_migrate_once);

async fn migration_versions(db: &TestDb) -> Vec<i64> {
    let raw = db.raw().await;
    let rows = sqlx::query("SELECT version FROM catalog_migrations ORDER BY version")
        .fetch_all(&raw)
        .await
        .unwrap();
    raw.close().await;
    rows.iter().map(|r| r.get::<i64, _>("version")).collect()
}

async fn reopen_applies_nothing_twice(db: TestDb) {
    let catalog = catalog_with(&db, &["acme"]).await;
    assert_eq!(catalog.backend(), db.backend);
    let versions = migration_versions(&db).await;
    assert_eq!(versions, [1]);
    catalog.close().await;

    for _ in 0..3 {
        let again = db.open().await;
        assert_eq!(
            again.collections().await.unwrap().len(),
            1,
            "data survives reopening"
        );
        again.close().await;
    }
    assert_eq!(migration_versions(&db).await, versions);
}

async fn concurrent_opens_migrate_once(db: TestDb) {
    let opens: Vec<_> = (0..4)
        .map(|_| {
            let url = db.url.clone();
            tokio::spawn(async move { Catalog::open(&url, test_key()).await })
        })
        .collect();
    for open in opens {
        open.await.unwrap().unwrap();
    }
    assert_eq!(migration_versions(&db).await, [1]);
}

#[tokio::test]
async fn sqlite_file_is_private_and_in_wal_mode() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub dir#%.db");
    for url in [
        format!("sqlite:{}", path.display()),
        format!("sqlite://{}", path.display()),
    ] {
        let catalog = Catalog::open(&url, test_key()).await.unwrap();
        catalog.create_collection("acme").await.ok();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{url}");
        catalog.close().await;
    }
    let raw = sqlx::SqlitePool::connect(&format!(
        "sqlite://{}",
        dir.path().join("sub%20dir%23%25.db").display()
    ))
    .await
    .unwrap();
    let mode: String = sqlx::query("PRAGMA journal_mode")
        .fetch_one(&raw)
        .await
        .unwrap()
        .get(0);
    assert_eq!(mode, "wal");
}

#[tokio::test]
async fn unsupported_urls_are_named_and_redacted() {
    for url in [
        "mysql://root:hunter2@db/wharf",
        "catalog.db",
        "sqlite:",
        "http://x",
    ] {
        let err = Catalog::open(url, test_key()).await.unwrap_err();
        assert!(matches!(err, CatalogError::Url(_)), "{url}: {err}");
        let text = err.to_string();
        assert!(!text.contains("hunter2"), "{text}");
    }
    let err = Catalog::open("mysql://root:hunter2@db/wharf", test_key())
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("mysql://root:***@db/wharf"),
        "{err}"
    );
}

#[tokio::test]
async fn missing_directory_is_an_io_error_naming_the_path() {
    let err = Catalog::open("sqlite:/nonexistent-dir-for-wharf/x.db", test_key())
        .await
        .unwrap_err();
    assert!(matches!(err, CatalogError::Io { .. }), "{err}");
    assert!(
        err.to_string().contains("/nonexistent-dir-for-wharf/x.db"),
        "{err}"
    );
}

#[test]
fn key_file_is_created_private_and_reloaded() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("catalog.key");
    let key = SecretKey::load_or_create(&path).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text, format!("{}\n", key.to_base64()));
    assert_eq!(
        std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let again = SecretKey::load_or_create(&path).unwrap();
    assert_eq!(again.to_base64(), key.to_base64());
    assert_eq!(format!("{key:?}"), "SecretKey(..)");

    std::fs::write(&path, "c2hvcnQ=\n").unwrap();
    let err = SecretKey::load_or_create(&path).unwrap_err();
    assert!(
        err.to_string().contains("catalog.key") && err.to_string().contains("32"),
        "{err}"
    );
    assert!(SecretKey::from_base64("not base64!").is_err());
}
