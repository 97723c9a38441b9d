//! The access log as the product reads it back (DOMAIN.md §6): who processed which kinds of a
//! resident's data, when and why. An entry names kinds and counts, never content.

use chrono::{DateTime, Utc};

use crate::ids::{CaseId, MunicipalityId, OrganisationId, ProfessionalId, ResidentId};
use crate::life_domain::LifeDomain;
use crate::life_domain::string_enum;

string_enum!(
    /// What happened to the data: it left the server in a response (`read`) or in an export
    /// (`export`: the resident's own, or an integration's pull), or it was changed (`write`).
    LogAction {
        Read => "read",
        Write => "write",
        Export => "export",
    }
);

/// Who acted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoggedActor {
    Professional {
        professional_id: ProfessionalId,
        organisation_id: OrganisationId,
    },
    Resident,
    Service {
        organisation_id: OrganisationId,
    },
}

impl LoggedActor {
    pub fn organisation_id(&self) -> Option<OrganisationId> {
        match self {
            LoggedActor::Professional {
                organisation_id, ..
            }
            | LoggedActor::Service { organisation_id } => Some(*organisation_id),
            LoggedActor::Resident => None,
        }
    }
}

/// One entry: one operation's processing of one case's data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessLogEntry {
    pub municipality_id: MunicipalityId,
    /// The entry's place in its municipality's hash chain.
    pub sequence: i64,
    pub recorded_at: DateTime<Utc>,
    pub trace_id: String,
    pub operation_id: String,
    pub operation_name: Option<String>,
    pub processing_activity_id: String,
    pub action: LogAction,
    pub actor: LoggedActor,
    /// The actor's role on the case: a team role, `resident`, `privacy_officer`, `service`.
    pub role: Option<String>,
    pub case_id: CaseId,
    pub data_subject_id: ResidentId,
    /// How many items of each kind, in order of kind.
    pub kinds: Vec<(String, u64)>,
    pub life_domains: Vec<LifeDomain>,
    /// For writes: what changed, as timeline event kinds.
    pub changes: Vec<String>,
}
