//! Re-grading the same thing is answered from the cache: no HTTP request.

use std::sync::Arc;

use wharf_grader::{DiskCache, Judge, MemoryCache};

use crate::support::*;

#[tokio::test]
async fn disk_cache_hit_makes_no_request() {
    let srv = server(vec![text(&good())]);
    let dir = tempfile::tempdir().unwrap();
    let first = Judge::new(config(&srv))
        .unwrap()
        .with_cache(Arc::new(DiskCache::new(dir.path().join("judge"))));
    let v1 = first.judge(&input()).await.unwrap();
    assert_eq!((v1.requests, v1.cached_samples), (1, 0));
    let files: Vec<_> = std::fs::read_dir(dir.path().join("judge"))
        .unwrap()
        .collect();
    assert_eq!(files.len(), 1, "one entry, no temporary files left");

    // A new judge (a new process, say) over the same directory.
    let second = Judge::new(config(&srv))
        .unwrap()
        .with_cache(Arc::new(DiskCache::new(dir.path().join("judge"))));
    let v2 = second.judge(&input()).await.unwrap();
    assert_eq!((v2.requests, v2.cached_samples), (0, 1));
    assert_eq!(v2.criteria, v1.criteria);
    assert_eq!(chat_requests(&srv).len(), 1);

    // Different inputs miss.
    let mut other = input();
    other.objective.push_str(" Also chart it.");
    let v3 = second.judge(&other).await.unwrap();
    assert_eq!(v3.requests, 1);
    assert_eq!(chat_requests(&srv).len(), 2);
}

#[tokio::test]
async fn memory_cache_hit_and_model_in_key() {
    let srv = server(vec![text(&good())]);
    let cache = Arc::new(MemoryCache::new());
    let j = Judge::new(config(&srv)).unwrap().with_cache(cache.clone());
    j.judge(&input()).await.unwrap();
    j.judge(&input()).await.unwrap();
    assert_eq!(chat_requests(&srv).len(), 1);
    assert_eq!(cache.len(), 1);
    let mut c = config(&srv);
    c.model = "another-judge".into();
    Judge::new(c)
        .unwrap()
        .with_cache(cache.clone())
        .judge(&input())
        .await
        .unwrap();
    assert_eq!(chat_requests(&srv).len(), 2);
}

#[tokio::test]
async fn failed_judgements_are_not_cached() {
    let bad = "{}".to_owned();
    let srv = server(vec![text(&bad), text(&bad), text(&bad)]);
    let cache = Arc::new(MemoryCache::new());
    let j = Judge::new(config(&srv)).unwrap().with_cache(cache.clone());
    assert!(j.judge(&input()).await.is_err());
    assert!(cache.is_empty());
}
