//! The rules behind `decide`, one module per aggregate. Dependencies run one way: `case`
//! dispatches to `key_dates` and `flags`; everything that writes an action goes through
//! `actions`; nothing here depends on `decide`.

pub(crate) mod access;
pub(crate) mod actions;
pub mod bundles;
pub(crate) mod case;
pub(crate) mod documents;
pub(crate) mod family;
pub(crate) mod flags;
pub(crate) mod key_dates;
pub(crate) mod orgs;
pub(crate) mod overrides;
pub(crate) mod personal;
pub(crate) mod ticket_records;
pub(crate) mod tickets;
pub(crate) mod timeline;
