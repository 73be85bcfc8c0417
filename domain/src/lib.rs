//! Every rule of the SEN Evidence Vault, shared by the server and the phone.
//!
//! No I/O, no async, no clock: functions take `today`/`now` as arguments so that the same
//! inputs give the same answer on every device. See `docs/law.md` for the law behind the rules.

pub mod aggregate;
pub mod analyser;
pub mod audit;
pub mod bundle;
pub mod chronology;
pub mod command;
pub mod context;
pub mod dates;
pub mod decide;
pub mod erasure;
pub mod error;
pub mod execution;
pub mod export;
pub mod ids;
pub mod inputs;
pub mod keys;
pub mod lists;
pub mod model;
#[cfg(feature = "openapi")]
pub mod openapi;
pub mod overdue;
mod rules;
pub mod scope;
pub mod snapshot;
pub mod support;
pub mod sync;
pub mod timeline;
pub mod timescale;
pub mod vocab;
pub mod wire;

pub use aggregate::{ActionView, CaseAggregate, CaseDetail};
pub use chronology::{Chronology, ChronologyEntry};
pub use command::{
    ActionPatch, AdvocateCommand, BuildOutcome, BundleCommand, BundlePatch, CaseCommand, ChildPatch, Command,
    DocumentCommand, DocumentFinding, DocumentPatch, EntryPatch, ExceptionInput, FamilyCommand, NewAction, NewBundle,
    NewCommitment, NewEntry, Operation, OrgCommand, OrganisationInput, PersonalCommand, ProfileInput, SupportTarget,
    SystemCommand, TicketCommand, TimelineCommand,
};
pub use context::{Actor, Context, Origin};
pub use decide::decide;
pub use error::{DomainError, FieldError};
pub use execution::{Executed, Execution, MembershipRead};
pub use ids::*;
pub use inputs::{reads, reads_after};
pub use model::*;
pub use rules::bundles::may_change as may_change_bundles;
pub use rules::documents::{DocumentUse, may_use as may_use_document};
pub use rules::overrides::{TextField, field_value, text_fields};
pub use scope::Scope;
pub use snapshot::{Alias, Decision, Expect, Read, Snapshot, Versioned, Write};
pub use timescale::{Deadline, TimescaleId};
pub use vocab::*;

#[cfg(test)]
mod tests;
