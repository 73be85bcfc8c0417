//! The records each operation's decision reads, to be loaded into its snapshot. Everything a
//! rule looks at must be named here: `decide` sees nothing else (the tests' world enforces it).

use crate::command::{
    AdvocateCommand, BundleCommand, CaseCommand, Command, DocumentCommand, FamilyCommand, Operation, OrgCommand,
    PersonalCommand, SupportTarget, SystemCommand, TicketCommand, TimelineCommand,
};
use crate::context::Actor;
use crate::error::limits;
use crate::ids::AdvocateId;
use crate::ids::{ConnectionId, FamilyId, UserId};
use crate::keys;
use crate::model::Record;
use crate::scope::Scope;
use crate::snapshot::{Read, Snapshot};

/// The reads `decide` needs for `op`: its own, and who last edited each text field it edits
/// (for a synced edit that replaces another device's unseen, `rules::overrides`).
pub fn reads(op: &Operation, actor: &Actor) -> Vec<Read> {
    let mut reads = command_reads(op, actor);
    reads.extend(
        crate::rules::overrides::text_fields(op)
            .into_iter()
            .map(|f| Read::Get(f.scope, keys::text_edit(&f.key, f.field))),
    );
    reads
}

fn command_reads(op: &Operation, actor: &Actor) -> Vec<Read> {
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
                Read::Prefix(scope.clone(), keys::GRANT_PREFIX.into()),
            ],
            FamilyCommand::EditChild { child_id, .. } => {
                vec![get(keys::family_child(*child_id)), Read::Get(Scope::Child(*child_id), keys::CHILD_PROFILE.into())]
            }
            FamilyCommand::RequestSupport { connection_id, message_id, to, child_id, replaces, .. } => {
                let conn = Scope::Conn(*connection_id);
                let mut reads = vec![
                    get(keys::family_child(*child_id)),
                    Read::Prefix(scope.clone(), keys::MEMBER_PREFIX.into()),
                    Read::Get(conn.clone(), keys::CONNECTION.into()),
                    Read::Get(conn, keys::message(*message_id)),
                ];
                match to {
                    SupportTarget::Advocate(id) => {
                        reads.push(Read::Get(Scope::Advocate(*id), keys::ADVOCATE_PROFILE.into()))
                    }
                    SupportTarget::Organisation(id) => {
                        reads.push(Read::Get(Scope::Org(*id), keys::ORG_PROFILE.into()));
                        reads.push(Read::Prefix(Scope::Org(*id), keys::ORG_MEMBER_PREFIX.into()));
                    }
                }
                if let Some(old) = replaces {
                    reads.push(Read::Get(Scope::Conn(*old), keys::CONNECTION.into()));
                }
                reads
            }
            FamilyCommand::Grant { connection_id, .. }
            | FamilyCommand::Revoke { connection_id, .. }
            | FamilyCommand::EndSupport { connection_id, .. } => {
                let mut reads = ticket_reads(&Scope::Conn(*connection_id));
                reads.extend(grant_reads(&scope));
                reads
            }
            FamilyCommand::Review { advocate_id, connection_id, .. } => {
                let advocate = Scope::Advocate(*advocate_id);
                let family_id = match &scope {
                    Scope::Family(f) => *f,
                    _ => return Vec::new(),
                };
                vec![
                    Read::Get(Scope::Conn(*connection_id), keys::CONNECTION.into()),
                    Read::Get(advocate.clone(), keys::ADVOCATE_PROFILE.into()),
                    Read::Prefix(advocate.clone(), keys::DIRECTORY_PREFIX.into()),
                    Read::Get(advocate, keys::review(family_id)),
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
                TicketCommand::Handover { to_advocate_id, new_connection_id, .. } => {
                    reads.push(get(keys::HANDOVER.into()));
                    reads.push(Read::Get(Scope::Advocate(*to_advocate_id), keys::ADVOCATE_PROFILE.into()));
                    reads.push(Read::Get(Scope::Conn(*new_connection_id), keys::CONNECTION.into()));
                }
                TicketCommand::Accept
                | TicketCommand::Decline { .. }
                | TicketCommand::Update { .. }
                | TicketCommand::Assign { .. }
                | TicketCommand::Leave => {}
            }
            reads
        }
        Operation::Command(Command::Org { command, .. }) => {
            let mut reads = vec![get(keys::ORG_PROFILE.into())];
            match command {
                OrgCommand::SetOrganisation { .. } => {}
                OrgCommand::SetMember { advocate_id, .. } | OrgCommand::RemoveMember { advocate_id } => {
                    reads.push(get(keys::org_member(*advocate_id)));
                    reads.push(Read::Get(Scope::Advocate(*advocate_id), keys::ADVOCATE_PROFILE.into()));
                }
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
            let mut reads = match command {
                // A note commutes with everything else in the case: it needs the case and its
                // own id only, so adding one stays cheap however long the case's history grows
                // (on a phone, every note is decided locally).
                CaseCommand::AddNote { note_id, .. } => vec![
                    get(keys::CHILD_PROFILE.into()),
                    get(keys::case(*case_id)),
                    get(keys::note(*case_id, *note_id)),
                ],
                _ => vec![get(keys::CHILD_PROFILE.into()), Read::Prefix(scope.clone(), keys::case_aggregate(*case_id))],
            };
            // Linked documents must be this child's: each is read (a list over the limit is
            // refused by decide, so no more than one past it is loaded).
            let linked = command.linked_documents();
            reads.extend(linked.into_iter().take(limits::LINKED_DOCUMENTS + 1).map(|d| get(keys::document(d))));
            reads
        }
        Operation::Command(Command::Document { document_id, command, .. }) => match command {
            DocumentCommand::CreateDocument { .. }
            | DocumentCommand::EditDocument { .. }
            | DocumentCommand::DeleteDocument => {
                vec![get(keys::CHILD_PROFILE.into()), get(keys::document(*document_id))]
            }
        },
        Operation::Command(Command::Timeline { entry_id, command, .. }) => {
            let mut reads = vec![get(keys::CHILD_PROFILE.into()), get(keys::timeline_entry(*entry_id))];
            if matches!(command, TimelineCommand::DeleteEntry) {
                reads.push(Read::Prefix(scope.clone(), keys::revisions(*entry_id)));
            }
            if let Some(case_id) = command.linked_case() {
                reads.push(get(keys::case(case_id)));
            }
            let linked = command.linked_documents();
            reads.extend(linked.into_iter().take(limits::LINKED_DOCUMENTS + 1).map(|d| get(keys::document(d))));
            reads
        }
        Operation::Command(Command::Bundle { bundle_id, command, .. }) => {
            let mut reads = vec![get(keys::CHILD_PROFILE.into()), get(keys::bundle(*bundle_id))];
            if let Some(case_id) = command.linked_case() {
                reads.push(get(keys::case(case_id)));
            }
            match command {
                // Each item must be this child's document (a list over the limit is refused by
                // decide, so no more than one past it is read).
                BundleCommand::SetItems { items, .. } => reads.extend(
                    items.iter().take(crate::bundle::MAX_ITEMS + 1).map(|i| get(keys::document(i.document_id))),
                ),
                BundleCommand::RequestBuild { build_id } => reads.push(get(keys::build(*bundle_id, *build_id))),
                BundleCommand::DeleteBundle => reads.push(Read::Prefix(scope.clone(), keys::bundle_parts(*bundle_id))),
                BundleCommand::Share { connection_id } | BundleCommand::Unshare { connection_id } => {
                    reads.push(Read::Get(Scope::Conn(*connection_id), keys::CONNECTION.into()))
                }
                BundleCommand::CreateLink { link_id, .. } | BundleCommand::RevokeLink { link_id } => {
                    reads.push(get(keys::link(*bundle_id, *link_id)))
                }
                BundleCommand::CreateBundle { .. } | BundleCommand::EditBundle { .. } => {}
            }
            reads
        }
        Operation::Command(Command::Personal { command }) => match command {
            PersonalCommand::SetPreferences { .. } => vec![get(keys::PREFERENCES.into())],
            PersonalCommand::MarkNotificationRead { notification_id } => {
                vec![get(keys::read_marker(*notification_id))]
            }
            PersonalCommand::RequestExport { .. } => vec![Read::Prefix(scope.clone(), keys::EXPORT_PREFIX.into())],
        },
        Operation::System(system) => {
            let mut reads = vec![get(keys::CHILD_PROFILE.into())];
            reads.extend(system.document_id().map(|d| get(keys::document(d))));
            match system {
                SystemCommand::RecordAnalysis { case_id: Some(case_id), .. } => {
                    reads.push(Read::Prefix(scope.clone(), keys::case_aggregate(*case_id)))
                }
                SystemCommand::RecordComparison { case_id, report_document_ids, .. } => {
                    reads.push(Read::Prefix(scope.clone(), keys::case_aggregate(*case_id)));
                    // Each report must be this child's; a list over the limit is refused by
                    // decide, so no more than one past it is read.
                    reads.extend(
                        report_document_ids.iter().take(limits::COMPARED_REPORTS + 1).map(|d| get(keys::document(*d))),
                    );
                }
                SystemCommand::RecordExport { export_id, .. } => reads.push(get(keys::export(*export_id))),
                SystemCommand::RecordErasure { .. } => reads.push(get(keys::ERASURE_RECEIPT.into())),
                SystemCommand::RecordBuild { bundle_id, build_id, .. } => {
                    reads.push(get(keys::bundle(*bundle_id)));
                    reads.push(get(keys::build(*bundle_id, *build_id)));
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

/// A family's children and grants: what recomputing an advocate's memberships starts from.
fn grant_reads(family: &Scope) -> Vec<Read> {
    vec![
        Read::Prefix(family.clone(), keys::CHILD_PREFIX.into()),
        Read::Prefix(family.clone(), keys::GRANT_PREFIX.into()),
    ]
}

/// Reads that depend on what earlier reads found, loaded into the same snapshot before
/// deciding; the caller asks again with the grown snapshot until nothing new is named (a few
/// rounds at most). Closing a case reads the ticket linked to it; changing grants reads the
/// advocate's memberships of each child; accepting a handover reads the connection it
/// replaces and that connection's grants; an organisation's assignment reads its members.
pub fn reads_after(op: &Operation, actor: &Actor, snap: &Snapshot) -> Vec<Read> {
    let connection = |id: ConnectionId| match snap.get(&Scope::Conn(id), keys::CONNECTION) {
        Some(Record::Connection(c)) => Some(c.clone()),
        _ => None,
    };
    // An advocate's memberships of the family's children, for recomputing them.
    let memberships = |family_id: FamilyId, users: &[Option<UserId>]| -> Vec<Read> {
        users.iter().flatten().flat_map(|u| crate::rules::access::membership_reads(snap, family_id, u)).collect()
    };
    match op {
        Operation::Command(Command::Case {
            child_id,
            case_id,
            command: CaseCommand::ChangeStatus { .. } | CaseCommand::CloseCase { .. },
        }) => match snap.get(&Scope::Child(*child_id), &keys::ticket_link(*case_id)) {
            Some(Record::TicketLink(link)) => ticket_reads(&Scope::Conn(link.connection_id)),
            _ => Vec::new(),
        },
        // A build takes the bundle's documents as they are now.
        Operation::Command(Command::Bundle { child_id, bundle_id, command: BundleCommand::RequestBuild { .. } }) => {
            let scope = Scope::Child(*child_id);
            match snap.get(&scope, &keys::bundle(*bundle_id)) {
                Some(Record::Bundle(b)) => {
                    b.items.iter().map(|i| Read::Get(scope.clone(), keys::document(i.document_id))).collect()
                }
                _ => Vec::new(),
            }
        }
        // A promise's action completed or reopened from the case is mirrored on its entry.
        Operation::Command(Command::Case {
            child_id,
            case_id,
            command: CaseCommand::CompleteAction { action_id, .. } | CaseCommand::ReopenAction { action_id },
        }) => match snap.get(&Scope::Child(*child_id), &keys::action(*case_id, *action_id)) {
            Some(Record::Action(a)) => {
                a.source.iter().map(|s| Read::Get(Scope::Child(*child_id), keys::timeline_entry(s.entry_id))).collect()
            }
            _ => Vec::new(),
        },
        // The actions of the entry's promises, on the case it names now and the one it will.
        Operation::Command(Command::Timeline { child_id, entry_id, command }) => {
            let scope = Scope::Child(*child_id);
            let Some(Record::TimelineEntry(stored)) = snap.get(&scope, &keys::timeline_entry(*entry_id)) else {
                return Vec::new();
            };
            let mut cases: Vec<_> = stored.case_id.into_iter().chain(command.linked_case()).collect();
            cases.dedup();
            let mut promises: Vec<_> = stored.commitments.iter().map(|c| c.id).collect();
            if let TimelineCommand::EditEntry { patch } = command {
                promises.extend(patch.commitments.iter().flatten().filter_map(|c| c.id));
            }
            let mut reads = Vec::new();
            for case in cases {
                reads.push(Read::Get(scope.clone(), keys::case(case)));
                for id in &promises {
                    let action = crate::timeline::commitment_action_id(*id);
                    reads.push(Read::Get(scope.clone(), keys::action(case, action)));
                    reads.push(Read::Get(scope.clone(), keys::tracker(case, action)));
                }
            }
            reads
        }
        Operation::Command(Command::Family {
            family_id,
            command:
                FamilyCommand::Grant { connection_id, .. }
                | FamilyCommand::Revoke { connection_id, .. }
                | FamilyCommand::EndSupport { connection_id, .. },
        }) => {
            let Some(conn) = connection(*connection_id) else { return Vec::new() };
            let granted = match snap.get(&Scope::Family(*family_id), &keys::grant(*connection_id)) {
                Some(Record::Grant(g)) => Some(g.advocate_user.clone()),
                _ => None,
            };
            memberships(*family_id, &[conn.advocate_user, granted])
        }
        Operation::Command(Command::Ticket { connection_id, command, .. }) => {
            let Some(conn) = connection(*connection_id) else { return Vec::new() };
            let family = Scope::Family(conn.family_id);
            let mut reads = Vec::new();
            match command {
                // Ending the support revokes the grant: the family's grants and children, then
                // the advocate's memberships of them.
                TicketCommand::Leave => {
                    reads.extend(grant_reads(&family));
                    let granted = match snap.get(&family, &keys::grant(conn.id)) {
                        Some(Record::Grant(g)) => Some(g.advocate_user.clone()),
                        _ => None,
                    };
                    reads.extend(memberships(conn.family_id, &[conn.advocate_user.clone(), granted]));
                }
                TicketCommand::Accept => {
                    if let Some(old_id) = conn.replaces {
                        let old = Scope::Conn(old_id);
                        reads.extend(ticket_reads(&old));
                        reads.extend(grant_reads(&family));
                        if let Some(user) = &conn.advocate_user {
                            reads.push(Read::Get(Scope::User(user.clone()), keys::membership(&old)));
                        }
                        if let Some(previous) = connection(old_id) {
                            let granted = match snap.get(&family, &keys::grant(old_id)) {
                                Some(Record::Grant(g)) => Some(g.advocate_user.clone()),
                                _ => None,
                            };
                            reads.extend(memberships(conn.family_id, &[previous.advocate_user, granted]));
                        }
                    }
                }
                TicketCommand::Assign { advocate_id } => {
                    if let Some(org_id) = conn.org_id {
                        let org = Scope::Org(org_id);
                        reads.push(Read::Get(org.clone(), keys::org_member(*advocate_id)));
                        reads.push(Read::Get(org.clone(), keys::org_member(AdvocateId::for_user(&actor.user))));
                        reads.extend(grant_reads(&family));
                        let conn_scope = Scope::Conn(conn.id);
                        if let Some(Record::OrgMember(m)) = snap.get(&org, &keys::org_member(*advocate_id)) {
                            reads.push(Read::Get(Scope::User(m.user.clone()), keys::membership(&conn_scope)));
                        }
                        if let Some(user) = &conn.advocate_user {
                            reads.push(Read::Get(Scope::User(user.clone()), keys::membership(&conn_scope)));
                        }
                        reads.extend(memberships(conn.family_id, std::slice::from_ref(&conn.advocate_user)));
                    }
                }
                _ => {}
            }
            reads
        }
        Operation::Command(Command::Org {
            org_id,
            command: OrgCommand::SetMember { advocate_id, .. } | OrgCommand::RemoveMember { advocate_id },
        }) => {
            let org = Scope::Org(*org_id);
            match snap.get(&Scope::Advocate(*advocate_id), keys::ADVOCATE_PROFILE) {
                Some(Record::AdvocateProfile(p)) => {
                    vec![Read::Get(Scope::User(p.user.clone()), keys::membership(&org))]
                }
                _ => Vec::new(),
            }
        }
        Operation::Command(Command::Org { org_id, command: OrgCommand::SetOrganisation { .. } }) => {
            vec![Read::Get(Scope::User(actor.user.clone()), keys::membership(&Scope::Org(*org_id)))]
        }
        _ => Vec::new(),
    }
}
