//! The closed vocabularies of the wire and the store, as enums so that an unknown value cannot be stored.

use serde::{Deserialize, Serialize};

macro_rules! vocab {
    ($(#[doc = $doc:literal])* $name:ident { $($variant:ident = $wire:literal),+ $(,)? }) => {
        $(#[doc = $doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum $name {
            $(#[serde(rename = $wire)] $variant),+
        }

        // Written out rather than derived: the schema must list the wire ids, exactly.
        #[cfg(feature = "openapi")]
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                crate::openapi::string_enum(&[$($wire),+], concat!($($doc, "\n"),*))
            }
        }

        #[cfg(feature = "openapi")]
        impl utoipa::ToSchema for $name {}

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// The id used on the wire and in storage.
            pub fn as_str(&self) -> &'static str {
                match self { $($name::$variant => $wire),+ }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($wire => Ok($name::$variant),)+
                    _ => Err(format!(
                        "expected one of: {}",
                        [$($wire),+].join(", ")
                    )),
                }
            }
        }
    };
}
pub(crate) use vocab;

vocab!(
    /// EHCP case status (`docs/law.md`, "Case statuses"). Any status may move to any other.
    CaseStatus {
        AssessmentRequested = "assessment_requested",
        InAssessment = "in_assessment",
        DraftEhcpIssued = "draft_ehcp_issued",
        FinalEhcpIssued = "final_ehcp_issued",
        AppealLodged = "appeal_lodged",
        TribunalScheduled = "tribunal_scheduled",
        Resolved = "resolved",
        Closed = "closed",
    }
);

impl CaseStatus {
    /// `resolved` and `closed` end a case (it may still be reopened by a status change).
    pub fn is_terminal(&self) -> bool {
        matches!(self, CaseStatus::Resolved | CaseStatus::Closed)
    }
}

vocab!(
    /// The outcome a case is closed with.
    CloseOutcome {
        Resolved = "resolved",
        Closed = "closed",
    }
);

impl From<CloseOutcome> for CaseStatus {
    fn from(o: CloseOutcome) -> Self {
        match o {
            CloseOutcome::Resolved => CaseStatus::Resolved,
            CloseOutcome::Closed => CaseStatus::Closed,
        }
    }
}

vocab!(
    /// Kinds of key date (`docs/law.md`).
    KeyDateKind {
        RequestReceived = "request_received",
        DecisionToAssess = "decision_to_assess",
        DraftIssued = "draft_issued",
        FinalIssued = "final_issued",
        AnnualReviewMeeting = "annual_review_meeting",
        AmendmentNotice = "amendment_notice",
        AmendedPlanIssued = "amended_plan_issued",
        DecisionNotice = "decision_notice",
        MediationCertificate = "mediation_certificate",
        TribunalHearing = "tribunal_hearing",
    }
);

impl KeyDateKind {
    /// The first four kinds occur once per case; recording one again corrects it.
    pub fn once_per_case(&self) -> bool {
        matches!(
            self,
            KeyDateKind::RequestReceived
                | KeyDateKind::DecisionToAssess
                | KeyDateKind::DraftIssued
                | KeyDateKind::FinalIssued
        )
    }
}

vocab!(
    /// The appealable decision (CFA s.51(2)) a `decision_notice` records.
    AppealableDecision {
        RefuseAssess = "refuse_assess",
        RefusePlan = "refuse_plan",
        PlanContents = "plan_contents",
        RefuseReassess = "refuse_reassess",
        RefuseAmend = "refuse_amend",
        Cease = "cease",
    }
);

vocab!(
    /// A ground on which the LA may miss a fixed time limit where meeting it is impractical
    /// (SEND Regs 2014 regs 5(4), 8(2), 10(4), 13(3), 44(3)).
    ExceptionGround {
        SchoolClosure = "school_closure",
        EarlyYearsClosure = "early_years_closure",
        PersonalCircumstances = "personal_circumstances",
        AbsenceFromArea = "absence_from_area",
        MissedAppointment = "missed_appointment",
    }
);

vocab!(
    /// Who says an exception applies.
    ClaimedBy {
        La = "la",
        Family = "family",
    }
);

vocab!(
    /// Who must act.
    Party {
        Family = "family",
        La = "la",
        School = "school",
        Professional = "professional",
        Advocate = "advocate",
        Health = "health",
        SocialCare = "social_care",
        Other = "other",
    }
);

impl Party {
    /// The party written out, as a panel reads it ("the local authority", never `la`).
    pub fn words(&self) -> &'static str {
        match self {
            Party::Family => "the family",
            Party::La => "the local authority",
            Party::School => "the school",
            Party::Professional => "a professional",
            Party::Advocate => "the advocate",
            Party::Health => "the health service",
            Party::SocialCare => "social care",
            Party::Other => "someone else",
        }
    }
}

vocab!(
    /// Next-action priority (kept separate from ticket priority).
    ActionPriority {
        Routine = "routine",
        Important = "important",
        Urgent = "urgent",
    }
);

impl ActionPriority {
    /// The priority an action gets unless someone chooses one (`docs/law.md`, "Next actions"): the family's own
    /// steps are urgent; the LA's, a school's and a professional's important; a guidance date
    /// routine (it can never be breached).
    pub fn default_for(party: Party, kind: Option<DeadlineKind>) -> Self {
        if kind == Some(DeadlineKind::Guidance) {
            return ActionPriority::Routine;
        }
        match party {
            Party::Family => ActionPriority::Urgent,
            Party::La
            | Party::School
            | Party::Professional
            | Party::Advocate
            | Party::Health
            | Party::SocialCare
            | Party::Other => ActionPriority::Important,
        }
    }
}

vocab!(
    /// Stored action state; overdue is derived (open and due before today).
    ActionState {
        Open = "open",
        Done = "done",
    }
);

vocab!(
    /// Where an action came from: entered by hand, computed from a key date, or following a
    /// promise recorded on the child's timeline (`commitment`).
    ActionOrigin {
        Manual = "manual",
        Statutory = "statutory",
        Commitment = "commitment",
    }
);

vocab!(
    /// The force of a deadline: only `statutory` and `case_law` dates can be breached.
    DeadlineKind {
        Statutory = "statutory",
        Guidance = "guidance",
        CaseLaw = "case_law",
    }
);

vocab!(
    /// Case note topic.
    NoteTopic {
        AnnualReview = "annual_review",
        Correspondence = "correspondence",
        Legal = "legal",
        Evidence = "evidence",
        Provision = "provision",
    }
);

vocab!(
    /// EHCP sections (reg 12(1)); H1 and H2 are distinct.
    Section {
        A = "A",
        B = "B",
        C = "C",
        D = "D",
        E = "E",
        F = "F",
        G = "G",
        H1 = "H1",
        H2 = "H2",
        I = "I",
        J = "J",
        K = "K",
    }
);

vocab!(
    /// What a flag says about a passage (`docs/analyser.md`).
    FlagKind {
        VagueLanguage = "vague_language",
        UnquantifiedProvision = "unquantified_provision",
        BfDisconnect = "bf_disconnect",
        WrongSection = "wrong_section",
        OutcomeNotSmart = "outcome_not_smart",
        MissingStatutoryContent = "missing_statutory_content",
        EvidenceInconsistency = "evidence_inconsistency",
        SectionRelevance = "section_relevance",
    }
);

vocab!(
    /// How serious a flag is. Declared from least to most serious, so `max()` picks the worst.
    FlagSeverity {
        Info = "info",
        Amber = "amber",
        Red = "red",
    }
);

vocab!(
    /// The family's decision on a flag. Only the family changes it; dismissed flags are hidden,
    /// never deleted.
    FlagStatus {
        Open = "open",
        Confirmed = "confirmed",
        Dismissed = "dismissed",
    }
);

vocab!(
    /// What happened when a document was last analysed.
    AnalysisState {
        Analysed = "analysed",
        AnalysisFailed = "analysis_failed",
    }
);

vocab!(
    /// Who raised a flag.
    FlagOrigin {
        Analyser = "analyser",
        Manual = "manual",
    }
);

vocab!(
    /// What a document is as evidence, for a tribunal bundle's checks (an expert report's page
    /// limit and age, a witness statement's length, correspondence between the parties).
    EvidenceKind {
        ExpertReport = "expert_report",
        WitnessStatement = "witness_statement",
        DecisionLetter = "decision_letter",
        Plan = "plan",
        AppealForm = "appeal_form",
        Correspondence = "correspondence",
        SchoolRecord = "school_record",
        Other = "other",
    }
);

vocab!(
    /// What a vault document is.
    DocumentCategory {
        Ehcp = "ehcp",
        Dla = "dla",
        Diagnosis = "diagnosis",
        Education = "education",
        Therapy = "therapy",
        Medical = "medical",
        SocialCare = "social_care",
        Correspondence = "correspondence",
        Tribunal = "tribunal",
        Other = "other",
    }
);

vocab!(
    /// The document types the vault accepts (README, "Storage"), by MIME type.
    DocumentType {
        Pdf = "application/pdf",
        Docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        Jpeg = "image/jpeg",
        Png = "image/png",
        Heic = "image/heic",
        Text = "text/plain",
    }
);

vocab!(
    /// Where a document is in its upload.
    DocumentState {
        AwaitingUpload = "awaiting_upload",
        Uploaded = "uploaded",
    }
);

vocab!(
    /// Where a support ticket is (`docs/support.md`).
    TicketStatus {
        New = "new",
        InProgress = "in_progress",
        PendingFamily = "pending_family",
        PendingLa = "pending_la",
        Resolved = "resolved",
        Closed = "closed",
    }
);

impl TicketStatus {
    /// Resolved and closed tickets are off the advocate's queue.
    pub fn is_open(&self) -> bool {
        !matches!(self, TicketStatus::Resolved | TicketStatus::Closed)
    }

    /// Waiting on someone other than the advocate: the SLA clock is paused.
    pub fn is_paused(&self) -> bool {
        matches!(self, TicketStatus::PendingFamily | TicketStatus::PendingLa)
    }
}

vocab!(
    /// What a family needs help with.
    TicketType {
        Ehcp = "ehcp",
        Dla = "dla",
        Tribunal = "tribunal",
        AnnualReview = "annual_review",
        LaRefusal = "la_refusal",
        General = "general",
    }
);

vocab!(
    /// How soon a ticket needs an answer; orders the queue and scales the SLA window.
    TicketPriority {
        Urgent = "urgent",
        High = "high",
        Normal = "normal",
        Low = "low",
    }
);

vocab!(
    /// How a ticket stands against its response-time promise.
    SlaChip {
        Green = "green",
        Orange = "orange",
        Red = "red",
    }
);

vocab!(
    /// Where a support relationship is.
    ConnectionState {
        Requested = "requested",
        Active = "active",
        Ended = "ended",
    }
);

vocab!(
    /// How much of a child's records a grant opens to an advocate (`docs/access.md`).
    GrantLevel {
        View = "view",
        Collaborate = "collaborate",
    }
);

impl GrantLevel {
    /// The membership an advocate holds in a granted child's scope.
    pub fn role(&self) -> MemberRole {
        match self {
            GrantLevel::View => MemberRole::Reader,
            GrantLevel::Collaborate => MemberRole::Writer,
        }
    }
}

vocab!(
    /// Why an advocate hands a family over to another.
    HandoverReason {
        Capacity = "capacity",
        Leaving = "leaving",
        BetterSuited = "better_suited",
        Other = "other",
    }
);

vocab!(
    /// A member's part in an organisation.
    OrgRole {
        Advocate = "advocate",
        Admin = "admin",
    }
);

vocab!(
    /// Which side of a connection someone is on.
    Side {
        Family = "family",
        Advocate = "advocate",
    }
);

vocab!(
    /// The role claim in the bearer token: what kind of person this is.
    RoleClaim {
        Family = "family",
        Advocate = "advocate",
        OrgAdmin = "org_admin",
    }
);

vocab!(
    /// Who did something, as recorded in history: a person's role, or the system itself (the
    /// scheduled scanner). Kept apart from [`RoleClaim`] so no token can claim to be the system.
    ActorRole {
        Family = "family",
        Advocate = "advocate",
        OrgAdmin = "org_admin",
        System = "system",
    }
);

impl RoleClaim {
    /// The role of someone in these identity-provider groups. Operators put advocates and
    /// organisation admins into groups named after the role; self sign-up puts nobody in a
    /// group, so anyone in neither is a family account. Someone in both is an organisation
    /// admin; groups with other names mean nothing here (a family group changes nothing).
    pub fn from_groups<'a>(groups: impl IntoIterator<Item = &'a str>) -> RoleClaim {
        groups
            .into_iter()
            .filter_map(|g| g.parse::<RoleClaim>().ok())
            .max_by_key(|r| r.privilege())
            .unwrap_or(RoleClaim::Family)
    }

    /// Orders roles by what they may do beyond their own family: none, cases they are given,
    /// an organisation's advocates.
    fn privilege(self) -> u8 {
        match self {
            RoleClaim::Family => 0,
            RoleClaim::Advocate => 1,
            RoleClaim::OrgAdmin => 2,
        }
    }
}

impl From<RoleClaim> for ActorRole {
    fn from(r: RoleClaim) -> Self {
        match r {
            RoleClaim::Family => ActorRole::Family,
            RoleClaim::Advocate => ActorRole::Advocate,
            RoleClaim::OrgAdmin => ActorRole::OrgAdmin,
        }
    }
}

vocab!(
    /// A membership's role in one scope: what this person may do there.
    MemberRole {
        Owner = "owner",
        Writer = "writer",
        Reader = "reader",
    }
);

impl MemberRole {
    /// Owners (the family) and writers (collaborating advocates) may change case records.
    pub fn may_write(&self) -> bool {
        matches!(self, MemberRole::Owner | MemberRole::Writer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_ids_round_trip() {
        for s in CaseStatus::ALL {
            assert_eq!(s.as_str().parse::<CaseStatus>(), Ok(*s));
            assert_eq!(serde_json::to_value(s).unwrap(), serde_json::json!(s.as_str()));
        }
        assert_eq!(CaseStatus::ALL.len(), 8);
        assert_eq!(KeyDateKind::ALL.len(), 10);
        assert_eq!(Section::ALL.len(), 12);
        let err = "pending".parse::<CaseStatus>().unwrap_err();
        assert!(err.contains("in_assessment"));
    }

    #[test]
    fn groups_give_the_most_privileged_role_and_nothing_gives_family() {
        assert_eq!(RoleClaim::from_groups([]), RoleClaim::Family);
        assert_eq!(RoleClaim::from_groups(["beta-testers"]), RoleClaim::Family);
        assert_eq!(RoleClaim::from_groups(["advocate"]), RoleClaim::Advocate);
        assert_eq!(RoleClaim::from_groups(["family", "advocate"]), RoleClaim::Advocate);
        assert_eq!(RoleClaim::from_groups(["org_admin", "advocate"]), RoleClaim::OrgAdmin);
        assert_eq!(RoleClaim::from_groups(["advocate", "org_admin", "x"]), RoleClaim::OrgAdmin);
        assert_eq!(RoleClaim::from_groups(["Advocate", "ORG_ADMIN"]), RoleClaim::Family, "names are exact");
    }
}

vocab!(
    /// The three kinds of timeline entry.
    TimelineKind {
        Interaction = "interaction",
        Appointment = "appointment",
        Event = "event",
    }
);

vocab!(
    /// How a contact was made.
    Channel {
        PhoneCall = "phone_call",
        Email = "email",
        Letter = "letter",
        Meeting = "meeting",
        VideoCall = "video_call",
        TextMessage = "text_message",
    }
);

impl Channel {
    pub fn words(&self) -> &'static str {
        match self {
            Channel::PhoneCall => "Phone call",
            Channel::Email => "Email",
            Channel::Letter => "Letter",
            Channel::Meeting => "Meeting",
            Channel::VideoCall => "Video call",
            Channel::TextMessage => "Text message",
        }
    }
}

vocab!(
    /// Whether the family (or their advocate) received the contact or made it.
    Direction {
        Incoming = "incoming",
        Outgoing = "outgoing",
    }
);

vocab!(
    /// The professional an appointment was with.
    ProfessionalRole {
        EducationalPsychologist = "educational_psychologist",
        SpeechAndLanguageTherapist = "speech_and_language_therapist",
        OccupationalTherapist = "occupational_therapist",
        Physiotherapist = "physiotherapist",
        Paediatrician = "paediatrician",
        CamhsClinician = "camhs_clinician",
        SocialWorker = "social_worker",
        Senco = "senco",
        Teacher = "teacher",
        LaCaseworker = "la_caseworker",
        SendiassOfficer = "sendiass_officer",
        Other = "other",
    }
);

impl ProfessionalRole {
    /// Who owes a report the professional promised: the LA commissions the educational
    /// psychologist's advice and employs the caseworker (SEND Regs 2014 reg 6(1)); therapists,
    /// paediatricians and CAMHS are health; a social worker is social care; a SENCO or teacher is
    /// the school.
    pub fn responsible(&self) -> Party {
        match self {
            ProfessionalRole::EducationalPsychologist | ProfessionalRole::LaCaseworker => Party::La,
            ProfessionalRole::SpeechAndLanguageTherapist
            | ProfessionalRole::OccupationalTherapist
            | ProfessionalRole::Physiotherapist
            | ProfessionalRole::Paediatrician
            | ProfessionalRole::CamhsClinician => Party::Health,
            ProfessionalRole::SocialWorker => Party::SocialCare,
            ProfessionalRole::Senco | ProfessionalRole::Teacher => Party::School,
            ProfessionalRole::SendiassOfficer | ProfessionalRole::Other => Party::Other,
        }
    }

    pub fn words(&self) -> &'static str {
        match self {
            ProfessionalRole::EducationalPsychologist => "educational psychologist",
            ProfessionalRole::SpeechAndLanguageTherapist => "speech and language therapist",
            ProfessionalRole::OccupationalTherapist => "occupational therapist",
            ProfessionalRole::Physiotherapist => "physiotherapist",
            ProfessionalRole::Paediatrician => "paediatrician",
            ProfessionalRole::CamhsClinician => "CAMHS clinician",
            ProfessionalRole::SocialWorker => "social worker",
            ProfessionalRole::Senco => "SENCO",
            ProfessionalRole::Teacher => "teacher",
            ProfessionalRole::LaCaseworker => "local authority caseworker",
            ProfessionalRole::SendiassOfficer => "SENDIASS officer",
            ProfessionalRole::Other => "professional",
        }
    }
}

vocab!(
    /// What an appointment was for.
    AppointmentPurpose {
        Assessment = "assessment",
        ReviewMeeting = "review_meeting",
        Clinical = "clinical",
        SchoolMeeting = "school_meeting",
        Mediation = "mediation",
        TribunalHearing = "tribunal_hearing",
        Other = "other",
    }
);

vocab!(
    /// What kind of event happened in the child's life.
    EventCategory {
        Exclusion = "exclusion",
        Hospital = "hospital",
        SchoolChange = "school_change",
        Incident = "incident",
        Achievement = "achievement",
        Other = "other",
    }
);
