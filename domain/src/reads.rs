//! The records each operation's decision reads, to be loaded into its snapshot. Everything a
//! rule looks at must be named here: `decide` sees nothing else (the tests' world enforces it).

use crate::command::{
    AdvocateCommand, CaseCommand, Command, DocumentCommand, FamilyCommand, Operation, PersonalCommand, SystemCommand,
    TicketCommand,
};
use crate::context::Actor;
use crate::error::limits;
use crate::keys;
use crate::model::Record;
use crate::scope::Scope;
use crate::snapshot::{Read, Snapshot};

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
            FamilyCommand::RequestSupport { connection_id, message_id, advocate_id, child_id, .. } => {
                let conn = Scope::Conn(*connection_id);
                vec![
                    get(keys::family_child(*child_id)),
                    Read::Prefix(scope.clone(), keys::MEMBER_PREFIX.into()),
                    Read::Get(Scope::Advocate(*advocate_id), keys::ADVOCATE_PROFILE.into()),
                    Read::Get(conn.clone(), keys::CONNECTION.into()),
                    Read::Get(conn, keys::message(*message_id)),
                ]
            }
        },
        Operation::Command(Command::Ticket { command, .. }) => {
            let mut reads = ticket_reads(&scope);
            match command {
                TicketCommand::RequestInfo { message_id, .. } | TicketCommand::PostMessage { message_id, .. } => {
                    reads.push(get(keys::message(*message_id)))
                }
                TicketCommand::AddChecklistItem { .. } => {
                    reads.push(Read::Prefix(scope.clone(), keys::CHECKLIST_PREFIX.into()))
                }
                TicketCommand::EditChecklistItem { item_id, .. } => reads.push(get(keys::checklist_item(*item_id))),
                TicketCommand::LinkCase { child_id, case_id } => {
                    let child = Scope::Child(*child_id);
                    reads.push(Read::Get(child.clone(), keys::CHILD_PROFILE.into()));
                    reads.push(Read::Get(child.clone(), keys::case(*case_id)));
                    reads.push(Read::Get(child, keys::ticket_link(*case_id)));
                }
                TicketCommand::Accept | TicketCommand::Decline { .. } | TicketCommand::Update { .. } => {}
            }
            reads
        }
        Operation::Command(Command::Advocate { command }) => match command {
            AdvocateCommand::SetProfile { .. } => {
                vec![get(keys::ADVOCATE_PROFILE.into()), Read::Prefix(scope.clone(), keys::DIRECTORY_PREFIX.into())]
            }
            AdvocateCommand::AddPrivateNote { connection_id, ticket_id, note_id, .. } => vec![
                Read::Get(Scope::Conn(*connection_id), keys::TICKET.into()),
                get(keys::private_note(*ticket_id, *note_id)),
            ],
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

/// The records of a connection's ticket that a change to it reads: the connection, the ticket
/// and its SLA tracker.
fn ticket_reads(conn: &Scope) -> Vec<Read> {
    [keys::CONNECTION, keys::TICKET, keys::SLA_TRACKER].into_iter().map(|k| Read::Get(conn.clone(), k.into())).collect()
}

/// Reads that depend on what the first reads found: closing a case reads the ticket linked to
/// it (which only the case's records name). Loaded into the same snapshot before deciding.
pub fn reads_after(op: &Operation, snap: &Snapshot) -> Vec<Read> {
    match op {
        Operation::Command(Command::Case {
            child_id,
            case_id,
            command: CaseCommand::ChangeStatus { .. } | CaseCommand::CloseCase { .. },
        }) => match snap.get(&Scope::Child(*child_id), &keys::ticket_link(*case_id)) {
            Some(Record::TicketLink(link)) => ticket_reads(&Scope::Conn(link.connection_id)),
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}
