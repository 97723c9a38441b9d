//! The resident's consent to share life domains with an organisation (DOMAIN.md §5.5). Rows
//! are never deleted: revoking stamps `revoked_at`, so the history stays.

use domain::authz::Action;
use domain::case::EventKind;
use std::collections::{BTreeSet, HashMap};

use domain::case::{Consent, ConsentMethod};
use domain::{CaseId, ConsentId, InvalidInput, LifeDomain, OrganisationId, ProfessionalId};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, Condition, EntityTrait, QueryFilter};

use super::lists::{ListColumns, ListPage, PageRequest};
use super::{CaseAccess, Snapshot, Viewer, Writer, domain_names, record_event};
use crate::entity::{consent, organisation};
use crate::{Error, Result};

fn to_consent(row: consent::Model) -> Result<Consent> {
    Ok(Consent {
        id: ConsentId(row.id),
        case_id: CaseId(row.case_id),
        organisation_id: OrganisationId(row.organisation_id),
        life_domain: LifeDomain::parse(&row.life_domain)
            .ok_or(Error::Corrupt("consent life domain"))?,
        method: ConsentMethod::parse(&row.method).ok_or(Error::Corrupt("consent method"))?,
        recorded_by_professional_id: row.recorded_by_professional_id.map(ProfessionalId),
        recorded_at: row.recorded_at,
        revoked_at: row.revoked_at,
        revoked_by_professional_id: row.revoked_by_professional_id.map(ProfessionalId),
    })
}

impl Snapshot {
    /// One consent, current or revoked, for `node(id:)`: only on a case the viewer has
    /// access to.
    pub async fn consent(&self, viewer: &Viewer, id: ConsentId) -> Result<Option<Consent>> {
        self.one_by_id::<consent::Entity, _>(
            viewer,
            id.0,
            consent::Column::Id,
            consent::Column::CaseId,
            async |accesses, condition| {
                self.consents_where(accesses, condition, PageRequest::whole())
                    .await
            },
        )
        .await
    }

    /// The consents of each case, revoked ones included when `history` is set. The team and
    /// the resident see them; they say what may be shared, not what was.
    pub async fn consents(
        &self,
        accesses: &[CaseAccess],
        history: bool,
        page: PageRequest,
    ) -> Result<HashMap<CaseId, ListPage<Consent>>> {
        let mut condition = Condition::all();
        if !history {
            condition = condition.add(consent::Column::RevokedAt.is_null());
        }
        self.consents_where(accesses, condition, page).await
    }

    async fn consents_where(
        &self,
        accesses: &[CaseAccess],
        condition: Condition,
        page: PageRequest,
    ) -> Result<HashMap<CaseId, ListPage<Consent>>> {
        let pages = self
            .page_rows::<consent::Entity>(
                accesses.iter().map(|access| access.case_id.0).collect(),
                condition,
                &ListColumns {
                    case: consent::Column::CaseId,
                    at: consent::Column::RecordedAt,
                    id: consent::Column::Id,
                },
                page,
            )
            .await?;
        let mut by_case = HashMap::new();
        for (case_id, rows) in pages {
            let Some(access) = accesses.iter().find(|access| access.case_id.0 == case_id) else {
                continue;
            };
            let page = rows.map(to_consent)?;
            let domains = page
                .items
                .iter()
                .map(|consent| consent.life_domain.as_str());
            self.disclose(access, "consent", page.items.len(), domains);
            by_case.insert(access.case_id, page);
        }
        Ok(by_case)
    }
}

impl Writer {
    /// The professional recording or revoking a consent, or `None` for the resident. A process
    /// facilitator does not.
    fn consent_recorder(access: &CaseAccess) -> Result<Option<ProfessionalId>> {
        if access.is_resident() {
            Ok(None)
        } else {
            access
                .content_author()
                .map(|(professional, _)| Some(professional))
        }
    }

    /// Records the resident's consent for `organisation_id` to receive `domains`. Domains
    /// already consented stay as they were.
    pub async fn record_consent(
        &self,
        viewer: &Viewer,
        case_id: CaseId,
        organisation_id: OrganisationId,
        domains: &BTreeSet<LifeDomain>,
        method: ConsentMethod,
    ) -> Result<()> {
        // Digital consent comes only from the resident's own sign-in; a professional records a
        // verbal or written one under their own name (§5.5).
        let action = match method {
            ConsentMethod::Digital => Action::RecordDigitalConsent,
            ConsentMethod::Verbal | ConsentMethod::Written => Action::RecordConsentOnBehalf,
        };
        let (access, _) = self.lock_case(viewer, case_id, action).await?;
        let recorder = Self::consent_recorder(&access)?;
        if domains.is_empty() {
            return Err(InvalidInput::new("lifeDomains", "name at least one life domain").into());
        }
        if organisation::Entity::find_by_id(organisation_id.0)
            .one(self.connection())
            .await?
            .is_none()
        {
            return Err(InvalidInput::new("organisationId", "no such organisation").into());
        }
        let active: BTreeSet<String> = consent::Entity::find()
            .filter(consent::Column::CaseId.eq(case_id.0))
            .filter(consent::Column::OrganisationId.eq(organisation_id.0))
            .filter(consent::Column::RevokedAt.is_null())
            .all(self.connection())
            .await?
            .into_iter()
            .map(|row| row.life_domain)
            .collect();
        let now = self.now();
        let new: Vec<consent::ActiveModel> = domains
            .iter()
            .filter(|domain| !active.contains(domain.as_str()))
            .map(|domain| consent::ActiveModel {
                id: Set(ConsentId::generate().0),
                case_id: Set(case_id.0),
                organisation_id: Set(organisation_id.0),
                life_domain: Set(domain.as_str().to_owned()),
                method: Set(method.as_str().to_owned()),
                recorded_by_professional_id: Set(recorder.map(|id| id.0)),
                recorded_at: Set(now),
                revoked_at: Set(None),
                revoked_by_professional_id: Set(None),
                version: Set(1),
            })
            .collect();
        if !new.is_empty() {
            consent::Entity::insert_many(new)
                .exec_without_returning(self.connection())
                .await?;
        }
        record_event(
            self,
            case_id,
            now,
            EventKind::ConsentRecorded,
            None,
            access.actor(),
        )
        .await
    }

    /// Revokes consent for `domains`; from the next read on, the organisation no longer
    /// receives facts of those domains from others.
    pub async fn revoke_consent(
        &self,
        viewer: &Viewer,
        case_id: CaseId,
        organisation_id: OrganisationId,
        domains: &BTreeSet<LifeDomain>,
    ) -> Result<()> {
        let (access, _) = self
            .lock_case(viewer, case_id, Action::RevokeConsent)
            .await?;
        let revoker = Self::consent_recorder(&access)?;
        if domains.is_empty() {
            return Err(InvalidInput::new("lifeDomains", "name at least one life domain").into());
        }
        let now = self.now();
        consent::Entity::update_many()
            .filter(consent::Column::CaseId.eq(case_id.0))
            .filter(consent::Column::OrganisationId.eq(organisation_id.0))
            .filter(consent::Column::LifeDomain.is_in(domain_names(domains)))
            .filter(consent::Column::RevokedAt.is_null())
            .col_expr(consent::Column::RevokedAt, Expr::value(now))
            .col_expr(
                consent::Column::RevokedByProfessionalId,
                Expr::value(revoker.map(|id| id.0)),
            )
            .exec(self.connection())
            .await?;
        record_event(
            self,
            case_id,
            now,
            EventKind::ConsentRevoked,
            None,
            access.actor(),
        )
        .await
    }
}
