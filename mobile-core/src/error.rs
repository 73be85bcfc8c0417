//! The one error type the apps see, and the internal errors it is made from.

use thiserror::Error;

/// What can go wrong, as an app shows it. Nothing here quotes a record's content.
#[derive(Debug, Error, uniffi::Error)]
pub enum VaultError {
    /// No network, or the server did not answer: the change is kept and syncs later.
    #[error("offline: {detail}")]
    Offline { detail: String },
    /// The token was refused: sign in again.
    #[error("signed out: {detail}")]
    Unauthorized { detail: String },
    /// The rules refused the change (the same refusal the server would give).
    #[error("refused ({status}): {detail}")]
    Refused { status: u16, detail: String },
    /// The request is malformed (an unknown status, a bad id or date).
    #[error("invalid: {detail}")]
    Invalid { detail: String },
    /// The local database is damaged. It is left as it is, for support to look at.
    #[error("the local database is damaged: {detail}")]
    Corrupt { detail: String },
    /// Sign in and sync once first: the device does not yet know who it is working for.
    #[error("not set up: {detail}")]
    NotSetUp { detail: String },
    /// The server answered something this version cannot use.
    #[error("server: {detail}")]
    Server { status: u16, detail: String },
    /// A local storage failure (disk full, permissions).
    #[error("storage: {detail}")]
    Storage { detail: String },
    /// The token is another account's than the one this replica holds: nothing was sent. Sign
    /// the other account out (`signOut()`), or open a replica of its own.
    #[error("another account: {detail}")]
    OtherAccount { detail: String },
    /// The replica cannot be opened with the key given (`KeyProvider`): a wrong key, a key
    /// provider that failed, or a file too damaged to tell. Nothing was changed or created.
    #[error("locked: {detail}")]
    Locked { detail: String },
    /// `cancelSync()` stopped the sync between two steps; everything done so far is kept and
    /// the next sync carries on.
    #[error("cancelled")]
    Cancelled,
}

/// A foreign implementation (the key provider, the auth provider, a listener) threw something
/// other than a `VaultError`.
impl From<uniffi::UnexpectedUniFFICallbackError> for VaultError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        VaultError::Locked { detail: format!("the app's callback failed: {}", e.reason) }
    }
}

impl From<rusqlite::Error> for VaultError {
    fn from(e: rusqlite::Error) -> Self {
        match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase) => {
                VaultError::Corrupt { detail: e.to_string() }
            }
            _ => VaultError::Storage { detail: e.to_string() },
        }
    }
}

impl From<serde_json::Error> for VaultError {
    fn from(e: serde_json::Error) -> Self {
        VaultError::Storage { detail: format!("unreadable local record ({:?})", e.classify()) }
    }
}

impl From<senvault_domain::DomainError> for VaultError {
    fn from(e: senvault_domain::DomainError) -> Self {
        use senvault_domain::DomainError as D;
        match e {
            D::NotFound { what } => VaultError::Refused { status: 404, detail: format!("{what} not found") },
            D::Forbidden { rule } => VaultError::Refused { status: 403, detail: rule.to_owned() },
            D::Conflict(d) => VaultError::Refused { status: 409, detail: d.to_string() },
            // Both are the person's input to correct; the server's status differs (422 for what
            // its document states, 409 for a rule beyond it), the phone's message does not.
            D::Invalid(errors) | D::Refused(errors) => VaultError::Invalid {
                detail: errors.iter().map(|f| format!("{}: {}", f.field, f.message)).collect::<Vec<_>>().join("; "),
            },
            D::Date(d) => VaultError::Invalid { detail: d.to_string() },
        }
    }
}
