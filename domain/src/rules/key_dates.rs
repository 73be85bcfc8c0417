//! Key dates and the statutory clocks they start, stop and move (DOMAIN §5.2).
//!
//! Statutory actions get ids derived from (case, key date, timescale), so recording a corrected
//! date rewrites the same actions instead of adding new ones.

use chrono::NaiveDate;

use crate::aggregate::CaseAggregate;
use crate::context::Context;
use crate::dates::london_date;
use crate::error::{Checks, DomainError};
use crate::ids::{ActionId, KeyDateId};
use crate::keys;
use crate::model::{Action, KeyDate, Record};
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

/// An action a key date creates: a statutory timescale, or the hearing itself.
enum Created {
    Clock(Deadline),
    Hearing(NaiveDate),
}

/// What recording a key date does to the case's actions.
#[derive(Default)]
struct Effects {
    creates: Vec<Created>,
    completes: Vec<T>,
    cancels: Vec<T>,
}

pub(crate) fn record(
    ctx: &Context,
    scope: &Scope,
    agg: &CaseAggregate,
    input: Input,
    changes: &mut Changes<'_>,
) -> Result<(), DomainError> {
    let mut checks = Checks::new();
    checks.plausible_date("date", input.date);
    if input.kind != KeyDateKind::DecisionNotice {
        if input.decision.is_some() {
            checks.fail("decision", "only a decision_notice records an appealable decision");
        }
        if input.section_i_only {
            checks.fail("section_i_only", "only applies to a decision_notice");
        }
    }
    checks.finish()?;
    let case_id = agg.case.id;
    let id = if input.kind.once_per_case() {
        KeyDateId::derived(case_id.0, input.kind.as_str())
    } else {
        input.id.unwrap_or(KeyDateId(ctx.op.derive("key_date")))
    };
    let existing = agg.key_dates.iter().find(|k| k.id == id);
    match existing {
        Some(k) if k.kind != input.kind => {
            return Err(DomainError::invalid("kind", "a key date's kind cannot be changed; record a new key date"));
        }
        Some(k) if k.date == input.date && k.decision == input.decision && k.section_i_only == input.section_i_only => {
            return Ok(());
        }
        None if input.id.is_some() && !input.kind.once_per_case() => {
            return Err(DomainError::NotFound { what: "key date" });
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
    let derived = replay(ctx, &all)?;
    reconcile(ctx, scope, agg, &derived, changes);
    stop_manual_clocks(ctx, scope, agg, &kd, &all, changes)?;
    Ok(())
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

/// What a key date does, from the key dates alone (never from the day the rules run, so a
/// replay gives the same actions whenever it happens).
fn effects(kd: &KeyDate, all: &[KeyDate]) -> Result<Effects, DomainError> {
    let d = kd.date;
    let mut e = Effects::default();
    match kd.kind {
        KeyDateKind::RequestReceived => {
            for t in [T::AssessmentDecision, T::DraftPlanExpected, T::NoPlanDecision, T::FinalPlan] {
                e.creates.push(clock(t, d)?);
            }
        }
        KeyDateKind::DecisionToAssess => e.completes.push(T::AssessmentDecision),
        KeyDateKind::DraftIssued => {
            e.creates.push(clock(T::DraftResponse, d)?);
            e.completes.push(T::DraftPlanExpected);
            // A draft plan means the LA has not decided *not* to issue one: the reg 10(1) limit
            // on that decision no longer applies (leaving it open would show a false breach).
            e.cancels.push(T::NoPlanDecision);
        }
        KeyDateKind::FinalIssued => {
            e.creates.push(clock(T::AnnualReview, d)?);
            e.creates.push(clock(T::MediationContact, d)?);
            e.creates.push(Created::Clock(appeal_deadline(d, certificate_for(kd, all).map(|c| c.date))?));
            e.completes.push(T::FinalPlan);
            e.cancels.push(T::NoPlanDecision);
        }
        KeyDateKind::AnnualReviewMeeting => {
            // Notice and advice are due two weeks before the meeting; a meeting recorded later
            // than that can no longer have them on time, so they are not created.
            if T::ReviewInvitation.due(d)? >= london_date(kd.recorded_at) {
                e.creates.push(clock(T::ReviewInvitation, d)?);
                e.creates.push(clock(T::ReviewAdvice, d)?);
            }
            for t in [T::ReviewReport, T::ReviewDecision, T::AnnualReview] {
                e.creates.push(clock(t, d)?);
            }
            e.completes.push(T::AnnualReview);
        }
        KeyDateKind::AmendmentNotice => {
            e.creates.push(clock(T::AmendmentResponse, d)?);
            e.creates.push(clock(T::AmendedFinal, d)?);
            let meeting =
                all.iter().filter(|k| k.kind == KeyDateKind::AnnualReviewMeeting && k.date <= d).max_by_key(|k| k.date);
            if let Some(m) = meeting {
                e.creates.push(clock(T::AmendedFinalCap, m.date)?);
            }
            e.completes.push(T::ReviewDecision);
        }
        KeyDateKind::DecisionNotice => {
            if !kd.section_i_only {
                e.creates.push(clock(T::MediationContact, d)?);
            }
            e.creates.push(Created::Clock(appeal_deadline(d, certificate_for(kd, all).map(|c| c.date))?));
            match kd.decision {
                Some(AppealableDecision::RefuseAssess) => {
                    e.completes.push(T::AssessmentDecision);
                    e.cancels.extend([T::DraftPlanExpected, T::NoPlanDecision, T::FinalPlan]);
                }
                Some(AppealableDecision::RefusePlan) => {
                    e.completes.push(T::NoPlanDecision);
                    e.cancels.extend([T::DraftPlanExpected, T::FinalPlan]);
                }
                Some(AppealableDecision::RefuseAmend | AppealableDecision::Cease) => {
                    e.completes.push(T::ReviewDecision)
                }
                Some(AppealableDecision::PlanContents | AppealableDecision::RefuseReassess) | None => {}
            }
        }
        KeyDateKind::MediationCertificate => e.completes.push(T::MediationContact),
        KeyDateKind::TribunalHearing => e.creates.push(Created::Hearing(d)),
    }
    Ok(e)
}

fn clock_action_id(kd: &KeyDate, name: &str) -> ActionId {
    ActionId::derived(kd.case_id.0, &format!("{}/{name}", kd.id))
}

/// A statutory action as the key dates alone determine it.
struct Derived {
    action: Action,
    /// Stopped by a later key date: (on, by, cancelled).
    stopped: Option<(NaiveDate, KeyDateId, bool)>,
}

fn template(ctx: &Context, kd: &KeyDate, created: Created) -> Action {
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
        key_date_id: Some(kd.id),
        completed_by_key_date: None,
        created_at: ctx.now,
        updated_at: ctx.now,
    }
}

/// Replays every key date of the case in date order: the statutory actions they create, and
/// which later key date stops each. The result does not depend on the order in which the key
/// dates were recorded (families often enter an old case's history out of order).
fn replay(ctx: &Context, all: &[KeyDate]) -> Result<Vec<Derived>, DomainError> {
    let mut sorted: Vec<&KeyDate> = all.iter().collect();
    sorted.sort_by_key(|k| (k.date, k.recorded_at, k.id));
    let mut derived: Vec<Derived> = Vec::new();
    for kd in sorted {
        let e = effects(kd, all)?;
        // A key date stops clocks started before it, never its own.
        let stops = e.completes.iter().map(|t| (*t, false)).chain(e.cancels.iter().map(|t| (*t, true)));
        for (timescale, cancel) in stops {
            for d in derived.iter_mut().filter(|d| d.action.timescale == Some(timescale) && d.stopped.is_none()) {
                d.stopped = Some((kd.date, kd.id, cancel));
            }
        }
        for created in e.creates {
            let action = template(ctx, kd, created);
            derived.retain(|d| d.action.id != action.id);
            derived.push(Derived { action, stopped: None });
        }
    }
    Ok(derived)
}

/// Brings the stored statutory actions in line with the replay: new ones are created, dates move,
/// and completions by key dates follow the key dates. A completion a person made by hand is kept;
/// priority (which people may change) is kept. A statutory action the key dates no longer call
/// for (a meeting corrected to a date too close for its notice clocks) is removed.
fn reconcile(ctx: &Context, scope: &Scope, agg: &CaseAggregate, derived: &[Derived], changes: &mut Changes<'_>) {
    for stale in agg.actions.iter().filter(|a| {
        a.origin == ActionOrigin::Statutory && a.key_date_id.is_some() && !derived.iter().any(|d| d.action.id == a.id)
    }) {
        let mut gone = stale.clone();
        gone.updated_at = ctx.now;
        delete_action(changes, scope, gone);
    }
    for d in derived {
        let mut target = match agg.actions.iter().find(|a| a.id == d.action.id) {
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
            Some((on, by, cancelled)) if !done_by_hand => {
                target.state = ActionState::Done;
                target.completed_on = Some(on);
                target.completed_by_key_date = Some(by);
                target.cancelled = cancelled;
            }
            None if target.completed_by_key_date.is_some() => {
                target.state = ActionState::Open;
                target.completed_on = None;
                target.completed_by_key_date = None;
                target.cancelled = false;
            }
            _ => {}
        }
        match agg.actions.iter().find(|a| a.id == d.action.id) {
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
    let e = effects(kd, all)?;
    let stops = e.completes.iter().map(|t| (*t, false)).chain(e.cancels.iter().map(|t| (*t, true)));
    for (timescale, cancel) in stops {
        for a in agg
            .actions
            .iter()
            .filter(|a| a.origin == ActionOrigin::Manual && a.timescale == Some(timescale) && a.is_open())
        {
            let mut done = a.clone();
            done.state = ActionState::Done;
            done.completed_on = Some(kd.date);
            done.cancelled = cancel;
            done.completed_by_key_date = Some(kd.id);
            done.updated_at = ctx.now;
            put_action(changes, scope, done);
        }
    }
    Ok(())
}
