//! The response-time promise on a ticket (`docs/support.md`): a pure function of the ticket's history
//! and `now`. The history is folded into a small [`SlaClock`] as events happen, so reading a
//! queue of hundreds of tickets needs the tickets alone, never their messages.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::vocab::{SlaChip, TicketPriority, TicketStatus};

/// What the advocate promised when no one says otherwise.
pub const DEFAULT_RESPONSE_HOURS: u32 = 48;

/// The open response window, if any, folded from the ticket's history.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SlaClock {
    /// When the open window opened (creation, or the earliest family message not yet answered
    /// by the advocate). `None`: no window is open.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opened_at: Option<DateTime<Utc>>,
    /// Since when the open window has been paused (the ticket is waiting on the family or
    /// the LA).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paused_since: Option<DateTime<Utc>>,
    /// Paused time already behind the open window, in seconds.
    #[serde(default)]
    pub paused_secs: i64,
}

/// Something that happened to a ticket, as far as its SLA is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlaEvent {
    /// The support request arrived (its message is the family's).
    Created,
    FamilyMessage,
    AdvocateMessage,
    /// The status changed (to the ticket's status after the event).
    StatusChanged,
}

impl SlaClock {
    /// The clock after `event` at `at`, the ticket's status being `status` afterwards.
    pub fn after(self, event: SlaEvent, at: DateTime<Utc>, status: TicketStatus) -> SlaClock {
        let mut next = self;
        match event {
            SlaEvent::Created => next = SlaClock { opened_at: Some(at), paused_since: None, paused_secs: 0 },
            SlaEvent::FamilyMessage if next.opened_at.is_none() => {
                next = SlaClock { opened_at: Some(at), paused_since: None, paused_secs: 0 }
            }
            SlaEvent::AdvocateMessage => return SlaClock::default(),
            SlaEvent::FamilyMessage | SlaEvent::StatusChanged => {}
        }
        if !status.is_open() || next.opened_at.is_none() {
            return SlaClock::default();
        }
        match (status.is_paused(), next.paused_since) {
            (true, None) => next.paused_since = Some(at),
            (false, Some(since)) => {
                next.paused_secs += (at - since).num_seconds().max(0);
                next.paused_since = None;
            }
            _ => {}
        }
        next
    }
}

/// The response window for a ticket: the advocate's stated hours scaled by priority (urgent a
/// quarter, high a half, normal as stated, low double). Wall-clock time; the type is ignored.
pub fn window(response_hours: u32, priority: TicketPriority) -> Duration {
    let minutes = i64::from(response_hours) * 60;
    Duration::minutes(match priority {
        TicketPriority::Urgent => minutes / 4,
        TicketPriority::High => minutes / 2,
        TicketPriority::Normal => minutes,
        TicketPriority::Low => minutes * 2,
    })
}

/// A ticket against its promise, as a person sees it at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Sla {
    /// When the advocate's answer is due (later by however long the ticket was paused).
    pub due_at: DateTime<Utc>,
    pub chip: SlaChip,
    /// Waiting on the family or the LA: the clock and the chip are frozen.
    pub paused: bool,
    /// The window's length in hours (the stated response time scaled by priority).
    pub window_hours: f64,
}

/// The ticket's SLA at `now`, or `None` when no window is open (the advocate has answered, or
/// the ticket is resolved or closed).
pub fn sla(clock: &SlaClock, priority: TicketPriority, response_hours: u32, now: DateTime<Utc>) -> Option<Sla> {
    let opened = clock.opened_at?;
    let length = window(response_hours, priority);
    // While paused, time up to `now` counts as paused: the due time moves with the clock and
    // what remains (so the chip) stays as it was when the pause began.
    let paused_now = clock.paused_since.map_or(0, |since| (now - since).num_seconds().max(0));
    let due_at = opened + length + Duration::seconds(clock.paused_secs + paused_now);
    let remaining = due_at - now;
    let chip = if now > due_at {
        SlaChip::Red
    } else if remaining * 4 <= length {
        SlaChip::Orange
    } else {
        SlaChip::Green
    };
    Some(Sla { due_at, chip, paused: clock.paused_since.is_some(), window_hours: length.num_minutes() as f64 / 60.0 })
}

/// When a running window's chip next changes: (orange from, red from). `None` while paused or
/// with no window, when nothing changes until someone acts.
pub fn changes(
    clock: &SlaClock,
    priority: TicketPriority,
    response_hours: u32,
) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    if clock.paused_since.is_some() {
        return None;
    }
    let opened = clock.opened_at?;
    let length = window(response_hours, priority);
    let due_at = opened + length + Duration::seconds(clock.paused_secs);
    // Orange once what remains is at most a quarter of the window; red once past due.
    let orange = due_at - length / 4;
    Some((orange, due_at + Duration::seconds(1)))
}

/// Queue order: red, then orange, then green, then tickets with no open window.
pub fn queue_rank(s: Option<&Sla>) -> u8 {
    match s.map(|s| s.chip) {
        Some(SlaChip::Red) => 0,
        Some(SlaChip::Orange) => 1,
        Some(SlaChip::Green) => 2,
        None => 3,
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(d: u32, h: u32) -> DateTime<Utc> {
        // 2026-11-23 is a Monday.
        Utc.with_ymd_and_hms(2026, 11, 23 + d, h, 0, 0).single().unwrap()
    }

    /// The worked example of `docs/support.md`: 48 h, high → 24 h. The family writes Monday 10:00 (due
    /// Tuesday 10:00); pending_la Monday 16:00; back Wednesday 09:00 → due Thursday 03:00,
    /// orange from Wednesday 21:00.
    #[test]
    fn the_worked_example() {
        let p = TicketPriority::High;
        let clock = SlaClock::default().after(SlaEvent::Created, at(0, 10), TicketStatus::New);
        let s = sla(&clock, p, 48, at(0, 11)).unwrap();
        assert_eq!((s.due_at, s.chip, s.paused, s.window_hours), (at(1, 10), SlaChip::Green, false, 24.0));

        let clock = clock.after(SlaEvent::StatusChanged, at(0, 16), TicketStatus::PendingLa);
        let paused = sla(&clock, p, 48, at(1, 12)).unwrap();
        assert!(paused.paused);
        assert_eq!(paused.chip, SlaChip::Green, "frozen as it was at 16:00 (18 h of 24 left)");
        assert_eq!(changes(&clock, p, 48), None, "nothing changes while paused");

        let clock = clock.after(SlaEvent::StatusChanged, at(2, 9), TicketStatus::InProgress);
        let s = sla(&clock, p, 48, at(2, 9)).unwrap();
        assert_eq!(s.due_at, at(3, 3), "Thursday 03:00");
        assert_eq!(changes(&clock, p, 48).map(|c| c.0), Some(at(2, 21)), "orange from Wednesday 21:00");
        assert_eq!(sla(&clock, p, 48, at(2, 20)).unwrap().chip, SlaChip::Green);
        assert_eq!(sla(&clock, p, 48, at(2, 21)).unwrap().chip, SlaChip::Orange);
        assert_eq!(sla(&clock, p, 48, at(3, 3)).unwrap().chip, SlaChip::Orange, "due, not yet late");
        assert_eq!(sla(&clock, p, 48, at(3, 4)).unwrap().chip, SlaChip::Red);
    }

    #[test]
    fn an_advocate_answer_closes_the_window_and_a_family_message_opens_one() {
        let p = TicketPriority::Normal;
        let clock = SlaClock::default().after(SlaEvent::Created, at(0, 10), TicketStatus::New);
        let answered = clock.after(SlaEvent::AdvocateMessage, at(0, 12), TicketStatus::InProgress);
        assert_eq!(sla(&answered, p, 48, at(0, 13)), None);
        let asked = answered.after(SlaEvent::FamilyMessage, at(1, 9), TicketStatus::InProgress);
        assert_eq!(sla(&asked, p, 48, at(1, 9)).unwrap().due_at, at(3, 9));
        // A second family message before any answer keeps the earliest.
        let again = asked.after(SlaEvent::FamilyMessage, at(2, 9), TicketStatus::InProgress);
        assert_eq!(again.opened_at, Some(at(1, 9)));
        let resolved = again.after(SlaEvent::StatusChanged, at(2, 10), TicketStatus::Resolved);
        assert_eq!(sla(&resolved, p, 48, at(2, 11)), None);
    }

    #[test]
    fn priority_recomputes_from_when_the_window_opened() {
        let clock = SlaClock::default().after(SlaEvent::Created, at(0, 10), TicketStatus::New);
        assert_eq!(sla(&clock, TicketPriority::Normal, 48, at(0, 11)).unwrap().due_at, at(2, 10));
        assert_eq!(sla(&clock, TicketPriority::Urgent, 48, at(0, 11)).unwrap().due_at, at(0, 22));
        assert_eq!(sla(&clock, TicketPriority::Urgent, 48, at(0, 23)).unwrap().chip, SlaChip::Red);
        assert_eq!(sla(&clock, TicketPriority::Low, 48, at(0, 11)).unwrap().window_hours, 96.0);
    }

    #[test]
    fn a_family_message_while_waiting_on_the_la_opens_a_paused_window() {
        let clock = SlaClock::default()
            .after(SlaEvent::Created, at(0, 10), TicketStatus::New)
            .after(SlaEvent::AdvocateMessage, at(0, 11), TicketStatus::InProgress)
            .after(SlaEvent::StatusChanged, at(0, 12), TicketStatus::PendingLa)
            .after(SlaEvent::FamilyMessage, at(1, 10), TicketStatus::PendingLa);
        let s = sla(&clock, TicketPriority::Normal, 48, at(2, 10)).unwrap();
        assert!(s.paused);
        assert_eq!(s.due_at, at(4, 10), "48 h from the message plus the day it has been paused");
    }

    #[test]
    fn queue_order_is_red_orange_green_then_no_window() {
        let clock = SlaClock::default().after(SlaEvent::Created, at(0, 10), TicketStatus::New);
        let green = sla(&clock, TicketPriority::Normal, 48, at(0, 11));
        let red = sla(&clock, TicketPriority::Normal, 48, at(3, 11));
        assert!(queue_rank(red.as_ref()) < queue_rank(green.as_ref()));
        assert!(queue_rank(green.as_ref()) < queue_rank(None));
    }
}
