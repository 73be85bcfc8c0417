//! The domain's closed vocabularies — statuses, kinds, parties — as enums in Kotlin and Swift
//! (`CaseStatus.IN_ASSESSMENT`, `.inAssessment`), not strings an app could misspell. Each is the
//! domain's own type, declared to UniFFI here (it lives in a crate that does not use UniFFI);
//! the compiler checks every list against the domain's, so a value added there cannot be
//! missed here.

use senvault_domain::timescale::TimescaleId;
use senvault_domain::{
    ActionState, AlertKind, AppealableDecision, AppointmentPurpose, CaseStatus, Channel, CloseOutcome, Direction,
    DocumentCategory, DocumentType, EventCategory, EvidenceKind, FlagKind, FlagSeverity, FlagStatus, KeyDateKind,
    Party, ProfessionalRole, Section, TicketStatus, TicketType, TimelineKind,
};

#[uniffi::remote(Enum)]
pub enum CaseStatus {
    AssessmentRequested,
    InAssessment,
    DraftEhcpIssued,
    FinalEhcpIssued,
    AppealLodged,
    TribunalScheduled,
    Resolved,
    Closed,
}

#[uniffi::remote(Enum)]
pub enum CloseOutcome {
    Resolved,
    Closed,
}

#[uniffi::remote(Enum)]
pub enum KeyDateKind {
    RequestReceived,
    DecisionToAssess,
    DraftIssued,
    FinalIssued,
    AnnualReviewMeeting,
    AmendmentNotice,
    AmendedPlanIssued,
    DecisionNotice,
    MediationCertificate,
    TribunalHearing,
}

#[uniffi::remote(Enum)]
pub enum AppealableDecision {
    RefuseAssess,
    RefusePlan,
    PlanContents,
    RefuseReassess,
    RefuseAmend,
    Cease,
}

#[uniffi::remote(Enum)]
pub enum Party {
    Family,
    La,
    School,
    Professional,
    Advocate,
    Health,
    SocialCare,
    Other,
}

#[uniffi::remote(Enum)]
pub enum ActionState {
    Open,
    Done,
}

#[uniffi::remote(Enum)]
pub enum Section {
    A,
    B,
    C,
    D,
    E,
    F,
    G,
    H1,
    H2,
    I,
    J,
    K,
}

#[uniffi::remote(Enum)]
pub enum FlagKind {
    VagueLanguage,
    UnquantifiedProvision,
    BfDisconnect,
    WrongSection,
    OutcomeNotSmart,
    MissingStatutoryContent,
    EvidenceInconsistency,
    SectionRelevance,
}

#[uniffi::remote(Enum)]
pub enum FlagSeverity {
    Info,
    Amber,
    Red,
}

#[uniffi::remote(Enum)]
pub enum FlagStatus {
    Open,
    Confirmed,
    Dismissed,
}

#[uniffi::remote(Enum)]
pub enum EvidenceKind {
    ExpertReport,
    WitnessStatement,
    DecisionLetter,
    Plan,
    AppealForm,
    Correspondence,
    SchoolRecord,
    Other,
}

#[uniffi::remote(Enum)]
pub enum DocumentCategory {
    Ehcp,
    Dla,
    Diagnosis,
    Education,
    Therapy,
    Medical,
    SocialCare,
    Correspondence,
    Tribunal,
    Other,
}

#[uniffi::remote(Enum)]
pub enum DocumentType {
    Pdf,
    Docx,
    Jpeg,
    Png,
    Heic,
    Text,
}

#[uniffi::remote(Enum)]
pub enum TicketStatus {
    New,
    InProgress,
    PendingFamily,
    PendingLa,
    Resolved,
    Closed,
}

#[uniffi::remote(Enum)]
pub enum TicketType {
    Ehcp,
    Dla,
    Tribunal,
    AnnualReview,
    LaRefusal,
    General,
}

#[uniffi::remote(Enum)]
pub enum TimelineKind {
    Interaction,
    Appointment,
    Event,
}

#[uniffi::remote(Enum)]
pub enum Channel {
    PhoneCall,
    Email,
    Letter,
    Meeting,
    VideoCall,
    TextMessage,
}

#[uniffi::remote(Enum)]
pub enum Direction {
    Incoming,
    Outgoing,
}

#[uniffi::remote(Enum)]
pub enum ProfessionalRole {
    EducationalPsychologist,
    SpeechAndLanguageTherapist,
    OccupationalTherapist,
    Physiotherapist,
    Paediatrician,
    CamhsClinician,
    SocialWorker,
    Senco,
    Teacher,
    LaCaseworker,
    SendiassOfficer,
    Other,
}

#[uniffi::remote(Enum)]
pub enum AppointmentPurpose {
    Assessment,
    ReviewMeeting,
    Clinical,
    SchoolMeeting,
    Mediation,
    TribunalHearing,
    Other,
}

#[uniffi::remote(Enum)]
pub enum EventCategory {
    Exclusion,
    Hospital,
    SchoolChange,
    Incident,
    Achievement,
    Other,
}

#[uniffi::remote(Enum)]
pub enum TimescaleId {
    AssessmentDecision,
    AdviceResponse,
    NoPlanDecision,
    DraftPlanExpected,
    DraftResponse,
    FinalPlan,
    AnnualReview,
    ReviewInvitation,
    ReviewAdvice,
    ReviewReport,
    ReviewDecision,
    AmendmentResponse,
    AmendedFinal,
    AmendedFinalCap,
    PhaseTransfer,
    PhaseTransferPost16,
    Post16Transfer,
    PhaseTransferReviewTarget,
    MediationContact,
    MediationHeld,
    MediationCertificateIssue,
    AppealDeadline,
    OrderNotifyAssess,
    OrderNoPlan,
    OrderFinalAfterAssess,
    OrderDraft,
    OrderFinal,
    OrderAmend,
    OrderSectionI,
    OrderCease,
}

#[uniffi::remote(Enum)]
pub enum AlertKind {
    Reminder,
    Overdue,
}
