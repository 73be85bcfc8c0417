//! Key dates and the statutory clocks they start, stop and move (DOMAIN §5.2).
//!
//! Statutory actions get ids derived from (case, key date, timescale), so recording a corrected
//! date rewrites the same actions instead of adding new ones.

use chrono::NaiveDate;

use crate::aggregate::CaseAggregate;
use crate::decide::Context;
use crate::error::{Checks, DomainError};
use crate::ids::{ActionId, KeyDateId};
use crate::keys;
use crate::model::{Action, KeyDate, Record};
use crate::rules::case::default_priority;
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
        input.id.unwrap_or(KeyDateId(ctx.op.0))
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
    let effects = effects(ctx, &kd, &all)?;
    apply(ctx, scope, agg, &kd, effects, changes);
    if kd.kind == KeyDateKind::MediationCertificate {
        recompute_appeal(ctx, scope, agg, &kd, &all, changes)?;
    }
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

fn effects(ctx: &Context, kd: &KeyDate, all: &[KeyDate]) -> Result<Effects, DomainError> {
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
            if T::ReviewInvitation.due(d)? >= ctx.today() {
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

fn apply(ctx: &Context, scope: &Scope, agg: &CaseAggregate, kd: &KeyDate, effects: Effects, changes: &mut Changes<'_>) {
    let case_id = agg.case.id;
    for created in effects.creates {
        let (id, template) = match created {
            Created::Clock(deadline) => {
                let spec = deadline.timescale.spec();
                let action = Action {
                    id: clock_action_id(kd, deadline.timescale.as_str()),
                    case_id,
                    description: spec.step.to_owned(),
                    responsible: spec.actor,
                    due: deadline.due,
                    accepted_until: deadline.accepted_until,
                    priority: default_priority(spec.actor, Some(spec.kind)),
                    timescale: Some(deadline.timescale),
                    legal_basis: Some(spec.basis.to_owned()),
                    deadline_kind: Some(spec.kind),
                    origin: ActionOrigin::Statutory,
                    state: ActionState::Open,
                    completed_on: None,
                    cancelled: false,
                    key_date_id: Some(kd.id),
                    completed_by_key_date: None,
                    scan: None,
                    created_at: ctx.now,
                    updated_at: ctx.now,
                };
                (action.id, action)
            }
            Created::Hearing(date) => {
                let action = Action {
                    id: clock_action_id(kd, "tribunal_hearing"),
                    case_id,
                    description: "Tribunal hearing".to_owned(),
                    responsible: Party::Family,
                    due: date,
                    accepted_until: None,
                    priority: ActionPriority::Urgent,
                    timescale: None,
                    legal_basis: Some("Hearing date listed by the First-tier Tribunal (SEND)".to_owned()),
                    deadline_kind: None,
                    origin: ActionOrigin::Statutory,
                    state: ActionState::Open,
                    completed_on: None,
                    cancelled: false,
                    key_date_id: Some(kd.id),
                    completed_by_key_date: None,
                    scan: None,
                    created_at: ctx.now,
                    updated_at: ctx.now,
                };
                (action.id, action)
            }
        };
        let key = keys::action(case_id, id);
        match agg.actions.iter().find(|a| a.id == id) {
            // A corrected key date moves its actions; their state is kept.
            Some(existing) => {
                if existing.due != template.due || existing.accepted_until != template.accepted_until {
                    let mut moved = existing.clone();
                    moved.due = template.due;
                    moved.accepted_until = template.accepted_until;
                    moved.updated_at = ctx.now;
                    changes.put(scope, key, Record::Action(moved));
                }
            }
            None => changes.put(scope, key, Record::Action(template)),
        }
    }
    let stops = effects.completes.iter().map(|t| (*t, false)).chain(effects.cancels.iter().map(|t| (*t, true)));
    for (timescale, cancel) in stops {
        for a in agg.actions.iter().filter(|a| a.timescale == Some(timescale) && a.key_date_id != Some(kd.id)) {
            let open = a.is_open();
            let ours = a.completed_by_key_date == Some(kd.id);
            if !(open || ours) || (ours && a.completed_on == Some(kd.date)) {
                continue;
            }
            let mut done = a.clone();
            done.state = ActionState::Done;
            done.completed_on = Some(kd.date);
            done.cancelled = cancel;
            done.completed_by_key_date = Some(kd.id);
            done.updated_at = ctx.now;
            changes.put(scope, keys::action(case_id, a.id), Record::Action(done));
        }
    }
}

/// A mediation certificate moves the appeal deadline of the notice it belongs to.
fn recompute_appeal(
    ctx: &Context,
    scope: &Scope,
    agg: &CaseAggregate,
    cert: &KeyDate,
    all: &[KeyDate],
    changes: &mut Changes<'_>,
) -> Result<(), DomainError> {
    let notice = all.iter().filter(|k| is_notice(k) && k.date <= cert.date && !k.section_i_only).max_by_key(|k| k.date);
    let Some(notice) = notice else { return Ok(()) };
    let deadline = appeal_deadline(notice.date, certificate_for(notice, all).map(|c| c.date))?;
    let id = clock_action_id(notice, T::AppealDeadline.as_str());
    let key = keys::action(agg.case.id, id);
    if let Some(Record::Action(a)) = changes.current(scope, &key).cloned()
        && (a.due != deadline.due || a.accepted_until != deadline.accepted_until)
    {
        let mut moved = a;
        moved.due = deadline.due;
        moved.accepted_until = deadline.accepted_until;
        moved.updated_at = ctx.now;
        changes.put(scope, key, Record::Action(moved));
    }
    Ok(())
}
