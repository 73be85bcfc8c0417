//! The records each operation's decision reads, to be loaded into its snapshot. Everything a
//! rule looks at must be named here: `decide` sees nothing else (the tests' world enforces it).

use crate::command::{Command, DocumentCommand, FamilyCommand, Operation, PersonalCommand, SystemCommand};
use crate::context::Actor;
use crate::error::limits;
use crate::keys;
use crate::scope::Scope;
use crate::snapshot::Read;

/// The reads `decide` needs for `op`.
pub fn reads(op: &Operation, actor: &Actor) -> Vec<Read> {
    let scope = op.scope(actor);
    let get = |key: String| Read::Get(scope.clone(), key);
    match op {
        Operation::Command(Command::Family { command, .. }) => match command {
            FamilyCommand::CreateFamily { .. } => vec![
                get(keys::FAMILY_PROFILE.into()),
                Read::Prefix(Scope::User(actor.user.clone()), keys::MEMBERSHIP_PREFIX.into()),
            ],
            FamilyCommand::AddChild { child_id, .. } => vec![
                get(keys::FAMILY_PROFILE.into()),
                get(keys::family_child(*child_id)),
                Read::Prefix(scope.clone(), keys::MEMBER_PREFIX.into()),
            ],
            FamilyCommand::EditChild { child_id, .. } => {
                vec![get(keys::family_child(*child_id)), Read::Get(Scope::Child(*child_id), keys::CHILD_PROFILE.into())]
            }
        },
        Operation::Command(Command::Case { case_id, command, .. }) => {
            let mut reads =
                vec![get(keys::CHILD_PROFILE.into()), Read::Prefix(scope.clone(), keys::case_aggregate(*case_id))];
            // Linked documents must be this child's: each is read (a list over the limit is
            // refused by decide, so no more than one past it is loaded).
            let linked = command.linked_documents();
            reads.extend(linked.into_iter().take(limits::LINKED_DOCUMENTS + 1).map(|d| get(keys::document(d))));
            reads
        }
        Operation::Command(Command::Document { document_id, command, .. }) => match command {
            DocumentCommand::CreateDocument { .. } | DocumentCommand::DeleteDocument => {
                vec![get(keys::CHILD_PROFILE.into()), get(keys::document(*document_id))]
            }
        },
        Operation::Command(Command::Personal { command }) => match command {
            PersonalCommand::SetPreferences { .. } => vec![get(keys::PREFERENCES.into())],
            PersonalCommand::MarkNotificationRead { notification_id } => {
                vec![get(keys::read_marker(*notification_id))]
            }
        },
        Operation::System(system) => {
            let mut reads = vec![get(keys::CHILD_PROFILE.into()), get(keys::document(system.document_id()))];
            match system {
                SystemCommand::RecordAnalysis { case_id: Some(case_id), .. } => {
                    reads.push(Read::Prefix(scope.clone(), keys::case_aggregate(*case_id)))
                }
                SystemCommand::RecordAnalysis { case_id: None, .. }
                | SystemCommand::ConfirmUpload { .. }
                | SystemCommand::RecordAnalysisFailure { .. } => {}
            }
            reads
        }
    }
}
