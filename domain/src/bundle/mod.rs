//! Evidence bundles: the family's evidence for a tribunal (or a review, a complaint), ordered in
//! sections, checked against the page limits and rules of the Senior President of Tribunals'
//! Practice Direction on bundles in the SEND and disability discrimination jurisdictions (No. 1
//! of 2025, Schedule One; final hearings listed after 15 July 2025), and compiled as one PDF.
//!
//! This module holds the records (a bundle and each immutable build of it), the sections and
//! their limits, the checks BN01–BN08 (`docs/bundles.md`) and the page plan: which bundle page
//! each exhibit starts on. The compiler lays out its pages by the same plan, so the page numbers
//! a family sees before building are the ones printed on the PDF.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::context::ActorRef;
use crate::ids::{BuildId, BundleId, CaseId, ChildId, ConnectionId, DocumentId, FamilyId, ShareLinkId};
use crate::vocab::vocab;

mod review;

pub use review::*;

/// Most items in one bundle.
pub const MAX_ITEMS: usize = 200;
/// Longest appeal reference (the Tribunal's are like `EH123/25/00001`).
pub const MAX_REFERENCE: usize = 40;
/// Index rows (section headings and exhibits) on one index page; the compiler prints exactly
/// this many, so the index's length is known before building.
pub const INDEX_ROWS_PER_PAGE: u32 = 28;
/// The Practice Direction, as the checks cite it.
pub const AUTHORITY: &str = "Practice Direction on the preparation of bundles in the SEND and disability discrimination jurisdictions (Senior President of Tribunals, No. 1 of 2025), Schedule One";
/// Expert reports: at most 15 pages of A4, with a summary of at most 2.
pub const EXPERT_REPORT_PAGES: u32 = 15;
pub const SUMMARY_WITHIN_PAGES: u32 = 2;
/// Witness statements: at most 10 pages of A4 (more needs a note saying why).
pub const WITNESS_STATEMENT_PAGES: u32 = 10;
/// Expert evidence older than this at the hearing needs exceptional circumstances.
pub const REPORT_MAX_AGE_MONTHS: u32 = 36;

vocab!(
    /// What a bundle is for: a tribunal appeal (the Practice Direction's sections and limits
    /// apply), an annual review, a complaint, or anything else.
    BundlePurpose {
        Tribunal = "tribunal",
        AnnualReview = "annual_review",
        Complaint = "complaint",
        General = "general",
    }
);

vocab!(
    /// The kind of SEND appeal, which sets how many pages of evidence each party may send.
    AppealType {
        RefusalToAssess = "refusal_to_assess",
        RefusalToIssue = "refusal_to_issue",
        Contents = "contents",
        SectionIOnly = "section_i_only",
        CeaseToMaintain = "cease_to_maintain",
        Extended = "extended",
    }
);

vocab!(
    /// A section of a bundle.
    BundleSection {
        Core = "core",
        Plan = "plan",
        WorkingDocument = "working_document",
        FamilyEvidence = "family_evidence",
        Other = "other",
    }
);

vocab!(
    /// How a bundle's items are ordered within each section: by the date on each document,
    /// oldest first (the Tribunal's order), or as the family placed them.
    ItemOrder {
        ByDate = "by_date",
        AsGiven = "as_given",
    }
);

vocab!(
    /// Where a build is.
    BuildState {
        Queued = "queued",
        Building = "building",
        Ready = "ready",
        Failed = "failed",
    }
);

vocab!(
    /// How much a check matters: red stops the Tribunal accepting the bundle as it is, amber
    /// needs the family's attention or a note, info is advice.
    CheckSeverity {
        Red = "red",
        Amber = "amber",
        Info = "info",
    }
);

vocab!(
    /// Why a document's file cannot go into a bundle as pages.
    Unusable {
        Heic = "heic",
        Encrypted = "encrypted",
        Damaged = "damaged",
    }
);

impl Unusable {
    /// What the family is told, with what to do.
    pub fn reason(self) -> &'static str {
        match self {
            Unusable::Heic => {
                "HEIC photos cannot go into a bundle: save the photo as JPEG or PNG (most phones can share it so) and upload that"
            }
            Unusable::Encrypted => {
                "this PDF is password-protected, so its pages cannot be copied into a bundle: save an unprotected copy and upload that"
            }
            Unusable::Damaged => "this file is damaged or is not the type it claims to be, so its pages cannot be read",
        }
    }
}

impl BundleSection {
    /// The exhibit letter: sections print in this order, A to E; the generated exhibits
    /// (chronology, contact record) follow as F.
    pub fn letter(self) -> char {
        match self {
            BundleSection::Core => 'A',
            BundleSection::Plan => 'B',
            BundleSection::WorkingDocument => 'C',
            BundleSection::FamilyEvidence => 'D',
            BundleSection::Other => 'E',
        }
    }

    /// The heading printed on the section's divider and in the index.
    pub fn heading(self) -> &'static str {
        match self {
            BundleSection::Core => "Core bundle",
            BundleSection::Plan => "EHC plan and Section K appendices",
            BundleSection::WorkingDocument => "Working document",
            BundleSection::FamilyEvidence => "The family's evidence",
            BundleSection::Other => "Other documents",
        }
    }

    /// The section's page limit in a tribunal bundle (`None`: no limit, or the family's
    /// evidence while the appeal type is not yet chosen).
    pub fn limit(self, appeal: Option<AppealType>) -> Option<u32> {
        match self {
            BundleSection::Core => Some(100),
            BundleSection::Plan => Some(150),
            BundleSection::WorkingDocument => Some(25),
            BundleSection::FamilyEvidence => appeal.map(AppealType::evidence_limit),
            BundleSection::Other => None,
        }
    }
}

impl AppealType {
    /// Pages of evidence each party may send in this kind of appeal.
    pub fn evidence_limit(self) -> u32 {
        match self {
            AppealType::RefusalToIssue | AppealType::Contents => 100,
            AppealType::RefusalToAssess
            | AppealType::SectionIOnly
            | AppealType::CeaseToMaintain
            | AppealType::Extended => 75,
        }
    }

    /// The appeal in words.
    pub fn words(self) -> &'static str {
        match self {
            AppealType::RefusalToAssess => "a refusal to assess (or reassess)",
            AppealType::RefusalToIssue => "a refusal to issue a plan",
            AppealType::Contents => "the contents of the plan (Section B and/or F, with or without I)",
            AppealType::SectionIOnly => "Section I only",
            AppealType::CeaseToMaintain => "a decision to cease to maintain the plan",
            AppealType::Extended => "an extended appeal (health or social care recommendations)",
        }
    }
}

impl BundlePurpose {
    /// The purpose in words, as a cover prints it.
    pub fn words(self) -> &'static str {
        match self {
            BundlePurpose::Tribunal => "SEND Tribunal appeal",
            BundlePurpose::AnnualReview => "Annual review",
            BundlePurpose::Complaint => "Complaint",
            BundlePurpose::General => "Evidence",
        }
    }

    /// The sections a bundle for this purpose has. A tribunal bundle has the Practice
    /// Direction's four; the others hold the plan, the family's evidence and anything else.
    pub fn sections(self) -> &'static [BundleSection] {
        match self {
            BundlePurpose::Tribunal => &[
                BundleSection::Core,
                BundleSection::Plan,
                BundleSection::WorkingDocument,
                BundleSection::FamilyEvidence,
            ],
            BundlePurpose::AnnualReview | BundlePurpose::Complaint | BundlePurpose::General => {
                &[BundleSection::Plan, BundleSection::FamilyEvidence, BundleSection::Other]
            }
        }
    }
}

/// One document placed in a section of a bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct BundleItem {
    pub document_id: DocumentId,
    pub section: BundleSection,
}

/// A bundle (key `bundle/<id>` in the child scope): what goes in, in which section, and the
/// facts its cover prints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Bundle {
    pub id: BundleId,
    pub child_id: ChildId,
    pub family_id: FamilyId,
    pub title: String,
    pub purpose: BundlePurpose,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appeal_type: Option<AppealType>,
    /// The case whose chronology (and the child's contact record) the bundle adds as exhibits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_id: Option<CaseId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appeal_reference: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hearing_date: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub final_evidence_date: Option<NaiveDate>,
    pub items: Vec<BundleItem>,
    pub order: ItemOrder,
    /// Builds requested so far: the next build is version `versions + 1`.
    pub versions: u32,
    /// Connections whose advocate may read this bundle and download its builds (and nothing
    /// else of the vault), while the connection is active.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shared_with: Vec<ConnectionId>,
    pub created_by: ActorRef,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One build of a bundle (key `bundle/<bid>/build/<id>`): an immutable version, compiled from
/// the bundle as it was when requested (`bundle`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Build {
    pub id: BuildId,
    pub bundle_id: BundleId,
    pub child_id: ChildId,
    pub version: u32,
    pub state: BuildState,
    /// Total pages of the PDF (when ready).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pages: Option<u32>,
    /// Hex SHA-256 of the PDF (when ready).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// Why it failed, in words for the family.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub requested_by: ActorRef,
    pub requested_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<DateTime<Utc>>,
    /// The bundle as it was when this build was asked for.
    pub bundle: Bundle,
}

impl Build {
    /// The blob key of the compiled PDF (written only by the builder).
    pub fn blob_key(&self, family: FamilyId) -> String {
        format!("bundles/{family}/{}/{}/{}", self.child_id, self.bundle_id, self.id)
    }
}

/// Longest life of a share link, in days.
pub const MAX_LINK_DAYS: u32 = 30;

/// A link for someone with no account (a caseworker, a solicitor) to download a bundle's latest
/// ready build (key `bundle/<bid>/link/<id>`). Only the SHA-256 of its token is kept: the token
/// is shown once, when the link is made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ShareLink {
    pub id: ShareLinkId,
    pub bundle_id: BundleId,
    pub child_id: ChildId,
    /// Hex SHA-256 of the token.
    pub token_sha256: String,
    pub created_by: ActorRef,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<DateTime<Utc>>,
}

impl ShareLink {
    /// Whether the link opens the bundle at `now`.
    pub fn is_open(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && now < self.expires_at
    }
}

/// What the server measured in a document's file when its upload was confirmed: what a bundle
/// needs to know without opening it again.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageFacts {
    /// Pages it takes in a bundle (a PDF's pages, 1 per image, the rendered pages of text).
    pub pages: u32,
    /// 1-based numbers of pages with no text and nothing drawn.
    pub blank_pages: Vec<u32>,
    /// Whether a heading containing "summary" appears in the first two pages (`None`: the file
    /// has no text to look in).
    pub summary_heading: Option<bool>,
    /// Why the file cannot go into a bundle.
    pub unusable: Option<Unusable>,
}

/// A heading containing "summary": a short line (a heading, not a sentence that mentions one)
/// such as "Executive summary", "1. Summary of needs", "SUMMARY AND RECOMMENDATIONS".
pub fn has_summary_heading(text: &str) -> bool {
    text.lines().any(|line| {
        let words = line.split_whitespace().count();
        (1..=8).contains(&words) && line.to_lowercase().contains("summary")
    })
}
