//! The statutory timescale table (`docs/law.md`), kept as data versioned by regime.
//!
//! Every deadline carries its legal basis and its force; a `guidance` date is never a breach.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::dates::{self, DateError};
use crate::vocab::{DeadlineKind, ExceptionGround, Party};

/// The legal regime the table belongs to. Reform proposals are not law; a new regime would be a
/// new table, never an edit of this one.
pub const REGIME: &str = "cfa2014";

/// How a time limit is counted from its start (`docs/law.md`, "Counting").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Length {
    /// N weeks after the start.
    Weeks(u32),
    /// N weeks before the start (the start is a meeting date).
    WeeksBefore(u32),
    /// N days beginning with the start (the start is day 1).
    DaysBeginningWith(u32),
    /// Within N days of the start.
    DaysWithin(u32),
    /// N calendar months after the start, clamped to the month's end.
    Months(u32),
    /// N calendar months before the start.
    MonthsBefore(u32),
    /// A period of N months starting with the start.
    MonthsStartingWith(u32),
    /// The Nth working day after the start.
    WorkingDays(u32),
    /// A fixed day and month in the calendar year of the start (the transfer).
    FixedDate { month: u32, day: u32 },
    /// Due on the start date itself.
    Immediately,
}

impl Length {
    /// The due date for a clock started on `start`.
    pub fn due(&self, start: NaiveDate) -> Result<NaiveDate, DateError> {
        use chrono::Datelike;
        match *self {
            Length::Weeks(n) => dates::add_weeks(start, n),
            Length::WeeksBefore(n) => dates::weeks_before(start, n),
            Length::DaysBeginningWith(n) => dates::days_beginning_with(start, n),
            Length::DaysWithin(n) => dates::days_within(start, n),
            Length::Months(n) => dates::add_months(start, n),
            Length::MonthsBefore(n) => dates::months_before(start, n),
            Length::MonthsStartingWith(n) => dates::period_of_months_starting_with(start, n),
            Length::WorkingDays(n) => dates::add_working_days(start, n),
            Length::FixedDate { month, day } => {
                NaiveDate::from_ymd_opt(start.year(), month, day).ok_or(DateError::OutOfRange)
            }
            Length::Immediately => Ok(start),
        }
    }
}

macro_rules! timescales {
    ($($variant:ident = $wire:literal),+ $(,)?) => {
        /// A row of the timescale table.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum TimescaleId {
            $(#[serde(rename = $wire)] $variant),+
        }

        #[cfg(feature = "openapi")]
        impl utoipa::PartialSchema for TimescaleId {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                crate::openapi::string_enum(&[$($wire),+], "A statutory timescale (`docs/law.md`): its wire id.")
            }
        }

        #[cfg(feature = "openapi")]
        impl utoipa::ToSchema for TimescaleId {}

        impl TimescaleId {
            pub const ALL: &'static [TimescaleId] = &[$(TimescaleId::$variant),+];
            pub fn as_str(&self) -> &'static str {
                match self { $(TimescaleId::$variant => $wire),+ }
            }
        }

        impl std::str::FromStr for TimescaleId {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($wire => Ok(TimescaleId::$variant),)+
                    _ => Err(format!("unknown timescale `{}`", s.chars().take(40).collect::<String>())),
                }
            }
        }
    };
}

timescales!(
    AssessmentDecision = "assessment_decision",
    AdviceResponse = "advice_response",
    NoPlanDecision = "no_plan_decision",
    DraftPlanExpected = "draft_plan_expected",
    DraftResponse = "draft_response",
    FinalPlan = "final_plan",
    AnnualReview = "annual_review",
    ReviewInvitation = "review_invitation",
    ReviewAdvice = "review_advice",
    ReviewReport = "review_report",
    ReviewDecision = "review_decision",
    AmendmentResponse = "amendment_response",
    AmendedFinal = "amended_final",
    AmendedFinalCap = "amended_final_cap",
    PhaseTransfer = "phase_transfer",
    PhaseTransferPost16 = "phase_transfer_post16",
    Post16Transfer = "post16_transfer",
    PhaseTransferReviewTarget = "phase_transfer_review_target",
    MediationContact = "mediation_contact",
    MediationHeld = "mediation_held",
    MediationCertificateIssue = "mediation_certificate_issue",
    AppealDeadline = "appeal_deadline",
    OrderNotifyAssess = "order_notify_assess",
    OrderNoPlan = "order_no_plan",
    OrderFinalAfterAssess = "order_final_after_assess",
    OrderDraft = "order_draft",
    OrderFinal = "order_final",
    OrderAmend = "order_amend",
    OrderSectionI = "order_section_i",
    OrderCease = "order_cease",
);

impl std::fmt::Display for TimescaleId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One row of the table: what must happen, by whom, how the limit is counted, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timescale {
    pub id: TimescaleId,
    pub step: &'static str,
    pub length: Length,
    pub actor: Party,
    pub basis: &'static str,
    pub kind: DeadlineKind,
    /// Filed with the tribunal: the HESC r.12 roll-forward gives an `accepted_until`.
    pub tribunal_filing: bool,
}

use TimescaleId as T;

impl TimescaleId {
    /// The table row for this id.
    pub fn spec(&self) -> Timescale {
        use DeadlineKind::*;
        use Length::*;
        use Party::*;
        let (step, length, actor, basis, kind) = match self {
            T::AssessmentDecision => {
                ("LA says whether it will assess", Weeks(6), La, "SEND Regs 2014 reg 5(1)", Statutory)
            }
            T::AdviceResponse => {
                ("Advice supplied to the LA", Weeks(6), Professional, "SEND Regs 2014 reg 8(1)", Statutory)
            }
            T::NoPlanDecision => {
                ("LA notifies it will not issue a plan", Weeks(16), La, "SEND Regs 2014 reg 10(1)", Statutory)
            }
            T::DraftPlanExpected => (
                "LA sends the draft plan",
                Weeks(16),
                La,
                "No statutory deadline for the draft (guidance only)",
                Guidance,
            ),
            T::DraftResponse => (
                "Comment on the draft, ask for a meeting, name a school",
                DaysBeginningWith(15),
                Family,
                "SEND Regs 2014 reg 13(1)(a); CFA 2014 s.38",
                Statutory,
            ),
            T::FinalPlan => (
                "LA issues the final plan with appeal notice",
                Weeks(20),
                La,
                "SEND Regs 2014 reg 13(2); reg 14",
                Statutory,
            ),
            T::AnnualReview => (
                "Annual review completed",
                MonthsStartingWith(12),
                La,
                "CFA 2014 s.44(1); SEND Regs 2014 regs 20-21",
                Statutory,
            ),
            T::ReviewInvitation => (
                "Review meeting notice sent to invitees",
                WeeksBefore(2),
                School,
                "SEND Regs 2014 reg 20(3); reg 21(3)",
                Statutory,
            ),
            T::ReviewAdvice => (
                "Advice circulated before the review meeting",
                WeeksBefore(2),
                School,
                "SEND Regs 2014 reg 20(4); reg 21(4)",
                Statutory,
            ),
            T::ReviewReport => (
                "Review report sent to the LA and invitees",
                Weeks(2),
                School,
                "SEND Regs 2014 reg 20(7)-(8)",
                Statutory,
            ),
            T::ReviewDecision => (
                "LA decides to keep, amend or cease the plan (and sends any amendments)",
                Weeks(4),
                La,
                "SEND Regs 2014 reg 20(10), reg 22(2); R (L, M & P) v Devon CC [2022] EWHC 493 (Admin)",
                Statutory,
            ),
            T::AmendmentResponse => (
                "Family's representations on the proposed amendments",
                DaysBeginningWith(15),
                Family,
                "SEND Regs 2014 reg 22(2)(c)",
                Statutory,
            ),
            T::AmendedFinal => (
                "LA issues the final amended plan (or a notice not to amend)",
                Weeks(8),
                La,
                "SEND Regs 2014 reg 22(3)-(4)",
                Statutory,
            ),
            T::AmendedFinalCap => (
                "Final amended plan at the latest",
                Weeks(12),
                La,
                "R (L, M & P) v Devon CC [2022] EWHC 493 (Admin)",
                CaseLaw,
            ),
            T::PhaseTransfer => (
                "Plan amended to name the next school",
                FixedDate { month: 2, day: 15 },
                La,
                "SEND Regs 2014 reg 18(1)(b)",
                Statutory,
            ),
            T::PhaseTransferPost16 => (
                "Plan amended to name the post-16 placement",
                FixedDate { month: 3, day: 31 },
                La,
                "SEND Regs 2014 reg 18(1)(a)",
                Statutory,
            ),
            T::Post16Transfer => {
                ("Plan amended before a post-16 move", MonthsBefore(5), La, "SEND Regs 2014 reg 18(2)", Statutory)
            }
            T::PhaseTransferReviewTarget => (
                "Latest sensible review meeting before transfer",
                WeeksBefore(12),
                School,
                "4 + 8 weeks before the fixed transfer date (guidance)",
                Guidance,
            ),
            T::MediationContact => (
                "Family contacts the mediation adviser",
                Months(2),
                Family,
                "SEND Regs 2014 reg 33; CFA 2014 s.55",
                Statutory,
            ),
            T::MediationHeld => ("Mediation held", DaysWithin(30), La, "SEND Regs 2014 regs 35-38", Statutory),
            T::MediationCertificateIssue => {
                ("Mediation certificate issued", WorkingDays(3), Professional, "SEND Regs 2014 regs 34-39", Statutory)
            }
            T::AppealDeadline => (
                "Appeal received by the tribunal",
                Months(2),
                Family,
                "Tribunal Procedure (HESC) Rules 2008 r.20(1)(c), r.12",
                Statutory,
            ),
            T::OrderNotifyAssess => {
                ("Tribunal order: notify the family of assessment", Weeks(2), La, "SEND Regs 2014 reg 44(2)", Statutory)
            }
            T::OrderNoPlan => {
                ("Tribunal order: decision not to issue a plan", Weeks(10), La, "SEND Regs 2014 reg 44(2)", Statutory)
            }
            T::OrderFinalAfterAssess => {
                ("Tribunal order: final plan after assessment", Weeks(14), La, "SEND Regs 2014 reg 44(2)", Statutory)
            }
            T::OrderDraft => ("Tribunal order: draft plan", Weeks(5), La, "SEND Regs 2014 reg 44(2)", Statutory),
            T::OrderFinal => ("Tribunal order: final plan", Weeks(11), La, "SEND Regs 2014 reg 44(2)", Statutory),
            T::OrderAmend => (
                "Tribunal order: amend the plan",
                Weeks(5),
                La,
                "SEND Regs 2014 reg 44(2); R (BA) v Nottinghamshire CC [2021] EWHC 1348 (Admin)",
                Statutory,
            ),
            T::OrderSectionI => {
                ("Tribunal order: change Section I", Weeks(2), La, "SEND Regs 2014 reg 44(2)", Statutory)
            }
            T::OrderCease => (
                "Appeal against ceasing dismissed: plan may cease",
                Immediately,
                La,
                "SEND Regs 2014 reg 44(2)",
                Statutory,
            ),
        };
        Timescale { id: *self, step, length, actor, basis, kind, tribunal_filing: *self == T::AppealDeadline }
    }

    /// The due date for a clock started on `start`.
    pub fn due(&self, start: NaiveDate) -> Result<NaiveDate, DateError> {
        self.spec().length.due(start)
    }

    /// A period the law gives the family (reg 13(1)(a), 22(2)(c); s.55; HESC r.20): a right,
    /// not a duty. When it closes unused it is closed, never overdue or a missed deadline.
    pub fn is_family_window(&self) -> bool {
        matches!(self, T::DraftResponse | T::AmendmentResponse | T::MediationContact | T::AppealDeadline)
    }

    /// The grounds on which the LA may miss this time limit (SEND Regs 2014 regs 5(4), 8(2), 10(4),
    /// 13(3), 44(3)). No exception exists for reviews, amendments, phase transfers, the family's
    /// windows or appeals.
    pub fn exception_grounds(&self) -> &'static [ExceptionGround] {
        use ExceptionGround as G;
        const LA_LIMITS: &[ExceptionGround] =
            &[G::SchoolClosure, G::EarlyYearsClosure, G::PersonalCircumstances, G::AbsenceFromArea];
        const ADVICE: &[ExceptionGround] = &[G::PersonalCircumstances, G::AbsenceFromArea, G::MissedAppointment];
        match self {
            T::AssessmentDecision | T::NoPlanDecision | T::FinalPlan => LA_LIMITS,
            T::OrderNotifyAssess
            | T::OrderNoPlan
            | T::OrderFinalAfterAssess
            | T::OrderDraft
            | T::OrderFinal
            | T::OrderAmend
            | T::OrderSectionI
            | T::OrderCease => LA_LIMITS,
            T::AdviceResponse => ADVICE,
            _ => &[],
        }
    }
}

/// A computed deadline: when it is due, until when a tribunal still accepts it, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deadline {
    pub timescale: TimescaleId,
    pub due: NaiveDate,
    /// Only for tribunal filings (HESC r.12); `None` where the roll-forward cannot be computed
    /// (a year outside the bank-holiday table) or does not apply.
    pub accepted_until: Option<NaiveDate>,
}

impl Deadline {
    pub fn from_start(timescale: TimescaleId, start: NaiveDate) -> Result<Self, DateError> {
        Self::at(timescale, timescale.due(start)?)
    }

    /// A deadline already due on `due` (adds the tribunal roll-forward where it applies).
    pub fn at(timescale: TimescaleId, due: NaiveDate) -> Result<Self, DateError> {
        let accepted_until =
            if timescale.spec().tribunal_filing { dates::tribunal_accepted_until(due).ok() } else { None };
        Ok(Deadline { timescale, due, accepted_until })
    }
}

/// The appeal deadline: 2 months from the decision notice, or 1 month from the mediation
/// certificate if that is later (HESC r.20(1)(c)).
pub fn appeal_deadline(notice: NaiveDate, certificate: Option<NaiveDate>) -> Result<Deadline, DateError> {
    let from_notice = dates::add_months(notice, 2)?;
    let due = match certificate {
        Some(c) => from_notice.max(dates::add_months(c, 1)?),
        None => from_notice,
    };
    Deadline::at(TimescaleId::AppealDeadline, due)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dates::ymd;
    use TimescaleId as T;

    #[test]
    fn example_1_weeks() {
        let req = ymd(2026, 1, 15);
        assert_eq!(T::AssessmentDecision.due(req), Ok(ymd(2026, 2, 26)));
        assert_eq!(T::NoPlanDecision.due(req), Ok(ymd(2026, 5, 7)));
        assert_eq!(T::DraftPlanExpected.due(req), Ok(ymd(2026, 5, 7)));
        assert_eq!(T::FinalPlan.due(req), Ok(ymd(2026, 6, 4)));
        let meeting = ymd(2026, 3, 9);
        assert_eq!(T::ReviewAdvice.due(meeting), Ok(ymd(2026, 2, 23)));
        assert_eq!(T::ReviewReport.due(meeting), Ok(ymd(2026, 3, 23)));
        // Easter Monday: no shift for an LA deadline.
        assert_eq!(T::ReviewDecision.due(meeting), Ok(ymd(2026, 4, 6)));
        assert_eq!(T::AmendedFinalCap.due(meeting), Ok(ymd(2026, 6, 1)));
    }

    #[test]
    fn example_2_days() {
        // 25 May is a bank holiday and still counts.
        assert_eq!(T::DraftResponse.due(ymd(2026, 5, 12)), Ok(ymd(2026, 5, 26)));
        let notice = ymd(2026, 4, 1);
        assert_eq!(T::AmendmentResponse.due(notice), Ok(ymd(2026, 4, 15)));
        assert_eq!(T::AmendedFinal.due(notice), Ok(ymd(2026, 5, 27)));
    }

    #[test]
    fn example_3_months() {
        assert_eq!(T::AnnualReview.due(ymd(2026, 3, 31)), Ok(ymd(2027, 3, 30)));
        let d = appeal_deadline(ymd(2025, 12, 31), Some(ymd(2026, 2, 20))).unwrap();
        assert_eq!(d.due, ymd(2026, 3, 20));
        // Section I only: no certificate.
        let d = appeal_deadline(ymd(2025, 12, 31), None).unwrap();
        assert_eq!(d.due, ymd(2026, 2, 28));
        assert_eq!(d.accepted_until, Some(ymd(2026, 3, 2)));
        let d = appeal_deadline(ymd(2026, 6, 30), None).unwrap();
        assert_eq!(d.due, ymd(2026, 8, 30));
        assert_eq!(d.accepted_until, Some(ymd(2026, 9, 1)));
    }

    #[test]
    fn example_4_working_days() {
        let cert = T::MediationCertificateIssue.due(ymd(2026, 12, 24)).unwrap();
        assert_eq!(cert, ymd(2026, 12, 31));
        let d = appeal_deadline(ymd(2026, 11, 2), Some(cert)).unwrap();
        assert_eq!(d.due, ymd(2027, 1, 31));
        assert_eq!(d.accepted_until, Some(ymd(2027, 2, 1)));
    }

    #[test]
    fn fixed_dates_fall_in_the_transfer_year() {
        assert_eq!(T::PhaseTransfer.due(ymd(2027, 9, 1)), Ok(ymd(2027, 2, 15)));
        assert_eq!(T::PhaseTransferPost16.due(ymd(2027, 9, 1)), Ok(ymd(2027, 3, 31)));
    }

    #[test]
    fn every_row_has_a_basis_and_only_guidance_rows_are_guidance() {
        for t in T::ALL {
            let s = t.spec();
            assert!(!s.basis.is_empty());
            assert_eq!(t.as_str().parse::<T>(), Ok(*t));
        }
        let guidance: Vec<_> = T::ALL.iter().filter(|t| t.spec().kind == DeadlineKind::Guidance).collect();
        assert_eq!(guidance, vec![&T::DraftPlanExpected, &T::PhaseTransferReviewTarget]);
    }
}
