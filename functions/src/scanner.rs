//! The scheduled scanner (README, "the overdue scanner"): reads the due index only — never a listing of the table —
//! and applies `domain::overdue::decide_scan` to each action's due tracker with work due, and
//! `decide_sla_scan` to each ticket whose SLA colour has changed, one atomic commit per tracker
//! (conditioned on it; every change to the action or ticket rewrites it). Used by the
//! scheduled Lambda, the local server's timer and `senvault-local scan`.
//!
//! Idempotent: ids derive from (action, kind, due date) and the action records what was done,
//! so a re-run, a concurrent run or a run after a crash neither repeats nor skips anything.

use chrono::{DateTime, Utc};
use senvault_domain::dates::london_date;
use senvault_domain::overdue::{decide_scan, decide_sla_scan};
use senvault_domain::{Decision, NoticeKind, Record, Scope, Snapshot};
use serde::Serialize;

use crate::service::Service;
use senvault_store::codec::add_to_snapshot;
use senvault_store::index::{DUE_SHARDS, dated_until, due_partition, instant_until, sla_partition};
use senvault_store::{Index, StoreError, StoredRecord};

/// How often one action is re-decided after losing a race before it is left for the next run.
const ATTEMPTS: u32 = 3;
const PAGE: usize = 200;

/// What one scan did (counts only: nothing here identifies a child or a record's content).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ScanReport {
    /// Actions read from the due index.
    pub examined: usize,
    pub reminders: usize,
    pub overdue: usize,
    /// Missed-deadline notes written.
    pub notes: usize,
    /// Tickets read from the SLA index.
    pub tickets_examined: usize,
    /// Advocates told a ticket turned orange, or red.
    pub sla_orange: usize,
    pub sla_red: usize,
    /// Actions that needed nothing (already handled by an earlier or concurrent run).
    pub unchanged: usize,
    /// Actions whose commit failed; the next run picks them up again.
    pub failed: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error("the due index could not be read: {0}")]
    Index(StoreError),
    #[error("{} of {} due actions could not be processed; they stay due for the next run", .0.failed, .0.examined)]
    Partial(ScanReport),
}

/// What a tracker needs doing at a moment: the rule for its kind.
type Rule = fn(DateTime<Utc>, &Scope, &str, &Snapshot) -> Decision;

/// Scans every shard of the due index for work due by `now` (England's date), and of the SLA
/// index for tickets whose colour changed by `now`.
pub async fn scan(service: &Service, now: DateTime<Utc>) -> Result<ScanReport, ScanError> {
    // Sort keys are `<date>#<scope>#<key>`: everything dated today or earlier; and
    // `<instant>#<scope>#<key>`: everything up to now.
    let until = dated_until(london_date(now));
    let sla_until = instant_until(now);
    let mut report = ScanReport::default();
    for shard in 0..DUE_SHARDS {
        scan_partition(service, now, &due_partition(shard), &until, decide_scan, &mut report).await?;
        let before = report.examined;
        scan_partition(service, now, &sla_partition(shard), &sla_until, decide_sla_scan, &mut report).await?;
        report.tickets_examined += report.examined - before;
        report.examined = before;
    }
    tracing::info!(
        examined = report.examined,
        reminders = report.reminders,
        overdue = report.overdue,
        notes = report.notes,
        tickets = report.tickets_examined,
        sla_orange = report.sla_orange,
        sla_red = report.sla_red,
        unchanged = report.unchanged,
        failed = report.failed,
        "scan finished"
    );
    if report.failed > 0 { Err(ScanError::Partial(report)) } else { Ok(report) }
}

async fn scan_partition(
    service: &Service,
    now: DateTime<Utc>,
    pk: &str,
    until: &str,
    rule: Rule,
    report: &mut ScanReport,
) -> Result<(), ScanError> {
    let mut after: Option<String> = None;
    loop {
        let page = service
            .store()
            .query_index(Index::G2, pk, after.as_deref(), Some(until), PAGE)
            .await
            .map_err(ScanError::Index)?;
        for row in &page.items {
            report.examined += 1;
            process(service, now, row, rule, report).await;
        }
        match page.next {
            Some(n) => after = Some(n),
            None => return Ok(()),
        }
    }
}

async fn process(service: &Service, now: DateTime<Utc>, row: &StoredRecord, rule: Rule, report: &mut ScanReport) {
    let mut current = Some(row.clone());
    for _ in 0..ATTEMPTS {
        let Some(row) = current.take() else { break };
        let mut snap = Snapshot::new();
        if add_to_snapshot(&mut snap, std::slice::from_ref(&row)).is_err() {
            report.failed += 1;
            return;
        }
        let Ok(scope) = row.scope.parse() else {
            report.failed += 1;
            return;
        };
        let decision = rule(now, &scope, &row.key, &snap);
        if decision.is_noop() {
            report.unchanged += 1;
            return;
        }
        match service.commit_decided(&decision.writes).await {
            Ok(_) => {
                for w in &decision.writes {
                    match &w.record {
                        Record::Alert(a) if a.kind == senvault_domain::AlertKind::Reminder => report.reminders += 1,
                        Record::Alert(_) => report.overdue += 1,
                        Record::Note(_) => report.notes += 1,
                        Record::Notice(n) if n.kind == NoticeKind::SlaRed => report.sla_red += 1,
                        Record::Notice(_) => report.sla_orange += 1,
                        _ => {}
                    }
                }
                return;
            }
            // Someone changed the action, so its tracker (or another scanner got there first):
            // decide again from the tracker as it is now.
            Err(StoreError::Conflict { .. }) => match service.store().get(&row.scope, &row.key).await {
                Ok(Some(fresh)) if !fresh.deleted => current = Some(fresh),
                Ok(_) => {
                    report.unchanged += 1;
                    return;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "scan re-read failed");
                    report.failed += 1;
                    return;
                }
            },
            Err(e) => {
                tracing::warn!(error = %e, "scan commit failed");
                report.failed += 1;
                return;
            }
        }
    }
    report.failed += 1;
}
