//! Evidence bundles: creating and editing one, setting its items, asking for a build, and the
//! builder's reports. Only the family changes bundles: a bundle is the family's submission to
//! the Tribunal (or a review, a complaint); members may read them.

use std::collections::HashMap;

use crate::bundle::{
    Build, BuildState, Bundle, CheckSeverity, MAX_ITEMS, MAX_LINK_DAYS, MAX_REFERENCE, ShareLink, review,
};
use crate::command::{BuildOutcome, BundleCommand, BundlePatch, NewBundle, SystemCommand};
use crate::context::Context;
use crate::error::{Checks, Conflict, DomainError, NOT_THIS_CHILDS_CASE, NOT_THIS_CHILDS_DOCUMENT, limits};
use crate::ids::{BundleId, ChildId};
use crate::keys;
use crate::model::{Document, Record};
use crate::scope::Scope;
use crate::snapshot::{Changes, Snapshot};
use crate::vocab::{ConnectionState, MemberRole};

/// Why an advocate may not change a bundle.
pub const FAMILY_BUNDLES: &str = "only the family can make and change its bundles; advocates may read them";

/// Whether a member with `role` (`None`: not a member) may change the child's bundles: the
/// family only. The server asks before deleting a bundle's PDFs; `decide` asks again.
pub fn may_change(role: Option<MemberRole>) -> Result<(), DomainError> {
    crate::context::require_owner(role, "bundle", FAMILY_BUNDLES)
}

fn stored(snap: &Snapshot, scope: &Scope, id: BundleId) -> Option<Bundle> {
    match snap.get(scope, &keys::bundle(id)) {
        Some(Record::Bundle(b)) => Some(b.clone()),
        _ => None,
    }
}

/// Runs a bundle command in the child's scope; returns the family scope for the audit line.
pub(crate) fn decide(
    ctx: &Context,
    child_id: ChildId,
    bundle_id: BundleId,
    command: &BundleCommand,
    snap: &Snapshot,
    changes: &mut Changes<'_>,
) -> Result<Scope, DomainError> {
    let scope = Scope::Child(child_id);
    may_change(ctx.membership)?;
    let Some(Record::Child(child)) = snap.get(&scope, keys::CHILD_PROFILE) else {
        return Err(DomainError::NotFound { what: "child" });
    };
    let family = Scope::Family(child.family_id);
    let key = keys::bundle(bundle_id);
    let current = stored(snap, &scope, bundle_id);
    match command {
        BundleCommand::CreateBundle { bundle } => {
            let next = create(ctx, child.family_id, child_id, bundle_id, bundle, snap, &scope)?;
            if let Some(existing) = current {
                let same = Bundle { created_at: existing.created_at, updated_at: existing.updated_at, ..next };
                return if same == existing {
                    Ok(family)
                } else {
                    Err(DomainError::Conflict(Conflict::IdTaken { what: "bundle" }))
                };
            }
            if snap.entry(&scope, &key).is_some_and(|v| v.deleted) {
                return Err(DomainError::Conflict(Conflict::IdTaken { what: "bundle" }));
            }
            changes.put(&scope, key, Record::Bundle(next));
            changes.alias(bundle_id.to_string(), &scope);
        }
        BundleCommand::EditBundle { patch } => {
            let current = current.ok_or(DomainError::NotFound { what: "bundle" })?;
            let next = edit(&current, patch, snap, &scope)?;
            if next != current {
                changes.put(&scope, key, Record::Bundle(Bundle { updated_at: ctx.now, ..next }));
            }
        }
        BundleCommand::SetItems { items, order } => {
            let current = current.ok_or(DomainError::NotFound { what: "bundle" })?;
            let mut checks = Checks::new();
            if items.len() > MAX_ITEMS {
                checks.fail("items", format!("a bundle holds at most {MAX_ITEMS} items"));
            }
            checks.finish()?;
            let mut checks = Checks::new();
            for (n, item) in items.iter().enumerate() {
                let field = format!("items[{n}]");
                if !current.purpose.sections().contains(&item.section) {
                    let have = current.purpose.sections().iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ");
                    checks.refuse(
                        &format!("{field}.section"),
                        format!(
                            "a {} bundle has no section `{}`; its sections are: {have}",
                            current.purpose, item.section
                        ),
                    );
                }
                if !matches!(snap.get(&scope, &keys::document(item.document_id)), Some(Record::Document(_))) {
                    checks.refuse(&format!("{field}.document_id"), NOT_THIS_CHILDS_DOCUMENT);
                }
                if items[..n].iter().any(|i| i.document_id == item.document_id) {
                    checks.refuse(&format!("{field}.document_id"), "this document is in the bundle already");
                }
            }
            checks.finish()?;
            if current.items != *items || current.order != *order {
                let next = Bundle { items: items.clone(), order: *order, updated_at: ctx.now, ..current };
                changes.put(&scope, key, Record::Bundle(next));
            }
        }
        BundleCommand::DeleteBundle => {
            let Some(current) = current else {
                return if snap.entry(&scope, &key).is_some_and(|v| v.deleted) {
                    Ok(family)
                } else {
                    Err(DomainError::NotFound { what: "bundle" })
                };
            };
            for (k, r) in snap.prefix(&scope, &keys::bundle_parts(bundle_id)) {
                changes.delete(&scope, k.to_owned(), r.clone());
            }
            changes.delete(&scope, key, Record::Bundle(current));
        }
        BundleCommand::RequestBuild { build_id } => {
            let current = current.ok_or(DomainError::NotFound { what: "bundle" })?;
            let build_key = keys::build(bundle_id, *build_id);
            if let Some(Record::Build(b)) = snap.get(&scope, &build_key) {
                // A retry of the same request: it is recorded already.
                return if b.bundle.items == current.items && b.requested_by == ctx.actor_ref() {
                    Ok(family)
                } else {
                    Err(DomainError::Conflict(Conflict::IdTaken { what: "build" }))
                };
            }
            if current.items.is_empty() {
                return Err(DomainError::refused(
                    "items",
                    "the bundle has no items yet: add documents before building it",
                ));
            }
            let docs: HashMap<_, &Document> = current
                .items
                .iter()
                .filter_map(|i| match snap.get(&scope, &keys::document(i.document_id)) {
                    Some(Record::Document(d)) => Some((d.id, d)),
                    _ => None,
                })
                .collect();
            // What cannot become pages is named by the checks before anything is built.
            let blocked: Vec<String> = review(&current, &docs, ctx.today())
                .checks
                .into_iter()
                .filter(|c| c.rule_id == "BN07" && c.severity == CheckSeverity::Red)
                .map(|c| c.message)
                .collect();
            if !blocked.is_empty() {
                return Err(DomainError::refused("items", blocked.join("; ")));
            }
            let version = current.versions + 1;
            let build = Build {
                id: *build_id,
                bundle_id,
                child_id,
                version,
                state: BuildState::Queued,
                pages: None,
                sha256: None,
                size: None,
                reason: None,
                requested_by: ctx.actor_ref(),
                requested_at: ctx.now,
                finished_at: None,
                bundle: current.clone(),
            };
            changes.put(&scope, build_key, Record::Build(build));
            changes.put(&scope, key, Record::Bundle(Bundle { versions: version, ..current }));
        }
        BundleCommand::Share { connection_id } => {
            let current = current.ok_or(DomainError::NotFound { what: "bundle" })?;
            let conn = match snap.get(&Scope::Conn(*connection_id), keys::CONNECTION) {
                Some(Record::Connection(c)) if c.family_id == child.family_id => c,
                _ => return Err(DomainError::refused("connection_id", "no connection of this family has this id")),
            };
            if conn.state != ConnectionState::Active || conn.advocate_user.is_none() {
                return Err(DomainError::refused(
                    "connection_id",
                    match conn.state {
                        ConnectionState::Ended => "the support on this connection has ended",
                        _ => "the advocate has not taken this request on yet",
                    },
                ));
            }
            if !current.shared_with.contains(connection_id) {
                let mut next = current;
                next.shared_with.push(*connection_id);
                next.updated_at = ctx.now;
                changes.put(&scope, key, Record::Bundle(next));
            }
        }
        BundleCommand::Unshare { connection_id } => {
            let current = current.ok_or(DomainError::NotFound { what: "bundle" })?;
            if current.shared_with.contains(connection_id) {
                let mut next = current;
                next.shared_with.retain(|c| c != connection_id);
                next.updated_at = ctx.now;
                changes.put(&scope, key, Record::Bundle(next));
            }
        }
        BundleCommand::CreateLink { link_id, token_sha256, expires_in_days } => {
            current.ok_or(DomainError::NotFound { what: "bundle" })?;
            let mut checks = Checks::new();
            let hash = checks.sha256("token_sha256", token_sha256);
            if !(1..=MAX_LINK_DAYS).contains(expires_in_days) {
                checks.fail("expires_in_days", format!("must be from 1 to {MAX_LINK_DAYS} days"));
            }
            checks.finish()?;
            let link_key = keys::link(bundle_id, *link_id);
            if let Some(Record::ShareLink(existing)) = snap.get(&scope, &link_key) {
                return if existing.token_sha256 == hash {
                    Ok(family)
                } else {
                    Err(DomainError::Conflict(Conflict::IdTaken { what: "link" }))
                };
            }
            let link = ShareLink {
                id: *link_id,
                bundle_id,
                child_id,
                token_sha256: hash.clone(),
                created_by: ctx.actor_ref(),
                created_at: ctx.now,
                expires_at: ctx.now + chrono::Duration::days(i64::from(*expires_in_days)),
                revoked_at: None,
            };
            changes.put(&scope, link_key, Record::ShareLink(link));
            // The token's hash finds the child's scope (the link's own record is under it).
            changes.alias(hash, &scope);
        }
        BundleCommand::RevokeLink { link_id } => {
            let link_key = keys::link(bundle_id, *link_id);
            let Some(Record::ShareLink(link)) = snap.get(&scope, &link_key) else {
                return Err(DomainError::NotFound { what: "link" });
            };
            if link.revoked_at.is_none() {
                let mut next = link.clone();
                next.revoked_at = Some(ctx.now);
                changes.put(&scope, link_key, Record::ShareLink(next));
            }
        }
    }
    Ok(family)
}

fn create(
    ctx: &Context,
    family_id: crate::ids::FamilyId,
    child_id: ChildId,
    id: BundleId,
    input: &NewBundle,
    snap: &Snapshot,
    scope: &Scope,
) -> Result<Bundle, DomainError> {
    let mut checks = Checks::new();
    let title = checks.text("title", &input.title, limits::NAME);
    let appeal_reference = checks.opt_text("appeal_reference", input.appeal_reference.as_deref(), MAX_REFERENCE);
    let bundle = Bundle {
        id,
        child_id,
        family_id,
        title,
        purpose: input.purpose,
        appeal_type: input.appeal_type,
        case_id: input.case_id,
        appeal_reference,
        hearing_date: input.hearing_date,
        final_evidence_date: input.final_evidence_date,
        items: Vec::new(),
        order: crate::bundle::ItemOrder::ByDate,
        versions: 0,
        shared_with: Vec::new(),
        created_by: ctx.actor_ref(),
        created_at: ctx.now,
        updated_at: ctx.now,
    };
    validate(&bundle, &mut checks, snap, scope);
    checks.finish()?;
    Ok(bundle)
}

fn edit(current: &Bundle, patch: &BundlePatch, snap: &Snapshot, scope: &Scope) -> Result<Bundle, DomainError> {
    let mut checks = Checks::new();
    let mut next = current.clone();
    if let Some(t) = &patch.title {
        next.title = checks.text("title", t, limits::NAME);
    }
    if let Some(a) = patch.appeal_type {
        next.appeal_type = a;
    }
    if let Some(c) = patch.case_id {
        next.case_id = c;
    }
    if let Some(r) = &patch.appeal_reference {
        next.appeal_reference = checks.opt_text("appeal_reference", r.as_deref(), MAX_REFERENCE);
    }
    if let Some(d) = patch.hearing_date {
        next.hearing_date = d;
    }
    if let Some(d) = patch.final_evidence_date {
        next.final_evidence_date = d;
    }
    validate(&next, &mut checks, snap, scope);
    checks.finish()?;
    Ok(next)
}

/// What a bundle's facts must be, whichever way they were set.
fn validate(b: &Bundle, checks: &mut Checks, snap: &Snapshot, scope: &Scope) {
    for (field, date) in [("hearing_date", b.hearing_date), ("final_evidence_date", b.final_evidence_date)] {
        if let Some(d) = date {
            checks.plausible_date(field, d);
        }
    }
    if b.appeal_type.is_some() && b.purpose != crate::bundle::BundlePurpose::Tribunal {
        checks.refuse("appeal_type", "only a tribunal bundle has an appeal type");
    }
    if let (Some(evidence), Some(hearing)) = (b.final_evidence_date, b.hearing_date)
        && evidence > hearing
    {
        checks.refuse("final_evidence_date", "the final evidence date comes before the hearing");
    }
    if let Some(case_id) = b.case_id
        && !matches!(snap.get(scope, &keys::case(case_id)), Some(Record::Case(_)))
    {
        checks.refuse("case_id", NOT_THIS_CHILDS_CASE);
    }
}

/// The builder's report on a build (run as the family member who asked for it).
pub(crate) fn record_build(
    ctx: &Context,
    command: &SystemCommand,
    snap: &Snapshot,
    changes: &mut Changes<'_>,
) -> Result<Scope, DomainError> {
    let SystemCommand::RecordBuild { child_id, bundle_id, build_id, outcome } = command else {
        return Err(DomainError::NotFound { what: "build" });
    };
    let scope = Scope::Child(*child_id);
    may_change(ctx.membership)?;
    let family = crate::rules::documents::family_scope(snap, &scope)?;
    let key = keys::build(*bundle_id, *build_id);
    let Some(Record::Build(build)) = snap.get(&scope, &key) else {
        return Err(DomainError::NotFound { what: "build" });
    };
    let mut next = build.clone();
    match outcome {
        BuildOutcome::Building => {
            if build.state != BuildState::Queued {
                return Ok(family);
            }
            next.state = BuildState::Building;
        }
        BuildOutcome::Ready { pages, sha256, size } => {
            if build.state == BuildState::Ready {
                return Ok(family);
            }
            next.state = BuildState::Ready;
            next.pages = Some(*pages);
            next.sha256 = Some(sha256.clone());
            next.size = Some(*size);
            next.reason = None;
            next.finished_at = Some(ctx.now);
        }
        BuildOutcome::Failed { reason } => {
            if build.state == BuildState::Ready {
                return Ok(family);
            }
            next.state = BuildState::Failed;
            next.reason = Some(reason.chars().take(limits::REASON).collect());
            next.finished_at = Some(ctx.now);
        }
    }
    changes.put(&scope, key, Record::Build(next));
    Ok(family)
}
