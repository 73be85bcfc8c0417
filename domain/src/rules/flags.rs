//! Flags and section annotations (`docs/analyser.md`): recording an analysis, the family's decisions,
//! manual flags and annotations.

use std::collections::HashMap;

use crate::aggregate::CaseAggregate;
use crate::analyser::Finding;
use crate::command::{CaseCommand, SystemCommand};
use crate::context::Context;
use crate::error::Conflict;
use crate::error::{Checks, DomainError, NOT_THIS_CHILDS_DOCUMENT, limits};
use crate::ids::{CaseId, DocumentId, FlagId};
use crate::keys;
use crate::model::{Annotation, Document, DocumentAnalysis, Flag, Record};
use crate::scope::Scope;
use crate::snapshot::{Changes, Snapshot};
use crate::vocab::*;

const FAMILY_DECIDES: &str = "only the family can confirm, dismiss, edit or add flags";

/// Records an analysis (or its failure) on the document and, if named, on the case.
pub(crate) fn record_analysis(
    ctx: &Context,
    scope: &Scope,
    doc: &Document,
    command: &SystemCommand,
    snap: &Snapshot,
    changes: &mut Changes<'_>,
) -> Result<(), DomainError> {
    let document_id = doc.id;
    if doc.state != DocumentState::Uploaded {
        return Err(DomainError::Conflict(Conflict::NotUploaded));
    }
    let (analysis, flag_writes) = match command {
        SystemCommand::RecordAnalysisFailure { reason, .. } => {
            let mut checks = Checks::new();
            let reason = checks.text("reason", reason, limits::STATUS_NOTE);
            checks.finish()?;
            let analysis = DocumentAnalysis {
                state: AnalysisState::AnalysisFailed,
                at: ctx.now,
                reason: Some(reason),
                text_hash: None,
                case_id: None,
                flags: 0,
            };
            (analysis, None)
        }
        SystemCommand::RecordAnalysis { case_id, text_hash, findings, .. } => {
            let mut checks = Checks::new();
            let text_hash = checks.sha256("text_hash", text_hash);
            check_findings(&mut checks, findings.iter());
            checks.finish()?;
            let writes = match case_id {
                Some(case_id) => {
                    let agg = case_of(snap, scope, *case_id)?;
                    let placed: Vec<(DocumentId, &str, &Finding)> =
                        findings.iter().map(|f| (document_id, text_hash.as_str(), f)).collect();
                    Some(reconcile(ctx, &agg, &placed, |f| !is_comparison(f)))
                }
                None => None,
            };
            let analysis = DocumentAnalysis {
                state: AnalysisState::Analysed,
                at: ctx.now,
                reason: None,
                text_hash: Some(text_hash),
                case_id: *case_id,
                flags: findings.len(),
            };
            (analysis, writes)
        }
        SystemCommand::ConfirmUpload { .. }
        | SystemCommand::RecordComparison { .. }
        | SystemCommand::RecordBuild { .. }
        | SystemCommand::RecordExport { .. }
        | SystemCommand::RecordErasure { .. } => {
            return Err(DomainError::NotFound { what: "analysis" });
        }
    };
    let (puts, deletes) = flag_writes.unwrap_or_default();
    let unchanged_doc = doc.analysis.as_ref().is_some_and(|a| {
        a.state == analysis.state
            && a.text_hash == analysis.text_hash
            && a.case_id == analysis.case_id
            && a.flags == analysis.flags
    });
    if unchanged_doc && puts.is_empty() && deletes.is_empty() {
        return Ok(());
    }
    write_flags(scope, puts, deletes, changes);
    let mut next = doc.clone();
    next.analysis = Some(analysis);
    next.updated_at = ctx.now;
    changes.put(scope, keys::document(doc.id), Record::Document(next));
    Ok(())
}

/// Findings come from the analyser, on the server or a phone; a synced command is still
/// client input, so each is bounded like a hand-written flag.
fn check_findings<'a>(checks: &mut Checks, findings: impl ExactSizeIterator<Item = &'a Finding>) {
    if findings.len() > limits::ANALYSIS_FLAGS {
        checks.fail("findings", format!("at most {} flags", limits::ANALYSIS_FLAGS));
    }
    let oversized = findings.into_iter().position(|f| {
        f.excerpt.chars().count() > limits::QUOTE
            || f.rule.len() > 16
            || f.span.start > f.span.end
            || [&f.rationale, &f.authority, f.suggestion.as_deref().unwrap_or_default()]
                .iter()
                .any(|t| t.chars().count() > limits::FLAG_NOTE)
    });
    if let Some(n) = oversized {
        checks.fail("findings", format!("finding {n} is oversized or has a reversed span"));
    }
}

fn case_of(snap: &Snapshot, scope: &Scope, case_id: CaseId) -> Result<CaseAggregate, DomainError> {
    CaseAggregate::from_records(snap.prefix(scope, &keys::case_aggregate(case_id)).map(|(_, r)| r))
        .ok_or_else(|| DomainError::not_this_childs_case("case_id"))
}

/// A flag raised by holding the plan against the reports (rules EI01–EI09): a comparison
/// replaces these, an analysis of one document replaces the others.
fn is_comparison(f: &Flag) -> bool {
    f.rule_id.as_deref().is_some_and(|r| r.starts_with("EI"))
}

/// Records a comparison of the plan with the reports as the case's comparison flags.
pub(crate) fn record_comparison(
    ctx: &Context,
    scope: &Scope,
    command: &SystemCommand,
    snap: &Snapshot,
    changes: &mut Changes<'_>,
) -> Result<(), DomainError> {
    let SystemCommand::RecordComparison { case_id, plan_document_id, report_document_ids, findings, .. } = command
    else {
        return Err(DomainError::NotFound { what: "comparison" });
    };
    let mut checks = Checks::new();
    check_findings(&mut checks, findings.iter().map(|f| &f.finding));
    let mut hashes = Vec::with_capacity(findings.len());
    for f in findings {
        hashes.push(checks.sha256("findings", &f.text_hash));
        if f.document_id != *plan_document_id && !report_document_ids.contains(&f.document_id) {
            checks.fail("findings", "a finding quotes a document that is not the plan or one of the reports");
        }
        if !f.finding.rule.starts_with("EI") {
            checks.fail("findings", "a comparison records comparison rules (EI01 to EI09) only");
        }
    }
    checks.finish()?;
    let agg = case_of(snap, scope, *case_id)?;
    let placed: Vec<(DocumentId, &str, &Finding)> =
        findings.iter().zip(&hashes).map(|(f, h)| (f.document_id, h.as_str(), &f.finding)).collect();
    let (puts, deletes) = reconcile(ctx, &agg, &placed, is_comparison);
    write_flags(scope, puts, deletes, changes);
    Ok(())
}

/// New and updated flags first, stale ones last: if a batch is cut short the case never has
/// fewer flags than before.
fn write_flags(scope: &Scope, puts: Vec<Flag>, deletes: Vec<Flag>, changes: &mut Changes<'_>) {
    for flag in puts {
        changes.put(scope, keys::flag(flag.case_id, flag.id), Record::Flag(flag));
    }
    for flag in deletes {
        changes.delete(scope, keys::flag(flag.case_id, flag.id), Record::Flag(flag));
    }
}

/// The flags to write and the stale open analyser flags to delete for a new analysis or
/// comparison: `owns` says which of the case's analyser flags the new result replaces.
fn reconcile(
    ctx: &Context,
    agg: &CaseAggregate,
    findings: &[(DocumentId, &str, &Finding)],
    owns: impl Fn(&Flag) -> bool,
) -> (Vec<Flag>, Vec<Flag>) {
    // Existing analyser flags by (rule, passage); each may be matched once.
    let mut existing: HashMap<(String, String), Vec<&Flag>> = HashMap::new();
    for f in agg.flags.iter().filter(|f| f.origin == FlagOrigin::Analyser && owns(f)) {
        existing.entry(Flag::match_key(f.rule_id.as_deref(), &f.excerpt)).or_default().push(f);
    }
    let mut kept: Vec<FlagId> = Vec::new();
    let mut puts = Vec::new();
    for (n, &(document_id, text_hash, finding)) in findings.iter().enumerate() {
        let key = Flag::match_key(Some(&finding.rule), &finding.excerpt);
        let previous = existing.get_mut(&key).and_then(|candidates| take_best(candidates, finding.section));
        let id = match previous {
            Some(p) => p.id,
            None => {
                FlagId::derived(agg.case.id.uuid(), &format!("{text_hash}/{n}/{}/{}", finding.rule, finding.span.start))
            }
        };
        kept.push(id);
        let flag = Flag {
            id,
            case_id: agg.case.id,
            document_id: Some(document_id),
            text_hash: Some(text_hash.to_owned()),
            kind: finding.kind,
            section: finding.section,
            excerpt: finding.excerpt.clone(),
            span: Some(finding.span),
            rule_id: Some(finding.rule.clone()),
            severity: finding.severity,
            rationale: finding.rationale.clone(),
            authority: Some(finding.authority.clone()),
            suggested_rewrite: finding.suggestion.clone(),
            status: previous.map_or(FlagStatus::Open, |p| p.status),
            origin: FlagOrigin::Analyser,
            family_note: previous.and_then(|p| p.family_note.clone()),
            created_at: previous.map_or(ctx.now, |p| p.created_at),
            updated_at: ctx.now,
            decided_by: previous.and_then(|p| p.decided_by.clone()),
        };
        // The family may have moved the flag to another section: keep their choice.
        let flag = match previous {
            Some(p) if p.section != finding.section && p.status != FlagStatus::Open => {
                Flag { section: p.section, ..flag }
            }
            _ => flag,
        };
        let same = previous.is_some_and(|p| Flag { updated_at: p.updated_at, ..flag.clone() } == *p);
        if !same {
            puts.push(flag);
        }
    }
    // Open analyser flags not found again are replaced; decided ones stay (hidden, never lost).
    let deletes = agg
        .flags
        .iter()
        .filter(|f| {
            f.origin == FlagOrigin::Analyser && owns(f) && f.status == FlagStatus::Open && !kept.contains(&f.id)
        })
        .cloned()
        .collect();
    (puts, deletes)
}

/// Of the earlier flags with the same rule and passage, the one a new finding continues: a
/// decided one first (the family's decision is what must carry over), then one in the same
/// section (missing-section flags share an empty passage and differ only by section).
fn take_best<'a>(candidates: &mut Vec<&'a Flag>, section: Option<crate::vocab::Section>) -> Option<&'a Flag> {
    let rank = |f: &Flag| (f.status == FlagStatus::Open, f.section != section, f.created_at, f.id);
    let best = (0..candidates.len()).min_by_key(|&i| rank(candidates[i]))?;
    Some(candidates.swap_remove(best))
}

/// Manual flags, decisions and flag edits (the family only, `docs/access.md`), and annotations
/// (the family and collaborating advocates: they "add notes and annotations").
pub(crate) fn decide_flag(
    ctx: &Context,
    scope: &Scope,
    agg: &CaseAggregate,
    command: &CaseCommand,
    snap: &Snapshot,
    changes: &mut Changes<'_>,
) -> Result<(), DomainError> {
    if matches!(command, CaseCommand::AddAnnotation { .. }) {
        ctx.require_writer("case")?;
    } else {
        ctx.require_owner("case", FAMILY_DECIDES)?;
    }
    let case_id = agg.case.id;
    match command {
        CaseCommand::AddFlag { flag_id, kind, section, excerpt, severity, rationale, document_id, note, .. } => {
            let mut checks = Checks::new();
            let excerpt = checks.text("excerpt", excerpt, limits::QUOTE);
            let rationale = checks.opt_text("rationale", rationale.as_deref(), limits::FLAG_NOTE);
            let note = checks.opt_text("note", note.as_deref(), limits::FLAG_NOTE);
            checks.finish()?;
            if let Some(d) = document_id
                && snap.get(scope, &keys::document(*d)).is_none()
            {
                return Err(DomainError::not_this_childs_document("document_id"));
            }
            let flag = Flag {
                id: *flag_id,
                case_id,
                document_id: *document_id,
                text_hash: None,
                kind: *kind,
                section: *section,
                excerpt,
                span: None,
                rule_id: None,
                severity: severity.unwrap_or(FlagSeverity::Amber),
                rationale: rationale.unwrap_or_default(),
                authority: None,
                suggested_rewrite: None,
                status: FlagStatus::Open,
                origin: FlagOrigin::Manual,
                family_note: note,
                created_at: ctx.now,
                updated_at: ctx.now,
                decided_by: None,
            };
            if let Some(existing) = agg.flags.iter().find(|f| f.id == *flag_id) {
                let retry = Flag { created_at: existing.created_at, updated_at: existing.updated_at, ..flag.clone() };
                return if retry == *existing {
                    Ok(())
                } else {
                    Err(DomainError::Conflict(Conflict::IdTaken { what: "flag" }))
                };
            }
            changes.put(scope, keys::flag(case_id, flag.id), Record::Flag(flag));
        }
        CaseCommand::DecideFlag { flag_id, status, note, .. } => {
            let flag = find(agg, *flag_id)?;
            let mut checks = Checks::new();
            let note = checks.opt_text("note", note.as_deref(), limits::FLAG_NOTE);
            checks.finish()?;
            let mut next = flag.clone();
            next.status = *status;
            if note.is_some() {
                next.family_note = note;
            }
            if next == *flag {
                return Ok(());
            }
            next.decided_by = Some(ctx.actor_ref());
            next.updated_at = ctx.now;
            changes.put(scope, keys::flag(case_id, flag.id), Record::Flag(next));
        }
        CaseCommand::EditFlag { flag_id, section, note, .. } => {
            let flag = find(agg, *flag_id)?;
            let mut checks = Checks::new();
            let note = checks.opt_text("note", note.as_deref(), limits::FLAG_NOTE);
            checks.finish()?;
            let mut next = flag.clone();
            if section.is_some() {
                next.section = *section;
            }
            if note.is_some() {
                next.family_note = note;
            }
            if next == *flag {
                return Ok(());
            }
            next.updated_at = ctx.now;
            changes.put(scope, keys::flag(case_id, flag.id), Record::Flag(next));
        }
        CaseCommand::AddAnnotation { annotation_id, section, quote, comment, document_ids, .. } => {
            let mut checks = Checks::new();
            let quote = checks.text("quote", quote, limits::QUOTE);
            let comment = checks.text("comment", comment, limits::NOTE);
            let mut ids = Vec::new();
            for d in document_ids {
                if !ids.contains(d) {
                    ids.push(*d);
                }
            }
            if ids.len() > limits::LINKED_DOCUMENTS {
                checks.fail("document_ids", format!("at most {} documents", limits::LINKED_DOCUMENTS));
            } else if ids.iter().any(|d| snap.get(scope, &keys::document(*d)).is_none()) {
                checks.refuse("document_ids", NOT_THIS_CHILDS_DOCUMENT);
            }
            checks.finish()?;
            let annotation = Annotation {
                id: *annotation_id,
                case_id,
                section: *section,
                quote,
                comment,
                document_ids: ids,
                author: ctx.actor_ref(),
                created_at: ctx.now,
            };
            if let Some(existing) = agg.annotations.iter().find(|a| a.id == *annotation_id) {
                let retry = Annotation { created_at: existing.created_at, ..annotation };
                return if retry == *existing {
                    Ok(())
                } else {
                    Err(DomainError::Conflict(Conflict::IdTaken { what: "annotation" }))
                };
            }
            changes.put(scope, keys::annotation(case_id, annotation.id), Record::Annotation(annotation));
        }
        CaseCommand::CreateCase { .. }
        | CaseCommand::EditCase { .. }
        | CaseCommand::ChangeStatus { .. }
        | CaseCommand::CloseCase { .. }
        | CaseCommand::RecordKeyDate { .. }
        | CaseCommand::DeleteKeyDate { .. }
        | CaseCommand::AddNote { .. }
        | CaseCommand::AddAction { .. }
        | CaseCommand::EditAction { .. }
        | CaseCommand::CompleteAction { .. }
        | CaseCommand::ReopenAction { .. }
        | CaseCommand::RecordException { .. }
        | CaseCommand::ClearException { .. } => return Err(DomainError::NotFound { what: "flag" }),
    }
    Ok(())
}

fn find(agg: &CaseAggregate, id: FlagId) -> Result<&Flag, DomainError> {
    agg.flags.iter().find(|f| f.id == id).ok_or(DomainError::NotFound { what: "flag" })
}
