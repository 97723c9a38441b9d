//! Justified exceptions to rules (uitzonderingen, DOMAIN.md §3): when a first step cannot be
//! realised within existing options, the team drafts a `RuleException`, which a coach co-signs,
//! a member of the rule-owning organisation endorses and the case lead approves for the team.
//! Work on the case never waits for it.

use chrono::{DateTime, Utc};

use crate::case::{MAX_SHORT_TEXT, MAX_TEXT, parse_text};
use crate::error::InvalidInput;
use crate::ids::{CaseId, FirstStepId, OrganisationId, ProfessionalId, RuleExceptionId};
use crate::life_domain::string_enum;
use crate::mandate::DecisionKind;

string_enum!(
    /// What kind of rule the exception deviates from.
    RuleKind {
        Rule => "rule",
        Interpretation => "interpretation",
        Procedure => "procedure",
        Law => "law",
    }
);

string_enum!(
    /// Where an exception stands.
    ExceptionStatus {
        Draft => "draft",
        Submitted => "submitted",
        CoSigned => "co_signed",
        Endorsed => "endorsed",
        Approved => "approved",
        Rejected => "rejected",
    }
);

/// A step in an exception's life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExceptionStep {
    Submit,
    CoSign,
    Endorse,
    Approve,
    Reject,
}

impl ExceptionStatus {
    /// The status after `step`, or why `step` cannot be taken now.
    pub fn after(self, step: ExceptionStep) -> Result<ExceptionStatus, InvalidInput> {
        use ExceptionStatus::*;
        use ExceptionStep as S;
        let next = match (self, step) {
            (Draft, S::Submit) => Submitted,
            (Submitted, S::CoSign) => CoSigned,
            (CoSigned, S::Endorse) => Endorsed,
            (Endorsed, S::Approve) => Approved,
            (Draft | Submitted | CoSigned | Endorsed, S::Reject) => Rejected,
            (Approved | Rejected, _) => {
                return Err(InvalidInput::new(
                    "id",
                    format!("the exception is {self} and changes no more"),
                ));
            }
            (current, _) => {
                let expected = match current {
                    Draft => "submitted",
                    Submitted => "co-signed by a coach",
                    CoSigned => "endorsed by the rule's owner",
                    Endorsed => "approved by the case lead",
                    Approved | Rejected => unreachable!("handled above"),
                };
                return Err(InvalidInput::new(
                    "id",
                    format!("the exception is {current}; it is {expected} next"),
                ));
            }
        };
        Ok(next)
    }
}

/// The value triangle (waardendriehoek): why the custom solution is right, in three required
/// texts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueTriangle {
    /// Is it lawful and fair (legitimiteit)?
    pub legitimacy: String,
    /// Does it connect to the resident and their world (betrokkenheid)?
    pub engagement: String,
    /// What does it yield, for the resident and for society (rendement)?
    pub societal_return: String,
}

/// What the team writes into an exception.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExceptionContent {
    pub rule_kind: RuleKind,
    /// Which rule, in a few words.
    pub rule: String,
    pub ordinary_route: String,
    pub ordinary_cost_cents: i64,
    pub custom_solution: String,
    pub custom_cost_cents: i64,
    pub value_triangle: ValueTriangle,
}

impl ExceptionContent {
    /// Checks every text and amount, naming the field as the API names it.
    #[allow(clippy::too_many_arguments)]
    pub fn parse(
        rule_kind: RuleKind,
        rule: &str,
        ordinary_route: &str,
        ordinary_cost_cents: i64,
        custom_solution: &str,
        custom_cost_cents: i64,
        legitimacy: &str,
        engagement: &str,
        societal_return: &str,
    ) -> Result<Self, InvalidInput> {
        for (field, cents) in [
            ("ordinaryCostCents", ordinary_cost_cents),
            ("customCostCents", custom_cost_cents),
        ] {
            if cents < 0 {
                return Err(InvalidInput::new(field, "must not be negative"));
            }
        }
        Ok(Self {
            rule_kind,
            rule: parse_text("rule", rule, MAX_SHORT_TEXT)?,
            ordinary_route: parse_text("ordinaryRoute", ordinary_route, MAX_TEXT)?,
            ordinary_cost_cents,
            custom_solution: parse_text("customSolution", custom_solution, MAX_TEXT)?,
            custom_cost_cents,
            value_triangle: ValueTriangle {
                legitimacy: parse_text("legitimacy", legitimacy, MAX_TEXT)?,
                engagement: parse_text("engagement", engagement, MAX_TEXT)?,
                societal_return: parse_text("societalReturn", societal_return, MAX_TEXT)?,
            },
        })
    }

    /// What the custom solution saves against the ordinary route; negative when it costs more.
    pub fn saving_cents(&self) -> i64 {
        self.ordinary_cost_cents - self.custom_cost_cents
    }
}

/// Who took a step, and when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Signature {
    pub professional_id: ProfessionalId,
    pub at: DateTime<Utc>,
}

/// An exception to a rule, for one first step. The shared plan (§5.3): every team member sees
/// it; a process facilitator sees its status and signatures, not its texts or amounts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleException {
    pub id: RuleExceptionId,
    pub case_id: CaseId,
    pub first_step_id: FirstStepId,
    /// The organisation that owns the rule; one of its members endorses the exception.
    pub rule_owner_id: OrganisationId,
    /// The kind of decision the custom solution takes: the endorser's mandate for this kind
    /// must cover its cost.
    pub decision_kind: DecisionKind,
    pub status: ExceptionStatus,
    pub drafted: Signature,
    pub submitted: Option<Signature>,
    pub co_signed: Option<Signature>,
    pub endorsed: Option<Signature>,
    pub approved: Option<Signature>,
    pub rejected: Option<Signature>,
    pub version: i32,
    pub content: Option<ExceptionContent>,
    /// Why it was rejected; content.
    pub rejection_reason: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use ExceptionStatus::*;
    use ExceptionStep as S;

    #[test]
    fn an_exception_goes_through_its_steps_in_order() {
        assert_eq!(Draft.after(S::Submit), Ok(Submitted));
        assert_eq!(Submitted.after(S::CoSign), Ok(CoSigned));
        assert_eq!(CoSigned.after(S::Endorse), Ok(Endorsed));
        assert_eq!(Endorsed.after(S::Approve), Ok(Approved));
    }

    #[test]
    fn it_can_be_rejected_at_every_stage_until_decided() {
        for status in [Draft, Submitted, CoSigned, Endorsed] {
            assert_eq!(status.after(S::Reject), Ok(Rejected));
        }
        for status in [Approved, Rejected] {
            assert!(status.after(S::Reject).is_err());
        }
    }

    #[test]
    fn a_step_out_of_order_says_what_comes_next() {
        let error = Submitted.after(S::Approve).unwrap_err();
        assert_eq!(error.field, "id");
        assert_eq!(
            error.message,
            "the exception is submitted; it is co-signed by a coach next"
        );
        assert!(Draft.after(S::CoSign).is_err());
        assert!(CoSigned.after(S::Approve).is_err());
        assert!(Approved.after(S::Submit).is_err());
    }

    #[test]
    fn every_text_of_the_value_triangle_is_required_and_the_saving_is_computed() {
        let parse = |legitimacy: &str| {
            ExceptionContent::parse(
                RuleKind::Procedure,
                "Shelter only through the central desk",
                "External shelter for a year",
                4_000_000,
                "Build a wall to make an extra room",
                600_000,
                legitimacy,
                "The family stays in its neighbourhood",
                "Cheaper, and the children stay at their school",
            )
        };
        assert_eq!(parse("  ").unwrap_err().field, "legitimacy");
        assert_eq!(
            parse("Within the Wmo's room for custom work")
                .unwrap()
                .saving_cents(),
            3_400_000
        );
    }
}
