//! The shared case (DOMAIN.md §3): its status and step, the team around the resident, consent,
//! and the values the six steps record (`items`, re-exported here). Who sees which of them is
//! `slice`.

mod items;

use chrono::{DateTime, NaiveDate, Utc};

use crate::life_domain::string_enum;
use crate::organisation::MunicipalityCode;
use crate::slice::TeamRole;
use crate::{
    CaseId, ConsentId, InvalidInput, InvitationId, LifeDomain, MunicipalityId, OrganisationId,
    ProfessionalId, ResidentId, TeamMemberId,
};

pub use items::{
    Agreement, AgreementContent, Assignee, Evaluation, EvaluationContent, Fact, FactContent,
    FirstStep, FirstStepContent, Perspective, Problem,
};

string_enum!(
    /// Whether the team is still working on the case.
    CaseStatus {
        Open => "open",
        Closed => "closed",
    }
);

string_enum!(
    /// The six steps of the method. The team says where the case is; the product does not
    /// force the order.
    CaseStep {
        Perspective => "perspective",
        SituationSketch => "situation_sketch",
        Analysis => "analysis",
        FirstSteps => "first_steps",
        WhoDoesWhat => "who_does_what",
        Evaluation => "evaluation",
    }
);

string_enum!(
    /// What happened on a case, as its timeline and its live events name it.
    EventKind {
        CaseOpened => "case_opened",
        CaseClosed => "case_closed",
        CaseReopened => "case_reopened",
        StepChanged => "step_changed",
        CaseLeadTransferred => "case_lead_transferred",
        // An organisation invited onto the team; someone with the mandate to decide invited to
        // the table.
        Invited => "invited",
        Escalated => "escalated",
        MemberJoined => "member_joined",
        InvitationDeclined => "invitation_declined",
        InvitationWithdrawn => "invitation_withdrawn",
        MemberLeft => "member_left",
        MemberRemoved => "member_removed",
        ConsentRecorded => "consent_recorded",
        ConsentRevoked => "consent_revoked",
        PerspectiveRecorded => "perspective_recorded",
        FactAdded => "fact_added",
        FactChanged => "fact_changed",
        ProblemAdded => "problem_added",
        FirstStepAdded => "first_step_added",
        FirstStepChanged => "first_step_changed",
        AgreementAdded => "agreement_added",
        AgreementChanged => "agreement_changed",
        EvaluationRecorded => "evaluation_recorded",
        WithheldFromResident => "withheld_from_resident",
        ReleasedToResident => "released_to_resident",
        DecisionTaken => "decision_taken",
        DecisionEscalated => "decision_escalated",
        DecisionApproved => "decision_approved",
        DecisionDeclined => "decision_declined",
        RuleExceptionDrafted => "rule_exception_drafted",
        RuleExceptionSubmitted => "rule_exception_submitted",
        RuleExceptionCoSigned => "rule_exception_co_signed",
        RuleExceptionEndorsed => "rule_exception_endorsed",
        RuleExceptionApproved => "rule_exception_approved",
        RuleExceptionRejected => "rule_exception_rejected",
        SignalRaised => "signal_raised",
        SolutionPublished => "solution_published",
        // Never on a timeline: a live subscriber hears it when events may have been lost on
        // the way, and reads the case again.
        EventsMissed => "events_missed",
    }
);

string_enum!(
    InvitationStatus {
        Pending => "pending",
        Accepted => "accepted",
        Declined => "declined",
        Withdrawn => "withdrawn",
    }
);

string_enum!(
    /// How the resident gave a consent.
    ConsentMethod {
        Verbal => "verbal",
        Written => "written",
        Digital => "digital",
    }
);

string_enum!(
    /// Where the key to a problem lies (§3, step 3).
    ProblemKind {
        Personal => "personal",
        Professional => "professional",
        System => "system",
    }
);

string_enum!(
    /// What an amount of money is counted over.
    AmountPeriod {
        Once => "once",
        PerWeek => "per_week",
        PerMonth => "per_month",
        PerYear => "per_year",
    }
);

string_enum!(
    FirstStepStatus {
        Open => "open",
        Done => "done",
        Dropped => "dropped",
    }
);

string_enum!(
    AgreementStatus {
        Open => "open",
        InProgress => "in_progress",
        Done => "done",
        Cancelled => "cancelled",
    }
);

impl AgreementStatus {
    /// Whether the agreement still asks something of someone.
    pub fn is_open(self) -> bool {
        matches!(self, AgreementStatus::Open | AgreementStatus::InProgress)
    }
}

string_enum!(
    /// Who carries out an agreement (§3, step 5).
    AssigneeKind {
        Resident => "resident",
        Network => "network",
        SocialBase => "social_base",
        TeamMember => "team_member",
        Organisation => "organisation",
        Specialist => "specialist",
    }
);

/// The longest free text the product stores in one field.
pub const MAX_TEXT: usize = 10_000;
/// The longest reason, name or short label.
pub use crate::error::check_characters;

pub const MAX_SHORT_TEXT: usize = 500;
/// How many first steps may be open at once unless configured otherwise (§3, step 4).
pub const DEFAULT_OPEN_FIRST_STEP_LIMIT: usize = 3;

/// Required text: trimmed, not empty, at most `max` characters, no control characters.
pub fn parse_text(field: &str, input: &str, max: usize) -> Result<String, InvalidInput> {
    check_characters(field, input)?;
    let text = input.trim();
    if text.is_empty() {
        return Err(InvalidInput::new(field, "must not be empty"));
    }
    if text.chars().count() > max {
        return Err(InvalidInput::new(
            field,
            format!("at most {max} characters"),
        ));
    }
    Ok(text.to_owned())
}

/// Tags: each one word of letters, digits and hyphens, at most 40 characters; returned in lower
/// case, sorted and without duplicates, at most `max` of them.
pub fn parse_tags(field: &str, tags: &[String], max: usize) -> Result<Vec<String>, InvalidInput> {
    let mut parsed = Vec::with_capacity(tags.len());
    for tag in tags {
        let tag = tag.trim().to_lowercase();
        let valid = !tag.is_empty()
            && tag.len() <= 40
            && tag
                .chars()
                .all(|character| character.is_alphanumeric() || character == '-');
        if !valid {
            return Err(InvalidInput::new(
                field,
                "each is one word of letters, digits and hyphens, at most 40 characters",
            ));
        }
        parsed.push(tag);
    }
    parsed.sort();
    parsed.dedup();
    if parsed.len() > max {
        return Err(InvalidInput::new(field, format!("at most {max}")));
    }
    Ok(parsed)
}

/// Optional text: absent or blank is `None`.
pub fn parse_optional_text(
    field: &str,
    input: Option<&str>,
    max: usize,
) -> Result<Option<String>, InvalidInput> {
    match input.map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => parse_text(field, text, max).map(Some),
    }
}

/// The human-readable reference of a case, unique per municipality: `AMS-2026-000123`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CaseReference(String);

impl CaseReference {
    pub fn new(municipality: &MunicipalityCode, year: i32, sequence: i64) -> Self {
        Self(format!("{}-{year}-{sequence:06}", municipality.as_str()))
    }

    /// A reference read back from storage.
    pub fn from_stored(text: String) -> Self {
        Self(text)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An amount of money in euro cents, with what it is counted over: a debt of €9,500 has no
/// period, rent of €987 is per month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Amount {
    pub cents: i64,
    pub period: Option<AmountPeriod>,
}

/// Facts record magnitudes, so an amount is never negative; a period needs an amount.
pub fn parse_amount(
    cents: Option<i64>,
    period: Option<AmountPeriod>,
) -> Result<Option<Amount>, InvalidInput> {
    match (cents, period) {
        (None, None) => Ok(None),
        (None, Some(_)) => Err(InvalidInput::new("period", "a period needs an amount")),
        (Some(cents), _) if cents < 0 => Err(InvalidInput::new(
            "amountCents",
            "an amount is never negative; say what it is in the text",
        )),
        (Some(cents), period) => Ok(Some(Amount { cents, period })),
    }
}

/// Whether the team may invite someone into `role`. The case lead is never invited into: a
/// case has exactly one, and it changes hands by transfer. Whether the invitee's organisation
/// roles fit the role is the action policy's (`authz::fits_team_role`), decided when they
/// accept.
pub fn check_invited_role(role: TeamRole) -> Result<(), InvalidInput> {
    if role == TeamRole::CaseLead {
        return Err(InvalidInput::new(
            "role",
            "a case has one case lead; transfer the role instead",
        ));
    }
    Ok(())
}

/// Keeps the team's focus: only a few first steps open at once (§3, step 4).
pub fn check_open_first_steps(open_now: usize, limit: usize) -> Result<(), InvalidInput> {
    if open_now >= limit {
        Err(InvalidInput::new(
            "caseId",
            format!("at most {limit} first steps may be open; finish or drop one first"),
        ))
    } else {
        Ok(())
    }
}

/// An evaluation looks back, so its next date lies after the evaluation itself.
pub fn check_next_evaluation(
    today: NaiveDate,
    next: Option<NaiveDate>,
) -> Result<(), InvalidInput> {
    match next {
        Some(next) if next <= today => Err(InvalidInput::new(
            "nextEvaluationOn",
            "the next evaluation lies in the future",
        )),
        _ => Ok(()),
    }
}

/// A case as its team and its resident know it. What a viewer sees of it is decided by
/// `slice`; a process facilitator gets it without `status_reason`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    pub id: CaseId,
    pub municipality_id: MunicipalityId,
    pub reference: CaseReference,
    pub resident_id: ResidentId,
    pub status: CaseStatus,
    pub step: CaseStep,
    /// Why the case was last closed or reopened. Free text, so content.
    pub status_reason: Option<String>,
    pub opened_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub last_activity_at: DateTime<Utc>,
    pub version: i32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamMember {
    pub id: TeamMemberId,
    pub case_id: CaseId,
    /// `None` where the viewer sees organisations rather than people: the resident knows the
    /// case lead, their one contact person, by name, and the other members by organisation.
    pub professional_id: Option<ProfessionalId>,
    pub organisation_id: OrganisationId,
    pub role: TeamRole,
    pub joined_at: DateTime<Utc>,
    pub version: i32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    pub id: InvitationId,
    pub case_id: CaseId,
    pub case_reference: CaseReference,
    pub organisation_id: OrganisationId,
    /// A named professional, when the invitation is for one person.
    pub professional_id: Option<ProfessionalId>,
    /// Why the partner is brought in. Free text, so `None` for a process facilitator.
    pub reason: Option<String>,
    /// An escalation to the municipality's breakthrough team.
    pub escalation: bool,
    /// The team role the invitee joins in, chosen by the team that invites.
    pub team_role: TeamRole,
    pub status: InvitationStatus,
    pub invited_by_organisation_id: OrganisationId,
    pub invited_by_professional_id: ProfessionalId,
    pub invited_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    pub version: i32,
}

/// One recorded consent: the resident lets `organisation_id` receive facts of `life_domain`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consent {
    pub id: ConsentId,
    pub case_id: CaseId,
    pub organisation_id: OrganisationId,
    pub life_domain: LifeDomain,
    pub method: ConsentMethod,
    /// `None` when the resident recorded it themself.
    pub recorded_by_professional_id: Option<ProfessionalId>,
    pub recorded_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub revoked_by_professional_id: Option<ProfessionalId>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_refuse_control_characters_but_keep_line_breaks() {
        assert_eq!(
            parse_text("text", "first\r\n\tsecond", MAX_TEXT).unwrap(),
            "first\r\n\tsecond"
        );
        for bad in ["a\u{0}b", "bell\u{7}", "escape\u{1b}[0m", "c1\u{85}"] {
            assert_eq!(parse_text("text", bad, MAX_TEXT).unwrap_err().field, "text");
        }
        assert_eq!(
            parse_optional_text("reason", Some("\u{0}"), MAX_SHORT_TEXT)
                .unwrap_err()
                .field,
            "reason"
        );
        assert_eq!(
            crate::organisation::parse_name("name", "A\u{0}")
                .unwrap_err()
                .field,
            "name"
        );
        assert!(crate::resident::parse_email("a\u{0}@example.org").is_err());
    }

    #[test]
    fn references_are_zero_padded_per_municipality_and_year() {
        let code = MunicipalityCode::parse("AMS").unwrap();
        assert_eq!(
            CaseReference::new(&code, 2026, 123).as_str(),
            "AMS-2026-000123"
        );
    }

    #[test]
    fn amounts_need_a_value_before_a_period_and_are_never_negative() {
        assert_eq!(parse_amount(None, None), Ok(None));
        assert_eq!(
            parse_amount(None, Some(AmountPeriod::PerMonth))
                .unwrap_err()
                .field,
            "period"
        );
        assert_eq!(
            parse_amount(Some(-1), None).unwrap_err().field,
            "amountCents"
        );
        assert_eq!(
            parse_amount(Some(98_700), Some(AmountPeriod::PerMonth)),
            Ok(Some(Amount {
                cents: 98_700,
                period: Some(AmountPeriod::PerMonth)
            }))
        );
    }

    #[test]
    fn team_roles_that_need_an_organisation_role() {
        assert!(check_invited_role(TeamRole::Member).is_ok());
        assert!(check_invited_role(TeamRole::Coach).is_ok());
        assert!(check_invited_role(TeamRole::ProcessFacilitator).is_ok());
        assert!(check_invited_role(TeamRole::CaseLead).is_err());
    }

    #[test]
    fn texts_are_trimmed_and_bounded() {
        assert_eq!(parse_text("what", "  rent  ", 10).unwrap(), "rent");
        assert_eq!(parse_text("what", "   ", 10).unwrap_err().field, "what");
        assert!(parse_text("what", "elevenchars", 10).is_err());
        assert_eq!(parse_optional_text("notes", Some(" "), 10), Ok(None));
    }

    #[test]
    fn the_open_first_step_limit_counts_the_new_one() {
        assert!(check_open_first_steps(2, 3).is_ok());
        assert!(check_open_first_steps(3, 3).is_err());
    }
}
