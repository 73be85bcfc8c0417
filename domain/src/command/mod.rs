//! Every change a person can make, as data, grouped by the area (and so the scope) it changes.
//! The same commands arrive from REST handlers and from a phone's sync push.
//!
//! Each command names the scope it runs in — a phone, offline, cannot look up which child a
//! case belongs to — so the scope is part of the command, checked against the records it
//! reads. Changes only the server can make (a measured upload, a recorded analysis) are
//! [`SystemCommand`]s, which no client can push.

mod bundle;
mod case;
mod document;
mod family;
mod personal;
mod support;
mod system;
mod timeline;

use serde::{Deserialize, Serialize};

pub use bundle::{BundleCommand, BundlePatch, NewBundle};
pub use case::{ActionPatch, CaseCommand, ExceptionInput, NewAction};
pub use document::{DocumentCommand, DocumentPatch};
pub use family::{ChildPatch, FamilyCommand, SupportTarget};
pub use personal::PersonalCommand;
pub use support::{AdvocateCommand, OrgCommand, OrganisationInput, ProfileInput, TicketCommand};
pub use system::{BuildOutcome, DocumentFinding, SystemCommand};
pub use timeline::{EntryPatch, NewCommitment, NewEntry, TimelineCommand};

use crate::context::Actor;
use crate::ids::{
    AdvocateId, BundleId, CaseId, ChildId, ConnectionId, DocumentId, FamilyId, OrganisationId, TicketId,
    TimelineEntryId,
};
use crate::scope::Scope;

/// A change a person makes, in the scope it names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Command {
    /// The family account and its children (scope `family:<id>`).
    Family { family_id: FamilyId, command: FamilyCommand },
    /// One EHCP case of a child (scope `child:<id>`): status, key dates, notes, actions, flags.
    Case { child_id: ChildId, case_id: CaseId, command: CaseCommand },
    /// One vault document of a child (scope `child:<id>`).
    Document { child_id: ChildId, document_id: DocumentId, command: DocumentCommand },
    /// One entry of a child's timeline (scope `child:<id>`).
    Timeline { child_id: ChildId, entry_id: TimelineEntryId, command: TimelineCommand },
    /// One evidence bundle of a child (scope `child:<id>`).
    Bundle { child_id: ChildId, bundle_id: BundleId, command: BundleCommand },
    /// The caller's own settings (scope `user:<caller>`).
    Personal { command: PersonalCommand },
    /// One support ticket (scope `conn:<id>`: one connection holds one ticket).
    Ticket { connection_id: ConnectionId, ticket_id: TicketId, command: TicketCommand },
    /// The calling advocate's own profile and private notes (scope `advocate:<caller>`).
    Advocate { command: AdvocateCommand },
    /// An advocacy organisation (scope `org:<id>`).
    Org { org_id: OrganisationId, command: OrgCommand },
}

impl Command {
    /// The scope the command runs in (and whose membership authorises it).
    pub fn scope(&self, actor: &Actor) -> Scope {
        match self {
            Command::Family { family_id, .. } => Scope::Family(*family_id),
            Command::Case { child_id, .. }
            | Command::Document { child_id, .. }
            | Command::Timeline { child_id, .. }
            | Command::Bundle { child_id, .. } => Scope::Child(*child_id),
            Command::Personal { .. } => Scope::User(actor.user.clone()),
            Command::Ticket { connection_id, .. } => Scope::Conn(*connection_id),
            Command::Advocate { .. } => Scope::Advocate(AdvocateId::for_user(&actor.user)),
            Command::Org { org_id, .. } => Scope::Org(*org_id),
        }
    }

    /// The command's wire name, used in the audit log.
    pub fn name(&self) -> &'static str {
        match self {
            Command::Family { command, .. } => command.name(),
            Command::Case { command, .. } => command.name(),
            Command::Document { command, .. } => command.name(),
            Command::Timeline { command, .. } => command.name(),
            Command::Bundle { command, .. } => command.name(),
            Command::Personal { command } => command.name(),
            Command::Ticket { command, .. } => command.name(),
            Command::Advocate { command } => command.name(),
            Command::Org { command, .. } => command.name(),
        }
    }

    /// The case a command is about.
    pub fn case_id(&self) -> Option<CaseId> {
        match self {
            Command::Case { case_id, .. } => Some(*case_id),
            Command::Family { .. }
            | Command::Document { .. }
            | Command::Timeline { .. }
            | Command::Bundle { .. }
            | Command::Personal { .. }
            | Command::Ticket { .. }
            | Command::Advocate { .. }
            | Command::Org { .. } => None,
        }
    }

    /// Shorthand for a case command.
    pub fn case(child_id: ChildId, case_id: CaseId, command: CaseCommand) -> Self {
        Command::Case { child_id, case_id, command }
    }

    /// Shorthand for a family command.
    pub fn family(family_id: FamilyId, command: FamilyCommand) -> Self {
        Command::Family { family_id, command }
    }

    /// Shorthand for a document command.
    pub fn document(child_id: ChildId, document_id: DocumentId, command: DocumentCommand) -> Self {
        Command::Document { child_id, document_id, command }
    }

    /// Shorthand for a personal command.
    pub fn personal(command: PersonalCommand) -> Self {
        Command::Personal { command }
    }
}

/// Anything `decide` can be asked to do: a person's command, or a change only the server makes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operation {
    Command(Command),
    System(SystemCommand),
}

impl From<Command> for Operation {
    fn from(c: Command) -> Self {
        Operation::Command(c)
    }
}

impl From<SystemCommand> for Operation {
    fn from(c: SystemCommand) -> Self {
        Operation::System(c)
    }
}

impl Operation {
    pub fn scope(&self, actor: &Actor) -> Scope {
        match self {
            Operation::Command(c) => c.scope(actor),
            Operation::System(s) => s.scope(),
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Operation::Command(c) => c.name(),
            Operation::System(s) => s.name(),
        }
    }

    /// The case the operation is about (the audit line's target).
    pub fn case_id(&self) -> Option<CaseId> {
        match self {
            Operation::Command(c) => c.case_id(),
            Operation::System(s) => s.case_id(),
        }
    }

    /// A machine-made batch whose writes are each conditioned and idempotent, so they may be
    /// committed in several transactions when they exceed one (the analyser's flags).
    pub fn commits_in_batches(&self) -> bool {
        matches!(self, Operation::System(SystemCommand::RecordAnalysis { .. } | SystemCommand::RecordComparison { .. }))
    }
}
