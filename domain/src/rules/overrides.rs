//! Text edits that cross: the later edit wins, and the writer whose edit it replaced without
//! having seen it is told (`docs/sync.md`, "Conflicts"). Only changes that come by sync take
//! part — they carry the version of the record the device last saw (its base); a request to the
//! API answers with the record as it then stands, so its caller already sees what won.

use crate::command::{CaseCommand, Command, FamilyCommand, Operation, TicketCommand};
use crate::context::Context;
use crate::keys;
use crate::model::Record;
use crate::scope::Scope;
use crate::snapshot::{Changes, Snapshot};
use crate::sync::{Overridden, TextEdit};

/// One text field a command edits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextField {
    pub scope: Scope,
    pub key: String,
    pub field: &'static str,
}

/// The text fields `op` edits: a case's summary, an action's description, a checklist item's
/// text, a child's name, local authority and school.
pub fn text_fields(op: &Operation) -> Vec<TextField> {
    let field = |scope: Scope, key: String, field| TextField { scope, key, field };
    match op {
        Operation::Command(Command::Case { child_id, case_id, command }) => match command {
            CaseCommand::EditCase { .. } => vec![field(Scope::Child(*child_id), keys::case(*case_id), "summary")],
            CaseCommand::EditAction { action_id, patch } if patch.description.is_some() => {
                vec![field(Scope::Child(*child_id), keys::action(*case_id, *action_id), "description")]
            }
            _ => Vec::new(),
        },
        Operation::Command(Command::Ticket {
            connection_id,
            command: TicketCommand::EditChecklistItem { item_id, text: Some(_), .. },
            ..
        }) => vec![field(Scope::Conn(*connection_id), keys::checklist_item(*item_id), "text")],
        Operation::Command(Command::Family { family_id, command: FamilyCommand::EditChild { child_id, patch } }) => {
            let (scope, key) = (Scope::Family(*family_id), keys::family_child(*child_id));
            [
                ("name", patch.name.is_some()),
                ("local_authority", patch.local_authority.is_some()),
                ("school", patch.school.is_some()),
            ]
            .into_iter()
            .filter(|(_, edited)| *edited)
            .map(|(name, _)| field(scope.clone(), key.clone(), name))
            .collect()
        }
        _ => Vec::new(),
    }
}

/// The value of a text field of a record (`None`: not a text field of it, or empty).
pub fn field_value(record: &Record, field: &str) -> Option<String> {
    match (record, field) {
        (Record::Case(c), "summary") => Some(c.summary.clone()),
        (Record::Action(a), "description") => Some(a.description.clone()),
        (Record::ChecklistItem(i), "text") => Some(i.text.clone()),
        (Record::Child(c), "name") => Some(c.name.clone()),
        (Record::Child(c), "local_authority") => Some(c.local_authority.clone()),
        (Record::Child(c), "school") => c.school.clone(),
        _ => None,
    }
}

/// After a synced change's own writes: for each text field it changed, note this device as its
/// last editor, and tell the previous editor — another device, whose edit this device had not
/// seen (it came after the version this edit was based on) — that its edit was replaced.
pub(crate) fn record_text_edits(ctx: &Context, op: &Operation, snap: &Snapshot, changes: &mut Changes<'_>) {
    let Some(origin) = &ctx.origin else { return };
    for f in text_fields(op) {
        let Some(before) = snap.entry(&f.scope, &f.key) else { continue };
        let after = changes.current(&f.scope, &f.key).and_then(|r| field_value(r, f.field));
        if before.deleted || after == field_value(&before.record, f.field) {
            continue;
        }
        let ledger = keys::text_edit(&f.key, f.field);
        if let Some(Record::TextEdit(previous)) = snap.get(&f.scope, &ledger)
            && previous.client_id != origin.client_id
            && origin.base.is_some_and(|base| previous.version > base)
        {
            let notice = Overridden {
                client_id: previous.client_id.clone(),
                mid: previous.mid,
                scope: f.scope.to_string(),
                key: f.key.clone(),
                field: f.field.to_owned(),
                at: ctx.now,
            };
            let id = ctx.op.derive(&format!("overridden/{}#{}", f.key, f.field));
            changes.put(&Scope::User(previous.user.clone()), keys::overridden(id), Record::Overridden(notice));
        }
        let mark = TextEdit {
            client_id: origin.client_id.clone(),
            user: ctx.actor.user.clone(),
            mid: origin.mid,
            version: before.version + 1,
        };
        changes.put(&f.scope, ledger, Record::TextEdit(mark));
    }
}
