//! Live case events over GraphQL subscriptions. Each event passes the slice at the moment it is
//! delivered: the subscriber's access to the case and to the event's item are read in a fresh
//! snapshot, and the event is logged before it leaves. A subscriber who left the team gets
//! `NOT_FOUND` and the subscription ends; an event about an item the subscriber may no longer
//! see (a consent was revoked) is not delivered. Where events may have been lost, the
//! subscriber gets an `EVENTS_MISSED` event instead of a silent gap.

use async_graphql::{Context, ID, Object, Subscription, Union};
use domain::identity::Actor;
use domain::{
    AgreementId, CaseId, ConsentId, EvaluationId, FactId, FirstStepId, InvitationId, PerspectiveId,
    ProblemId,
};
use futures::Stream;
use persistence::Store;
use persistence::access_log::{AccessLog, Ledger, OperationContext, new_hex_id};
use persistence::cases::Snapshot;
use persistence::events::{CaseSignal, Heard};
use tokio::sync::broadcast::error::RecvError;

use super::case_items::{Agreement, Evaluation, Fact, FirstStep, Perspective, Problem};
use super::cases::{Case, Consent, Invitation};
use super::enums::CaseEventKind;
use super::ids::{self, NodeType};
use super::scalars::DateTime as Timestamp;
use crate::error::{ApiError, ApiResult};

/// What a live connection needs beyond the request context: who is listening, and where
/// deliveries are logged.
#[derive(Clone)]
pub struct LiveContext {
    pub actor: Actor,
    pub store: Store,
    pub access_log: AccessLog,
    pub trace_id: String,
    pub processing_activity_id: String,
}

#[derive(Default)]
pub struct Subscription;

#[Subscription]
impl Subscription {
    /// Events of one case as they happen: perspective, facts, problems, first steps,
    /// agreements, evaluations, consents and team changes, each as the viewer may see it at
    /// that moment. A case the viewer may not see fails with `NOT_FOUND`, as `case(id:)` does.
    async fn case_events(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<CaseEvent>>> {
        let live = ctx
            .data::<LiveContext>()
            .map_err(|_| ApiError::forbidden("subscriptions are served on /graphql/ws"))?;
        let case_id = CaseId(ids::decode(&case_id, NodeType::Case, "caseId")?);
        // Listen first, then check: no event between the check and the first delivery is lost.
        let signals = live.store.case_signals().await.map_err(ApiError::from)?;
        let listener = Listener {
            live: live.clone(),
            case_id,
        };
        listener.check_access().await?;
        Ok(futures::stream::unfold(
            Some((listener, signals)),
            |state| async move {
                let (listener, mut signals) = state?;
                loop {
                    let signal = match signals.recv().await {
                        Ok(Heard::Signal(signal)) if signal.case_id == listener.case_id => signal,
                        Ok(Heard::Signal(_)) => continue,
                        Ok(Heard::Missed) => listener.missed(),
                        Err(RecvError::Lagged(missed)) => {
                            tracing::warn!(missed, "a case subscriber fell behind");
                            listener.missed()
                        }
                        Err(RecvError::Closed) => return None,
                    };
                    match listener.deliver(&signal).await {
                        Ok(Some(event)) => return Some((Ok(event), Some((listener, signals)))),
                        Ok(None) => continue,
                        // The viewer lost the case, or delivery failed: say so once and stop.
                        Err(error) => return Some((Err(error.into()), None)),
                    }
                }
            },
        ))
    }
}

/// One subscriber to one case.
struct Listener {
    live: LiveContext,
    case_id: CaseId,
}

impl Listener {
    fn ledger(&self) -> Ledger {
        Ledger::new(OperationContext {
            trace_id: self.live.trace_id.clone(),
            operation_id: new_hex_id(8),
            operation_name: Some("caseEvents".to_owned()),
            processing_activity_id: self.live.processing_activity_id.clone(),
        })
    }

    /// Events may have been lost on the way to this subscriber: an event of kind
    /// `EVENTS_MISSED`, so that it reads the case again.
    fn missed(&self) -> CaseSignal {
        CaseSignal {
            case_id: self.case_id,
            kind: domain::case::EventKind::EventsMissed,
            item_kind: None,
            item_id: None,
            at: chrono::Utc::now(),
        }
    }

    /// Whether the viewer may see the case at all, as `case(id:)` would answer.
    async fn check_access(&self) -> ApiResult<()> {
        let ledger = self.ledger();
        let snapshot = self.live.store.snapshot(&ledger).await?;
        let viewer = snapshot.viewer(&self.live.actor).await?;
        snapshot.case_access(&viewer, self.case_id).await?;
        Ok(())
    }

    /// The event as the viewer may see it now; `None` when they may not see its item.
    async fn deliver(&self, signal: &CaseSignal) -> ApiResult<Option<CaseEvent>> {
        let ledger = self.ledger();
        let event = {
            let snapshot = self.live.store.snapshot(&ledger).await?;
            let viewer = snapshot.viewer(&self.live.actor).await?;
            let access = snapshot.case_access(&viewer, signal.case_id).await?;
            let item = match (signal.item_kind.as_deref(), signal.item_id) {
                (Some(kind), Some(id)) => match load_item(&snapshot, &viewer, kind, id).await? {
                    Some(item) => Some(item),
                    None => return Ok(None),
                },
                _ => None,
            };
            let case = snapshot.case(&access).await?;
            CaseEvent {
                kind: signal.kind.into(),
                at: signal.at,
                case: Case { access, case },
                item,
            }
        };
        crate::meters::waiting_on_access_log(self.live.access_log.record(&ledger)).await?;
        Ok(Some(event))
    }
}

async fn load_item(
    snapshot: &Snapshot,
    viewer: &persistence::cases::Viewer,
    kind: &str,
    id: uuid::Uuid,
) -> ApiResult<Option<CaseItem>> {
    Ok(match kind {
        "perspective" => snapshot
            .item::<domain::case::Perspective>(viewer, PerspectiveId(id))
            .await?
            .map(|item| CaseItem::Perspective(Perspective(item))),
        "fact" => snapshot
            .item::<domain::case::Fact>(viewer, FactId(id))
            .await?
            .map(|item| CaseItem::Fact(Fact(item))),
        "problem" => snapshot
            .item::<domain::case::Problem>(viewer, ProblemId(id))
            .await?
            .map(|item| CaseItem::Problem(Problem(item))),
        "first_step" => snapshot
            .item::<domain::case::FirstStep>(viewer, FirstStepId(id))
            .await?
            .map(|item| CaseItem::FirstStep(FirstStep(item))),
        "agreement" => snapshot
            .item::<domain::case::Agreement>(viewer, AgreementId(id))
            .await?
            .map(|item| CaseItem::Agreement(Agreement(item))),
        "evaluation" => snapshot
            .item::<domain::case::Evaluation>(viewer, EvaluationId(id))
            .await?
            .map(|item| CaseItem::Evaluation(Evaluation(item))),
        "decision" => snapshot
            .item::<domain::mandate::Decision>(viewer, domain::DecisionId(id))
            .await?
            .map(|item| CaseItem::Decision(super::mandates::Decision(item))),
        "rule_exception" => snapshot
            .item::<domain::exception::RuleException>(viewer, domain::RuleExceptionId(id))
            .await?
            .map(|item| CaseItem::RuleException(super::exceptions::RuleException(item))),
        "invitation" => snapshot
            .invitation(viewer, InvitationId(id))
            .await?
            .map(|item| CaseItem::Invitation(Invitation(item))),
        "consent" => snapshot
            .consent(viewer, ConsentId(id))
            .await?
            .map(|item| CaseItem::Consent(Consent(item))),
        _ => None,
    })
}

/// What an event is about.
#[derive(Union)]
pub enum CaseItem {
    Perspective(Perspective),
    Fact(Fact),
    Problem(Problem),
    FirstStep(FirstStep),
    Agreement(Agreement),
    Evaluation(Evaluation),
    Decision(super::mandates::Decision),
    RuleException(super::exceptions::RuleException),
    Invitation(Invitation),
    Consent(Consent),
}

/// Something happened on a case.
pub struct CaseEvent {
    kind: CaseEventKind,
    at: chrono::DateTime<chrono::Utc>,
    case: Case,
    item: Option<CaseItem>,
}

#[Object]
impl CaseEvent {
    /// What happened, as on the timeline, or `EVENTS_MISSED`: events may have been lost on the
    /// way to you, so read the case again.
    async fn kind(&self) -> CaseEventKind {
        self.kind
    }

    async fn at(&self) -> Timestamp {
        Timestamp(self.at)
    }

    /// The case as it is after the event: its header fields. Parts of the case (team, facts,
    /// …) are read with a query.
    async fn case(&self) -> &Case {
        &self.case
    }

    /// The item the event is about, as the viewer sees it now; `null` for events about the
    /// case itself or its team.
    async fn item(&self) -> Option<&CaseItem> {
        self.item.as_ref()
    }
}
