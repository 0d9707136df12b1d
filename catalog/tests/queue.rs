//! The run queue: atomic claims, lifecycle transitions, cancellation, recovery.
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "backend scenarios are test code, called from the #[tokio::test] fns each_backend! generates"
)]

mod common;

use std::collections::HashSet;

use common::{TestDb, catalog_with, new_run};
use wharf_catalog::{CancelOutcome, CatalogError};
use wharf_model::{QueueStatus, RunStatus, RunSummary};

each_backend!(
    concurrent_claimers_never_share_a_run,
    claims_oldest_first_and_finishes,
    cancel_outcomes,
    recover_errors_running_and_keeps_queued,
    enqueue_rejects_bad_input,
);

async fn concurrent_claimers_never_share_a_run(db: TestDb) {
    let catalog = catalog_with(&db, &["acme"]).await;
    let mut enqueued = HashSet::new();
    for _ in 0..40 {
        enqueued.insert(catalog.enqueue_run(new_run("acme")).await.unwrap().run_id);
    }
    // Two processes' worth of catalogs, several workers each.
    let second = db.open().await;
    let mut workers = Vec::new();
    for w in 0..6 {
        let catalog = if w % 2 == 0 {
            catalog.clone()
        } else {
            second.clone()
        };
        workers.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            while let Some(run) = catalog.claim_run(&format!("w{w}")).await.unwrap() {
                assert_eq!(run.status, QueueStatus::Running);
                assert_eq!(run.worker.as_deref(), Some(format!("w{w}").as_str()));
                assert!(run.started_at.is_some());
                mine.push(run.run_id);
            }
            mine
        }));
    }
    let mut claimed = Vec::new();
    for w in workers {
        claimed.extend(w.await.unwrap());
    }
    let unique: HashSet<_> = claimed.iter().cloned().collect();
    assert_eq!(unique.len(), claimed.len(), "a run was claimed twice");
    assert_eq!(unique, enqueued, "every run was claimed");
    assert_eq!(catalog.queue_depth().await.unwrap(), 0);
}

async fn claims_oldest_first_and_finishes(db: TestDb) {
    let catalog = catalog_with(&db, &["acme"]).await;
    assert_eq!(catalog.claim_run("w").await.unwrap(), None);
    let first = catalog.enqueue_run(new_run("acme")).await.unwrap();
    let second = catalog.enqueue_run(new_run("acme")).await.unwrap();
    assert_eq!(catalog.queue_depth().await.unwrap(), 2);
    assert_eq!(first.status, QueueStatus::Queued);
    assert_eq!(first.labels, serde_json::json!({"team": "a"}));

    let claimed = catalog.claim_run("w").await.unwrap().unwrap();
    assert_eq!(claimed.run_id, first.run_id);
    let mut summary: RunSummary = serde_json::from_value(serde_json::json!({
        "run_id": first.run_id, "collection": "acme", "status": "succeeded", "attempts": 2,
        "checks": [{"name": "output:report.md", "passed": true, "explanation": "found"}],
    }))
    .unwrap();
    catalog
        .finish_run(&first.run_id, RunStatus::Succeeded, None, Some(&summary))
        .await
        .unwrap();
    let done = catalog.run("acme", &first.run_id).await.unwrap().unwrap();
    assert_eq!(done.status, QueueStatus::Done(RunStatus::Succeeded));
    assert_eq!(done.summary.as_ref(), Some(&summary));
    // A re-grade's new verdict replaces the stored summary; only finished runs have one.
    summary.passed = Some(false);
    assert!(
        catalog
            .replace_summary("acme", &first.run_id, &summary)
            .await
            .unwrap()
    );
    let regraded = catalog.run("acme", &first.run_id).await.unwrap().unwrap();
    assert_eq!(regraded.summary, Some(summary.clone()));
    assert!(
        !catalog
            .replace_summary("acme", &second.run_id, &summary)
            .await
            .unwrap()
    );
    assert!(done.finished_at.is_some());

    let err = catalog
        .finish_run(&first.run_id, RunStatus::Failed, None, None)
        .await
        .unwrap_err();
    assert!(matches!(err, CatalogError::Conflict { .. }), "{err}");
    assert!(err.to_string().contains("succeeded"), "{err}");
    let err = catalog
        .finish_run("missing", RunStatus::Failed, None, None)
        .await
        .unwrap_err();
    assert!(matches!(err, CatalogError::NotFound { .. }), "{err}");
    // A queued run can be finished directly (e.g. rejected before start).
    catalog
        .finish_run(
            &second.run_id,
            RunStatus::Error,
            Some("agent unavailable"),
            None,
        )
        .await
        .unwrap();
    let rejected = catalog.run_any(&second.run_id).await.unwrap().unwrap();
    assert_eq!(rejected.error.as_deref(), Some("agent unavailable"));
    assert_eq!(catalog.queue_depth().await.unwrap(), 0);
}

async fn cancel_outcomes(db: TestDb) {
    let catalog = catalog_with(&db, &["acme"]).await;
    let queued = catalog.enqueue_run(new_run("acme")).await.unwrap();
    assert_eq!(
        catalog
            .request_cancel("acme", &queued.run_id)
            .await
            .unwrap(),
        CancelOutcome::Cancelled
    );
    assert_eq!(
        catalog
            .run("acme", &queued.run_id)
            .await
            .unwrap()
            .unwrap()
            .status,
        QueueStatus::Done(RunStatus::Cancelled)
    );
    assert_eq!(
        catalog
            .request_cancel("acme", &queued.run_id)
            .await
            .unwrap(),
        CancelOutcome::AlreadyFinished(RunStatus::Cancelled)
    );

    let running = catalog.enqueue_run(new_run("acme")).await.unwrap();
    catalog.claim_run("w").await.unwrap().unwrap();
    assert_eq!(
        catalog
            .request_cancel("acme", &running.run_id)
            .await
            .unwrap(),
        CancelOutcome::Requested
    );
    let state = catalog.run("acme", &running.run_id).await.unwrap().unwrap();
    assert!(state.cancel_requested);
    assert_eq!(state.status, QueueStatus::Running);
    catalog
        .finish_run(&running.run_id, RunStatus::Cancelled, None, None)
        .await
        .unwrap();

    assert_eq!(
        catalog.request_cancel("acme", "no-such-run").await.unwrap(),
        CancelOutcome::NotFound
    );
}

async fn recover_errors_running_and_keeps_queued(db: TestDb) {
    let catalog = catalog_with(&db, &["acme"]).await;
    let a = catalog.enqueue_run(new_run("acme")).await.unwrap();
    let b = catalog.enqueue_run(new_run("acme")).await.unwrap();
    let c = catalog.enqueue_run(new_run("acme")).await.unwrap();
    catalog.claim_run("w1").await.unwrap().unwrap();
    catalog.claim_run("w2").await.unwrap().unwrap();

    let mine = catalog
        .recover_worker("w2", "worker w2 restarted")
        .await
        .unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].run_id, b.run_id);

    // After a restart: reopen and recover.
    catalog.close().await;
    let catalog = db.open().await;
    let recovered = catalog.recover("server restarted").await.unwrap();
    assert_eq!(recovered.len(), 1);
    assert_eq!(recovered[0].run_id, a.run_id);
    assert_eq!(recovered[0].status, QueueStatus::Done(RunStatus::Error));
    assert_eq!(recovered[0].error.as_deref(), Some("server restarted"));
    assert!(recovered[0].finished_at.is_some());
    assert_eq!(
        catalog
            .run("acme", &c.run_id)
            .await
            .unwrap()
            .unwrap()
            .status,
        QueueStatus::Queued
    );
    assert_eq!(catalog.queue_depth().await.unwrap(), 1);
    assert!(catalog.recover("again").await.unwrap().is_empty());
}

async fn enqueue_rejects_bad_input(db: TestDb) {
    let catalog = catalog_with(&db, &["acme"]).await;
    let run = catalog.enqueue_run(new_run("acme")).await.unwrap();

    let mut dup = new_run("acme");
    dup.run_id = run.run_id.clone();
    let err = catalog.enqueue_run(dup).await.unwrap_err();
    assert!(matches!(err, CatalogError::Conflict { .. }), "{err}");

    let mut bad_labels = new_run("acme");
    bad_labels.labels = serde_json::json!(["not", "an", "object"]);
    let err = catalog.enqueue_run(bad_labels).await.unwrap_err();
    assert!(
        matches!(&err, CatalogError::Invalid { field, .. } if field == "labels"),
        "{err}"
    );

    let err = catalog.enqueue_run(new_run("ghost")).await.unwrap_err();
    assert!(matches!(err, CatalogError::NotFound { .. }), "{err}");
}
