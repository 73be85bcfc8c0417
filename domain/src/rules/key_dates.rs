//! Key dates and the statutory clocks they start, stop and move (`docs/law.md`).
//!
//! A case's statutory actions are a function of its key dates: every change to the key dates
//! replays all of them, in date order, and brings the stored actions in line. The replay reads
//! only the key dates and what people did by hand (completions), never the day it runs, so it
//! gives the same actions whenever and in whatever order the dates were entered. Statutory
//! actions get ids derived from (case, key date, timescale): a corrected date rewrites the same
//! actions instead of adding new ones, and a correction that removes the reason for an action
//! removes the action.

use chrono::NaiveDate;

use crate::aggregate::CaseAggregate;
use crate::context::Context;
use crate::dates::london_date;
use crate::error::{Checks, DomainError};
use crate::ids::{ActionId, KeyDateId, NoteId};
use crate::keys;
use crate::model::{Action, ActorRef, KeyDate, Note, Record};
use crate::rules::actions::{delete_action, put_action};
use crate::scope::Scope;
use crate::snapshot::Changes;
use crate::timescale::{Deadline, TimescaleId as T, appeal_deadline};
use crate::vocab::*;

pub(crate) struct Input {
    pub id: Option<KeyDateId>,
    pub kind: KeyDateKind,
    pub date: NaiveDate,
    pub decision: Option<AppealableDecision>,
    pub section_i_only: bool,
}

/// An action a key date creates: a statutory timescale (which may run from an earlier date:
/// the *Devon* cap runs from the meeting the notice answers), or the hearing itself.
enum Created {
    Clock(Deadline),
    Hearing(NaiveDate),
}

/// How a later key date closes a clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stop {
    /// Done: judged met or late against its due date.
    Completed,
    /// Made moot (a final plan cancels the no-plan clock).
    Cancelled,
    /// Closed without judging its timing (a mediation certificate is not the contact date).
    NotJudged,
    /// A family window ended early by the LA's issue of the plan inside it: the LA's breach.
    CutShort,
}

/// What recording a key date does to the case's actions.
#[derive(Default)]
struct Effects {
    creates: Vec<Created>,
    stops: Vec<(T, Stop)>,
}

fn check(input: &Input) -> Result<(), DomainError> {
    let mut checks = Checks::new();
    checks.plausible_date("date", input.date);
    if input.kind != KeyDateKind::DecisionNotice {
        if input.decision.is_some() {
            checks.refuse("decision", "only a decision_notice records an appealable decision");
        }
        if input.section_i_only {
            checks.refuse("section_i_only", "only applies to a decision_notice");
        }
    }
    checks.finish()
}

pub(crate) fn record(
    ctx: &Context,
    scope: &Scope,
    agg: &CaseAggregate,
    input: Input,
    changes: &mut Changes<'_>,
) -> Result<(), DomainError> {
    check(&input)?;
    let case_id = agg.case.id;
    let id = if input.kind.once_per_case() {
        KeyDateId::derived(case_id.0, input.kind.as_str())
    } else {
        input.id.unwrap_or(KeyDateId(ctx.op.derive("key_date")))
    };
    let existing = agg.key_dates.iter().find(|k| k.id == id);
    match existing {
        Some(k) if k.kind != input.kind => {
            return Err(DomainError::refused("kind", "a key date's kind cannot be changed; record a new key date"));
        }
        Some(k) if k.date == input.date && k.decision == input.decision && k.section_i_only == input.section_i_only => {
            return Ok(());
        }
        _ => {}
    }
    let kd = KeyDate {
        id,
        case_id,
        kind: input.kind,
        date: input.date,
        decision: input.decision,
        section_i_only: input.section_i_only,
        recorded_by: existing.map(|k| k.recorded_by.clone()).unwrap_or_else(|| ctx.actor_ref()),
        recorded_at: existing.map(|k| k.recorded_at).unwrap_or(ctx.now),
    };
    changes.put(scope, keys::key_date(case_id, id), Record::KeyDate(kd.clone()));
    // The case's key dates as they will stand after this one is written.
    let mut all: Vec<KeyDate> = agg.key_dates.iter().filter(|k| k.id != id).cloned().collect();
    all.push(kd.clone());
    let derived = replay(&all, &agg.actions)?;
    reconcile(ctx, scope, agg, &derived, changes);
    stop_manual_clocks(ctx, scope, agg, &kd, &all, changes)?;
    Ok(())
}

/// Removes a key date recorded in error: its clocks go (and the clocks it stopped run again),
/// exactly as if it had never been recorded.
pub(crate) fn delete(
    ctx: &Context,
    scope: &Scope,
    agg: &CaseAggregate,
    id: KeyDateId,
    changes: &mut Changes<'_>,
) -> Result<(), DomainError> {
    let Some(kd) = agg.key_dates.iter().find(|k| k.id == id) else {
        return Err(DomainError::NotFound { what: "key date" });
    };
    changes.delete(scope, keys::key_date(agg.case.id, id), Record::KeyDate(kd.clone()));
    let all: Vec<KeyDate> = agg.key_dates.iter().filter(|k| k.id != id).cloned().collect();
    let derived = replay(&all, &agg.actions)?;
    reconcile(ctx, scope, agg, &derived, changes);
    // Manual clocks it stopped run again.
    for a in agg.actions.iter().filter(|a| a.origin == ActionOrigin::Manual && a.completed_by_key_date == Some(id)) {
        let mut open = a.clone();
        reopen(&mut open);
        open.updated_at = ctx.now;
        put_action(changes, scope, open);
    }
    Ok(())
}

fn reopen(a: &mut Action) {
    a.state = ActionState::Open;
    a.completed_on = None;
    a.completed_by_key_date = None;
    a.cancelled = false;
    a.not_judged = false;
    a.cut_short = false;
}

fn clock(t: T, start: NaiveDate) -> Result<Created, DomainError> {
    Ok(Created::Clock(Deadline::from_start(t, start)?))
}

/// A notice that starts the appeal clock: a decision notice, or a final plan (which carries its
/// own appeal notice).
fn is_notice(k: &KeyDate) -> bool {
    matches!(k.kind, KeyDateKind::DecisionNotice | KeyDateKind::FinalIssued)
}

/// The certificate that belongs to `notice`: the latest one on or after it and before any later
/// notice. A Section-I-only appeal has none (no mediation).
fn certificate_for<'a>(notice: &KeyDate, all: &'a [KeyDate]) -> Option<&'a KeyDate> {
    if notice.section_i_only {
        return None;
    }
    let next_notice = all.iter().filter(|k| is_notice(k) && k.date > notice.date).map(|k| k.date).min();
    all.iter()
        .filter(|k| k.kind == KeyDateKind::MediationCertificate && k.date >= notice.date)
        .filter(|k| next_notice.is_none_or(|n| k.date < n))
        .max_by_key(|k| k.date)
}

/// A statutory action as the key dates alone determine it.
struct Derived {
    action: Action,
    /// Stopped by a later key date: (on, by, how).
    stopped: Option<(NaiveDate, KeyDateId, Stop)>,
}

/// The replay so far, with what people completed by hand (which the key dates cannot know).
struct Replay<'a> {
    derived: Vec<Derived>,
    stored: &'a [Action],
}

impl Replay<'_> {
    /// Whether the clock is still running on `day`: not stopped by an earlier key date, and not
    /// completed by hand on or before `day`.
    fn open_on(&self, d: &Derived, day: NaiveDate) -> bool {
        if d.stopped.is_some() {
            return false;
        }
        let by_hand = self.stored.iter().find(|a| a.id == d.action.id).and_then(|a| {
            (a.state == ActionState::Done && a.completed_by_key_date.is_none()).then_some(a.completed_on).flatten()
        });
        by_hand.is_none_or(|on| on > day)
    }

    /// The running clock of `timescale` on `day` (the latest started), if any.
    fn open(&self, timescale: T, day: NaiveDate) -> Option<usize> {
        (0..self.derived.len())
            .filter(|&i| self.derived[i].action.timescale == Some(timescale) && self.open_on(&self.derived[i], day))
            .max_by_key(|&i| self.derived[i].action.due)
    }
}

/// What `kd` does, given the clocks the earlier key dates left running.
fn effects(kd: &KeyDate, all: &[KeyDate], replay: &Replay<'_>) -> Result<Effects, DomainError> {
    let d = kd.date;
    let mut e = Effects::default();
    match kd.kind {
        KeyDateKind::RequestReceived => {
            for t in [T::AssessmentDecision, T::DraftPlanExpected, T::NoPlanDecision, T::FinalPlan] {
                e.creates.push(clock(t, d)?);
            }
        }
        KeyDateKind::DecisionToAssess => e.stops.push((T::AssessmentDecision, Stop::Completed)),
        KeyDateKind::DraftIssued => {
            e.creates.push(clock(T::DraftResponse, d)?);
            e.stops.push((T::DraftPlanExpected, Stop::Completed));
            // A draft plan means the LA has not decided *not* to issue one: the reg 10(1) limit
            // on that decision no longer applies (leaving it open would show a false breach).
            e.stops.push((T::NoPlanDecision, Stop::Cancelled));
        }
        KeyDateKind::FinalIssued => {
            e.creates.push(clock(T::AnnualReview, d)?);
            e.creates.push(clock(T::MediationContact, d)?);
            e.creates.push(Created::Clock(appeal_deadline(d, certificate_for(kd, all).map(|c| c.date))?));
            e.stops.push((T::FinalPlan, Stop::Completed));
            e.stops.push((T::NoPlanDecision, Stop::Cancelled));
            // Issued while the family's 15 days to comment on the draft were still running: the
            // LA's breach of reg 13(1)(a) — unless the family had already responded.
            e.stops.push((T::DraftResponse, Stop::CutShort));
        }
        KeyDateKind::AnnualReviewMeeting => {
            // Notice and advice are due two weeks before the meeting; a meeting recorded after
            // that could not have them on time, so they are not created. The day it was recorded
            // is an input, so the replay never depends on when it runs.
            if T::ReviewInvitation.due(d)? >= london_date(kd.recorded_at) {
                e.creates.push(clock(T::ReviewInvitation, d)?);
                e.creates.push(clock(T::ReviewAdvice, d)?);
            }
            for t in [T::ReviewReport, T::ReviewDecision, T::AnnualReview] {
                e.creates.push(clock(t, d)?);
            }
            e.stops.push((T::AnnualReview, Stop::Completed));
        }
        KeyDateKind::AmendmentNotice => {
            e.creates.push(clock(T::AmendmentResponse, d)?);
            e.creates.push(clock(T::AmendedFinal, d)?);
            // The *Devon* cap (12 weeks from the meeting) binds only a notice that answers an
            // open review decision, and runs from that review's meeting; an ad hoc notice months
            // after the review has no cap.
            if let Some(review) = replay.open(T::ReviewDecision, d) {
                let meeting = replay.derived[review].action.key_date_id;
                let meeting_date = all.iter().find(|k| Some(k.id) == meeting).map(|k| k.date);
                if let Some(m) = meeting_date {
                    e.creates.push(clock(T::AmendedFinalCap, m)?);
                }
                e.stops.push((T::ReviewDecision, Stop::Completed));
            }
        }
        KeyDateKind::AmendedPlanIssued => {
            e.stops.push((T::AmendedFinal, Stop::Completed));
            e.stops.push((T::AmendedFinalCap, Stop::Completed));
            // Issued before the family's 15 days for representations ended: reg 22(2)(c).
            e.stops.push((T::AmendmentResponse, Stop::CutShort));
        }
        KeyDateKind::DecisionNotice => {
            if !kd.section_i_only {
                e.creates.push(clock(T::MediationContact, d)?);
            }
            e.creates.push(Created::Clock(appeal_deadline(d, certificate_for(kd, all).map(|c| c.date))?));
            match kd.decision {
                Some(AppealableDecision::RefuseAssess) => {
                    e.stops.push((T::AssessmentDecision, Stop::Completed));
                    for t in [T::DraftPlanExpected, T::NoPlanDecision, T::FinalPlan] {
                        e.stops.push((t, Stop::Cancelled));
                    }
                }
                Some(AppealableDecision::RefusePlan) => {
                    e.stops.push((T::NoPlanDecision, Stop::Completed));
                    e.stops.push((T::DraftPlanExpected, Stop::Cancelled));
                    e.stops.push((T::FinalPlan, Stop::Cancelled));
                }
                // The reg 22(4) notice not to amend answers the review and closes the amended-plan
                // clocks, judged met or late.
                Some(AppealableDecision::RefuseAmend) => {
                    for t in [T::ReviewDecision, T::AmendedFinal, T::AmendedFinalCap] {
                        e.stops.push((t, Stop::Completed));
                    }
                }
                Some(AppealableDecision::Cease) => e.stops.push((T::ReviewDecision, Stop::Completed)),
                Some(AppealableDecision::PlanContents | AppealableDecision::RefuseReassess) | None => {}
            }
        }
        // The certificate comes up to 3 working days after the contact or the mediation, so its
        // date is not the contact date: the contact window closes as done, not judged.
        KeyDateKind::MediationCertificate => e.stops.push((T::MediationContact, Stop::NotJudged)),
        KeyDateKind::TribunalHearing => e.creates.push(Created::Hearing(d)),
    }
    Ok(e)
}

fn clock_action_id(kd: &KeyDate, name: &str) -> ActionId {
    ActionId::derived(kd.case_id.0, &format!("{}/{name}", kd.id))
}

fn template(kd: &KeyDate, created: Created) -> Action {
    let (id, description, responsible, due, accepted_until, priority, timescale, basis, kind) = match created {
        Created::Clock(deadline) => {
            let spec = deadline.timescale.spec();
            (
                clock_action_id(kd, deadline.timescale.as_str()),
                spec.step.to_owned(),
                spec.actor,
                deadline.due,
                deadline.accepted_until,
                ActionPriority::default_for(spec.actor, Some(spec.kind)),
                Some(deadline.timescale),
                spec.basis.to_owned(),
                Some(spec.kind),
            )
        }
        Created::Hearing(date) => (
            clock_action_id(kd, "tribunal_hearing"),
            "Tribunal hearing".to_owned(),
            Party::Family,
            date,
            None,
            ActionPriority::Urgent,
            None,
            "Hearing date listed by the First-tier Tribunal (SEND)".to_owned(),
            None,
        ),
    };
    Action {
        id,
        case_id: kd.case_id,
        description,
        responsible,
        due,
        accepted_until,
        priority,
        timescale,
        legal_basis: Some(basis),
        deadline_kind: kind,
        origin: ActionOrigin::Statutory,
        state: ActionState::Open,
        completed_on: None,
        cancelled: false,
        not_judged: false,
        cut_short: false,
        key_date_id: Some(kd.id),
        completed_by_key_date: None,
        exception: None,
        source: None,
        created_at: kd.recorded_at,
        updated_at: kd.recorded_at,
    }
}

/// Replays every key date of the case in date order: the statutory actions they create, and
/// which later key date stops each, and how. `stored` is the case's actions as they are, read
/// only for what people completed by hand.
fn replay(all: &[KeyDate], stored: &[Action]) -> Result<Vec<Derived>, DomainError> {
    let mut sorted: Vec<&KeyDate> = all.iter().collect();
    sorted.sort_by_key(|k| (k.date, k.recorded_at, k.id));
    let mut r = Replay { derived: Vec::new(), stored };
    for kd in sorted {
        let e = effects(kd, all, &r)?;
        // A key date stops clocks started before it, never its own.
        for (timescale, stop) in e.stops {
            let running: Vec<usize> = (0..r.derived.len())
                .filter(|&i| r.derived[i].action.timescale == Some(timescale) && r.open_on(&r.derived[i], kd.date))
                .collect();
            for i in running {
                // A window is cut short only while it still runs: issued after it closed is not.
                if stop == Stop::CutShort && kd.date > r.derived[i].action.due {
                    continue;
                }
                r.derived[i].stopped = Some((kd.date, kd.id, stop));
            }
        }
        for created in e.creates {
            let action = template(kd, created);
            r.derived.retain(|d| d.action.id != action.id);
            r.derived.push(Derived { action, stopped: None });
        }
    }
    Ok(r.derived)
}

/// The legal note that records an LA's early issue of a plan inside the family's window.
fn breach_note(action: &Action, issued: NaiveDate, at: chrono::DateTime<chrono::Utc>) -> Note {
    let (what, reg) = match action.timescale {
        Some(T::AmendmentResponse) => ("the amended plan", "SEND Regs 2014 reg 22(2)(c)"),
        _ => ("the final plan", "SEND Regs 2014 reg 13(1)(a)"),
    };
    let early = (action.due - issued).num_days();
    Note {
        id: breach_note_id(action.id),
        case_id: action.case_id,
        text: format!(
            "Breach: the LA issued {what} on {}, before the family's period to make representations ended on {} ({}; {reg}).",
            issued.format("%-d %B %Y"),
            action.due.format("%-d %B %Y"),
            match early {
                0 => "on its last day".to_owned(),
                1 => "1 day early".to_owned(),
                n => format!("{n} days early"),
            },
        ),
        author: ActorRef::scanner(),
        created_at: at,
        topic: Some(NoteTopic::Legal),
        section: None,
        document_id: None,
    }
}

fn breach_note_id(action: ActionId) -> NoteId {
    NoteId::derived(action.0, "cut_short")
}

/// Brings the stored statutory actions in line with the replay: new ones are created, dates move,
/// and completions by key dates follow the key dates. A completion a person made by hand is kept;
/// priority and a recorded exception (which people set) are kept. A statutory action the key
/// dates no longer call for is removed, and so is a breach note whose breach is gone.
fn reconcile(ctx: &Context, scope: &Scope, agg: &CaseAggregate, derived: &[Derived], changes: &mut Changes<'_>) {
    for stale in agg.actions.iter().filter(|a| {
        a.origin == ActionOrigin::Statutory && a.key_date_id.is_some() && !derived.iter().any(|d| d.action.id == a.id)
    }) {
        let mut gone = stale.clone();
        gone.updated_at = ctx.now;
        delete_action(changes, scope, gone);
    }
    for d in derived {
        let existing = agg.actions.iter().find(|a| a.id == d.action.id);
        let mut target = match existing {
            Some(existing) => {
                let mut t = existing.clone();
                t.due = d.action.due;
                t.accepted_until = d.action.accepted_until;
                t
            }
            None => d.action.clone(),
        };
        let done_by_hand = target.state == ActionState::Done && target.completed_by_key_date.is_none();
        match d.stopped {
            Some((on, by, stop)) if !done_by_hand => {
                reopen(&mut target);
                target.state = ActionState::Done;
                target.completed_on = Some(on);
                target.completed_by_key_date = Some(by);
                target.cancelled = stop == Stop::Cancelled;
                target.not_judged = stop == Stop::NotJudged;
                target.cut_short = stop == Stop::CutShort;
            }
            None if target.completed_by_key_date.is_some() => reopen(&mut target),
            _ => {}
        }
        // The early issue of a plan inside the family's window is recorded as the LA's breach.
        let note_key = keys::note(agg.case.id, breach_note_id(target.id));
        let note = agg.notes.iter().find(|n| n.id == breach_note_id(target.id));
        match (target.cut_short, target.completed_on, note) {
            (true, Some(on), existing_note) => {
                let fresh = breach_note(&target, on, existing_note.map_or(ctx.now, |n| n.created_at));
                if existing_note != Some(&fresh) {
                    changes.put(scope, note_key, Record::Note(fresh));
                }
            }
            (false, _, Some(n)) | (true, None, Some(n)) => changes.delete(scope, note_key, Record::Note(n.clone())),
            _ => {}
        }
        match existing {
            Some(existing) if *existing == target => {}
            Some(_) => {
                target.updated_at = ctx.now;
                put_action(changes, scope, target);
            }
            None => put_action(changes, scope, target),
        }
    }
}

/// Manual actions that track a timescale (entered with their own start date) are stopped by the
/// key date being recorded, as its statutory counterparts are.
fn stop_manual_clocks(
    ctx: &Context,
    scope: &Scope,
    agg: &CaseAggregate,
    kd: &KeyDate,
    all: &[KeyDate],
    changes: &mut Changes<'_>,
) -> Result<(), DomainError> {
    let replay = Replay { derived: Vec::new(), stored: &agg.actions };
    let e = effects(kd, all, &replay)?;
    for (timescale, stop) in e.stops {
        if stop == Stop::CutShort {
            continue;
        }
        for a in agg
            .actions
            .iter()
            .filter(|a| a.origin == ActionOrigin::Manual && a.timescale == Some(timescale) && a.is_open())
        {
            let mut done = a.clone();
            done.state = ActionState::Done;
            done.completed_on = Some(kd.date);
            done.cancelled = stop == Stop::Cancelled;
            done.not_judged = stop == Stop::NotJudged;
            done.completed_by_key_date = Some(kd.id);
            done.updated_at = ctx.now;
            put_action(changes, scope, done);
        }
    }
    Ok(())
}
