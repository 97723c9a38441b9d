//! Live connections on `/graphql/ws`: the graphql-transport-ws protocol around async-graphql's
//! WebSocket engine, which acknowledges, answers pings and runs subscriptions.
//!
//! Every client message passes [`Connection::receive`] first, which holds what the engine does
//! not: the token is verified here and the connection closes when it expires (4403), only
//! subscriptions are served (a query or mutation gets an `error` before anything runs, so a
//! write never commits behind a failure reply), a socket that does not initialise in time is
//! closed (4408), subscribing before the acknowledgement closes it (4401), and a connection
//! holds at most `live.subscriptions_per_connection` subscriptions and receives messages of at
//! most `live.message_bytes`.
//!
//! Close codes follow the protocol: 4400 an invalid message, 4401 a subscribe before the
//! acknowledgement, 4403 a token refused at `connection_init` or expired since, 4408 no
//! `connection_init` in time, 4409 a subscription id already in use, 4429 a second
//! `connection_init`; 1009 a message over the size limit. An expired token closes with 4403
//! rather than 4401 because the protocol reserves 4401 for a client that subscribes too early,
//! which the reference client treats as fatal, while it reconnects after 4403 and asks for its
//! connection parameters again, so a client with a fresh token carries on.

use std::time::Duration;

use async_graphql::http::{ClientMessage, WebSocket as Engine, WebSocketProtocols, WsMessage};
use async_graphql::parser::types::OperationType;
use axum::extract::ws::{CloseFrame, Message, WebSocket};
use axum::extract::{State, WebSocketUpgrade};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, body::Bytes};
use domain::identity::Actor;
use futures::{SinkExt, StreamExt};
use persistence::access_log::{Ledger, OperationContext};
use serde_json::json;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use tracing::Instrument;

use crate::auth::Verified;
use crate::error::log_internal;
use crate::graphql::RequestContext;
use crate::graphql::subscription::LiveContext;
use crate::http::state::AppState;
use crate::meters::LiveSubscriptions;
use crate::telemetry::TraceId;

const TRANSPORT_WS: &str = "graphql-transport-ws";

/// GraphQL subscriptions over WebSocket, with the graphql-transport-ws protocol only. The token
/// comes in the `connection_init` payload (`{"Authorization": "Bearer …"}`) and is verified
/// exactly as on `POST /graphql`; without a valid one the connection closes unacknowledged.
pub(crate) async fn graphql_ws(
    State(state): State<AppState>,
    Extension(trace_id): Extension<TraceId>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    let offered: Vec<&str> = headers
        .get(header::SEC_WEBSOCKET_PROTOCOL)
        .and_then(|value| value.to_str().ok())
        .map(|value| value.split(',').map(str::trim).collect())
        .unwrap_or_default();
    if !offered.contains(&TRANSPORT_WS) || offered.contains(&"graphql-ws") {
        return (
            StatusCode::BAD_REQUEST,
            "offer the graphql-transport-ws protocol",
        )
            .into_response();
    }
    let message_bytes = state.settings.live.message_bytes;
    let span = tracing::info_span!("live", trace_id = %trace_id.0);
    upgrade
        .protocols([TRANSPORT_WS])
        .max_message_size(message_bytes)
        .max_frame_size(message_bytes)
        .on_upgrade(move |socket| serve(state, trace_id, socket).instrument(span))
}

/// What [`Connection::receive`] makes of one client message.
enum Step {
    Continue,
    /// A message for the client that the engine does not send.
    Reply(String),
    Close(CloseFrame),
    /// The client went away.
    End,
}

fn close(code: u16, reason: &str) -> Step {
    // A close frame's reason holds at most 123 bytes.
    let mut end = reason.len().min(123);
    while !reason.is_char_boundary(end) {
        end -= 1;
    }
    Step::Close(CloseFrame {
        code,
        reason: reason[..end].into(),
    })
}

/// How far the connection is.
enum Phase {
    /// No `connection_init` yet.
    Waiting,
    /// Acknowledged, for the actor of a token usable until this moment.
    Acknowledged {
        actor: Box<Actor>,
        usable_until: Instant,
    },
    /// The `connection_init` was refused; the socket closes.
    Refused,
}

async fn serve(state: AppState, trace_id: TraceId, socket: WebSocket) {
    let (mut sink, mut incoming) = socket.split();
    let (forward, mut forwarded) = mpsc::unbounded_channel::<ClientMessage>();
    let (hand_over, handed_over) = oneshot::channel::<async_graphql::Data>();
    // The engine acknowledges with the data the connection authenticated here.
    let engine = Engine::from_message_stream(
        state.schema.clone(),
        futures::stream::poll_fn(move |cx| forwarded.poll_recv(cx).map(|message| message.map(Ok))),
        WebSocketProtocols::GraphQLWS,
    )
    .on_connection_init(move |_| async move {
        handed_over
            .await
            .map_err(|_| async_graphql::Error::new("internal error"))
    });
    let mut engine = Box::pin(engine);
    let init_deadline =
        Instant::now() + Duration::from_secs(state.settings.live.connection_init_timeout_seconds);
    let mut connection = Connection {
        state,
        trace_id,
        phase: Phase::Waiting,
        subscriptions: LiveSubscriptions::new(),
        forward,
        hand_over: Some(hand_over),
    };
    let frame = loop {
        let expiry = match connection.phase {
            Phase::Acknowledged { usable_until, .. } => Some(usable_until),
            _ => None,
        };
        let waiting = matches!(connection.phase, Phase::Waiting);
        tokio::select! {
            biased;
            () = until(expiry) => {
                tracing::info!("live connection closed: its token expired");
                break close(4403, "Forbidden");
            }
            () = tokio::time::sleep_until(init_deadline), if waiting => {
                break close(4408, "Connection initialisation timeout");
            }
            message = incoming.next() => match connection.receive(message).await {
                Step::Continue => {}
                Step::Reply(text) => {
                    if sink.send(Message::Text(text.into())).await.is_err() {
                        break Step::End;
                    }
                }
                step => break step,
            },
            outgoing = engine.next() => match outgoing {
                Some(WsMessage::Text(text)) => {
                    connection.sent(&text);
                    if sink.send(Message::Text(text.into())).await.is_err() {
                        break Step::End;
                    }
                }
                Some(WsMessage::Close(code, reason)) => break close(code, &reason),
                None => break Step::End,
            },
        }
    };
    // Dropping the engine ends every subscription of the connection.
    drop(engine);
    if let Step::Close(frame) = frame {
        let _ = sink.send(Message::Close(Some(frame))).await;
    }
}

/// Completes at `deadline`, or never without one.
async fn until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

struct Connection {
    state: AppState,
    trace_id: TraceId,
    phase: Phase,
    /// The ids of the subscriptions running now.
    subscriptions: LiveSubscriptions,
    forward: mpsc::UnboundedSender<ClientMessage>,
    hand_over: Option<oneshot::Sender<async_graphql::Data>>,
}

impl Connection {
    async fn receive(&mut self, message: Option<Result<Message, axum::Error>>) -> Step {
        let bytes: Bytes = match message {
            None => return Step::End,
            Some(Err(error)) if too_large(&error) => return close(1009, "message too big"),
            Some(Err(_)) => return Step::End,
            Some(Ok(Message::Text(text))) => Bytes::from(text),
            Some(Ok(Message::Binary(bytes))) => bytes,
            Some(Ok(Message::Close(_))) => return Step::End,
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => return Step::Continue,
        };
        let Ok(message) = ClientMessage::from_bytes(&bytes) else {
            return close(4400, "Invalid message received");
        };
        match message {
            ClientMessage::ConnectionInit { payload } => self.initialise(payload).await,
            ClientMessage::Start { id, payload } => self.subscribe(id, payload),
            ClientMessage::Stop { id } => {
                self.subscriptions.remove(&id);
                self.forward(ClientMessage::Stop { id })
            }
            message @ (ClientMessage::Ping { .. } | ClientMessage::Pong { .. }) => {
                self.forward(message)
            }
            // Not a message of graphql-transport-ws, only of the older protocol.
            ClientMessage::ConnectionTerminate => close(4400, "Invalid message received"),
        }
    }

    fn forward(&self, message: ClientMessage) -> Step {
        match self.forward.send(message) {
            Ok(()) => Step::Continue,
            Err(_) => Step::End,
        }
    }

    async fn initialise(&mut self, payload: Option<serde_json::Value>) -> Step {
        if !matches!(self.phase, Phase::Waiting) {
            return close(4429, "Too many initialisation requests");
        }
        self.phase = Phase::Refused;
        let verified = match self.verify(payload.unwrap_or_default()).await {
            Ok(verified) => verified,
            Err(step) => return step,
        };
        if self.state.rate_limits.check_actor(&verified.actor).is_err() {
            tracing::info!("live connection refused: its actor is over its rate limit");
            return close(1013, "Try Again Later");
        }
        let remaining =
            verified.usable_until.saturating_mul(1000) - chrono::Utc::now().timestamp_millis();
        let usable_until =
            Instant::now() + Duration::from_millis(u64::try_from(remaining).unwrap_or(0));
        let actor = Box::new(verified.actor.clone());
        let data = connection_data(&self.state, &self.trace_id, verified);
        let Some(hand_over) = self.hand_over.take() else {
            return close(4429, "Too many initialisation requests");
        };
        if hand_over.send(data).is_err() {
            return Step::End;
        }
        self.phase = Phase::Acknowledged {
            actor,
            usable_until,
        };
        self.forward(ClientMessage::ConnectionInit { payload: None })
    }

    /// The verified token of a `connection_init` payload, or the close that refuses it.
    async fn verify(&self, payload: serde_json::Value) -> Result<Verified, Step> {
        let token = ["Authorization", "authorization"]
            .iter()
            .find_map(|key| payload.get(*key).and_then(|value| value.as_str()))
            .and_then(|value| {
                let (scheme, token) = value.split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
            })
            .filter(|token| !token.is_empty());
        let Some(token) = token else {
            tracing::info!(reason = "no bearer token", "live connection refused");
            return Err(close(4403, "Forbidden"));
        };
        match self.state.authenticator.verify(token).await {
            Ok(verified) => Ok(verified),
            Err(failure) if failure.is_internal() => {
                log_internal(&failure);
                Err(close(4500, "internal error"))
            }
            Err(failure) => {
                tracing::info!(reason = %failure, "token refused");
                Err(close(4403, "Forbidden"))
            }
        }
    }

    fn subscribe(&mut self, id: String, mut request: async_graphql::Request) -> Step {
        let Phase::Acknowledged { actor, .. } = &self.phase else {
            return close(4401, "Unauthorized");
        };
        if self.subscriptions.contains(&id) {
            return close(4409, &format!("Subscriber for {id} already exists"));
        }
        // A query or mutation would run with the connection's long-lived context, which reads
        // no case data: a write would commit and then fail to answer. Refused before it runs;
        // an operation that does not parse goes on to the engine, which reports why.
        if matches!(
            operation_type(&mut request),
            Some(OperationType::Query | OperationType::Mutation)
        ) {
            return error(
                &id,
                "BAD_REQUEST",
                "only subscriptions are served on /graphql/ws; send queries and mutations to POST /graphql",
            );
        }
        let most = self.state.settings.live.subscriptions_per_connection;
        if self.subscriptions.len() >= most {
            return error(
                &id,
                "BAD_REQUEST",
                &format!("at most {most} subscriptions at once on one connection"),
            );
        }
        if self.state.rate_limits.check_actor(actor).is_err() {
            return error(&id, "RATE_LIMITED", "too many requests");
        }
        self.subscriptions.insert(id.clone());
        self.forward(ClientMessage::Start {
            id,
            payload: request,
        })
    }

    /// Notes what the engine sent: a completed subscription no longer counts.
    fn sent(&mut self, text: &str) {
        #[derive(serde::Deserialize)]
        struct Completed {
            id: String,
        }
        // The engine writes `type` first; only completions need reading.
        if text.starts_with(r#"{"type":"complete""#)
            && let Ok(completed) = serde_json::from_str::<Completed>(text)
        {
            self.subscriptions.remove(&completed.id);
        }
    }
}

/// The protocol's `error` message: the operation is refused and ends, without `complete`.
fn error(id: &str, code: &str, message: &str) -> Step {
    Step::Reply(
        json!({
            "id": id,
            "type": "error",
            "payload": [{ "message": message, "extensions": { "code": code } }],
        })
        .to_string(),
    )
}

/// The type of the operation the request would run, chosen as async-graphql chooses it.
fn operation_type(request: &mut async_graphql::Request) -> Option<OperationType> {
    let name = request.operation_name.clone();
    crate::graphql::documents::operation_type(request.parsed_query().ok()?, name.as_deref())
}

/// Whether a read failed because the client's message was over the size limit.
fn too_large(error: &axum::Error) -> bool {
    use tokio_tungstenite::tungstenite;
    std::error::Error::source(error)
        .and_then(|source| source.downcast_ref::<tungstenite::Error>())
        .is_some_and(|error| matches!(error, tungstenite::Error::Capacity(_)))
}

/// The context of a live connection, for its verified actor.
fn connection_data(
    state: &AppState,
    trace_id: &TraceId,
    verified: Verified,
) -> async_graphql::Data {
    let actor = verified.actor;
    let processing_activity_id = state
        .settings
        .processing_activities
        .for_operation(Some("caseEvents"), &actor)
        .to_owned();
    let mut context = RequestContext::new(
        actor.clone(),
        state.store.clone(),
        state.authenticator.clone(),
        state.settings.limits.page_size,
        Ledger::new(OperationContext::internal(&processing_activity_id)),
    );
    context.live = true;
    let mut data = async_graphql::Data::default();
    data.insert(context);
    data.insert(LiveContext {
        actor,
        store: state.store.clone(),
        access_log: state.access_log.clone(),
        trace_id: trace_id.0.clone(),
        processing_activity_id,
    });
    data
}
