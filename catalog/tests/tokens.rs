//! API tokens: creation, authentication, revocation, and hash-only storage.
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "backend scenarios are test code, called from the #[tokio::test] fns each_backend! generates"
)]

mod common;

use common::{TestDb, catalog_with};
use sqlx::Row;
use wharf_catalog::CatalogError;

each_backend!(
    token_authenticates_until_revoked,
    malformed_and_unknown_tokens_are_none,
    only_the_hash_is_stored,
    token_for_missing_collection_is_not_found,
);

async fn token_authenticates_until_revoked(db: TestDb) {
    let catalog = catalog_with(&db, &["acme"]).await;
    let (info, token) = catalog.create_token("acme", "ci", true).await.unwrap();
    assert!(token.starts_with("wharf_") && token.len() == 46, "{token}");
    assert_eq!(info.prefix, &token[..10]);
    assert!(info.admin);
    assert_eq!(info.last_used_at, None);

    let principal = catalog.authenticate(&token).await.unwrap().unwrap();
    assert_eq!(principal.collection, "acme");
    assert_eq!(principal.token_id, info.id);
    assert!(principal.admin);

    let listed = catalog.tokens("acme").await.unwrap();
    assert_eq!(listed.len(), 1);
    assert!(
        listed[0].last_used_at.is_some(),
        "authentication records last use"
    );

    let (reader, reader_token) = catalog.create_token("acme", "reader", false).await.unwrap();
    assert!(
        !catalog
            .authenticate(&reader_token)
            .await
            .unwrap()
            .unwrap()
            .admin
    );

    assert!(catalog.revoke_token("acme", &info.id).await.unwrap());
    assert!(
        !catalog.revoke_token("acme", &info.id).await.unwrap(),
        "already revoked"
    );
    assert_eq!(catalog.authenticate(&token).await.unwrap(), None);
    let remaining: Vec<_> = catalog
        .tokens("acme")
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.id)
        .collect();
    assert_eq!(remaining, vec![reader.id]);
}

async fn malformed_and_unknown_tokens_are_none(db: TestDb) {
    let catalog = catalog_with(&db, &["acme"]).await;
    let (_, token) = catalog.create_token("acme", "ci", false).await.unwrap();
    let unknown = format!("wharf_{}", "0".repeat(40));
    for bad in [
        "",
        "wharf_",
        "Bearer x",
        &unknown,
        &token[..45],
        &token.to_uppercase(),
    ] {
        assert_eq!(catalog.authenticate(bad).await.unwrap(), None, "{bad:?}");
    }
}

async fn only_the_hash_is_stored(db: TestDb) {
    let catalog = catalog_with(&db, &["acme"]).await;
    let (_, token) = catalog.create_token("acme", "ci", true).await.unwrap();
    catalog.authenticate(&token).await.unwrap();
    let secret_part = &token[10..];

    // Every text rendering of every column of every table.
    let raw = db.raw().await;
    let tables_sql = match db.backend {
        "sqlite" => "SELECT name FROM sqlite_master WHERE type = 'table'",
        _ => {
            "SELECT CAST(table_name AS TEXT) AS name FROM information_schema.tables WHERE table_schema = 'public'"
        }
    };
    let tables: Vec<String> = sqlx::query(tables_sql)
        .fetch_all(&raw)
        .await
        .unwrap()
        .iter()
        .map(|r| r.get("name"))
        .collect();
    assert!(tables.contains(&"api_tokens".to_owned()), "{tables:?}");
    let mut saw_hash = false;
    for table in &tables {
        let columns_sql = match db.backend {
            "sqlite" => format!("SELECT name FROM pragma_table_info('{table}')"),
            _ => format!(
                "SELECT CAST(column_name AS TEXT) AS name FROM information_schema.columns WHERE table_name = '{table}'"
            ),
        };
        let columns: Vec<String> = sqlx::query(&columns_sql)
            .fetch_all(&raw)
            .await
            .unwrap()
            .iter()
            .map(|r| r.get("name"))
            .collect();
        for column in columns {
            let values = sqlx::query(&format!("SELECT CAST({column} AS TEXT) AS v FROM {table}"))
                .fetch_all(&raw)
                .await
                .unwrap();
            for row in values {
                let v: Option<String> = row.get("v");
                let v = v.unwrap_or_default();
                assert!(!v.contains(secret_part), "{table}.{column} holds the token");
                saw_hash |= v.len() == 64 && column == "token_sha256";
            }
        }
    }
    assert!(saw_hash, "the scan did see the stored hash");
    raw.close().await;

    // And not in the SQLite files' bytes either.
    if let Some(path) = &db.path {
        catalog.close().await;
        for suffix in ["", "-wal", "-shm"] {
            let file = std::path::PathBuf::from(format!("{}{suffix}", path.display()));
            if let Ok(bytes) = std::fs::read(&file) {
                assert!(
                    !bytes
                        .windows(secret_part.len())
                        .any(|w| w == secret_part.as_bytes()),
                    "{} holds the token",
                    file.display()
                );
            }
        }
    }
}

async fn token_for_missing_collection_is_not_found(db: TestDb) {
    let catalog = catalog_with(&db, &["acme"]).await;
    let err = catalog.create_token("nope", "ci", false).await.unwrap_err();
    assert!(matches!(err, CatalogError::NotFound { .. }), "{err}");
    assert!(err.to_string().contains("nope"));
    let err = catalog.create_token("acme", "", false).await.unwrap_err();
    assert!(matches!(err, CatalogError::Invalid { .. }), "{err}");
}
