//! A small, untyped Chrome DevTools Protocol client over one websocket.
//!
//! The capture path talks to Chromium through this client rather than through
//! `headless_chrome`'s typed protocol: on Chromium 156 the typed structs drop events
//! whose shape drifted (`requestWillBeSentExtraInfo` among them, see
//! `docs/research/headless_chrome.md` §6.1), and its transport adds ~100 ms to every
//! call. Messages here are plain `serde_json::Value`s, sessions are flattened (every
//! message carries its `sessionId`), and one connection serves one scan, so the events
//! a scan receives are exactly those of the targets it attached.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::sync::{mpsc, oneshot};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

/// How long one protocol call may take before it is abandoned.
pub const DEFAULT_CALL_TIMEOUT: Duration = Duration::from_secs(15);

/// A failed protocol call or connection.
#[derive(Debug, thiserror::Error)]
pub enum CdpError {
    /// The websocket could not be opened.
    #[error("cannot connect to the browser's DevTools endpoint {url}: {reason}")]
    Connect { url: String, reason: String },
    /// The connection closed (the browser exited or crashed).
    #[error("the browser connection closed (did Chromium exit or crash?)")]
    Closed,
    /// Chromium answered the call with an error.
    #[error("{method} failed: {message}")]
    Protocol { method: String, message: String },
    /// No answer in time.
    #[error("{method} got no answer within {secs} s (browser hung or overloaded)")]
    Timeout { method: String, secs: u64 },
}

/// One protocol event, from the browser or from an attached session.
#[derive(Debug, Clone)]
pub struct CdpEvent {
    /// The flattened session the event belongs to; `None` for the browser target.
    pub session_id: Option<String>,
    /// Method name, e.g. `Network.requestWillBeSent`.
    pub method: String,
    /// The event's parameters.
    pub params: Value,
}

type Pending = Arc<Mutex<HashMap<u64, (String, oneshot::Sender<Result<Value, CdpError>>)>>>;

/// A cheap-to-clone handle on one DevTools websocket.
#[derive(Clone)]
pub struct Cdp {
    out: mpsc::UnboundedSender<Message>,
    pending: Pending,
    next_id: Arc<AtomicU64>,
    call_timeout: Duration,
}

impl std::fmt::Debug for Cdp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cdp").finish_non_exhaustive()
    }
}

impl Cdp {
    /// Opens the websocket at `ws_url` and starts its reader and writer tasks on the
    /// current tokio runtime. Events arrive on the returned receiver, in order.
    pub async fn connect(ws_url: &str) -> Result<(Cdp, mpsc::UnboundedReceiver<CdpEvent>), CdpError> {
        let mut config = WebSocketConfig::default();
        config.max_message_size = Some(512 << 20);
        config.max_frame_size = Some(512 << 20);
        let (ws, _) = tokio_tungstenite::connect_async_with_config(ws_url, Some(config), false)
            .await
            .map_err(|e| CdpError::Connect {
                url: ws_url.to_string(),
                reason: e.to_string(),
            })?;
        let (mut sink, mut stream) = ws.split();
        let (out_tx, mut out_rx) = mpsc::unbounded_channel::<Message>();
        let (ev_tx, ev_rx) = mpsc::unbounded_channel::<CdpEvent>();
        let pending: Pending = Arc::default();

        tokio::spawn(async move {
            while let Some(msg) = out_rx.recv().await {
                if sink.send(msg).await.is_err() {
                    break;
                }
            }
            let _ = sink.close().await;
        });

        let reader_pending = Arc::clone(&pending);
        tokio::spawn(async move {
            while let Some(msg) = stream.next().await {
                let text = match msg {
                    Ok(Message::Text(t)) => t.to_string(),
                    Ok(Message::Binary(b)) => String::from_utf8_lossy(&b).into_owned(),
                    Ok(Message::Close(_)) | Err(_) => break,
                    Ok(_) => continue,
                };
                let Ok(mut value) = serde_json::from_str::<Value>(&text) else {
                    log::debug!("unparsable DevTools message ignored: {:.200}", text);
                    continue;
                };
                if let Some(id) = value.get("id").and_then(Value::as_u64) {
                    let waiter = lock(&reader_pending).remove(&id);
                    if let Some((method, tx)) = waiter {
                        let result = match value.get("error") {
                            Some(err) => Err(CdpError::Protocol {
                                method,
                                message: err
                                    .get("message")
                                    .and_then(Value::as_str)
                                    .unwrap_or("unknown error")
                                    .to_string(),
                            }),
                            None => Ok(value.get_mut("result").map(Value::take).unwrap_or(Value::Null)),
                        };
                        let _ = tx.send(result);
                    }
                } else if let Some(method) = value.get("method").and_then(Value::as_str) {
                    let event = CdpEvent {
                        session_id: value.get("sessionId").and_then(Value::as_str).map(str::to_string),
                        method: method.to_string(),
                        params: value.get_mut("params").map(Value::take).unwrap_or(Value::Null),
                    };
                    if ev_tx.send(event).is_err() {
                        // Nobody listens any more; keep serving replies.
                    }
                }
            }
            for (_, (_, tx)) in lock(&reader_pending).drain() {
                let _ = tx.send(Err(CdpError::Closed));
            }
        });

        Ok((
            Cdp {
                out: out_tx,
                pending,
                next_id: Arc::new(AtomicU64::new(1)),
                call_timeout: DEFAULT_CALL_TIMEOUT,
            },
            ev_rx,
        ))
    }

    /// Calls `method` on the browser target (`session = None`) or on an attached session.
    pub async fn call(&self, session: Option<&str>, method: &str, params: Value) -> Result<Value, CdpError> {
        self.request(session, method, params)
            .wait(self.call_timeout)
            .await
    }

    /// [`Cdp::call`] with an explicit time limit.
    pub async fn call_with_timeout(
        &self,
        session: Option<&str>,
        method: &str,
        params: Value,
        limit: Duration,
    ) -> Result<Value, CdpError> {
        self.request(session, method, params).wait(limit).await
    }

    /// Sends a call now (calls reach Chromium in the order they are made) and returns
    /// a handle to await its answer.
    pub fn request(&self, session: Option<&str>, method: &str, params: Value) -> PendingCall {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        lock(&self.pending).insert(id, (method.to_string(), tx));
        let mut msg = json!({ "id": id, "method": method, "params": params });
        if let Some(s) = session {
            msg["sessionId"] = Value::String(s.to_string());
        }
        let sent = self.out.send(Message::Text(msg.to_string().into())).is_ok();
        if !sent {
            lock(&self.pending).remove(&id);
        }
        PendingCall {
            id,
            method: method.to_string(),
            rx: sent.then_some(rx),
            pending: Arc::clone(&self.pending),
        }
    }

    /// Sends a call whose answer nobody waits for (errors are logged at debug level).
    pub fn fire(&self, session: Option<&str>, method: &str, params: Value) {
        let call = self.request(session, method, params);
        let limit = self.call_timeout;
        tokio::spawn(async move {
            if let Err(e) = call.wait(limit).await {
                log::debug!("{e}");
            }
        });
    }

    /// Closes the websocket (pending calls fail with [`CdpError::Closed`]).
    pub fn close(&self) {
        let _ = self.out.send(Message::Close(None));
    }
}

/// A call on its way; [`PendingCall::wait`] gets its answer.
#[derive(Debug)]
pub struct PendingCall {
    id: u64,
    method: String,
    rx: Option<oneshot::Receiver<Result<Value, CdpError>>>,
    pending: Pending,
}

impl PendingCall {
    /// Waits at most `limit` for the answer.
    pub async fn wait(self, limit: Duration) -> Result<Value, CdpError> {
        let Some(rx) = self.rx else {
            return Err(CdpError::Closed);
        };
        match tokio::time::timeout(limit, rx).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(CdpError::Closed),
            Err(_) => {
                lock(&self.pending).remove(&self.id);
                Err(CdpError::Timeout {
                    method: self.method,
                    secs: limit.as_secs(),
                })
            }
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
