//! Webhook outbox and deliverer against a real local HTTP receiver.
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "backend scenarios are test code, called from the #[tokio::test] fns each_backend! generates"
)]

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::Utc;
use common::{Receiver, TestDb, catalog_with, new_run};
use wharf_catalog::webhook::{Deliverer, RetryPolicy, verify};
use wharf_catalog::{AttemptRecord, Catalog, Delivery, NewDelivery};

each_backend!(
    signed_delivery_verifies,
    retries_until_success,
    missing_secret_is_recorded_and_retried,
    gives_up_after_max_attempts,
    redirects_are_not_followed,
    leases_prevent_double_claims,
    spawned_loop_delivers_and_stops,
);

const SECRET: &str = "whsec_test";

fn fast_policy(max_attempts: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts,
        base: Duration::from_millis(1),
        max_delay: Duration::from_millis(2),
        timeout: Duration::from_secs(5),
    }
}

async fn setup(db: &TestDb, url: &str, with_secret: bool) -> (Catalog, Delivery) {
    let catalog = catalog_with(db, &["acme"]).await;
    if with_secret {
        let secrets = BTreeMap::from([("WEBHOOK_SECRET".to_owned(), Some(SECRET.to_owned()))]);
        catalog.patch_secrets("acme", &secrets).await.unwrap();
    }
    let run = catalog.enqueue_run(new_run("acme")).await.unwrap();
    let delivery = catalog
        .enqueue_delivery(NewDelivery {
            run_id: run.run_id,
            collection: "acme".to_owned(),
            url: url.to_owned(),
            event: "run.finished".to_owned(),
            body: r#"{"status":"succeeded"}"#.to_owned(),
        })
        .await
        .unwrap();
    assert_eq!(delivery.status, "pending");
    (catalog, delivery)
}

/// Runs passes until the delivery leaves `pending` (bounded, no timing assertions).
async fn drain(catalog: &Catalog, deliverer: &Deliverer, delivery: &Delivery) -> Delivery {
    for _ in 0..500 {
        deliverer.deliver_due().await.unwrap();
        let current = catalog
            .deliveries(&delivery.collection, &delivery.run_id)
            .await
            .unwrap()
            .remove(0);
        if current.status != "pending" {
            return current;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("delivery still pending after 500 passes");
}

fn signature_ok(r: &common::Received) -> bool {
    let ts: i64 = r
        .header("x-wharf-timestamp")
        .and_then(|t| t.parse().ok())
        .unwrap_or(0);
    let sig = r.header("x-wharf-signature").unwrap_or("");
    verify(SECRET.as_bytes(), ts, &r.body, sig)
}

async fn signed_delivery_verifies(db: TestDb) {
    let receiver = Receiver::start(|r, _| if signature_ok(r) { 200 } else { 401 }).await;
    let (catalog, delivery) = setup(&db, &receiver.url, true).await;
    let deliverer = Deliverer::new(catalog.clone(), fast_policy(3)).unwrap();
    assert_eq!(deliverer.deliver_due().await.unwrap(), 1);

    let done = catalog
        .deliveries("acme", &delivery.run_id)
        .await
        .unwrap()
        .remove(0);
    assert_eq!(done.status, "delivered");
    assert!(done.delivered_at.is_some());
    assert_eq!(done.next_attempt_at, None);
    assert_eq!(done.attempts.len(), 1);
    assert_eq!(done.attempts[0].status_code, Some(200));

    let got = receiver.received();
    assert_eq!(got.len(), 1);
    let r = &got[0];
    assert_eq!((r.method.as_str(), r.path.as_str()), ("POST", "/hook"));
    assert_eq!(r.body, delivery.body);
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.header("x-wharf-run-id"), Some(delivery.run_id.as_str()));
    assert_eq!(r.header("x-wharf-delivery-id"), Some(delivery.id.as_str()));
    assert_eq!(r.header("x-wharf-event"), Some("run.finished"));
    assert!(
        r.header("user-agent")
            .unwrap()
            .starts_with("wharf-webhooks/")
    );
    assert!(signature_ok(r));
    // Nothing more to do.
    assert_eq!(deliverer.deliver_due().await.unwrap(), 0);
}

async fn retries_until_success(db: TestDb) {
    const FAILURES: usize = 3;
    let receiver = Receiver::start(|r, i| {
        if !signature_ok(r) {
            401
        } else if i < FAILURES {
            503
        } else {
            200
        }
    })
    .await;
    let (catalog, delivery) = setup(&db, &receiver.url, true).await;
    let deliverer = Deliverer::new(catalog.clone(), fast_policy(8)).unwrap();
    let done = drain(&catalog, &deliverer, &delivery).await;

    assert_eq!(done.status, "delivered");
    let codes: Vec<_> = done.attempts.iter().map(|a| a.status_code).collect();
    assert_eq!(codes, [Some(503), Some(503), Some(503), Some(200)]);
    let got = receiver.received();
    assert_eq!(got.len(), FAILURES + 1);
    assert_eq!(
        got.iter()
            .filter(|r| (200..300).contains(&r.answered))
            .count(),
        1
    );
}

async fn missing_secret_is_recorded_and_retried(db: TestDb) {
    let receiver = Receiver::start(|r, _| if signature_ok(r) { 204 } else { 401 }).await;
    let (catalog, delivery) = setup(&db, &receiver.url, false).await;
    let deliverer = Deliverer::new(catalog.clone(), fast_policy(8)).unwrap();
    assert_eq!(deliverer.deliver_due().await.unwrap(), 1);
    let pending = catalog
        .deliveries("acme", &delivery.run_id)
        .await
        .unwrap()
        .remove(0);
    assert_eq!(pending.status, "pending");
    assert_eq!(
        pending.attempts[0].error.as_deref(),
        Some("collection has no WEBHOOK_SECRET")
    );
    assert!(receiver.received().is_empty(), "nothing is sent unsigned");

    let secrets = BTreeMap::from([("WEBHOOK_SECRET".to_owned(), Some(SECRET.to_owned()))]);
    catalog.patch_secrets("acme", &secrets).await.unwrap();
    let done = drain(&catalog, &deliverer, &delivery).await;
    assert_eq!(done.status, "delivered");
    assert_eq!(done.attempts.len(), 2);
    assert_eq!(receiver.received().len(), 1);
}

async fn gives_up_after_max_attempts(db: TestDb) {
    let receiver = Receiver::start(|_, _| 500).await;
    let (catalog, delivery) = setup(&db, &receiver.url, true).await;
    let deliverer = Deliverer::new(catalog.clone(), fast_policy(2)).unwrap();
    let done = drain(&catalog, &deliverer, &delivery).await;
    assert_eq!(done.status, "failed");
    assert_eq!(done.attempts.len(), 2);
    assert_eq!(done.next_attempt_at, None);
    assert_eq!(receiver.received().len(), 2);
}

async fn redirects_are_not_followed(db: TestDb) {
    let receiver = Receiver::start(|_, _| 302).await;
    let (catalog, delivery) = setup(&db, &receiver.url, true).await;
    let deliverer = Deliverer::new(catalog.clone(), fast_policy(1)).unwrap();
    let done = drain(&catalog, &deliverer, &delivery).await;
    assert_eq!(done.status, "failed");
    assert_eq!(done.attempts[0].status_code, Some(302));
    assert_eq!(receiver.received().len(), 1);
}

async fn leases_prevent_double_claims(db: TestDb) {
    let (catalog, delivery) = setup(&db, "http://127.0.0.1:9/hook", true).await;
    let now = Utc::now();
    let lease = Duration::from_secs(60);
    let first = catalog.claim_due_deliveries(now, lease, 10).await.unwrap();
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].id, delivery.id);
    assert!(
        catalog
            .claim_due_deliveries(now, lease, 10)
            .await
            .unwrap()
            .is_empty()
    );
    // Once the lease has expired another sender may take it.
    let later = now + chrono::Duration::seconds(61);
    assert_eq!(
        catalog
            .claim_due_deliveries(later, lease, 10)
            .await
            .unwrap()
            .len(),
        1
    );

    // Recording an attempt releases the lease; the retry is due at the given time.
    let retry_at = later + chrono::Duration::seconds(5);
    let attempt = AttemptRecord {
        at: later,
        status_code: None,
        error: Some("connection refused".to_owned()),
        duration_ms: 3,
    };
    let after = catalog
        .record_attempt(&delivery.id, &attempt, Some(retry_at))
        .await
        .unwrap();
    assert_eq!(after.status, "pending");
    assert_eq!(after.attempts.len(), 1);
    assert_eq!(
        after.attempts[0].error.as_deref(),
        Some("connection refused")
    );
    assert!(
        catalog
            .claim_due_deliveries(later, lease, 10)
            .await
            .unwrap()
            .is_empty(),
        "not due yet"
    );
    assert_eq!(
        catalog
            .claim_due_deliveries(retry_at, lease, 10)
            .await
            .unwrap()
            .len(),
        1
    );

    // Concurrent claimers split a batch without overlap.
    let run = catalog.enqueue_run(new_run("acme")).await.unwrap();
    for _ in 0..10 {
        catalog
            .enqueue_delivery(NewDelivery {
                run_id: run.run_id.clone(),
                collection: "acme".to_owned(),
                url: "http://127.0.0.1:9/hook".to_owned(),
                event: "run.finished".to_owned(),
                body: "{}".to_owned(),
            })
            .await
            .unwrap();
    }
    let claimers: Vec<_> = (0..4)
        .map(|_| {
            let catalog = catalog.clone();
            tokio::spawn(async move {
                let at = Utc::now() + chrono::Duration::seconds(1);
                catalog
                    .claim_due_deliveries(at, Duration::from_secs(60), 3)
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut ids = Vec::new();
    for c in claimers {
        ids.extend(c.await.unwrap().into_iter().map(|d| d.id));
    }
    let unique: std::collections::HashSet<_> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "a delivery was claimed twice");
}

async fn spawned_loop_delivers_and_stops(db: TestDb) {
    let receiver = Receiver::start(|r, _| if signature_ok(r) { 200 } else { 401 }).await;
    let (catalog, delivery) = setup(&db, &receiver.url, true).await;
    let deliverer = Deliverer::new(catalog.clone(), fast_policy(3)).unwrap();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let handle = deliverer.spawn(Duration::from_millis(5), stopped);
    let mut status = String::new();
    for _ in 0..1000 {
        status = catalog
            .deliveries("acme", &delivery.run_id)
            .await
            .unwrap()
            .remove(0)
            .status;
        if status != "pending" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(status, "delivered");
    stop.send(true).unwrap();
    handle.await.unwrap();
}
