//! The webhook outbox: deliveries to send at least once, and the attempts made.
//!
//! A delivery is `pending` until an attempt gets a 2xx (`delivered`) or the sender gives up
//! (`failed`). Senders claim due deliveries with a lease, so two senders never send the same
//! attempt concurrently; a sender that dies leaves the lease to expire and another retries.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::any::AnyRow;

use crate::error::db;
use crate::row::col;
use crate::time::{from_ms, now_ms, opt_from_ms, to_ms};
use crate::{Catalog, CatalogError};

/// A delivery to enqueue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub struct NewDelivery {
    /// The run it reports on.
    pub run_id: String,
    /// The run's collection.
    pub collection: String,
    /// Where to POST.
    pub url: String,
    /// The event name, e.g. `run.finished`.
    pub event: String,
    /// The JSON body, exactly as it will be signed and sent.
    pub body: String,
}

/// One attempt at sending a delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub struct AttemptRecord {
    /// When the attempt started.
    pub at: DateTime<Utc>,
    /// The HTTP status received, if a response arrived.
    pub status_code: Option<i64>,
    /// Why the attempt failed before or instead of a response.
    pub error: Option<String>,
    /// How long the attempt took.
    pub duration_ms: i64,
}

/// A delivery and its attempts so far.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub struct Delivery {
    /// The delivery's id (sent as `X-Wharf-Delivery-Id`).
    pub id: String,
    /// The run it reports on.
    pub run_id: String,
    /// The run's collection.
    pub collection: String,
    /// Where it is POSTed.
    pub url: String,
    /// The event name.
    pub event: String,
    /// The JSON body.
    pub body: String,
    /// `pending`, `delivered` or `failed`.
    pub status: String,
    /// Attempts so far, oldest first.
    pub attempts: Vec<AttemptRecord>,
    /// When the next attempt is due (pending deliveries only).
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// When it was enqueued.
    pub created_at: DateTime<Utc>,
    /// When an attempt succeeded.
    pub delivered_at: Option<DateTime<Utc>>,
}

const DELIVERY_COLUMNS: &str =
    "id, run_id, collection, url, event, body, status, next_attempt_at, created_at, delivered_at";

impl Delivery {
    fn from_row(row: &AnyRow) -> Result<Self, CatalogError> {
        Ok(Delivery {
            id: col(row, "id")?,
            run_id: col(row, "run_id")?,
            collection: col(row, "collection")?,
            url: col(row, "url")?,
            event: col(row, "event")?,
            body: col(row, "body")?,
            status: col(row, "status")?,
            attempts: Vec::new(),
            next_attempt_at: opt_from_ms("next_attempt_at", col(row, "next_attempt_at")?)?,
            created_at: from_ms("created_at", col(row, "created_at")?)?,
            delivered_at: opt_from_ms("delivered_at", col(row, "delivered_at")?)?,
        })
    }
}

fn validate_new(d: &NewDelivery) -> Result<(), CatalogError> {
    if !(d.url.starts_with("http://") || d.url.starts_with("https://")) {
        return Err(CatalogError::invalid(
            "url",
            "must be an http:// or https:// URL",
        ));
    }
    if d.event.is_empty() {
        return Err(CatalogError::invalid("event", "is empty"));
    }
    Ok(())
}

fn duration_ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

impl Catalog {
    /// Adds a delivery, due now. The run must belong to `d.collection`.
    pub async fn enqueue_delivery(&self, d: NewDelivery) -> Result<Delivery, CatalogError> {
        validate_new(&d)?;
        if self.run(&d.collection, &d.run_id).await?.is_none() {
            return Err(CatalogError::not_found(format!(
                "run `{}` in collection `{}`",
                d.run_id, d.collection
            )));
        }
        let now = now_ms();
        let sql = format!(
            "INSERT INTO deliveries (id, run_id, collection, url, event, body, status,
                                     attempt_count, next_attempt_at, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $7, $8) RETURNING {DELIVERY_COLUMNS}"
        );
        let row = sqlx::query(&sql)
            .bind(uuid::Uuid::now_v7().to_string())
            .bind(&d.run_id)
            .bind(&d.collection)
            .bind(&d.url)
            .bind(&d.event)
            .bind(&d.body)
            .bind(now)
            .bind(now)
            .fetch_one(&self.pool)
            .await
            .map_err(db("enqueueing a delivery"))?;
        Delivery::from_row(&row)
    }

    /// Leases up to `limit` pending deliveries that are due at `now` and not leased by
    /// another sender; the lease lasts until `now + lease`.
    pub async fn claim_due_deliveries(
        &self,
        now: DateTime<Utc>,
        lease: Duration,
        limit: u32,
    ) -> Result<Vec<Delivery>, CatalogError> {
        let now = to_ms(now);
        let sql = format!(
            "UPDATE deliveries SET lease_until = $1
             WHERE status = 'pending' AND next_attempt_at <= $2
               AND (lease_until IS NULL OR lease_until <= $3)
               AND id IN (
                 SELECT id FROM deliveries
                 WHERE status = 'pending' AND next_attempt_at <= $4
                   AND (lease_until IS NULL OR lease_until <= $5)
                 ORDER BY next_attempt_at, id LIMIT $6{})
             RETURNING {DELIVERY_COLUMNS}",
            self.skip_locked()
        );
        let rows = sqlx::query(&sql)
            .bind(now.saturating_add(duration_ms(lease)))
            .bind(now)
            .bind(now)
            .bind(now)
            .bind(now)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .map_err(db("claiming deliveries"))?;
        let mut deliveries = rows
            .iter()
            .map(Delivery::from_row)
            .collect::<Result<Vec<_>, _>>()?;
        deliveries.sort_by(|a, b| (a.next_attempt_at, &a.id).cmp(&(b.next_attempt_at, &b.id)));
        self.attach_attempts(&mut deliveries).await?;
        Ok(deliveries)
    }

    /// Records an attempt and releases the lease: a 2xx status makes the delivery
    /// `delivered`; otherwise it stays `pending` until `next_attempt_at`, or becomes `failed`
    /// when that is None. Attempts on a delivery that is no longer pending are kept but do
    /// not change its status.
    pub async fn record_attempt(
        &self,
        delivery_id: &str,
        attempt: &AttemptRecord,
        next_attempt_at: Option<DateTime<Utc>>,
    ) -> Result<Delivery, CatalogError> {
        let mut tx = self.begin().await?;
        let row = sqlx::query(
            "UPDATE deliveries SET attempt_count = attempt_count + 1 WHERE id = $1
             RETURNING attempt_count, status",
        )
        .bind(delivery_id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db("recording a delivery attempt"))?
        .ok_or_else(|| CatalogError::not_found(format!("delivery `{delivery_id}`")))?;
        let number: i64 = col(&row, "attempt_count")?;
        let status: String = col(&row, "status")?;
        sqlx::query(
            "INSERT INTO delivery_attempts (delivery_id, attempt, at, status_code, error, duration_ms)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(delivery_id)
        .bind(number)
        .bind(to_ms(attempt.at))
        .bind(attempt.status_code)
        .bind(&attempt.error)
        .bind(attempt.duration_ms)
        .execute(&mut *tx)
        .await
        .map_err(db("recording a delivery attempt"))?;
        if status == "pending" {
            let ok = attempt.status_code.is_some_and(|c| (200..300).contains(&c));
            let (new_status, next, delivered) = match (ok, next_attempt_at) {
                (true, _) => ("delivered", None, Some(now_ms())),
                (false, Some(next)) => ("pending", Some(to_ms(next)), None),
                (false, None) => ("failed", None, None),
            };
            sqlx::query(
                "UPDATE deliveries SET status = $1, next_attempt_at = $2, delivered_at = $3,
                        lease_until = NULL
                 WHERE id = $4",
            )
            .bind(new_status)
            .bind(next)
            .bind(delivered)
            .bind(delivery_id)
            .execute(&mut *tx)
            .await
            .map_err(db("updating a delivery"))?;
        }
        tx.commit()
            .await
            .map_err(db("committing a delivery attempt"))?;
        self.delivery(delivery_id)
            .await?
            .ok_or_else(|| CatalogError::not_found(format!("delivery `{delivery_id}`")))
    }

    /// The deliveries for a run of `collection`, oldest first, with their attempts.
    pub async fn deliveries(
        &self,
        collection: &str,
        run_id: &str,
    ) -> Result<Vec<Delivery>, CatalogError> {
        let sql = format!(
            "SELECT {DELIVERY_COLUMNS} FROM deliveries
             WHERE collection = $1 AND run_id = $2 ORDER BY created_at, id"
        );
        let rows = sqlx::query(&sql)
            .bind(collection)
            .bind(run_id)
            .fetch_all(&self.pool)
            .await
            .map_err(db("listing deliveries"))?;
        let mut deliveries = rows
            .iter()
            .map(Delivery::from_row)
            .collect::<Result<Vec<_>, _>>()?;
        self.attach_attempts(&mut deliveries).await?;
        Ok(deliveries)
    }

    async fn delivery(&self, id: &str) -> Result<Option<Delivery>, CatalogError> {
        let sql = format!("SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE id = $1");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db("reading a delivery"))?;
        let Some(row) = row else {
            return Ok(None);
        };
        let mut one = vec![Delivery::from_row(&row)?];
        self.attach_attempts(&mut one).await?;
        Ok(one.pop())
    }

    async fn attach_attempts(&self, deliveries: &mut [Delivery]) -> Result<(), CatalogError> {
        if deliveries.is_empty() {
            return Ok(());
        }
        let placeholders: Vec<String> = (1..=deliveries.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT delivery_id, at, status_code, error, duration_ms FROM delivery_attempts
             WHERE delivery_id IN ({}) ORDER BY delivery_id, attempt",
            placeholders.join(", ")
        );
        let mut query = sqlx::query(&sql);
        for d in deliveries.iter() {
            query = query.bind(d.id.clone());
        }
        let rows = query
            .fetch_all(&self.pool)
            .await
            .map_err(db("reading delivery attempts"))?;
        let mut by_id: BTreeMap<String, Vec<AttemptRecord>> = BTreeMap::new();
        for row in &rows {
            by_id
                .entry(col(row, "delivery_id")?)
                .or_default()
                .push(AttemptRecord {
                    at: from_ms("at", col(row, "at")?)?,
                    status_code: col(row, "status_code")?,
                    error: col(row, "error")?,
                    duration_ms: col(row, "duration_ms")?,
                });
        }
        for d in deliveries.iter_mut() {
            d.attempts = by_id.remove(&d.id).unwrap_or_default();
        }
        Ok(())
    }
}
