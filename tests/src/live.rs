//! A graphql-transport-ws client for the tests of `/graphql/ws`.

use std::net::SocketAddr;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

/// A subscription to a case's events, with the parts of the slice they carry.
pub const EVENTS: &str = r#"subscription Events($case: ID!) {
  caseEvents(caseId: $case) {
    kind case { reference step }
    item { __typename ... on Fact { text lifeDomain } ... on Agreement { what } }
  }
}"#;

/// How long a test waits for a message it expects.
pub const PATIENCE: Duration = Duration::from_secs(15);

pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A graphql-transport-ws client.
pub struct Live {
    pub socket: Socket,
    /// The server's close frame, once it closed the socket.
    pub closed: Option<(u16, String)>,
}

impl Live {
    /// Opens a socket without initialising the connection.
    pub async fn open(address: SocketAddr) -> Self {
        let mut request = format!("ws://{address}/graphql/ws")
            .into_client_request()
            .unwrap();
        request.headers_mut().insert(
            "sec-websocket-protocol",
            "graphql-transport-ws".parse().unwrap(),
        );
        let (socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
        Self {
            socket,
            closed: None,
        }
    }

    pub async fn init(&mut self, token: &str) {
        self.send(json!({
            "type": "connection_init",
            "payload": { "Authorization": format!("Bearer {token}") }
        }))
        .await;
    }

    /// Connects and initialises with `token`; `None` when the server does not acknowledge.
    pub async fn connect(address: SocketAddr, token: &str) -> Option<Self> {
        let mut live = Self::open(address).await;
        live.init(token).await;
        match live.next().await {
            Some(message) if message["type"] == "connection_ack" => Some(live),
            _ => None,
        }
    }

    /// Reads until the server closes the socket, failing on any other message; the close code
    /// and reason.
    pub async fn closing(&mut self) -> (u16, String) {
        if let Some(message) = self.next().await {
            panic!("expected the socket to close, got {message}");
        }
        self.closed.clone().expect("a close frame")
    }

    pub async fn send(&mut self, message: Value) {
        self.socket
            .send(Message::Text(message.to_string().into()))
            .await
            .unwrap();
    }

    /// The next protocol message; `None` when the connection closed.
    pub async fn next(&mut self) -> Option<Value> {
        loop {
            let message = tokio::time::timeout(PATIENCE, self.socket.next())
                .await
                .expect("the server answers in time")?;
            match message.ok()? {
                Message::Text(text) => {
                    let value: Value = serde_json::from_str(&text).unwrap();
                    if value["type"] == "ping" {
                        self.send(json!({ "type": "pong" })).await;
                        continue;
                    }
                    return Some(value);
                }
                Message::Close(frame) => {
                    self.closed = frame.map(|frame| (frame.code.into(), frame.reason.to_string()));
                    return None;
                }
                _ => continue,
            }
        }
    }

    pub async fn subscribe(&mut self, id: &str, case_id: &str) {
        self.send(json!({
            "id": id,
            "type": "subscribe",
            "payload": { "query": EVENTS, "variables": { "case": case_id } }
        }))
        .await;
    }

    /// The next event's payload for subscription `id`.
    pub async fn event(&mut self, id: &str) -> Value {
        let message = self.next().await.expect("an event");
        assert_eq!(message["id"], id, "{message}");
        assert_eq!(message["type"], "next", "{message}");
        message["payload"].clone()
    }
}
