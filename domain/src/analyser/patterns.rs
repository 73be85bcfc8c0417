//! The pattern catalogue of `docs/analyser.md`, compiled once.
//!
//! Patterns are written with plain spaces and `\b`; `compile` turns each space into `\s+` and ` ?` into `\s*` (so a
//! phrase still matches when a PDF wrapped it over two lines) and each `\b` into an ASCII word
//! boundary (which keeps the regex engine on its fast path). All are case-insensitive.

use std::sync::LazyLock;

use regex::{Captures, Match, Regex, RegexBuilder, RegexSet, RegexSetBuilder};

/// The regex syntax of a catalogue pattern.
fn expand(pattern: &str) -> String {
    pattern.replace(r"\b", r"(?-u:\b)").replace(" ?", r"\s*").replace(' ', r"\s+")
}

pub(super) fn compile(pattern: &str) -> Regex {
    RegexBuilder::new(&expand(pattern))
        .case_insensitive(true)
        .unicode(false)
        .size_limit(1 << 24)
        .build()
        .unwrap_or_else(|e| panic!("analyser pattern {pattern:?} does not compile: {e}"))
}

pub(super) fn compile_set(patterns: &[&str]) -> RegexSet {
    set_of_sources(patterns.iter().map(|p| expand(p)))
}

/// The patterns `compile` made, as one set that says in one pass which of them occur.
pub(super) fn set_of<'a>(regexes: impl IntoIterator<Item = &'a Regex>) -> RegexSet {
    set_of_sources(regexes.into_iter().map(|r| r.as_str().to_owned()))
}

fn set_of_sources(sources: impl IntoIterator<Item = String>) -> RegexSet {
    RegexSetBuilder::new(sources)
        .case_insensitive(true)
        .unicode(false)
        .size_limit(1 << 26)
        .dfa_size_limit(1 << 26)
        .build()
        .unwrap_or_else(|e| panic!("the analyser's pattern set does not compile: {e}"))
}

/// One catalogue pattern. Ask it through a [`Screened`] text where one is at hand.
pub struct Pattern {
    id: u8,
    regex: Regex,
}

impl std::ops::Deref for Pattern {
    type Target = Regex;
    fn deref(&self) -> &Regex {
        &self.regex
    }
}

/// Which catalogue patterns occur in a text, one bit each.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Screen(u128);

/// A text and the catalogue patterns that occur in it, found in one pass over it with a
/// `RegexSet`. The rules ask each item about dozens of patterns, of which a few occur; asking
/// them one by one read each item dozens of times (under 3 MB/s), while the screen reads it
/// once (about 100 MB/s) and only the patterns that occur are run to find where.
#[derive(Debug, Clone, Copy)]
pub struct Screened<'a> {
    pub s: &'a str,
    screen: Screen,
}

impl<'a> Screened<'a> {
    pub fn new(s: &'a str) -> Self {
        let mut screen = 0u128;
        for i in SET.matches(s).iter() {
            screen |= 1 << i;
        }
        Screened { s, screen: Screen(screen) }
    }

    /// `s` with a screen made earlier from exactly `s`.
    pub fn known(s: &'a str, screen: Screen) -> Self {
        Screened { s, screen }
    }

    pub fn screen(&self) -> Screen {
        self.screen
    }

    fn has(&self, p: &Pattern) -> bool {
        self.screen.0 & (1 << p.id) != 0
    }

    pub fn is_match(&self, p: &Pattern) -> bool {
        self.has(p)
    }

    pub fn find(&self, p: &Pattern) -> Option<Match<'a>> {
        if self.has(p) { p.regex.find(self.s) } else { None }
    }

    pub fn find_iter(&self, p: &'static Pattern) -> impl Iterator<Item = Match<'a>> + use<'a> {
        let s = self.s;
        let regex = if self.has(p) { Some(&p.regex) } else { None };
        regex.into_iter().flat_map(move |r| r.find_iter(s))
    }

    pub fn captures_iter(&self, p: &'static Pattern) -> impl Iterator<Item = Captures<'a>> + use<'a> {
        let s = self.s;
        let regex = if self.has(p) { Some(&p.regex) } else { None };
        regex.into_iter().flat_map(move |r| r.captures_iter(s))
    }
}

macro_rules! patterns {
    ($($(#[$doc:meta])* $name:ident = $pattern:expr;)+) => {
        #[allow(non_camel_case_types, clippy::upper_case_acronyms)]
        #[derive(Clone, Copy)]
        enum Id { $($name),+ }

        $($(#[$doc])* pub static $name: LazyLock<Pattern> =
            LazyLock::new(|| Pattern { id: Id::$name as u8, regex: compile(&$pattern) });)+

        /// Every pattern in one set, in `Id` order.
        static SET: LazyLock<RegexSet> = LazyLock::new(|| compile_set(&[$(&$pattern),+]));

        /// Every pattern, so that a test can prove they all compile.
        #[cfg(test)]
        pub fn all() -> Vec<&'static Regex> {
            vec![$(&$name.regex),+]
        }
    };
}

/// A number in digits or words ("three 30-minute sessions").
pub const N: &str = r"(?:\d+(?:\.\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty-five|forty|fifty|sixty|ninety|half an?)";

const WEEKDAY: &str = r"(?:monday|tuesday|wednesday|thursday|friday)s?";
const THERAPY: &str = r"(?:speech and language(?: therap\w*)?|speech therap\w*|salt|slt|aac|occupational therap\w*|\bot\b|sensory integration|physiotherap\w*|physio|play therap\w*|music therap\w*|art therap\w*|drama therap\w*|counsell\w*|cbt|cognitive behavioural therap\w*|therap(?:y|ies|ist))";

patterns! {
    // ---- Vague-language triggers (`docs/analyser.md`) ----
    VL01 = r"\b(?:access to|(?:made )?available|offered|opportunit(?:y|ies)|encouraged to)\b";
    VL02 = r"\b(?:(?:as|when|if|where) (?:appropriate|needed|necessary|required|possible|deemed)|(?:appropriate|suitable|adequate|sufficient) (?:adult |1:1 |additional )?(?:support|provision|strategies|resources|interventions?|help|levels? of|time|staffing|breaks|equipment)|as (?:advised|recommended|directed|determined|decided) by|(?:used|delivered|deployed|applied|provided) flexibly|a flexible (?:approach|package|amount|level)|as and when|as (?:much|far|often) as (?:possible|practicable)|at the discretion of|decided by the (?:school|senco|setting)|subject to (?:funding|availability|resources)|when staff feel|if staff feel|as staff feel|(?:a )?referral to|will be referred|(?:dependent|dependant|depending) (?:up)?on (?:the )?(?:child'?s |pupil'?s |young person'?s |his |her |their |individual |identified )?(?:needs?|progress)|in (?:a variety of|different|various) ways|(?:is|are|be|seems?) (?:more|most) appropriate)\b";
    VL03 = r"\b(?:regular(?:ly)?|frequent(?:ly)?|ongoing|occasional(?:ly)?|from time to time|periodic(?:ally)?|as often as)\b";
    VL04_UP_TO = format!(r"\b(?:up to|(?:a )?maximum of|no more than|not more than|at most) {N}\b");
    VL04_LEVEL = r"\ba level of (?:1:1|one[- ]to[- ]one)\b";
    /// A soft amount with or without an article: "a high level of", "significant adult support",
    /// "high levels of supervision", "considerable one to one".
    VL04_SOFT = r"\b(?:(?:a )?(?:high|higher|significant|substantial|considerable|intensive|generous|increased) (?:levels? |amounts? |degree |ratio )?(?:of )?(?:adult|1:1|1-1|one[- ]to[- ]one|staff\w*|support|supervision|pre[- ]teaching|input|help|intervention|small[- ]group|adult ?: ?child ratio)|(?:a )?(?:high|significant|substantial|considerable) (?:level|amount|degree) of|(?:additional|extra|enhanced) (?:adult |1:1 |1-1 |one[- ]to[- ]one |individual )?support)\b";
    VL05 = r"\b(?:may|might|could|should|would benefit|it is recommended|ideally|aims? to (?:provide|deliver|offer|give|ensure|arrange|meet|include|have|make|put|see|run)|where possible)\b";
    VL06 = r"(?:\bsuch as\b|\be\.g\.|\beg\b|\betc\b|\bor (?:equivalent|similar)\b|\band/or\b|\ba range of\b|\bfor example\b|\b(?:direct or indirect|indirect or direct)\b|\b(?:1:1|1-1|one[- ]to[- ]one|individual(?:ly)?) or (?:in )?(?:a )?(?:small[- ])?group\b|\b(?:small[- ])?group or (?:1:1|1-1|individual(?:ly)?)\b)";
    VL07 = r"\b(?:staff|an adult|(?:the same|a named|a familiar|one) adult|adult support|key adult|the school will|the setting will|school staff)\b";
    VL08 = r"\b(?:support|input|interventions?|strateg(?:y|ies)|programmes?|advice|monitoring)\b";
    VL09_NEAR = format!(r"{THERAPY}(?u:.){{0,40}}\b(?:advi[cs]\w*|consult\w*|monitor\w*|set targets)\b|\b(?:advi[cs]\w*|consult\w*|monitor\w*|set targets)\b(?u:.){{0,40}}{THERAPY}");
    VL09_SET_BY = r"\bprogramme (?:set|written|devised|designed|provided) by\b";
    VL10 = r"(?:\bband(?:ing)? [A-Z0-9]{1,3}\b|\btop[- ]?up\b|\bto be (?:reviewed|determined|agreed|confirmed|decided)\b|\bin line with the school'?s offer\b|\bmay be reduced\b|\bfrom (?:the school'?s|its) (?:own )?(?:budget|funding|resources)\b|\bnotional (?:sen )?budget\b|\bto the value of\b|\b(?:can|could|may) be (?:adapted|changed|altered|varied|flexed|reduced)\b)";
    VL10_MONEY = r"£\s?\d";
    VL11 = format!(r"\b(?:between )?({N}) ?(?:-|to|and) ?({N})[- ]?(?:min|mins|minutes?|hours?|hrs?|sessions?)\b");
    VL12 = r"\b(?:(?:nurturing|structured|calm|supportive|quiet|low[- ]arousal) (?:learning )?(?:environment|setting|classroom)|small(?:er)?[- ](?:teaching |learning |work |class )?(?:class|group)(?:es|s)?(?: sizes?)?)\b";
    VL13_DIAGNOSIS = r"\b(?:autism|autistic|asd|asc|adhd|add|dyslexi\w*|dyspraxi\w*|dcd|dld|dyscalculi\w*|cerebral palsy|down'?s? syndrome|epilepsy|global developmental delay|gdd|pda|fasd|hearing impairment|visual impairment|tourette'?s?|sensory (?:integration|processing) (?:dysfunction|disorder)|mld|sld|pmld|spld|slcn|(?:moderate|severe|profound and multiple|specific) learning difficult(?:y|ies))\b";
    VL13_IMPACT = r"\b(?:struggl\w*|unable|cannot|can't|finds? it (?:very |really |extremely )?(?:hard|difficult)|difficult(?:y|ies)|impact\w*|affects?|means? (?:that|he|she|they)|needs? (?:help|support|an adult|adult)|avoids?|becomes?|refuses?|has not|does not|doesn't|relies on|requires?|result(?:s|ing|ed)? in|non-?verbal|problems?|weakness\w*)\b";
    VL13_DATA = r"\b(?:percentile|standard score|scaled score|age equivalent|centile|working (?:at|towards|below)|\d+ (?:months|years)|assessed|assessment|score[sd]?|below (?:age|average|expected))\b|%";
    VL14 = r"\b(?:general (?:delay|difficult(?:y|ies)|learning difficult(?:y|ies))|some difficult(?:y|ies)|some (?:needs|problems|issues))\b";
    /// A need stated only in general terms: "has difficulty with his social skills", "literacy
    /// is delayed". Generic when the item also gives no evidence and no specific effect.
    GENERIC_NEED = r"\b(?:(?:has|have|had|experiences?|shows?|presents? with) (?:some |great |significant |severe |marked |considerable |substantial |real |many |a range of |a number of |particular )?(?:difficult(?:y|ies)|problems?|needs?) (?:with|in|around) (?:his |her |their |[\w']+ )?(?:\w+ )?(?:skills?|communication|literacy|learning|reading|writing|spelling|maths|numeracy|language|interaction|behaviour|attention|concentration|emotions?|regulation|development)|(?:is|are) (?:significantly |generally |globally )?delayed|(?:has|have) (?:complex|significant|additional|a range of|multiple) (?:\w+ )?needs)\b";
    /// Ordinarily available provision: what every setting is expected to give any pupil (quality
    /// first teaching, differentiation, reasonable adjustments), presented as special provision.
    VL15 = r"\b(?:differentiat\w*|quality[- ]first teaching|high[- ]quality teaching|(?:personalised|personalized|adapted|modified|individuali[sz]ed|accessible|communication[- ]accessible|broad and balanced|differentiated) (?:\w+ )?curriculum|access to (?:the )?(?:full |whole )?curriculum|reasonable adjustments?|adapt(?:at)?ions? to (?:the )?(?:classroom|environment|curriculum|classroom environment)|whole[- ](?:school|class) (?:behaviour|policy|approach|rules|support|teaching|systems?)|whole school|extra time to complete|(?:sitting|seated|seating) (?:in|at|near) (?:the )?(?:most appropriate|front|best)|short,? simple instructions|instructions? one at a time|check(?:ing)? for understanding|reduce background noise)\b";
    OVERRIDE = r"\b(?:unless|may be reduced|at the discretion of|as determined by)\b";
    /// Any number, in digits or words.
    NUMBER_WORD = format!(r"\b{N}\b");

    // ---- Quantifier fields (`docs/analyser.md`) ----
    WHAT = format!(r"(?:{THERAPY}|\b(?:phonics|numeracy|literacy|reading|spelling|handwriting|writing|maths|mathematics|language|vocabulary|comprehension|social skills|social communication|communication|fine motor|gross motor|motor skills|touch[- ]typing|typing|precision teaching|elsa|numicon|pecs|makaton|lego therapy|lego-based|attention autism|intensive interaction|zones of regulation|sensory circuit|sensory diet|sensory breaks?|movement breaks?|mentoring|check[- ]ins?|teach|teaching|tuition|lessons?|programme|intervention|travel training|life skills|living skills|toileting|personal care|self-care|mobility|braille|signing|bsl|british sign language|equipment|laptop|ipad|tablet|workstation|chair|cushion|writing slope|ear defenders|radio aid|hearing aid|visual timetable|visual schedules?|visual supports?|now[- ]and[- ]next|communication (?:book|device|aid)|safe space|quiet (?:room|space|area)|sensory room|pencil grip|coloured overlays?|scribe|reader|rest breaks?|exam access|transition|choices card)\b)");
    WHO = r"\b(?:classroom assistants?|(?:speech and language )?therapy assistants?|sltas?|(?:re)?habilitation (?:workers?|specialists?|officers?)|mobility (?:officers?|instructors?|specialists?)|learning mentors?|behaviour support (?:teachers?|workers?|team)|higher level teaching assistants?|members? of (?:the )?(?:learning )?support (?:team|staff)|speech and language therapists?|speech therapists?|salt|slt|occupational therapists?|ot|physiotherapists?|physio|therapists?|(?:specialist|qualified|class|subject|form) teachers?|teachers? of the deaf|tod|qtvi|(?:specialist )?teachers?|senco|teaching assistants?|tas?|hlta|elsa|learning support assistants?|lsa|educational psychologists?|ep|counsell?ors?|nurses?|mentors?|tutors?|key workers?|keyworker|intervenor|communicator|sensory support (?:service|team)|outreach (?:service|team)|advisory teachers?|(?:travel )?trainers?|instructors?|job coach(?:es)?|support workers?|personal assistants?|carers?|youth workers?|practitioners?)\b";
    QUAL = r"\b(?:hcpc[- ]registered|hcpc|qualified|specialist|advisory teachers?|teachers? of the deaf|qtvi|trained|accredited|certified|holding|mandatory qualification|registered|with (?:a|the) (?:qualification|certificate)|level \d|experienced in|with training in)\b";
    /// Roles that carry their qualification (`docs/analyser.md`): a speech and language therapist is HCPC
    /// registered by law; an HLTA, ToD, QTVI, educational psychologist or ELSA is trained by title.
    PROTECTED_ROLE = r"\b(?:speech and language therapists?|speech therapists?|occupational therapists?|physiotherapists?|educational psychologists?|teachers? of the deaf|tod|qtvi|hlta|higher level teaching assistants?|elsa|counsellors?|music therapists?|play therapists?|art therapists?)\b";
    FREQ = format!(r"\b(?:(?:once|twice|{N} times) (?:a|per|each|every) (?:school )?(?:day|week|fortnight|term|half[- ]term|month)|(?:once|twice|{N} times|{N} sessions?) (?:termly|half[- ]termly|monthly)|(?:every|each) {N} (?:days|weeks|school days)|(?:each|every|per|during each|in each) (?:school )?holidays?(?: period)?|{N} (?:weekly|daily|fortnightly) sessions?|{N} (?:[\w-]+ )?sessions? (?:of (?:[\w:,-]+ ){{0,8}})?(?:across|over|during|in|within) (?:the |a |each )?(?:\w+ )?(?:term|half[- ]term|holiday|year)|(?:a|per|each|every) (?:school )?(?:day|week|fortnight|term|half[- ]term|month|morning|afternoon|lesson|break|lunch(?:time)?|{WEEKDAY})|(?:each|every) (?:other )?(?:day|week|fortnight|term|morning|afternoon|lesson|session|break|lunch(?:time)?|{WEEKDAY})|on {WEEKDAY}|daily|weekly|fortnightly|twice[- ]weekly|twice[- ]daily|every {N} (?:minutes|mins|lessons|hours)|{N} (?:mornings|afternoons|days|evenings|lunchtimes|lunch ?times) (?:a|per|each) week)\b");
    DUR = format!(r"\b(?:{N}[- ]?(?:minutes?|mins?|hours?|hrs?)|an hour|block of {N} (?:weeks|sessions)|full[- ]time|half[- ]hour|(?:{N}|a|one|each|every) (?:mornings?|afternoons?|days?|half[- ]days?) (?:a|per|each) week|(?:a|the|each|every) (?:whole )?(?:morning|afternoon) session|half[- ]days?)\b");
    DUR_AMOUNT = format!(r"\b({N})[- ]?(minutes?|mins?|hours?|hrs?)\b");
    HOURS = format!(r"\b(?:{N} ?(?:hours?|hrs?) (?:a|per|each) (?:day|week)|{N} ?(?:hours?|hrs?) of (?:dedicated |full[- ]time )?(?:1:1|1-1|one[- ]to[- ]one|adult|ta|teaching assistant|support)|full[- ]time|throughout the (?:school )?day|all day|at all times|(?:every|each) lesson)\b");
    RATIO = format!(r"(?:\b1 ?: ?\d\b|\b\d ?: ?\d\b|\bone[- ]to[- ]one\b|\b1[- ]to[- ]1\b|\b1-1\b|\bindividual(?:ly)?\b|\bpaired\b|\bin a pair\b|\bgroups? of (?:no more than |not more than |up to |at most |a maximum of |maximum |around |about |approximately )?{N}\b|\b(?:no more than|not more than|at most|a maximum of|maximum|max\.?|up to) {N} (?:pupils|children|students|learners|young people|peers)\b|\b{N} (?:to|-|–) {N} (?:pupils|children|students|learners)\b|\b{N} (?:pupils|children|students|learners)\b)");
    ONE_TO_ONE = r"(?:\b1 ?: ?1\b|\bone[- ]to[- ]one\b|\b1[- ]to[- ]1\b|\b1-1\b|\bindividual(?:ly)?\b)";
    /// A group is mentioned, so its size is needed (`docs/analyser.md`: only then is RATIO required).
    GROUP_MENTION = r"\b(?:groups?|small[- ]group|pairs?|with (?:a )?peers?)\b";
    GROUP_CAP_BEFORE = r"\bgroups? of (?:no more than |not more than |at most |a maximum of |maximum )?$";
    /// The words before "staff" when the staff receive something (training, advice) rather than
    /// deliver it: "training for whole staff", "a demonstration … to class based staff".
    STAFF_RECIPIENT_BEFORE = r"\b(?:for|to|(?:groups|training|awareness) of|train(?:ing|s)?|advis\w*|brief\w*|guid\w*|demonstrat\w*) [\w\s,'/-]{0,40}$";
    /// The words before "access to" when it states the purpose of the provision, not that the
    /// child may have it: "equipment … to support access to the curriculum".
    ACCESS_PURPOSE_BEFORE = r"\b(?:support|enabl|aid|facilitat|improv|increas|allow|help|promot|widen|ensur)\w* (?:[\w']+ )?$";
    /// "as independent as possible": an aim, not a condition on the provision.
    AS_WORD_BEFORE = r"\bas [\w-]+ $";
    GROUP_CAP_AFTER = r"^ ?(?:pupils|children|students|learners|young people|peers|others)\b";
    MODE = r"\b(?:direct(?:ly)?|indirect(?:ly)?|in[- ]class|withdrawal|withdrawn|out of class|face[- ]to[- ]face|in the classroom|delivered by|delivered in|hands[- ]on|work(?:s|ing)? with|teach(?:es|ing)? \w+|will see|see \w+ (?:1:1|individually|for)|deliver(?:s)? (?:\w+ ){0,3}sessions?|led by|run by)\b";
    WHEN = format!(r"\b(?:full[- ]time|covering (?:all|every|each)|(?:in|during|by|before) the (?:\w+ ){{0,4}}(?:autumn|spring|summer) (?:half[- ])?term|(?:in|for|across) all (?:\w+ ){{0,3}}(?:lessons|subjects|classes)|break ?times?|lunch ?times?|play ?times?|unstructured (?:times?|periods?)|before each lesson|during (?:lessons|break|breaks|lunch|lunchtimes?|transitions?|assembl\w*|pe|unstructured times?|fire drills?|tests|exams|school trips)|at the (?:start|end|beginning) of|in (?:all|every|each|core) [\w\s]{{0,30}}lessons?|at (?:break|lunch)(?:time)?s?|(?:each|every) (?:morning|afternoon|lesson|day)|throughout the (?:school )?day|before school|after school|on arrival|when (?:he|she|they) arrives?|on {WEEKDAY}|(?:every|each) {WEEKDAY}|(?:in|at|during|for) (?:every|each|all) (?:[\w-]+ ){{0,3}}(?:tests?|exams?|examinations?|assessments?|lessons?|meals?)|before (?:the )?(?:start|end|beginning) of|the day before|(?:before|after|at) (?:registration|lunch|break|school)|(?:each|every) (?:school )?(?:morning|afternoon|day)|on site)\b");

    // ---- Provision classes (`docs/analyser.md`) ----
    THERAPY_TERM = THERAPY;
    /// Group programmes named "therapy" that schools run (not a therapist's provision).
    SCHOOL_RUN_THERAPY = r"\b(?:lego(?:[- ]based)? therapy|drawing and talking|theraplay)\b";
    SPECIALIST_TEACHER = r"\b(?:specialist teachers?|teachers? of the deaf|tod|qtvi|advisory teachers?|specialist (?:spld|dyslexia) teach\w*)\b";
    TA = r"\b(?:teaching assistants?|tas?|hlta|lsa|learning support assistants?|classroom assistants?|members? of (?:the )?(?:learning )?support (?:team|staff))\b";
    /// School staff who deliver what a therapist may have set: with no therapist delivering, the
    /// item is a school-run intervention, not therapy.
    SCHOOL_DELIVERER = r"\b(?:(?:class|subject|form)? ?teachers?|teaching assistants?|tas?|hlta|elsas?|higher level teaching assistants?|lsa|learning support assistants?|classroom assistants?|key workers?|keyworker|members? of (?:the )?(?:learning )?support (?:team|staff))\b";
    /// Someone who writes, sets or oversees what another delivers: "written by and monitored by a
    /// qualified speech and language therapist", "following OT guidance".
    AUTHORED_BY = format!(r"\b(?:(?:trained|advised|set|written|devised|designed|recommended|overseen|monitored|maintained|reviewed)(?: and (?:monitored|maintained|reviewed|overseen))? by (?:an? |the |his |her |their )?(?:[\w-]+ ){{0,4}}?(?:therapists?|psychologists?|salt|slt|ot|physio|specialist\w*|teachers?|senco|team|service)|following (?:the )?(?:{THERAPY}) (?:programme|guidance|advice|recommendations|targets))\b");
    /// What is delivered, named concretely (a therapy, teaching, a named programme, equipment),
    /// as against an area ("literacy") with "support" or "strategies".
    CONCRETE_WHAT = format!(r"(?:{THERAPY}|\b(?:teach\w*|tuition|lessons?|phonics|precision teaching|elsa|numicon|pecs|makaton|lego[- ]?(?:based )?therapy|attention autism|intensive interaction|zones of regulation|sensory circuit|sensory diet|touch[- ]typing|typing|programmes?|intervention|travel training|braille|bsl|british sign language|equipment|laptop|ipad|tablet|workstation|writing slope|ear defenders|radio aid|visual (?:schedules?|timetables?)|communication (?:book|device|aid)|sensory room|pencil grip|scribe|reader|sessions?|practice|group|check[- ]ins?|mentoring|counselling|role play|games|reading|rehearse|choices card|choosing)\b)");
    /// A sentence that continues the provision before it ("These sessions…", "…deliver the sessions").
    /// Support by an adult, named by its kind rather than by role.
    ADULT_SUPPORT = r"\b(?:(?:adult|1:1|1-1|one[- ]to[- ]one|individual) (?:support|assistance|supervision)|support from (?:an? |the )?(?:adult|ta|teaching assistant|lsa))\b";
    /// A sentence led by a pronoun goes on about the provision before it, unless it adds more.
    REFERS_BACK = r"(?:^(?:this|these|it|they|those|such|each session|he|she|his|her|their)\b|\b(?:the|these|this|those|each|such|that) (?:sessions?|programmes?|interventions?|support|therapy|provision|groups?|work|equipment|training|time|approach)\b)";
    /// A sentence that adds another provision ("He will also have…").
    ADDS_MORE = r"\b(?:also|in addition|additionally|as well as this)\b";
    /// One-off training of the adults around the child (`docs/analyser.md`: training, not provision for the child).
    STAFF_TRAINING = r"\b(?:training (?:for|of|to) (?:[\w']+ ){0,3}(?:staff|teachers?|tas|teaching assistants?|lsas)|(?:staff|teachers?|teaching assistants?) (?:will be|to be) trained|(?:attend|receive|complete|undertake|have|has)s? (?:[\w'-]+ ){0,4}training|be (?:appropriately |suitably |fully )?trained)\b";
    /// The plan talking about itself, not provision ("These must include all the needs specified in Section B").
    PLAN_META = r"\b(?:must|should|will) (?:include|set out|list|specify|contain) (?:[\w'/,-]+ ){0,10}(?:sections? [A-K]\b|this (?:section|plan))";
    PROGRAMME = r"\b(?:programme|intervention|precision teaching|elsa|numicon|phonics|lego|zones of regulation|sensory circuit|attention autism|toe by toe|read write inc|nessy|plus 1|power of 2|social skills)\b";
    ALL_DAY = r"\b(?:throughout the (?:school )?day|full[- ]time|all day|at all times|(?:adult|ta|teaching assistant) support (?:for|of) \d+ hours|\d+ hours (?:a|per) (?:week|day) of (?:1:1|adult|ta|teaching assistant)|(?:every|each|all) lessons?)\b";
    /// Adjustments to materials and examinations, scored like equipment (what, who, when).
    ADJUSTMENT = r"\b(?:extra time|(?:read|reads|reading) (?:the )?(?:questions?|papers?|texts?) (?:aloud|out)|scribes?|readers?|rest breaks|access arrangements|exam(?:ination)? access|separate room|enlarged|large[- ]print|modified (?:print|papers?|materials|resources)|printed (?:work|materials)|worksheets|handouts)\b";
    EQUIPMENT = r"\b(?:equipment|laptop|ipad|tablet|computer|workstation|chair|cushion|writing slope|slope|ear defenders|radio aid|hearing aid|visual timetable|visual schedules?|now[- ]and[- ]next|communication (?:book|device|aid)|safe space|quiet (?:room|space|area)|sensory room|pencil grip|coloured overlays?|fidget|wobble|standing frame|hoist|switch|software)\b";

    // ---- Wrong section (`docs/analyser.md`) ----
    /// Therapy that teaches or trains: including help to manage, cope or learn (`docs/analyser.md`).
    EDUCATE = r"\b(?:teach\w*|develop\w* [\w\s-]{0,40}skills|programme|targets|in school|around school|at school|in (?:his |her |their )?lessons?|in class|classroom|help(?:s|ing)? (?:\w+ )?(?:to )?(?:manage|cope|learn|use|regulate|communicate|access|take part)|strategies to (?:manage|cope))\b";
    MEDICAL = r"\b(?:prescri\w*|medication|medicine|surgery|surgical|clinic|orthotics?|hospital|injections?|splints?)\b";
    SALT = r"\b(?:speech and language|speech therap\w*|salt|slt)\b";
    PROVISION_WORDING = r"\b(?:will receive|will be provided|will have access|will be given|\d+ hours|1:1|one[- ]to[- ]one)\b";
    TRANSPORT = r"\b(?:(?:home[- ]to[- ]school )?transport|taxi|escort|travel assistance)\b";
    PROVISION_LIKE = r"\b(?:will|shall|must|to receive|provide[ds]?|provision|sessions?|support)\b";

    // ---- Outcomes (`docs/analyser.md`) ----
    /// Provision written as an outcome. "Will have" counts only with provision after it ("will have
    /// 1:1 support"), not a result ("will have 2 friends").
    OS01 = r"(?:\bwill (?:receive|attend|access|be given|be provided|be offered)\b|\bwill (?:participate|take part) in (?:a |an |the )?(?:[\w-]+ ){0,5}(?:groups?|sessions?|programmes?|interventions?|classes|lessons?)\b|\bwill have (?:access|support|sessions?|therapy|an? (?:adult|ta|teaching assistant|[\w-]+ session))\b|\b1:1\b|\bone[- ]to[- ]one\b|\bsupport from\b)";
    OS02 = format!(r"\b(?:by (?:the )?(?:end of )?(?:year|ks|key stage|reception|nursery) ?\d*|by (?:the )?(?:end of )?(?:y|yr) ?\d+|by (?:the )?(?:end of )?(?:january|february|march|april|may|june|july|august|september|october|november|december|spring|summer|autumn|easter|christmas)(?: (?:half[- ])?term)?(?: (?:\d{{4}}|\d{{2}}))?|by (?:the )?(?:end of )?(?:the )?(?:spring|summer|autumn) term|within {N} (?:weeks?|months?|years?|terms?)|in (?:the next )?{N} (?:weeks?|months?|years?|terms?)|by (?:the )?(?:age|time) (?:of )?\d+|by (?:the )?(?:end of )?(?:his|her|their|the) (?:next )?annual review|by (?:the )?(?:end of )?(?:this|next|the) (?:term|academic year|school year)|by (?:the time (?:he|she|they) (?:leaves?|starts?|moves?|transfers?))|by \d{{4}}|by (?:the )?end of (?:primary|secondary) school|over the (?:next|coming) {N} (?:weeks?|months?|years?|terms?)|(?:by the time|before) (?:he|she|they) (?:leaves?|finish(?:es)?|transfers?|moves?) (?:to |from )?(?:primary |secondary |school|college)|by (?:the )?end of (?:the )?(?:reception|nursery|school|academic|\w+) year)\b");
    OS03 = format!(r"(?:\b{N}\b|%|\b\d+ out of \d+\b|\bindependently\b|\b(?:as )?measured (?:by|using|on)\b|\bassessed (?:by|using|with|on)\b|\bwithout (?:a |an )?(?:prompts?|prompting|support|adult|reminders?|help)\b|\b(?:standard|scaled) score\b|\breading age\b|\b(?:bpvs|celf|wiat|york|salford|boxall)\b|\bconsistently\b|\bevery (?:day|lesson|week)\b)");
    OS04 = r"\b(?:develop\w*|improv\w*|understand\w*|continue to|be supported to|make (?:good )?progress|be aware|become aware|have (?:an |a greater )?awareness|engage (?:in|with)|enjoy|explore|learn about|increase (?:his|her|their) (?:understanding|awareness|ability|independence|self-esteem)|feel more|be more|gain (?:more )?confidence|increase (?:his|her|their) confidence|be happy|be able to access|become more)\b";
    PFA_OUTCOME = r"\b(?:employment|paid work|work experience|jobs?|careers?|apprenticeships?|internships?|(?:go|move|progress|transition) (?:on )?to (?:college|university|sixth form)|college course|independent living|live independently|travel\w* independently|independent travel|community|friends?(?:hips?)?|clubs?|health\w*|money|budget\w*|cook\w*|shopping|self-care|personal care)\b";

    // ---- Provision expected in F for each area of need (`docs/analyser.md`) ----
    EXPECT_CI = r"\b(?:salt|slt|speech and language|language programme|visual timetables?|social communication|aac|communication (?:book|device|aid)|pecs|makaton|attention autism|lego)\b";
    EXPECT_CL = r"\b(?:spld|specialist teach\w*|precision teaching|small[- ]group|assistive technology|phonics|reading|spelling|literacy|numeracy|maths|numicon|tuition|teaching)\b";
    EXPECT_SEMH = r"\b(?:elsa|cbt|key[- ]adult|key worker|check[- ]ins?|safe space|quiet (?:space|room|area)|break|lunch\w*|counsell\w*|mentor\w*|zones of regulation|calm)\b";
    EXPECT_SP = r"\b(?:tod|qtvi|teachers? of the deaf|equipment|ot|occupational|movement breaks?|personal care|physio\w*|handwriting|radio aid|sensory|writing slope|pencil grip|touch[- ]typing)\b";
    EXPECT_PFA = r"\b(?:travel training|living[- ]skills|life skills|supported internship|work experience|independent travel)\b";

    // ---- Missing statutory content (`docs/analyser.md`) ----
    NONE_STATEMENT = r"\b(?:none|no (?:\w+ )?(?:needs?|provision)|not applicable|n/a|nil|no social care|no health)\b";
    DRAFT_BLANK = r"\b(?:will be (?:completed|named|confirmed|added|agreed)|to be (?:named|confirmed|completed|decided|agreed)|left blank|blank (?:in|at) (?:the )?draft|not (?:be )?(?:named|completed|included) (?:in|at|until) |draft|final (?:plan|ehcp)|after consultation)\b";
    COMMISSIONER = r"\b(?:commission\w*|icb|integrated care board|ccg|nhs|trust|health board|provided by|funded by|health service)\b";
    PSYCHOLOGY = r"\b(?:psycholog\w*|ep\b|ep report)";
    EDUCATION_ADVICE = r"\b(?:educational advice|school|head ?teacher|senco|teacher|setting|nursery|college)\b";
    MEDICAL_ADVICE = r"\b(?:medical|health|paediatric\w*|doctor|gp|nhs|nurse|consultant|community paediatrician)\b";
    SOCIAL_CARE_ADVICE = r"\b(?:social care|social work\w*|children'?s services|care assessment|early help)\b";

    // ---- Needs and areas (`docs/analyser.md`) ----
    NEED_SIGNAL = r"\b(?:struggl\w*|unable|cannot|can't|finds? it (?:hard|difficult)|difficult(?:y|ies)|delay\w*|impair\w*|needs?|below|support|anxi\w*|dysregulat\w*|meltdowns?|requires?|has not yet|is not yet|relies on)\b";

    // ---- Areas of need (`docs/analyser.md`): B keywords and the provision expected in F ----
    AREA_CI = r"\b(?:speech|language|communicat\w*|stammer\w*|dld|slcn|social communication|autis\w*|asd|asc|selective mutism|salt|slt|aac|pecs|makaton|visual timetables?|instructions|vocabulary|interaction|conversations?|listening|attention autism)\b";
    AREA_CL = r"\b(?:mld|sld|spld|dyslexi\w*|dyscalculi\w*|working memory|processing speed|decoding|percentile|reading|phonics|spelling|literacy|numeracy|maths|mathematics|writing|precision teaching|learning|attainment|numicon|memory|number)\b";
    AREA_SEMH = r"\b(?:anxi\w*|regulat\w*|meltdowns?|school avoidance|attachment|trauma|adhd|self-harm|exclusions?|emotion\w*|elsa|cbt|safe space|check[- ]ins?|key adult|behaviour\w*|calm\w*|worr\w*|overwhelm\w*|mental health|counsell\w*|zones of regulation|mentor\w*)\b";
    AREA_SP = r"\b(?:hearing|vision|visual impairment|deaf\w*|sensory|fine motor|gross motor|dcd|dyspraxi\w*|handwriting|mobility|toileting|tod|qtvi|ot|occupational|physio\w*|movement breaks?|personal care|radio aid|noise|ear defenders|pencil grip|writing slope|motor|coordination)\b";
    AREA_PFA = r"\b(?:travel\w*|money|self-care|work experience|independent living|internship|employment|college|cooking|budgeting)\b";
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_pattern_compiles() {
        let all = super::all();
        assert!(all.len() > 50 && all.len() <= 128, "a screen holds 128 patterns");
        assert_eq!(super::SET.len(), all.len());
    }

    /// The one-pass screen says exactly what asking each pattern says.
    #[test]
    fn the_screen_agrees_with_each_pattern() {
        let corpus = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/corpus/items.txt"))
            .expect("tests/corpus/items.txt");
        let extra = ["", "£300 of top-up", "a group of no more than 4", "Ça va — naïve café 1:1", "OT\nwill advise"];
        for text in corpus.lines().chain(extra) {
            let t = super::Screened::new(text);
            for (id, re) in super::all().into_iter().enumerate() {
                assert_eq!(t.screen().0 & (1 << id) != 0, re.is_match(text), "pattern {id} on {text:?}");
            }
        }
    }
}
