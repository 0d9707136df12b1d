//! Tenant scope: which collection's rows a session may see.

/// The rows a session can see.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Every collection (operators, the local CLI without `--collection`).
    All,
    /// One collection only, whatever the SQL says.
    Collection(String),
}

impl Scope {
    /// Scope from an optional collection name, validating it.
    pub fn from_option(collection: Option<&str>) -> Result<Scope, crate::QueryError> {
        match collection {
            None => Ok(Scope::All),
            Some(c) => {
                wharf_model::validate_collection("collection", c)?;
                Ok(Scope::Collection(c.to_string()))
            }
        }
    }
}
