//! Facts of the situation sketch (step 2), per life domain. Sliced per organisation: a fact
//! reaches another organisation only when it is need-to-know and the slice lets it through
//! (`visible_rows`); only the organisation that recorded it changes it or withholds it from
//! the resident.

use domain::authz::Action;
use domain::case::{Amount, AmountPeriod, EventKind, Fact, FactContent};
use domain::slice::{Need, SharingLevel};
use domain::{CaseId, FactId, LifeDomain, OrganisationId, ProfessionalId};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition};

use super::{ChangedItem, parsed};
use crate::cases::lists::{CaseItem, ListColumns, Position};
use crate::cases::{CaseAccess, Slicing, Viewer, Writer};
use crate::entity::fact;
use crate::{Error, Result};

/// A fact to record, validated by the caller.
#[derive(Debug, Clone)]
pub struct NewFact {
    pub life_domain: LifeDomain,
    pub text: String,
    pub amount: Option<Amount>,
    pub need: Need,
    pub sharing: SharingLevel,
}

fn to_fact(row: fact::Model, access: &CaseAccess) -> Result<Fact> {
    let amount = match row.amount_cents {
        Some(cents) => Some(Amount {
            cents,
            period: row
                .amount_period
                .as_deref()
                .map(|period| parsed(AmountPeriod::parse(period), "amount period"))
                .transpose()?,
        }),
        None => None,
    };
    Ok(Fact {
        id: FactId(row.id),
        case_id: CaseId(row.case_id),
        organisation_id: OrganisationId(row.organisation_id),
        professional_id: ProfessionalId(row.professional_id),
        life_domain: parsed(LifeDomain::parse(&row.life_domain), "fact life domain")?,
        need: parsed(Need::parse(&row.need), "fact need")?,
        sharing: parsed(SharingLevel::parse(&row.sharing), "fact sharing")?,
        created_at: row.created_at,
        updated_at: row.updated_at,
        version: row.version,
        content: access.sees_content().then_some(FactContent {
            text: row.text,
            amount,
        }),
        withheld_reason: row.withheld_reason.filter(|_| access.sees_content()),
    })
}

impl CaseItem for Fact {
    type Entity = fact::Entity;
    type Id = FactId;
    /// One life domain's facts.
    type Filter = Option<LifeDomain>;
    const KIND: &'static str = "fact";
    const SLICING: Slicing = Slicing::PerOrganisation { need: true };

    fn columns() -> ListColumns<fact::Entity> {
        ListColumns {
            case: fact::Column::CaseId,
            at: fact::Column::CreatedAt,
            id: fact::Column::Id,
        }
    }

    fn condition(life_domain: Option<LifeDomain>) -> Condition {
        Condition::all()
            .add_option(life_domain.map(|domain| fact::Column::LifeDomain.eq(domain.as_str())))
    }

    fn life_domain(row: &fact::Model) -> Option<LifeDomain> {
        LifeDomain::parse(&row.life_domain)
    }

    fn read(row: fact::Model, access: &CaseAccess) -> Result<Self> {
        to_fact(row, access)
    }

    fn position(&self) -> Position {
        Position {
            at: self.created_at,
            id: self.id.0,
        }
    }
}

impl ChangedItem for Fact {
    const NAME: &'static str = "fact";
    const CHANGED: EventKind = EventKind::FactChanged;

    fn version_column() -> fact::Column {
        fact::Column::Version
    }

    fn case_id(&self) -> CaseId {
        self.case_id
    }
}

impl Writer {
    pub async fn add_fact(&self, viewer: &Viewer, case_id: CaseId, new: NewFact) -> Result<FactId> {
        let (access, _) = self
            .lock_open_case(viewer, case_id, Action::AddFact)
            .await?;
        let (professional, organisation) = access.content_author()?;
        let id = FactId::generate();
        self.insert_item::<Fact>(&access, id, EventKind::FactAdded, |now| fact::ActiveModel {
            id: Set(id.0),
            case_id: Set(case_id.0),
            organisation_id: Set(organisation.0),
            professional_id: Set(professional.0),
            life_domain: Set(new.life_domain.as_str().to_owned()),
            text: Set(new.text),
            amount_cents: Set(new.amount.map(|amount| amount.cents)),
            amount_period: Set(new
                .amount
                .and_then(|amount| amount.period)
                .map(|period| period.as_str().to_owned())),
            need: Set(new.need.as_str().to_owned()),
            sharing: Set(new.sharing.as_str().to_owned()),
            withheld_reason: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
        })
        .await
    }

    /// Changes a fact. Only its authoring organisation may; for anyone who cannot see it,
    /// it does not exist.
    pub async fn update_fact(
        &self,
        viewer: &Viewer,
        id: FactId,
        new: NewFact,
        expected_version: i32,
    ) -> Result<CaseId> {
        self.change_item::<Fact>(
            viewer,
            id,
            Action::UpdateFact,
            expected_version,
            |update, existing, (_, organisation), now| {
                if existing.organisation_id != organisation {
                    return Err(Error::Forbidden(
                        "only the organisation that recorded a fact changes it",
                    ));
                }
                Ok(update
                    .col_expr(
                        fact::Column::LifeDomain,
                        Expr::value(new.life_domain.as_str()),
                    )
                    .col_expr(fact::Column::Text, Expr::value(new.text))
                    .col_expr(
                        fact::Column::AmountCents,
                        Expr::value(new.amount.map(|amount| amount.cents)),
                    )
                    .col_expr(
                        fact::Column::AmountPeriod,
                        Expr::value(
                            new.amount
                                .and_then(|amount| amount.period)
                                .map(|period| period.as_str()),
                        ),
                    )
                    .col_expr(fact::Column::Need, Expr::value(new.need.as_str()))
                    .col_expr(fact::Column::Sharing, Expr::value(new.sharing.as_str()))
                    .col_expr(fact::Column::UpdatedAt, Expr::value(now)))
            },
        )
        .await
    }
}
