//! Rules about what people are shown, shared by the server's lists and the phone's screens.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::ids::AlertId;
use crate::model::{Action, Alert, Notice};
use crate::vocab::ActionState;

/// Which next actions a list shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ActionFilter {
    /// Open actions (overdue ones included).
    #[default]
    Open,
    /// Open and due before today in England (due today is not overdue).
    Overdue,
    /// Completed or cancelled.
    Done,
}

impl ActionFilter {
    pub fn matches(&self, action: &Action, today: NaiveDate) -> bool {
        match self {
            ActionFilter::Open => action.is_open(),
            ActionFilter::Overdue => action.is_overdue(today),
            ActionFilter::Done => !action.is_open(),
        }
    }

    /// The stored state the filter reads.
    pub fn state(&self) -> ActionState {
        match self {
            ActionFilter::Open | ActionFilter::Overdue => ActionState::Open,
            ActionFilter::Done => ActionState::Done,
        }
    }

    /// The last due date the filter takes in (overdue: yesterday).
    pub fn due_until(&self, today: NaiveDate) -> Option<NaiveDate> {
        match self {
            ActionFilter::Overdue => today.pred_opt(),
            ActionFilter::Open | ActionFilter::Done => None,
        }
    }
}

/// How far back notifications are listed, in days.
pub const NOTIFICATION_DAYS: u64 = 90;

/// The oldest due date of a notification still listed on `today`.
pub fn notifications_since(today: NaiveDate) -> NaiveDate {
    today.checked_sub_days(chrono::Days::new(NOTIFICATION_DAYS)).unwrap_or(today)
}

/// Whether a user who chose these reminder lead times is shown `alert` on `today` — and so may
/// mark it read. (That the user may see the alert's child at all is the membership's business.)
pub fn notification_shown(alert: &Alert, reminder_lead_days: &[u32], today: NaiveDate) -> bool {
    alert.due >= notifications_since(today) && alert.shown_with(reminder_lead_days)
}

/// Whether a notice is still listed on `today` (the same 90 days as alerts).
pub fn notice_shown(notice: &Notice, today: NaiveDate) -> bool {
    crate::dates::london_date(notice.raised_at) >= notifications_since(today)
}

/// Something a person is told: an alert about due work (in a child's scope, for everyone with
/// access) or a notice about what someone did on a ticket (in their own scope).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(untagged)]
pub enum Notification {
    Alert(Alert),
    Notice(Notice),
}

impl Notification {
    pub fn id(&self) -> AlertId {
        match self {
            Notification::Alert(a) => a.id,
            Notification::Notice(n) => n.id,
        }
    }

    pub fn raised_at(&self) -> chrono::DateTime<chrono::Utc> {
        match self {
            Notification::Alert(a) => a.raised_at,
            Notification::Notice(n) => n.raised_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dates::ymd;
    use crate::ids::*;
    use crate::model::AlertKind;
    use crate::vocab::Party;

    #[test]
    fn filters_and_their_index_bounds() {
        let today = ymd(2026, 3, 10);
        assert_eq!(ActionFilter::Overdue.due_until(today), Some(ymd(2026, 3, 9)));
        assert_eq!(ActionFilter::Open.due_until(today), None);
        assert_eq!(ActionFilter::Done.state(), ActionState::Done);
    }

    #[test]
    fn notifications_follow_lead_times_and_age() {
        let alert = |kind, lead, due| Alert {
            id: AlertId::new(),
            kind,
            child_id: ChildId::new(),
            case_id: CaseId::new(),
            action_id: ActionId::new(),
            due,
            lead_days: lead,
            responsible: Party::La,
            raised_at: chrono::Utc::now(),
        };
        let today = ymd(2026, 6, 1);
        assert!(notification_shown(&alert(AlertKind::Reminder, Some(3), today), &[7, 3], today));
        assert!(!notification_shown(&alert(AlertKind::Reminder, Some(1), today), &[7, 3], today));
        assert!(notification_shown(&alert(AlertKind::Overdue, None, ymd(2026, 3, 3)), &[], today));
        assert!(!notification_shown(&alert(AlertKind::Overdue, None, ymd(2026, 3, 2)), &[], today), "91 days old");
    }
}
