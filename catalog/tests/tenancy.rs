//! Tenant scoping: collection `a` cannot see or touch collection `b`'s records.
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "backend scenarios are test code, called from the #[tokio::test] fns each_backend! generates"
)]

mod common;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use common::{TestDb, catalog_with, new_run};
use wharf_catalog::{CancelOutcome, NewDelivery, RunFilter, Upload};

each_backend!(collections_are_isolated);

async fn collections_are_isolated(db: TestDb) {
    let catalog = catalog_with(&db, &["a", "b"]).await;

    // b's records.
    let (b_token, _) = catalog.create_token("b", "ci", true).await.unwrap();
    let b_run = catalog.enqueue_run(new_run("b")).await.unwrap();
    catalog
        .put_task("b", "fix-bug", "steps: []", None)
        .await
        .unwrap();
    let secrets = BTreeMap::from([("API_KEY".to_owned(), Some("b-secret".to_owned()))]);
    catalog.patch_secrets("b", &secrets).await.unwrap();
    let upload = Upload {
        id: "up-1".to_owned(),
        collection: "b".to_owned(),
        name: "repo.tar".to_owned(),
        bytes: 10,
        sha256: "00".repeat(32),
        object_key: "uploads/b/up-1".to_owned(),
        created_at: DateTime::from_timestamp_millis(Utc::now().timestamp_millis()).unwrap(),
    };
    catalog.put_upload(&upload).await.unwrap();
    catalog
        .enqueue_delivery(NewDelivery {
            run_id: b_run.run_id.clone(),
            collection: "b".to_owned(),
            url: "http://127.0.0.1:9/hook".to_owned(),
            event: "run.finished".to_owned(),
            body: "{}".to_owned(),
        })
        .await
        .unwrap();

    // a sees none of it.
    assert!(catalog.tokens("a").await.unwrap().is_empty());
    assert!(!catalog.revoke_token("a", &b_token.id).await.unwrap());
    assert_eq!(
        catalog.tokens("b").await.unwrap().len(),
        1,
        "b's token survived"
    );

    assert_eq!(catalog.run("a", &b_run.run_id).await.unwrap(), None);
    assert!(
        catalog
            .runs("a", &RunFilter::default())
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert_eq!(
        catalog.request_cancel("a", &b_run.run_id).await.unwrap(),
        CancelOutcome::NotFound
    );
    assert_eq!(
        catalog
            .run("b", &b_run.run_id)
            .await
            .unwrap()
            .unwrap()
            .status,
        wharf_model::QueueStatus::Queued
    );

    assert_eq!(catalog.task("a", "fix-bug", None).await.unwrap(), None);
    assert!(catalog.tasks("a").await.unwrap().is_empty());

    assert!(catalog.secret_infos("a").await.unwrap().is_empty());
    assert!(catalog.secret_values("a").await.unwrap().is_empty());

    assert_eq!(catalog.upload("a", "up-1").await.unwrap(), None);
    assert_eq!(catalog.upload("b", "up-1").await.unwrap(), Some(upload));

    assert!(
        catalog
            .deliveries("a", &b_run.run_id)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        catalog.deliveries("b", &b_run.run_id).await.unwrap().len(),
        1
    );

    // a cannot attach a delivery to b's run either.
    let err = catalog
        .enqueue_delivery(NewDelivery {
            run_id: b_run.run_id.clone(),
            collection: "a".to_owned(),
            url: "http://127.0.0.1:9/hook".to_owned(),
            event: "run.finished".to_owned(),
            body: "{}".to_owned(),
        })
        .await
        .unwrap_err();
    assert!(err.kind().is_caller_error(), "{err}");
}
