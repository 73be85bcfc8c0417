//! Changes to the caller's own settings (the caller's user scope; never audited to a family).

use serde::{Deserialize, Serialize};

use crate::ids::{AlertId, ExportId};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum PersonalCommand {
    /// The caller's reminder lead times.
    SetPreferences { reminder_lead_days: Vec<u32> },
    /// The caller has read a notification.
    MarkNotificationRead { notification_id: AlertId },
    /// An export of everything the caller gave or the vault derived about them (one at a time).
    RequestExport { export_id: ExportId },
}

impl PersonalCommand {
    pub fn name(&self) -> &'static str {
        match self {
            PersonalCommand::SetPreferences { .. } => "set_preferences",
            PersonalCommand::MarkNotificationRead { .. } => "mark_notification_read",
            PersonalCommand::RequestExport { .. } => "request_export",
        }
    }
}
