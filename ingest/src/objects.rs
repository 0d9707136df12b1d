//! Plain objects beside the tables: run artifacts under `artifacts/`, addressed by key.

use std::sync::Arc;

use bytes::Bytes;
use deltalake::DeltaTableBuilder;
use object_store::{ObjectStore, ObjectStoreExt};

use crate::{IngestError, StorageRoot};

/// Reads and writes objects under the storage root.
#[derive(Debug, Clone)]
pub struct ObjectStorage {
    root: String,
    store: Arc<dyn ObjectStore>,
}

impl ObjectStorage {
    /// Opens the root's object store.
    pub fn open(root: &StorageRoot) -> Result<ObjectStorage, IngestError> {
        let fail = |e: deltalake::DeltaTableError| IngestError::Storage {
            root: root.display().to_owned(),
            message: e.to_string(),
        };
        let store = DeltaTableBuilder::from_url(root.url().clone())
            .map_err(fail)?
            .with_storage_options(root.options().clone())
            .build_storage()
            .map_err(fail)?
            .object_store(None);
        Ok(ObjectStorage {
            root: root.display().to_owned(),
            store,
        })
    }

    /// The object store, rooted at the storage root.
    pub(crate) fn store(&self) -> &Arc<dyn ObjectStore> {
        &self.store
    }

    /// Writes `bytes` at `key` (overwriting).
    pub async fn put(&self, key: &str, bytes: Bytes) -> Result<(), IngestError> {
        let path = self.path(key)?;
        self.store
            .put(&path, bytes.into())
            .await
            .map_err(self.fail(key))?;
        Ok(())
    }

    /// Reads the object at `key`.
    pub async fn get(&self, key: &str) -> Result<Bytes, IngestError> {
        let path = self.path(key)?;
        let got = self.store.get(&path).await.map_err(self.fail(key))?;
        got.bytes().await.map_err(self.fail(key))
    }

    fn path(&self, key: &str) -> Result<object_store::path::Path, IngestError> {
        object_store::path::Path::parse(key).map_err(|e| self.fail(key)(e.into()))
    }

    fn fail(&self, key: &str) -> impl FnOnce(object_store::Error) -> IngestError {
        let (root, key) = (self.root.clone(), key.to_owned());
        move |source| IngestError::Object {
            root,
            key,
            source: Box::new(source),
        }
    }
}
