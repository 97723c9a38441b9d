//! Opaque global IDs for the `Node` interface: base64url of `Type:uuid`. Clients must treat
//! them as opaque; only this module knows the format.

use async_graphql::ID;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use uuid::Uuid;

use crate::error::ApiError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeType {
    Municipality,
    Organisation,
    Professional,
    Resident,
    IdentityProvider,
    Case,
    TeamMember,
    Invitation,
    Consent,
    Perspective,
    Fact,
    Problem,
    FirstStep,
    Agreement,
    Evaluation,
    Decision,
    Mandate,
    Budget,
    RuleException,
    Signal,
    Solution,
    ImportJob,
}

impl NodeType {
    fn name(self) -> &'static str {
        match self {
            NodeType::Municipality => "Municipality",
            NodeType::Organisation => "Organisation",
            NodeType::Professional => "Professional",
            NodeType::Resident => "Resident",
            NodeType::IdentityProvider => "IdentityProvider",
            NodeType::Case => "Case",
            NodeType::TeamMember => "TeamMember",
            NodeType::Invitation => "Invitation",
            NodeType::Consent => "Consent",
            NodeType::Perspective => "Perspective",
            NodeType::Fact => "Fact",
            NodeType::Problem => "Problem",
            NodeType::FirstStep => "FirstStep",
            NodeType::Agreement => "Agreement",
            NodeType::Evaluation => "Evaluation",
            NodeType::Decision => "Decision",
            NodeType::Mandate => "Mandate",
            NodeType::Budget => "Budget",
            NodeType::RuleException => "RuleException",
            NodeType::Signal => "Signal",
            NodeType::Solution => "Solution",
            NodeType::ImportJob => "ImportJob",
        }
    }

    fn parse(name: &str) -> Option<Self> {
        [
            NodeType::Municipality,
            NodeType::Organisation,
            NodeType::Professional,
            NodeType::Resident,
            NodeType::IdentityProvider,
            NodeType::Case,
            NodeType::TeamMember,
            NodeType::Invitation,
            NodeType::Consent,
            NodeType::Perspective,
            NodeType::Fact,
            NodeType::Problem,
            NodeType::FirstStep,
            NodeType::Agreement,
            NodeType::Evaluation,
            NodeType::Decision,
            NodeType::Mandate,
            NodeType::Budget,
            NodeType::RuleException,
            NodeType::Signal,
            NodeType::Solution,
            NodeType::ImportJob,
        ]
        .into_iter()
        .find(|node_type| node_type.name() == name)
    }
}

pub fn encode(node_type: NodeType, id: Uuid) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("{}:{id}", node_type.name())))
}

/// Any global ID; `field` names the argument for the error a malformed one produces.
pub fn decode_any(id: &ID, field: &str) -> Result<(NodeType, Uuid), ApiError> {
    let malformed = || ApiError::bad_input(field, "not a valid ID");
    let bytes = URL_SAFE_NO_PAD
        .decode(id.as_str())
        .map_err(|_| malformed())?;
    let text = std::str::from_utf8(&bytes).map_err(|_| malformed())?;
    let (name, uuid) = text.split_once(':').ok_or_else(malformed)?;
    let node_type = NodeType::parse(name).ok_or_else(malformed)?;
    Ok((node_type, Uuid::parse_str(uuid).map_err(|_| malformed())?))
}

/// A global ID that must be of `expected` type.
pub fn decode(id: &ID, expected: NodeType, field: &str) -> Result<Uuid, ApiError> {
    match decode_any(id, field)? {
        (node_type, uuid) if node_type == expected => Ok(uuid),
        _ => Err(ApiError::bad_input(
            field,
            format!("not a {} ID", expected.name()),
        )),
    }
}

/// An optional global ID argument: absent stays `None`, present must be of `expected` type.
pub fn decode_optional(
    id: Option<&ID>,
    expected: NodeType,
    field: &str,
) -> Result<Option<Uuid>, ApiError> {
    id.map(|id| decode(id, expected, field)).transpose()
}

/// A case's global ID, read from `field`.
pub fn case_id(id: &ID, field: &str) -> Result<domain::CaseId, ApiError> {
    Ok(domain::CaseId(decode(id, NodeType::Case, field)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_reject_garbage() {
        let uuid = Uuid::now_v7();
        let id = encode(NodeType::Organisation, uuid);
        assert_eq!(decode(&id, NodeType::Organisation, "id").unwrap(), uuid);
        assert!(decode(&id, NodeType::Resident, "id").is_err());
        assert!(decode_any(&ID("bm9wZQ".into()), "id").is_err());
        assert!(decode_any(&ID("%%%".into()), "id").is_err());
    }
}
