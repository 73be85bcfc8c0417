//! The rules behind `decide`, one module per aggregate.

pub(crate) mod case;
pub(crate) mod documents;
pub(crate) mod family;
pub(crate) mod flags;
pub(crate) mod key_dates;
pub(crate) mod personal;
