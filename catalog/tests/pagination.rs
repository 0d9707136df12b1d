//! Listing runs: newest first, filters, keyset cursors.
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "backend scenarios are test code, called from the #[tokio::test] fns each_backend! generates"
)]

mod common;

use std::collections::HashSet;

use common::{TestDb, catalog_with, new_run};
use wharf_catalog::{CatalogError, RunFilter, parse_status};
use wharf_model::QueueStatus;

each_backend!(
    pages_cover_every_run_once,
    filters_apply,
    bad_cursor_and_limit
);

async fn pages_cover_every_run_once(db: TestDb) {
    let catalog = catalog_with(&db, &["acme"]).await;
    let mut ids = Vec::new();
    for _ in 0..23 {
        ids.push(catalog.enqueue_run(new_run("acme")).await.unwrap().run_id);
    }
    let mut seen = Vec::new();
    let mut filter = RunFilter {
        limit: Some(5),
        ..RunFilter::default()
    };
    let mut pages = 0;
    loop {
        let page = catalog.runs("acme", &filter).await.unwrap();
        pages += 1;
        assert!(page.items.len() <= 5);
        seen.extend(page.items.into_iter().map(|r| r.run_id));
        match page.next_cursor {
            Some(cursor) => filter.cursor = Some(cursor),
            None => break,
        }
    }
    assert_eq!(pages, 5);
    // Newest first: ids are UUIDv7, enqueued in order.
    ids.reverse();
    assert_eq!(seen, ids);

    // A run enqueued mid-listing does not disturb later pages.
    let first = catalog
        .runs(
            "acme",
            &RunFilter {
                limit: Some(10),
                ..RunFilter::default()
            },
        )
        .await
        .unwrap();
    catalog.enqueue_run(new_run("acme")).await.unwrap();
    let second = catalog
        .runs(
            "acme",
            &RunFilter {
                limit: Some(10),
                cursor: first.next_cursor.clone(),
                ..RunFilter::default()
            },
        )
        .await
        .unwrap();
    let a: HashSet<_> = first.items.iter().map(|r| &r.run_id).collect();
    assert!(second.items.iter().all(|r| !a.contains(&r.run_id)));
    assert_eq!(second.items[0].run_id, ids[10]);

    // An exact multiple of the page size ends without a dangling empty page.
    let all = catalog
        .runs(
            "acme",
            &RunFilter {
                limit: Some(24),
                ..RunFilter::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(all.items.len(), 24);
    assert_eq!(all.next_cursor, None);
    assert_eq!(
        catalog
            .runs("acme", &RunFilter::default())
            .await
            .unwrap()
            .items
            .len(),
        24
    );
}

async fn filters_apply(db: TestDb) {
    let catalog = catalog_with(&db, &["acme"]).await;
    let mut other = new_run("acme");
    other.task = Some("write-docs".to_owned());
    other.agent = Some("codex".to_owned());
    let other = catalog.enqueue_run(other).await.unwrap();
    let plain = catalog.enqueue_run(new_run("acme")).await.unwrap();
    catalog.claim_run("w").await.unwrap();

    let by = |f: RunFilter| {
        let catalog = catalog.clone();
        async move {
            catalog
                .runs("acme", &f)
                .await
                .unwrap()
                .items
                .into_iter()
                .map(|r| r.run_id)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        by(RunFilter {
            task: Some("write-docs".into()),
            ..Default::default()
        })
        .await,
        vec![other.run_id.clone()]
    );
    assert_eq!(
        by(RunFilter {
            agent: Some("claude".into()),
            ..Default::default()
        })
        .await,
        vec![plain.run_id.clone()]
    );
    assert_eq!(
        by(RunFilter {
            status: Some(QueueStatus::Running),
            ..Default::default()
        })
        .await,
        vec![other.run_id.clone()]
    );
    assert_eq!(
        by(RunFilter {
            status: Some(QueueStatus::Queued),
            agent: Some("codex".into()),
            ..Default::default()
        })
        .await,
        Vec::<String>::new()
    );
    let before_plain = RunFilter {
        created_before: Some(plain.created_at),
        ..Default::default()
    };
    assert!(!by(before_plain).await.contains(&plain.run_id));
    let after = RunFilter {
        created_after: Some(plain.created_at - chrono::Duration::hours(1)),
        ..Default::default()
    };
    assert_eq!(by(after).await.len(), 2);
    let future = RunFilter {
        created_after: Some(plain.created_at + chrono::Duration::hours(1)),
        ..Default::default()
    };
    assert!(by(future).await.is_empty());
}

async fn bad_cursor_and_limit(db: TestDb) {
    let catalog = catalog_with(&db, &["acme"]).await;
    for cursor in ["garbage!", "Zm9v", ""] {
        let f = RunFilter {
            cursor: Some(cursor.to_owned()),
            ..Default::default()
        };
        let err = catalog.runs("acme", &f).await.unwrap_err();
        assert!(
            matches!(&err, CatalogError::Invalid { field, .. } if field == "cursor"),
            "{err}"
        );
    }
    for limit in [0, 501] {
        let f = RunFilter {
            limit: Some(limit),
            ..Default::default()
        };
        let err = catalog.runs("acme", &f).await.unwrap_err();
        assert!(
            matches!(&err, CatalogError::Invalid { field, .. } if field == "limit"),
            "{err}"
        );
    }
    let err = parse_status("status", "done").unwrap_err();
    assert!(
        err.to_string().contains("done") && err.kind().is_caller_error(),
        "{err}"
    );
    let f = RunFilter {
        limit: Some(500),
        ..Default::default()
    };
    assert!(catalog.runs("acme", &f).await.unwrap().items.is_empty());
}
