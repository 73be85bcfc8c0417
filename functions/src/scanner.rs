//! The scheduled scanner (DESIGN §6): reads the due index only — never a listing of the table —
//! and applies `domain::scan::decide_scan` to each action's due tracker with work due, one
//! atomic commit per action (conditioned on the tracker, which every change to the action
//! rewrites). Used by the scheduled Lambda, the local server's timer and `senvault-local scan`.
//!
//! Idempotent: ids derive from (action, kind, due date) and the action records what was done,
//! so a re-run, a concurrent run or a run after a crash neither repeats nor skips anything.

use chrono::{DateTime, Utc};
use senvault_domain::dates::london_date;
use senvault_domain::scan::decide_scan;
use senvault_domain::{Record, Snapshot};
use serde::Serialize;

use crate::service::Service;
use senvault_store::codec::add_to_snapshot;
use senvault_store::index::{DUE_SHARDS, dated_until, due_partition};
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

/// Scans every shard of the due index for work due by `now` (England's date).
pub async fn scan(service: &Service, now: DateTime<Utc>) -> Result<ScanReport, ScanError> {
    let today = london_date(now);
    // Sort keys are `<date>#<scope>#<key>`: everything dated today or earlier.
    let until = dated_until(today);
    let mut report = ScanReport::default();
    for shard in 0..DUE_SHARDS {
        let pk = due_partition(shard);
        let mut after: Option<String> = None;
        loop {
            let page = service
                .store()
                .query_index(Index::G2, &pk, after.as_deref(), Some(&until), PAGE)
                .await
                .map_err(ScanError::Index)?;
            for row in &page.items {
                report.examined += 1;
                process(service, now, row, &mut report).await;
            }
            match page.next {
                Some(n) => after = Some(n),
                None => break,
            }
        }
    }
    tracing::info!(
        examined = report.examined,
        reminders = report.reminders,
        overdue = report.overdue,
        notes = report.notes,
        unchanged = report.unchanged,
        failed = report.failed,
        "scan finished"
    );
    if report.failed > 0 { Err(ScanError::Partial(report)) } else { Ok(report) }
}

async fn process(service: &Service, now: DateTime<Utc>, row: &StoredRecord, report: &mut ScanReport) {
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
        let decision = decide_scan(now, &scope, &row.key, &snap);
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
