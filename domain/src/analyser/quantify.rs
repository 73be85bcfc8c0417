//! Quantifier fields (`docs/analyser.md`) and provision classes.

use super::patterns::{self as p, Screened};

/// A quantifier field the plan should state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    What,
    Who,
    Qual,
    Freq,
    Dur,
    Ratio,
    Mode,
    When,
    Hours,
}

impl Field {
    /// How the field is named to a family.
    pub fn label(self) -> &'static str {
        match self {
            Field::What => "what will be provided",
            Field::Who => "who delivers it",
            Field::Qual => "their qualification or training",
            Field::Freq => "how often",
            Field::Dur => "for how long",
            Field::Ratio => "the ratio or group size",
            Field::Mode => "direct or indirect, and where",
            Field::When => "when it is used",
            Field::Hours => "hours per day or week",
        }
    }
}

/// The fields found in one item.
#[derive(Debug, Clone, Default)]
pub struct Quant {
    pub what: bool,
    pub who: bool,
    pub qual: bool,
    pub freq: bool,
    pub dur: bool,
    pub ratio: bool,
    pub one_to_one: bool,
    /// The size of a group is stated ("no more than 4 pupils", "a group of 6").
    pub group_size: bool,
    /// A group is mentioned, so its size matters.
    pub group: bool,
    pub mode: bool,
    pub when: bool,
    pub hours: bool,
    /// The deliverer only carries out what a named professional wrote or set, so their own
    /// training is not required (`docs/analyser.md`).
    pub authored: bool,
    /// An override clause ("unless", "may be reduced") made the quantities conditional.
    pub conditional: bool,
}

impl Quant {
    /// Whether the item states any amount of provision: how often, how long, how many hours,
    /// the ratio or group size, or when in the day. Who delivers it and their training are
    /// required too, but do not by themselves say how much the child gets.
    pub fn states_an_amount(&self) -> bool {
        self.freq || self.dur || self.hours || self.ratio || self.when
    }

    fn has(&self, f: Field) -> bool {
        match f {
            Field::What => self.what,
            Field::Who => self.who,
            Field::Qual => self.qual,
            Field::Freq => self.freq,
            Field::Dur => self.dur,
            Field::Ratio => self.ratio,
            Field::Mode => self.mode,
            Field::When => self.when,
            Field::Hours => self.hours,
        }
    }
}

/// What kind of provision an item describes; each class needs different fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// Therapy, or teaching by a specialist teacher, ToD or QTVI.
    Therapy,
    /// A programme or teaching run by the school.
    Intervention,
    /// Adult support across the day.
    AllDay,
    /// Equipment or an adapted environment.
    Equipment,
    /// One-off training of the adults around the child.
    Training,
}

/// Finds the quantifier fields in an item, with the fields its wording implies (`docs/analyser.md`): a
/// protected role carries its qualification, 1:1 and "work with" are direct, and individual
/// therapy needs no group size. Override clauses remove the quantities (`docs/analyser.md`). `d` is the item
/// as [`delivered`] reads it.
pub fn quantify(t: Screened<'_>, d: Screened<'_>) -> Quant {
    // "Teaching" in "teaching assistant" names who, not what.
    let what = t.is_match(&p::WHAT) && !t.s.to_ascii_lowercase().contains("assistant")
        || t.find_iter(&p::WHAT).any(|m| {
            !(m.as_str().eq_ignore_ascii_case("teaching")
                && t.s[m.end()..].trim_start().get(..9).is_some_and(|w| w.eq_ignore_ascii_case("assistant")))
        });
    let mut q = Quant {
        what,
        // Who delivers, not who wrote or oversees what is delivered.
        who: d.is_match(&p::WHO),
        qual: t.is_match(&p::QUAL) || t.is_match(&p::PROTECTED_ROLE),
        freq: t.is_match(&p::FREQ),
        dur: t.is_match(&p::DUR),
        ratio: t.is_match(&p::RATIO),
        one_to_one: t.is_match(&p::ONE_TO_ONE),
        group_size: t.find_iter(&p::RATIO).any(|m| !p::ONE_TO_ONE.is_match(m.as_str())),
        group: t.is_match(&p::GROUP_MENTION),
        mode: t.is_match(&p::MODE),
        when: t.is_match(&p::WHEN),
        hours: t.is_match(&p::HOURS),
        authored: t.is_match(&p::AUTHORED_BY),
        conditional: t.is_match(&p::OVERRIDE),
    };
    // "1:1" says how the provision is delivered as well as the ratio.
    q.mode |= q.one_to_one;
    if q.conditional {
        q.freq = false;
        q.dur = false;
        q.ratio = false;
        q.one_to_one = false;
        q.group_size = false;
        q.hours = false;
    }
    q
}

/// `t` without the people who only write, set or oversee what someone else delivers, if it
/// names any: who delivers, the class and what is delivered are read from this (once per item).
pub fn delivered(t: Screened<'_>) -> Option<String> {
    t.is_match(&p::AUTHORED_BY).then(|| p::AUTHORED_BY.replace_all(t.s, "").into_owned())
}

/// The class of the item as [`delivered`] reads it: who writes or oversees does not decide it
/// ("a TA trained by the OT" runs an intervention).
pub fn classify(t: Screened<'_>) -> Class {
    let therapist_delivers =
        t.is_match(&p::PROTECTED_ROLE) && !t.is_match(&p::SCHOOL_DELIVERER) || t.is_match(&p::SPECIALIST_TEACHER);
    if t.is_match(&p::STAFF_TRAINING) && !t.is_match(&p::ONE_TO_ONE) {
        Class::Training
    } else if t.is_match(&p::SCHOOL_RUN_THERAPY) {
        Class::Intervention
    } else if therapist_delivers
        || t.is_match(&p::THERAPY_TERM) && !t.is_match(&p::SCHOOL_DELIVERER) && !t.is_match(&p::PROGRAMME)
    {
        Class::Therapy
    } else if t.is_match(&p::PROGRAMME) || t.is_match(&p::THERAPY_TERM) {
        Class::Intervention
    } else if t.is_match(&p::EQUIPMENT) || t.is_match(&p::ADJUSTMENT) {
        Class::Equipment
    } else if t.is_match(&p::ALL_DAY)
        || t.is_match(&p::HOURS)
            && (t.is_match(&p::TA) || t.is_match(&p::ADULT_SUPPORT))
            && !t.is_match(&p::GROUP_MENTION)
    {
        // Hours of a TA's or an adult's support are adult support, however the day is covered.
        Class::AllDay
    } else {
        Class::Intervention
    }
}

/// Whether the item names something concrete that is delivered, once the people who only write
/// or oversee it are set aside: "support" or "strategies" for an area is not (VL08).
pub fn concrete_what(d: Screened<'_>) -> bool {
    d.is_match(&p::CONCRETE_WHAT)
}

/// Fields missing for the class, and which of them are critical (`docs/analyser.md`).
pub fn missing(class: Class, q: &Quant, t: Screened<'_>) -> (Vec<Field>, Vec<Field>) {
    use Field::*;
    let (mut required, critical): (Vec<Field>, &[Field]) = match class {
        Class::Therapy => (vec![What, Who, Qual, Freq, Dur, Mode], &[What, Who, Freq]),
        Class::Intervention => (vec![What, Who, Freq, Dur], &[What, Who, Freq]),
        Class::AllDay => (vec![Who, Hours, Ratio, When], &[Who, Hours]),
        Class::Equipment => (vec![What, Who, When], &[What, When]),
        Class::Training => (vec![Who, Dur, When], &[Dur]),
    };
    // A group's size is needed only where a group is mentioned; individual provision is 1:1.
    if matches!(class, Class::Therapy | Class::Intervention) && q.group && !q.one_to_one {
        required.push(Ratio);
    }
    // A TA running a programme or therapy needs training, unless a named professional wrote it.
    if class == Class::Intervention
        && t.is_match(&p::TA)
        && (t.is_match(&p::PROGRAMME) || t.is_match(&p::THERAPY_TERM))
        && !q.authored
    {
        required.push(Qual);
    }
    let missing: Vec<Field> = required.into_iter().filter(|f| !q.has(*f)).collect();
    let critical_missing = missing.iter().copied().filter(|f| critical.contains(f)).collect();
    (missing, critical_missing)
}

fn number(word: &str) -> Option<f64> {
    let w = word.to_ascii_lowercase();
    Some(match w.as_str() {
        "one" => 1.0,
        "two" => 2.0,
        "three" => 3.0,
        "four" => 4.0,
        "five" => 5.0,
        "six" => 6.0,
        "seven" => 7.0,
        "eight" => 8.0,
        "nine" => 9.0,
        "ten" => 10.0,
        "eleven" => 11.0,
        "twelve" => 12.0,
        "fifteen" => 15.0,
        "twenty" => 20.0,
        "thirty" => 30.0,
        "forty" => 40.0,
        "forty-five" => 45.0,
        "fifty" => 50.0,
        "sixty" => 60.0,
        "ninety" => 90.0,
        "half an" | "half a" => 0.5,
        _ => return w.parse().ok(),
    })
}

/// Parses a number as the patterns' `N` matches it.
pub fn parse_number(word: &str) -> Option<f64> {
    number(word.trim())
}

/// Minutes per week, when the item states both a duration and a frequency it can be read from.
pub fn weekly_minutes(s: &str) -> Option<f64> {
    let caps = p::DUR_AMOUNT.captures(s)?;
    let amount = parse_number(caps.get(1)?.as_str())?;
    let unit = caps.get(2)?.as_str().to_ascii_lowercase();
    let minutes = if unit.starts_with('h') { amount * 60.0 } else { amount };
    let lower = s.to_ascii_lowercase();
    let per_week = if lower.contains("daily") || lower.contains("every day") || lower.contains("each day") {
        5.0
    } else if lower.contains("fortnight") {
        0.5
    } else if lower.contains("twice") {
        if lower.contains("a day") { 10.0 } else { 2.0 }
    } else if lower.contains("week") || lower.contains("weekly") {
        let times = lower
            .split_whitespace()
            .zip(lower.split_whitespace().skip(1))
            .find(|(_, b)| b.starts_with("times") || b.starts_with("sessions") || b.contains("-minute"))
            .and_then(|(a, _)| parse_number(a));
        times.unwrap_or(1.0)
    } else {
        return None;
    };
    Some(minutes * per_week)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weekly_minutes_reads_common_forms() {
        assert_eq!(weekly_minutes("30 minutes weekly"), Some(30.0));
        assert_eq!(weekly_minutes("40 minutes each fortnight"), Some(20.0));
        assert_eq!(weekly_minutes("twice a week for 20 minutes"), Some(40.0));
        assert_eq!(weekly_minutes("daily 30-minute sessions"), Some(150.0));
        assert_eq!(weekly_minutes("three times a week for 1 hour"), Some(180.0));
        assert_eq!(weekly_minutes("some therapy"), None);
    }
}
