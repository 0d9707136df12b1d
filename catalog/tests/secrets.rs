//! Secrets: encryption at rest, binding to their name and collection, atomic patches.
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "backend scenarios are test code, called from the #[tokio::test] fns each_backend! generates"
)]

mod common;

use std::collections::BTreeMap;

use common::{TestDb, catalog_with};
use sqlx::Row;
use wharf_catalog::{CatalogError, SecretKey};

each_backend!(
    set_read_update_delete,
    wrong_key_fails_with_decrypt,
    swapped_ciphertexts_do_not_open,
    invalid_entry_applies_nothing,
    check_reports_missing,
);

fn patch(entries: &[(&str, Option<&str>)]) -> BTreeMap<String, Option<String>> {
    entries
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.map(str::to_owned)))
        .collect()
}

async fn set_read_update_delete(db: TestDb) {
    const PLAINTEXT: &str = "correct-horse-battery-staple";
    let catalog = catalog_with(&db, &["acme"]).await;
    let infos = catalog
        .patch_secrets(
            "acme",
            &patch(&[("API_KEY", Some("k1")), ("_OTHER", Some("o"))]),
        )
        .await
        .unwrap();
    let names: Vec<_> = infos.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(names, ["API_KEY", "_OTHER"]);
    let created = infos[0].created_at;

    catalog
        .patch_secrets(
            "acme",
            &patch(&[
                ("API_KEY", Some(PLAINTEXT)),
                ("_OTHER", None),
                ("GONE", None),
            ]),
        )
        .await
        .unwrap();
    let values = catalog.secret_values("acme").await.unwrap();
    assert_eq!(
        values,
        BTreeMap::from([("API_KEY".to_owned(), PLAINTEXT.to_owned())])
    );
    let infos = catalog.secret_infos("acme").await.unwrap();
    assert_eq!(infos.len(), 1);
    assert_eq!(infos[0].created_at, created, "an update keeps created_at");
    assert!(infos[0].updated_at >= created);

    // The value is not stored in the clear.
    let raw = db.raw().await;
    let sealed: String = sqlx::query("SELECT sealed FROM secrets")
        .fetch_one(&raw)
        .await
        .unwrap()
        .get("sealed");
    assert!(
        !sealed.contains(PLAINTEXT) && sealed.starts_with("v1:"),
        "{sealed}"
    );
}

async fn wrong_key_fails_with_decrypt(db: TestDb) {
    let catalog = catalog_with(&db, &["acme"]).await;
    catalog
        .patch_secrets("acme", &patch(&[("API_KEY", Some("value"))]))
        .await
        .unwrap();
    catalog.close().await;
    let other = db.open_with(SecretKey::generate()).await;
    let err = other.secret_values("acme").await.unwrap_err();
    assert!(
        matches!(&err, CatalogError::Decrypt { name } if name == "API_KEY"),
        "{err}"
    );
    assert!(!err.kind().is_caller_error());
    // Names remain listable without the key.
    assert_eq!(other.secret_infos("acme").await.unwrap().len(), 1);
}

async fn swapped_ciphertexts_do_not_open(db: TestDb) {
    let catalog = catalog_with(&db, &["acme", "evil"]).await;
    catalog
        .patch_secrets("acme", &patch(&[("A", Some("alpha")), ("B", Some("beta"))]))
        .await
        .unwrap();
    catalog
        .patch_secrets("evil", &patch(&[("A", Some("mine"))]))
        .await
        .unwrap();
    let raw = db.raw().await;
    let get = |collection: &'static str, name: &'static str| {
        let raw = raw.clone();
        async move {
            sqlx::query("SELECT sealed FROM secrets WHERE collection = $1 AND name = $2")
                .bind(collection)
                .bind(name)
                .fetch_one(&raw)
                .await
                .unwrap()
                .get::<String, _>("sealed")
        }
    };
    let set = |collection: &'static str, name: &'static str, sealed: String| {
        let raw = raw.clone();
        async move {
            sqlx::query("UPDATE secrets SET sealed = $1 WHERE collection = $2 AND name = $3")
                .bind(sealed)
                .bind(collection)
                .bind(name)
                .execute(&raw)
                .await
                .unwrap();
        }
    };
    let (a, b) = (get("acme", "A").await, get("acme", "B").await);

    // Swap A and B within the collection.
    set("acme", "A", b.clone()).await;
    set("acme", "B", a.clone()).await;
    let err = catalog.secret_values("acme").await.unwrap_err();
    assert!(matches!(err, CatalogError::Decrypt { .. }), "{err}");
    set("acme", "A", a.clone()).await;
    set("acme", "B", b).await;
    assert_eq!(catalog.secret_values("acme").await.unwrap()["A"], "alpha");

    // Move acme's A into another collection under the same name.
    set("evil", "A", a).await;
    let err = catalog.secret_values("evil").await.unwrap_err();
    assert!(
        matches!(&err, CatalogError::Decrypt { name } if name == "A"),
        "{err}"
    );
}

async fn invalid_entry_applies_nothing(db: TestDb) {
    let catalog = catalog_with(&db, &["acme"]).await;
    catalog
        .patch_secrets("acme", &patch(&[("KEEP", Some("v"))]))
        .await
        .unwrap();
    let big = "x".repeat(64 * 1024 + 1);
    let cases: [(&str, Option<&str>, &str); 5] = [
        ("1BAD", Some("v"), "1BAD"),
        ("has-dash", Some("v"), "has-dash"),
        ("EMPTY", Some(""), "EMPTY"),
        ("BIG", Some(&big), "BIG"),
        ("", Some("v"), "secret"),
    ];
    for (name, value, mentioned) in cases {
        let changes = patch(&[("NEW", Some("n")), ("KEEP", None), (name, value)]);
        let err = catalog.patch_secrets("acme", &changes).await.unwrap_err();
        assert!(matches!(err, CatalogError::Invalid { .. }), "{err}");
        assert!(err.to_string().contains(mentioned), "{err}");
        let names: Vec<_> = catalog
            .secret_infos("acme")
            .await
            .unwrap()
            .into_iter()
            .map(|i| i.name)
            .collect();
        assert_eq!(names, ["KEEP"], "nothing applied for {name:?}");
    }
    let long_ok = "A".repeat(128);
    catalog
        .patch_secrets("acme", &patch(&[(&long_ok, Some("v"))]))
        .await
        .unwrap();
    let too_long = "A".repeat(129);
    assert!(
        catalog
            .patch_secrets("acme", &patch(&[(&too_long, Some("v"))]))
            .await
            .is_err()
    );
    let err = catalog
        .patch_secrets("nope", &patch(&[("A", Some("v"))]))
        .await
        .unwrap_err();
    assert!(matches!(err, CatalogError::NotFound { .. }), "{err}");
}

async fn check_reports_missing(db: TestDb) {
    let catalog = catalog_with(&db, &["acme"]).await;
    catalog
        .patch_secrets("acme", &patch(&[("A", Some("v"))]))
        .await
        .unwrap();
    let check = catalog
        .check_secrets("acme", &["A".to_owned(), "B".to_owned()])
        .await
        .unwrap();
    assert_eq!(check.configured, ["A"]);
    assert_eq!(check.missing, ["B"]);
    assert!(!check.ready);
    assert!(
        catalog
            .check_secrets("acme", &["A".to_owned()])
            .await
            .unwrap()
            .ready
    );
}
