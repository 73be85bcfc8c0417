//! The page plan, the meters and the checks BN01–BN08 of a bundle as it stands (`docs/bundles.md`).

use std::collections::{BTreeMap, HashMap};

use chrono::{Months, NaiveDate};
use serde::Serialize;

use super::{
    AUTHORITY, Bundle, BundleItem, BundlePurpose, BundleSection, CheckSeverity, EXPERT_REPORT_PAGES,
    INDEX_ROWS_PER_PAGE, ItemOrder, REPORT_MAX_AGE_MONTHS, SUMMARY_WITHIN_PAGES, Unusable, WITNESS_STATEMENT_PAGES,
};
use crate::ids::DocumentId;
use crate::model::Document;
use crate::vocab::{DocumentState, DocumentType, EvidenceKind};

/// One exhibit as the page plan places it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlannedItem {
    pub document_id: DocumentId,
    pub section: BundleSection,
    /// `A1`, `D3`: the section's letter and the exhibit's place in it.
    pub exhibit: String,
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub document_date: Option<NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence_kind: Option<EvidenceKind>,
    /// Its pages (`None` until the file is uploaded and counted, or when it cannot be used).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pages: Option<u32>,
    /// The bundle page it starts on, and the last (when its pages are known).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_page: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_page: Option<u32>,
    /// Whether the build will take it (uploaded, counted and usable).
    pub included: bool,
}

/// A section as the page plan places it: its divider page and its exhibits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlannedSection {
    pub section: BundleSection,
    pub heading: String,
    pub divider_page: u32,
    pub items: Vec<PlannedItem>,
}

/// A section's page count against its limit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Meter {
    pub section: BundleSection,
    pub pages: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    pub over_by: u32,
}

/// One finding of the checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Check {
    /// `BN01` to `BN08` (`docs/bundles.md`).
    pub rule_id: String,
    pub severity: CheckSeverity,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub document_id: Option<DocumentId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exhibit: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub section: Option<BundleSection>,
    pub message: String,
    pub authority: String,
}

/// The plan, the meters and the checks of a bundle as it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Review {
    pub sections: Vec<PlannedSection>,
    pub meters: Vec<Meter>,
    pub checks: Vec<Check>,
    /// A draft request to the Tribunal (form SEND7) to go over a limit, when a section is over:
    /// what is over and by how much, with a blank for why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub send7_draft: Option<String>,
    /// Pages of the cover and the index.
    pub front_pages: u32,
    /// Pages before the generated exhibits: cover, index, dividers and the items the build takes.
    pub pages_before_generated: u32,
    /// Exhibits the build adds from the vault's own records (the case chronology and the
    /// child's contact record, when the bundle names a case); their pages are known once built.
    pub generated_exhibits: Vec<String>,
}

/// The titles of the generated exhibits, in order, for a bundle naming a case.
pub const GENERATED_EXHIBITS: [&str; 2] = ["Chronology of the case", "Record of contacts, appointments and events"];
/// The letter of the generated exhibits' part.
pub const GENERATED_LETTER: char = 'F';
/// The heading of the generated exhibits' part.
pub const GENERATED_HEADING: &str = "Chronology and contact record";

/// Index pages for `rows` rows (at least one page).
pub fn index_pages(rows: u32) -> u32 {
    rows.div_ceil(INDEX_ROWS_PER_PAGE).max(1)
}

/// The items in bundle order: sections in their fixed order and, within each, by the date on
/// the document (oldest first, undated last) or as the family placed them. Sorting is stable,
/// so documents of the same date keep the family's order.
pub fn ordered<'a>(bundle: &'a Bundle, docs: &HashMap<DocumentId, &Document>) -> Vec<&'a BundleItem> {
    let mut items: Vec<&BundleItem> = bundle.items.iter().collect();
    items.sort_by_key(|i| {
        let date = match bundle.order {
            ItemOrder::ByDate => docs.get(&i.document_id).map(|d| (d.document_date.is_none(), d.document_date)),
            ItemOrder::AsGiven => None,
        };
        (i.section, date)
    });
    items
}

/// Whether a build can take the document, and if not why: the BN07 finding.
pub fn unusable_reason(doc: Option<&Document>) -> Option<String> {
    let Some(doc) = doc else {
        return Some("this document is no longer in the vault".into());
    };
    if doc.state != DocumentState::Uploaded {
        return Some("this document has not been uploaded yet".into());
    }
    if doc.content_type == DocumentType::Heic {
        return Some(Unusable::Heic.reason().into());
    }
    if let Some(u) = doc.unusable {
        return Some(u.reason().into());
    }
    if doc.pages.is_none() {
        return Some("its pages have not been counted: confirm its upload again (POST /v1/documents/{id}/uploaded) so the vault can count them".into());
    }
    None
}

/// Plans, measures and checks a bundle. `docs` holds the child's documents the bundle names
/// (a missing one was deleted); `today` stands in for an unknown hearing date.
pub fn review(bundle: &Bundle, docs: &HashMap<DocumentId, &Document>, today: NaiveDate) -> Review {
    let items = ordered(bundle, docs);
    let mut by_section: BTreeMap<BundleSection, Vec<&BundleItem>> = BTreeMap::new();
    for item in items {
        by_section.entry(item.section).or_default().push(item);
    }
    let generated = bundle.case_id.map(|_| GENERATED_EXHIBITS.iter().map(|s| s.to_string()).collect::<Vec<_>>());
    let generated = generated.unwrap_or_default();
    let rows = by_section.values().map(|v| v.len() as u32 + 1).sum::<u32>()
        + if generated.is_empty() { 0 } else { generated.len() as u32 + 1 };
    let front_pages = 1 + index_pages(rows);
    let mut page = front_pages;
    let mut sections = Vec::new();
    let mut checks = Vec::new();
    let mut seen_hashes: HashMap<&str, String> = HashMap::new();
    let tribunal = bundle.purpose == BundlePurpose::Tribunal;
    let reference_date = bundle.hearing_date.unwrap_or(today);
    for (section, items) in &by_section {
        page += 1;
        let divider_page = page;
        let mut planned = Vec::new();
        for (n, item) in items.iter().enumerate() {
            let doc = docs.get(&item.document_id).copied();
            let exhibit = format!("{}{}", section.letter(), n + 1);
            let finding = |rule: &str, severity, message: String| Check {
                rule_id: rule.into(),
                severity,
                document_id: Some(item.document_id),
                exhibit: Some(exhibit.clone()),
                section: Some(*section),
                message,
                authority: AUTHORITY.into(),
            };
            let blocked = unusable_reason(doc);
            let pages = doc.and_then(|d| d.pages);
            let included = blocked.is_none();
            let (start_page, end_page) = match (included, pages) {
                (true, Some(p)) if p > 0 => {
                    let start = page + 1;
                    page += p;
                    (Some(start), Some(page))
                }
                _ => (None, None),
            };
            if let Some(reason) = blocked {
                let mut c =
                    finding("BN07", CheckSeverity::Red, format!("{exhibit} cannot go into the bundle: {reason}"));
                c.authority = "The bundle is one PDF: every exhibit must be readable pages".into();
                checks.push(c);
            }
            if let Some(d) = doc {
                if let Some(hash) = d.sha256.as_deref() {
                    if let Some(first) = seen_hashes.get(hash) {
                        checks.push(finding(
                            "BN02",
                            CheckSeverity::Red,
                            format!("{exhibit} is the same file as {first}: multiple copies of the same document must not be included"),
                        ));
                    } else {
                        seen_hashes.insert(hash, exhibit.clone());
                    }
                }
                if tribunal {
                    review_document(d, &exhibit, reference_date, bundle.hearing_date.is_some(), &finding, &mut checks);
                }
                if !d.blank_pages.is_empty() && included {
                    let list = d.blank_pages.iter().map(u32::to_string).collect::<Vec<_>>().join(", ");
                    let mut c = finding(
                        "BN06",
                        CheckSeverity::Info,
                        format!(
                            "{exhibit} has pages that look blank (page {list} of the document): remove them if they carry nothing"
                        ),
                    );
                    c.authority = format!("{AUTHORITY}: blank pages count against the limits");
                    checks.push(c);
                }
            }
            planned.push(PlannedItem {
                document_id: item.document_id,
                section: *section,
                exhibit,
                title: doc.map(|d| d.title.clone()).unwrap_or_else(|| "(deleted document)".into()),
                document_date: doc.and_then(|d| d.document_date),
                evidence_kind: doc.and_then(|d| d.evidence_kind),
                pages,
                start_page,
                end_page,
                included,
            });
        }
        sections.push(PlannedSection {
            section: *section,
            heading: section.heading().into(),
            divider_page,
            items: planned,
        });
    }
    let meters: Vec<Meter> = bundle
        .purpose
        .sections()
        .iter()
        .map(|s| {
            let pages = sections
                .iter()
                .filter(|p| p.section == *s)
                .flat_map(|p| &p.items)
                .filter_map(|i| i.pages.filter(|_| i.included))
                .sum::<u32>();
            let limit = if tribunal { s.limit(bundle.appeal_type) } else { None };
            Meter { section: *s, pages, limit, over_by: limit.map_or(0, |l| pages.saturating_sub(l)) }
        })
        .collect();
    let over: Vec<&Meter> = meters.iter().filter(|m| m.over_by > 0).collect();
    let mut bn01: Vec<Check> = over
        .iter()
        .map(|m| Check {
            rule_id: "BN01".into(),
            severity: CheckSeverity::Red,
            document_id: None,
            exhibit: None,
            section: Some(m.section),
            message: format!(
                "{} has {} pages; the limit is {} ({} over){}",
                m.section.heading(),
                m.pages,
                m.limit.unwrap_or_default(),
                m.over_by,
                match (m.section, bundle.appeal_type) {
                    (BundleSection::FamilyEvidence, Some(a)) => format!(" for an appeal against {}", a.words()),
                    _ => String::new(),
                }
            ),
            authority: AUTHORITY.into(),
        })
        .collect();
    bn01.append(&mut checks);
    let mut checks = bn01;
    if tribunal {
        for section in &sections {
            for item in &section.items {
                if item.evidence_kind == Some(EvidenceKind::Correspondence) {
                    checks.push(Check {
                        rule_id: "BN08".into(),
                        severity: CheckSeverity::Info,
                        document_id: Some(item.document_id),
                        exhibit: Some(item.exhibit.clone()),
                        section: Some(item.section),
                        message: format!(
                            "{} is correspondence: include email threads between the parties only where they are relevant to a specific issue in the appeal",
                            item.exhibit
                        ),
                        authority: AUTHORITY.into(),
                    });
                }
            }
        }
        if bundle.appeal_type.is_none() {
            checks.push(Check {
                rule_id: "BN01".into(),
                severity: CheckSeverity::Info,
                document_id: None,
                exhibit: None,
                section: Some(BundleSection::FamilyEvidence),
                message: "choose the appeal type: the limit on the family's evidence depends on it (75 or 100 pages)"
                    .into(),
                authority: AUTHORITY.into(),
            });
        }
    }
    let send7_draft = (!over.is_empty()).then(|| send7(bundle, &over));
    let pages_before_generated = page;
    Review { sections, meters, checks, send7_draft, front_pages, pages_before_generated, generated_exhibits: generated }
}

/// The Practice Direction's rules on one document of a tribunal bundle: an expert report's
/// length, summary and age (BN03, BN05), a witness statement's length (BN04).
fn review_document(
    d: &Document,
    exhibit: &str,
    reference_date: NaiveDate,
    hearing_known: bool,
    finding: &dyn Fn(&str, CheckSeverity, String) -> Check,
    checks: &mut Vec<Check>,
) {
    match d.evidence_kind {
        Some(EvidenceKind::ExpertReport) => {
            if let Some(p) = d.pages.filter(|p| *p > EXPERT_REPORT_PAGES) {
                checks.push(finding(
                    "BN03",
                    CheckSeverity::Amber,
                    format!("{exhibit} is an expert report of {p} pages: expert reports are limited to {EXPERT_REPORT_PAGES} pages of A4, including the summary"),
                ));
            }
            if d.summary_heading == Some(false) {
                checks.push(finding(
                    "BN03",
                    CheckSeverity::Amber,
                    format!("{exhibit} is an expert report with no summary in its first {SUMMARY_WITHIN_PAGES} pages: expert reports must open with a summary of at most {SUMMARY_WITHIN_PAGES} pages"),
                ));
            }
            if let Some(date) = d.document_date
                && reference_date
                    .checked_sub_months(Months::new(REPORT_MAX_AGE_MONTHS))
                    .is_some_and(|limit| date < limit)
            {
                let at = if hearing_known { "at the hearing" } else { "today" };
                checks.push(finding(
                    "BN05",
                    CheckSeverity::Amber,
                    format!("{exhibit} is an expert report dated {}, more than 3 years old {at}: older reports are admitted only in exceptional circumstances; ask for an updated report or explain why it is still relevant", date.format("%-d %B %Y")),
                ));
            }
        }
        Some(EvidenceKind::WitnessStatement) => {
            if let Some(p) = d.pages.filter(|p| *p > WITNESS_STATEMENT_PAGES) {
                checks.push(finding(
                    "BN04",
                    CheckSeverity::Amber,
                    format!("{exhibit} is a witness statement of {p} pages: statements are limited to {WITNESS_STATEMENT_PAGES} pages of A4 unless a note explains why it must be longer"),
                ));
            }
        }
        _ => {}
    }
}

/// The SEND7 draft: which sections are over, by how much, and a blank for the family's reasons.
fn send7(bundle: &Bundle, over: &[&Meter]) -> String {
    let mut text = String::from("Request for change (form SEND7): permission to exceed the page limits\n\n");
    text.push_str(&format!(
        "Appeal reference: {}\n",
        bundle.appeal_reference.as_deref().unwrap_or("[appeal reference]")
    ));
    if let Some(h) = bundle.hearing_date {
        text.push_str(&format!("Hearing date: {}\n", h.format("%-d %B %Y")));
    }
    text.push_str(
        "\nWe ask the Tribunal's permission to send more pages than the Practice Direction on bundles allows in:\n",
    );
    for m in over {
        text.push_str(&format!(
            "- {}: {} pages against a limit of {}, over by {} page{}.\n",
            m.section.heading(),
            m.pages,
            m.limit.unwrap_or_default(),
            m.over_by,
            if m.over_by == 1 { "" } else { "s" }
        ));
    }
    text.push_str(
        "\nWhy the additional pages are needed, and why the evidence cannot be shortened:\n[Explain here, document by document, what each extra page shows the Tribunal that nothing else does.]\n",
    );
    text
}
