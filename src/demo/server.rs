//! The loopback site server: a small HTTPS (or plain HTTP) server on 127.0.0.1
//! that answers every hostname through one routing function.
//!
//! It owns the run-time certificate (self-signed, generated with rcgen), the
//! accept loop and its connection tasks, the request log, and the response
//! model ([`Response`]) including the misbehaving answers a scanner must cope
//! with: delayed answers, bodies that never finish and requests that never get
//! an answer at all. `crumbs demo` and the integration tests use it to serve an
//! invented web to headless Chromium; [`SiteServer::resolver_rule`] and
//! [`SiteServer::spki_hash`] give the Chromium flags that make every hostname
//! reach this server and trust only its certificate.

use std::convert::Infallible;
use std::net::{Ipv4Addr, SocketAddr};
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use bytes::Bytes;
use http_body_util::{BodyExt as _, LengthLimitError, Limited};
use hyper::StatusCode;
use hyper::body::{Frame, Incoming, SizeHint};
use hyper::header::{HeaderName, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use rcgen::PublicKeyData as _;
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use thiserror::Error;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};
use tokio_rustls::TlsAcceptor;

/// Largest request body the server reads; larger bodies are answered with 413.
pub const MAX_REQUEST_BODY: usize = 1 << 20;

/// How long a client may take to finish the TLS handshake.
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Ports the project keeps free for other uses; the server never listens there.
const RESERVED_PORTS: std::ops::RangeInclusive<u16> = 8000..=8999;

/// How long the generated certificate is valid, counted from one day ago.
const CERT_VALIDITY: Duration = Duration::from_secs(30 * 24 * 60 * 60);

/// Why the site server could not start.
#[derive(Debug, Error)]
pub enum ServerError {
    /// `start_*` was called outside a tokio runtime.
    #[error(
        "the site server must be started from inside a tokio runtime (it spawns its accept loop \
         on the current runtime); call it from async code running on tokio"
    )]
    NoRuntime,
    /// Binding the loopback listener failed.
    #[error(
        "could not listen on 127.0.0.1 (ephemeral port): {0}; check that the loopback interface \
         is up and that this process may open sockets"
    )]
    Bind(#[source] std::io::Error),
    /// Every port the kernel offered was in the reserved 8000-8999 range.
    #[error(
        "the kernel kept handing out ports in the reserved range 8000-8999; widen \
         /proc/sys/net/ipv4/ip_local_port_range so ephemeral ports lie elsewhere"
    )]
    ReservedPort,
    /// The certificate could not be generated.
    #[error(
        "could not generate the self-signed certificate for [{hosts}]: {source}; every hostname \
         must be a plain DNS name (ASCII letters, digits, '-' and '.') or an IP address"
    )]
    Certificate {
        /// The subject alternative names that were asked for.
        hosts: String,
        /// What rcgen reported.
        #[source]
        source: rcgen::Error,
    },
    /// rustls refused the generated certificate or key.
    #[error("could not build the TLS server configuration from the generated certificate: {0}")]
    Tls(#[source] rustls::Error),
}

/// One request as the server received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// HTTP method, e.g. `GET` or `POST`.
    pub method: String,
    /// The Host header without its port, lowercased (empty when the client sent none).
    pub host: String,
    /// The path, without the query, exactly as sent (percent-encoding kept).
    pub path: String,
    /// The raw query string without the leading `?`.
    pub query: Option<String>,
    /// All request headers in the order received; names are lowercase.
    pub headers: Vec<(String, String)>,
    /// The request body (at most [`MAX_REQUEST_BODY`] bytes).
    pub body: Vec<u8>,
}

impl Request {
    /// A request with no headers and no body; `target` is a path with an optional
    /// `?query`. Handy for driving a [`Handler`] directly in tests.
    pub fn new(method: &str, host: &str, target: &str) -> Self {
        let (path, query) = match target.split_once('?') {
            Some((p, q)) => (p, Some(q.to_owned())),
            None => (target, None),
        };
        Request {
            method: method.to_ascii_uppercase(),
            host: host.to_ascii_lowercase(),
            path: if path.is_empty() { "/" } else { path }.to_owned(),
            query,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// Builder: add a request header.
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_ascii_lowercase(), value.to_owned()));
        self
    }

    /// Builder: set the request body.
    pub fn with_body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    /// The first header with this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The first query parameter with this name, percent-decoded.
    pub fn query_param(&self, name: &str) -> Option<String> {
        let query = self.query.as_deref()?;
        url::form_urlencoded::parse(query.as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }

    /// The path followed by `?query` when there is one.
    pub fn target(&self) -> String {
        match &self.query {
            Some(q) => format!("{}?{q}", self.path),
            None => self.path.clone(),
        }
    }

    /// The body as text (invalid UTF-8 replaced).
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// What the server sends after the status line and headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    /// A complete body (Content-Length is set from its size).
    Bytes(Vec<u8>),
    /// Send the status line and headers, then never finish the body (the
    /// connection stays open until the server shuts down).
    Never,
    /// Send nothing at all, not even the status line: the request never
    /// finishes (the connection stays open until the server shuts down).
    /// [`Response::hang`] builds this; status and headers are ignored.
    Hang,
}

/// The answer a [`Handler`] gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// HTTP status code; an invalid code is sent as 500.
    pub status: u16,
    /// Response headers in order; a name may repeat (e.g. several Set-Cookie).
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Body,
    /// Wait this long before answering.
    pub delay: Option<Duration>,
}

impl Response {
    fn typed(content_type: &str, body: Vec<u8>) -> Self {
        Response {
            status: 200,
            headers: vec![("Content-Type".to_owned(), content_type.to_owned())],
            body: Body::Bytes(body),
            delay: None,
        }
    }

    /// 200 `text/html; charset=utf-8`.
    pub fn html(s: impl Into<String>) -> Self {
        Self::typed("text/html; charset=utf-8", s.into().into_bytes())
    }

    /// 200 `application/javascript`.
    pub fn js(s: impl Into<String>) -> Self {
        Self::typed("application/javascript", s.into().into_bytes())
    }

    /// 200 `text/css`.
    pub fn css(s: impl Into<String>) -> Self {
        Self::typed("text/css", s.into().into_bytes())
    }

    /// 200 `application/json`.
    pub fn json(s: impl Into<String>) -> Self {
        Self::typed("application/json", s.into().into_bytes())
    }

    /// 200 `text/plain; charset=utf-8`.
    pub fn text(s: impl Into<String>) -> Self {
        Self::typed("text/plain; charset=utf-8", s.into().into_bytes())
    }

    /// 200 with the given content type and raw bytes.
    pub fn bytes(content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        Self::typed(content_type, body.into())
    }

    /// 200 `image/gif`: the classic 43-byte transparent 1x1 GIF89a.
    pub fn gif_1x1() -> Self {
        Self::typed("image/gif", GIF_1X1.to_vec())
    }

    /// 200 `image/png`: a valid opaque light-grey PNG of this size (0 counts as 1).
    /// Meant for small images: the pixels are stored uncompressed.
    pub fn png(width: u32, height: u32) -> Self {
        Self::png_rgba(width, height, [0xdd, 0xdd, 0xdd, 0xff])
    }

    /// 200 `image/png`: a valid PNG of this size filled with one RGBA colour.
    pub fn png_rgba(width: u32, height: u32, rgba: [u8; 4]) -> Self {
        Self::typed("image/png", build_png(width, height, rgba))
    }

    /// This status with an empty body and no headers.
    pub fn empty(status: u16) -> Self {
        Response {
            status,
            headers: Vec::new(),
            body: Body::Bytes(Vec::new()),
            delay: None,
        }
    }

    /// A redirect (301, 302, 303, 307 or 308) to `location`, with an empty body.
    pub fn redirect(status: u16, location: &str) -> Self {
        Self::empty(status).header("Location", location)
    }

    /// 404 with a short plain-text body.
    pub fn not_found() -> Self {
        Self::text("404 Not Found\n").status(404)
    }

    /// Never answer: not even the status line is sent.
    pub fn hang() -> Self {
        Response {
            status: 200,
            headers: Vec::new(),
            body: Body::Hang,
            delay: None,
        }
    }

    /// 200 and headers, then a (chunked) body that never completes.
    pub fn never_ending() -> Self {
        Response {
            status: 200,
            headers: vec![("Content-Type".to_owned(), "text/plain".to_owned())],
            body: Body::Never,
            delay: None,
        }
    }

    /// Builder: add a header; call repeatedly for several headers of one name.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Builder: wait this long before answering.
    pub fn delay(mut self, d: Duration) -> Self {
        self.delay = Some(d);
        self
    }

    /// Builder: change the status code.
    pub fn status(mut self, status: u16) -> Self {
        self.status = status;
        self
    }

    /// The first header with this name (case-insensitive).
    pub fn header_value(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every header with this name (case-insensitive), in order.
    pub fn header_values(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The body bytes (empty for [`Body::Never`] and [`Body::Hang`]).
    pub fn body_bytes(&self) -> &[u8] {
        match &self.body {
            Body::Bytes(b) => b,
            Body::Never | Body::Hang => &[],
        }
    }
}

/// The routing function: called synchronously for every request.
pub type Handler = Arc<dyn Fn(&Request) -> Response + Send + Sync>;

/// A transparent 1x1 GIF89a (43 bytes).
const GIF_1X1: [u8; 43] = [
    b'G', b'I', b'F', b'8', b'9', b'a', // signature
    0x01, 0x00, 0x01, 0x00, // width 1, height 1
    0x80, 0x00, 0x00, // global colour table of 2 entries
    0x00, 0x00, 0x00, 0xff, 0xff, 0xff, // black, white
    0x21, 0xf9, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00, // graphic control: index 0 transparent
    0x2c, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, // image descriptor
    0x02, 0x02, 0x44, 0x01, 0x00, // LZW: clear, 0, end
    0x3b, // trailer
];

fn crc32(parts: &[&[u8]]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for part in parts {
        for &byte in *part {
            crc ^= u32::from(byte);
            for _ in 0..8 {
                let mask = (crc & 1).wrapping_neg();
                crc = (crc >> 1) ^ (0xedb8_8320 & mask);
            }
        }
    }
    !crc
}

fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for chunk in data.chunks(5552) {
        for &byte in chunk {
            a += u32::from(byte);
            b += a;
        }
        a %= 65521;
        b %= 65521;
    }
    (b << 16) | a
}

/// zlib stream made of uncompressed ("stored") deflate blocks.
fn zlib_stored(data: &[u8]) -> Vec<u8> {
    const MAX_BLOCK: usize = 0xffff;
    let mut out = Vec::with_capacity(data.len() + data.len() / MAX_BLOCK * 5 + 16);
    out.extend_from_slice(&[0x78, 0x01]);
    if data.is_empty() {
        out.extend_from_slice(&[0x01, 0x00, 0x00, 0xff, 0xff]);
    }
    let blocks = data.len().div_ceil(MAX_BLOCK);
    for (i, block) in data.chunks(MAX_BLOCK).enumerate() {
        out.push(u8::from(i + 1 == blocks));
        // A block is at most 0xffff bytes, so the length fits in u16.
        let len = u16::try_from(block.len()).unwrap_or(u16::MAX);
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(block);
    }
    out.extend_from_slice(&adler32(data).to_be_bytes());
    out
}

fn push_png_chunk(png: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    let len = u32::try_from(data.len()).unwrap_or(u32::MAX);
    png.extend_from_slice(&len.to_be_bytes());
    png.extend_from_slice(kind);
    png.extend_from_slice(data);
    png.extend_from_slice(&crc32(&[kind, data]).to_be_bytes());
}

fn build_png(width: u32, height: u32, rgba: [u8; 4]) -> Vec<u8> {
    let (w, h) = (width.max(1), height.max(1));
    let mut row = Vec::with_capacity(1 + 4 * w as usize);
    row.push(0); // filter type: none
    for _ in 0..w {
        row.extend_from_slice(&rgba);
    }
    let mut raw = Vec::with_capacity(row.len() * h as usize);
    for _ in 0..h {
        raw.extend_from_slice(&row);
    }
    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]); // 8-bit RGBA, deflate, no filter, no interlace
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    push_png_chunk(&mut png, b"IHDR", &ihdr);
    push_png_chunk(&mut png, b"IDAT", &zlib_stored(&raw));
    push_png_chunk(&mut png, b"IEND", &[]);
    png
}

/// The certificate and what Chromium needs to trust it.
struct TlsMaterial {
    acceptor: TlsAcceptor,
    cert_pem: String,
    spki_hash: String,
}

fn make_tls(hostnames: &[&str]) -> Result<TlsMaterial, ServerError> {
    let mut names: Vec<String> = hostnames
        .iter()
        .map(|h| h.trim().trim_end_matches('.').to_ascii_lowercase())
        .filter(|h| !h.is_empty())
        .collect();
    for extra in ["localhost", "127.0.0.1"] {
        if !names.iter().any(|n| n == extra) {
            names.push(extra.to_owned());
        }
    }
    let cert_error = |source| ServerError::Certificate {
        hosts: names.join(", "),
        source,
    };
    let mut params = rcgen::CertificateParams::new(names.clone()).map_err(cert_error)?;
    let mut dn = rcgen::DistinguishedName::new();
    dn.push(rcgen::DnType::CommonName, "crumbs loopback site server");
    params.distinguished_name = dn;
    let since_epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO);
    let now = rcgen::date_time_ymd(1970, 1, 1) + since_epoch;
    params.not_before = now - Duration::from_secs(24 * 60 * 60);
    params.not_after = now + CERT_VALIDITY;
    let key = rcgen::KeyPair::generate().map_err(cert_error)?;
    let cert = params.self_signed(&key).map_err(cert_error)?;

    let spki = key.subject_public_key_info();
    let digest = ring::digest::digest(&ring::digest::SHA256, &spki);
    let spki_hash = base64::engine::general_purpose::STANDARD.encode(digest.as_ref());

    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(ServerError::Tls)?
        .with_no_client_auth()
        .with_single_cert(
            vec![cert.der().clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        )
        .map_err(ServerError::Tls)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsMaterial {
        acceptor: TlsAcceptor::from(Arc::new(config)),
        cert_pem: cert.pem(),
        spki_hash,
    })
}

/// State shared by the accept loop, the connections and the [`SiteServer`].
struct Shared {
    handler: Handler,
    log: Mutex<Vec<Request>>,
}

impl Shared {
    fn log(&self) -> MutexGuard<'_, Vec<Request>> {
        // A panic while the lock was held cannot leave the Vec half-written.
        self.log.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A running loopback site server. Dropping it shuts it down.
pub struct SiteServer {
    addr: SocketAddr,
    cert_pem: Option<String>,
    spki_hash: Option<String>,
    shared: Arc<Shared>,
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for SiteServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SiteServer")
            .field("addr", &self.addr)
            .field("https", &self.cert_pem.is_some())
            .field("spki_hash", &self.spki_hash)
            .finish_non_exhaustive()
    }
}

impl SiteServer {
    /// HTTPS on 127.0.0.1 with an ephemeral port (bind port 0), certificate
    /// generated at run time with rcgen: self-signed, SANs = the given
    /// hostnames plus `localhost` and IP 127.0.0.1. HTTP/1.1 only (ALPN
    /// `http/1.1`). Must be called inside a tokio runtime.
    pub async fn start_https(hostnames: &[&str], handler: Handler) -> Result<SiteServer, ServerError> {
        ensure_runtime()?;
        let tls = make_tls(hostnames)?;
        let listener = bind_loopback().await?;
        Self::launch(
            listener,
            Some(tls.acceptor),
            Some(tls.cert_pem),
            Some(tls.spki_hash),
            handler,
        )
    }

    /// Plain HTTP on 127.0.0.1 with an ephemeral port, same routing.
    /// Must be called inside a tokio runtime.
    pub async fn start_http(handler: Handler) -> Result<SiteServer, ServerError> {
        ensure_runtime()?;
        let listener = bind_loopback().await?;
        Self::launch(listener, None, None, None, handler)
    }

    fn launch(
        listener: TcpListener,
        acceptor: Option<TlsAcceptor>,
        cert_pem: Option<String>,
        spki_hash: Option<String>,
        handler: Handler,
    ) -> Result<SiteServer, ServerError> {
        let addr = listener.local_addr().map_err(ServerError::Bind)?;
        let shared = Arc::new(Shared {
            handler,
            log: Mutex::new(Vec::new()),
        });
        let (stop, stop_rx) = watch::channel(false);
        let task = tokio::spawn(accept_loop(listener, acceptor, Arc::clone(&shared), stop_rx));
        log::debug!(
            "site server listening on {addr} ({})",
            if cert_pem.is_some() { "https" } else { "http" }
        );
        Ok(SiteServer {
            addr,
            cert_pem,
            spki_hash,
            shared,
            stop,
            task: Some(task),
        })
    }

    /// The port the server listens on (on 127.0.0.1).
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// The full listening address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `MAP * 127.0.0.1:PORT`: value for Chromium's `--host-resolver-rules`
    /// so every hostname reaches this server.
    pub fn resolver_rule(&self) -> String {
        format!("MAP * 127.0.0.1:{}", self.port())
    }

    /// base64(SHA-256(SubjectPublicKeyInfo DER)) of the certificate, for
    /// Chromium's `--ignore-certificate-errors-spki-list`. `None` for HTTP.
    pub fn spki_hash(&self) -> Option<String> {
        self.spki_hash.clone()
    }

    /// The generated certificate in PEM form. `None` for HTTP.
    pub fn cert_pem(&self) -> Option<String> {
        self.cert_pem.clone()
    }

    /// Every request received so far, in arrival order (logged once the body
    /// is read, before the handler's delay).
    pub fn requests(&self) -> Vec<Request> {
        self.shared.log().clone()
    }

    /// Forget the requests logged so far.
    pub fn clear_requests(&self) {
        self.shared.log().clear();
    }

    /// Wait until a logged request matches `pred` (checking every 20 ms), or
    /// give up after `timeout`. Returns the first match.
    pub async fn wait_for_request(
        &self,
        pred: impl Fn(&Request) -> bool,
        timeout: Duration,
    ) -> Option<Request> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(found) = self.shared.log().iter().find(|r| pred(r)) {
                return Some(found.clone());
            }
            if Instant::now() >= deadline {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Stop accepting, close every open connection (including never-ending
    /// ones) and wait until that is done. Dropping the server does the same
    /// without waiting.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take()
            && let Err(e) = task.await
            && !e.is_cancelled()
        {
            log::warn!("site server accept loop ended abnormally: {e}");
        }
    }
}

impl Drop for SiteServer {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            let _ = self.stop.send(true);
            // Aborting the accept loop drops its JoinSet, which aborts every
            // connection task and so closes their sockets.
            task.abort();
        }
    }
}

fn ensure_runtime() -> Result<(), ServerError> {
    tokio::runtime::Handle::try_current()
        .map(|_| ())
        .map_err(|_| ServerError::NoRuntime)
}

/// Bind 127.0.0.1 on an ephemeral port outside the reserved range.
async fn bind_loopback() -> Result<TcpListener, ServerError> {
    let mut rejected = Vec::new(); // keep them bound so the kernel offers another port
    for _ in 0..16 {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .map_err(ServerError::Bind)?;
        let port = listener.local_addr().map_err(ServerError::Bind)?.port();
        if !RESERVED_PORTS.contains(&port) {
            return Ok(listener);
        }
        rejected.push(listener);
    }
    Err(ServerError::ReservedPort)
}

async fn accept_loop(
    listener: TcpListener,
    acceptor: Option<TlsAcceptor>,
    shared: Arc<Shared>,
    mut stop: watch::Receiver<bool>,
) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    log::trace!("site server: connection from {peer}");
                    connections.spawn(serve_connection(stream, acceptor.clone(), Arc::clone(&shared)));
                }
                Err(e) => {
                    // E.g. too many open files: back off instead of spinning.
                    log::warn!("site server: accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            Some(done) = connections.join_next(), if !connections.is_empty() => {
                if let Err(e) = done
                    && e.is_panic()
                {
                    log::warn!("site server: a connection task panicked: {e}");
                }
            }
        }
    }
    drop(listener);
    connections.shutdown().await;
}

async fn serve_connection(stream: TcpStream, acceptor: Option<TlsAcceptor>, shared: Arc<Shared>) {
    let _ = stream.set_nodelay(true);
    match acceptor {
        None => serve_http(stream, shared).await,
        Some(acceptor) => match tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
            Ok(Ok(tls)) => serve_http(tls, shared).await,
            Ok(Err(e)) => log::debug!("site server: TLS handshake failed: {e}"),
            Err(_) => log::debug!("site server: TLS handshake timed out"),
        },
    }
}

async fn serve_http<I>(io: I, shared: Arc<Shared>)
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = service_fn(move |req| {
        let shared = Arc::clone(&shared);
        async move { Ok::<_, Infallible>(answer(req, &shared).await) }
    });
    if let Err(e) = http1::Builder::new()
        .serve_connection(TokioIo::new(io), service)
        .await
    {
        log::debug!("site server: connection ended with an error: {e}");
    }
}

/// Host header without port, lowercased.
fn host_without_port(raw: &str) -> String {
    let raw = raw.trim();
    let host = if let Some(rest) = raw.strip_prefix('[') {
        // [v6]:port
        match rest.split_once(']') {
            Some((v6, _)) => return format!("[{}]", v6.to_ascii_lowercase()),
            None => raw,
        }
    } else {
        match raw.rsplit_once(':') {
            Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => h,
            _ => raw,
        }
    };
    host.trim_end_matches('.').to_ascii_lowercase()
}

async fn answer(req: hyper::Request<Incoming>, shared: &Shared) -> hyper::Response<OutBody> {
    let (parts, body) = req.into_parts();
    let host = parts
        .headers
        .get(hyper::header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(host_without_port)
        .or_else(|| parts.uri.host().map(host_without_port))
        .unwrap_or_default();
    let mut request = Request {
        method: parts.method.as_str().to_owned(),
        host,
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().map(str::to_owned),
        headers: parts
            .headers
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body: Vec::new(),
    };
    let body_problem = match Limited::new(body, MAX_REQUEST_BODY).collect().await {
        Ok(collected) => {
            request.body = collected.to_bytes().to_vec();
            None
        }
        Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => Some(413),
        Err(e) => {
            log::debug!("site server: could not read the request body: {e}");
            Some(400)
        }
    };
    shared.log().push(request.clone());
    if let Some(status) = body_problem {
        return to_hyper(Response::empty(status));
    }

    let handler = Arc::clone(&shared.handler);
    let response = match std::panic::catch_unwind(AssertUnwindSafe(|| handler(&request))) {
        Ok(response) => response,
        Err(_) => {
            log::error!(
                "site server: the handler panicked on {} {}{}",
                request.method,
                request.host,
                request.target()
            );
            Response::text("500 handler panicked\n").status(500)
        }
    };
    if let Some(delay) = response.delay {
        tokio::time::sleep(delay).await;
    }
    if matches!(response.body, Body::Hang) {
        // Closed only when the server shuts down or the client goes away.
        return std::future::pending().await;
    }
    to_hyper(response)
}

fn to_hyper(response: Response) -> hyper::Response<OutBody> {
    let body = match response.body {
        Body::Bytes(b) if b.is_empty() => OutBody::Full(None),
        Body::Bytes(b) => OutBody::Full(Some(Bytes::from(b))),
        Body::Never | Body::Hang => OutBody::Never,
    };
    let mut out = hyper::Response::new(body);
    *out.status_mut() = StatusCode::from_u16(response.status).unwrap_or_else(|_| {
        log::warn!(
            "site server: invalid status {} from the handler, sending 500",
            response.status
        );
        StatusCode::INTERNAL_SERVER_ERROR
    });
    for (name, value) in &response.headers {
        match (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            (Ok(n), Ok(v)) => {
                out.headers_mut().append(n, v);
            }
            _ => log::warn!("site server: skipping invalid response header {name:?}: {value:?}"),
        }
    }
    out
}

/// The body type handed to hyper.
enum OutBody {
    /// The whole body, taken on the first poll; `None` once sent (or empty).
    Full(Option<Bytes>),
    /// Never yields a frame and never ends.
    Never,
}

impl hyper::body::Body for OutBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        match self.get_mut() {
            OutBody::Full(data) => Poll::Ready(data.take().map(|b| Ok(Frame::data(b)))),
            // Never woken on purpose: the connection is closed on shutdown.
            OutBody::Never => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        matches!(self, OutBody::Full(None))
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            OutBody::Full(Some(b)) => SizeHint::with_exact(b.len() as u64),
            OutBody::Full(None) => SizeHint::with_exact(0),
            OutBody::Never => SizeHint::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::test_client::{Fetched, fetch, read_head_only};

    fn test_handler() -> Handler {
        Arc::new(|req: &Request| match (req.host.as_str(), req.path.as_str()) {
            ("a.test", "/") => Response::html("<p>site a</p>"),
            ("b.test", "/") => Response::html("<p>site b</p>"),
            ("a.test", "/cookies") => Response::text("ok")
                .header("Set-Cookie", "one=1; Path=/")
                .header("Set-Cookie", "two=2; Secure; SameSite=None")
                .header("Set-Cookie", "three=3; Max-Age=60"),
            ("a.test", "/go") => Response::redirect(302, "https://b.test/"),
            ("a.test", "/pixel.gif") => Response::gif_1x1(),
            ("a.test", "/img.png") => Response::png(2, 2),
            ("a.test", "/hang") => Response::hang(),
            ("a.test", "/forever") => Response::never_ending(),
            ("a.test", "/slow") => Response::text("slow").delay(Duration::from_millis(300)),
            ("a.test", "/beacon") => Response::empty(204),
            _ => Response::not_found(),
        })
    }

    async fn https() -> SiteServer {
        match SiteServer::start_https(&["a.test", "b.test"], test_handler()).await {
            Ok(s) => s,
            Err(e) => panic!("server did not start: {e}"),
        }
    }

    async fn get(server: &SiteServer, host: &str, target: &str) -> Fetched {
        fetch(server, host, "GET", target, &[], b"").await
    }

    #[tokio::test]
    async fn routes_on_host_header() {
        let server = https().await;
        let a = get(&server, "a.test", "/").await;
        let b = get(&server, "b.test", "/").await;
        assert_eq!(a.status, 200);
        assert_eq!(a.text(), "<p>site a</p>");
        assert_eq!(a.header("content-type"), Some("text/html; charset=utf-8"));
        assert_eq!(b.text(), "<p>site b</p>");
        assert_eq!(get(&server, "a.test", "/nope").await.status, 404);
        // The certificate also covers localhost.
        assert_eq!(get(&server, "localhost", "/").await.status, 404);
        server.shutdown().await;
    }

    #[tokio::test]
    async fn several_set_cookie_headers_arrive_separately() {
        let server = https().await;
        let r = get(&server, "a.test", "/cookies").await;
        assert_eq!(
            r.headers_named("set-cookie"),
            vec![
                "one=1; Path=/",
                "two=2; Secure; SameSite=None",
                "three=3; Max-Age=60"
            ]
        );
    }

    #[tokio::test]
    async fn redirect_and_no_content() {
        let server = https().await;
        let r = get(&server, "a.test", "/go").await;
        assert_eq!(r.status, 302);
        assert_eq!(r.header("location"), Some("https://b.test/"));
        assert!(r.body.is_empty());
        let r = get(&server, "a.test", "/beacon").await;
        assert_eq!(r.status, 204);
        assert!(r.body.is_empty());
    }

    #[tokio::test]
    async fn gif_is_a_valid_1x1_gif89a() {
        let server = https().await;
        let r = get(&server, "a.test", "/pixel.gif").await;
        assert_eq!(r.status, 200);
        assert_eq!(r.header("content-type"), Some("image/gif"));
        assert_eq!(r.header("content-length"), Some("43"));
        let gif = &r.body;
        assert_eq!(gif.len(), 43);
        assert!(gif.starts_with(b"GIF89a"));
        assert_eq!(u16::from_le_bytes([gif[6], gif[7]]), 1, "width");
        assert_eq!(u16::from_le_bytes([gif[8], gif[9]]), 1, "height");
        assert_eq!(gif[42], 0x3b, "trailer");
    }

    /// Inflate a zlib stream made only of stored blocks, checking the Adler-32.
    fn inflate_stored(z: &[u8]) -> Vec<u8> {
        assert_eq!(z[0] & 0x0f, 8, "deflate");
        assert_eq!((u16::from(z[0]) << 8 | u16::from(z[1])) % 31, 0, "FCHECK");
        let mut pos = 2;
        let mut out = Vec::new();
        loop {
            let header = z[pos];
            assert_eq!(header & 0b110, 0, "stored block");
            let len = u16::from_le_bytes([z[pos + 1], z[pos + 2]]);
            let nlen = u16::from_le_bytes([z[pos + 3], z[pos + 4]]);
            assert_eq!(len, !nlen);
            pos += 5;
            out.extend_from_slice(&z[pos..pos + len as usize]);
            pos += len as usize;
            if header & 1 == 1 {
                break;
            }
        }
        let adler = u32::from_be_bytes([z[pos], z[pos + 1], z[pos + 2], z[pos + 3]]);
        assert_eq!(adler, adler32(&out));
        assert_eq!(pos + 4, z.len());
        out
    }

    fn check_png(png: &[u8], width: u32, height: u32) {
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
        let mut pos = 8;
        let mut idat = Vec::new();
        let mut kinds = Vec::new();
        while pos < png.len() {
            let len = u32::from_be_bytes(png[pos..pos + 4].try_into().unwrap()) as usize;
            let kind = &png[pos + 4..pos + 8];
            let data = &png[pos + 8..pos + 8 + len];
            let crc = u32::from_be_bytes(png[pos + 8 + len..pos + 12 + len].try_into().unwrap());
            assert_eq!(crc, crc32(&[kind, data]), "crc of {:?}", kind);
            if kind == b"IHDR" {
                assert_eq!(len, 13);
                assert_eq!(u32::from_be_bytes(data[0..4].try_into().unwrap()), width);
                assert_eq!(u32::from_be_bytes(data[4..8].try_into().unwrap()), height);
                assert_eq!(&data[8..13], &[8, 6, 0, 0, 0]);
            }
            if kind == b"IDAT" {
                idat.extend_from_slice(data);
            }
            kinds.push(String::from_utf8_lossy(kind).into_owned());
            pos += 12 + len;
        }
        assert_eq!(kinds, ["IHDR", "IDAT", "IEND"]);
        let raw = inflate_stored(&idat);
        assert_eq!(raw.len(), (height * (1 + 4 * width)) as usize);
    }

    #[tokio::test]
    async fn png_has_a_correct_ihdr_and_data() {
        let server = https().await;
        let r = get(&server, "a.test", "/img.png").await;
        assert_eq!(r.header("content-type"), Some("image/png"));
        check_png(&r.body, 2, 2);
        // Larger images span several stored blocks.
        check_png(Response::png(300, 100).body_bytes(), 300, 100);
        check_png(Response::png(0, 0).body_bytes(), 1, 1);
    }

    #[test]
    fn crc32_matches_the_standard_check_value() {
        assert_eq!(crc32(&[b"123456789"]), 0xcbf4_3926);
        assert_eq!(adler32(b"Wikipedia"), 0x11e6_0398);
    }

    #[tokio::test]
    async fn request_log_records_method_host_path_query_body() {
        let server = https().await;
        let r = fetch(
            &server,
            "A.TEST:443",
            "POST",
            "/beacon?tid=T-1&ev=page%20view",
            &[("Content-Type", "text/plain;charset=UTF-8")],
            b"{\"hello\":1}",
        )
        .await;
        assert_eq!(r.status, 204);
        let log = server.requests();
        assert_eq!(log.len(), 1);
        let req = &log[0];
        assert_eq!(req.method, "POST");
        assert_eq!(req.host, "a.test");
        assert_eq!(req.path, "/beacon");
        assert_eq!(req.query.as_deref(), Some("tid=T-1&ev=page%20view"));
        assert_eq!(req.query_param("ev").as_deref(), Some("page view"));
        assert_eq!(req.query_param("missing"), None);
        assert_eq!(req.body, b"{\"hello\":1}");
        assert_eq!(req.header("CONTENT-TYPE"), Some("text/plain;charset=UTF-8"));
        server.clear_requests();
        assert!(server.requests().is_empty());
    }

    #[tokio::test]
    async fn hanging_and_never_ending_requests_do_not_block_others() {
        let server = https().await;
        let port = server.port();
        let pem = server.cert_pem().unwrap();
        let hang = tokio::spawn({
            let pem = pem.clone();
            async move { read_head_only(port, &pem, "a.test", "/hang").await }
        });
        let forever = tokio::spawn(async move { read_head_only(port, &pem, "a.test", "/forever").await });
        server
            .wait_for_request(|r| r.path == "/hang", Duration::from_secs(5))
            .await
            .expect("the hanging request was logged");
        // Other requests are answered meanwhile (and a delayed one too).
        let start = Instant::now();
        let slow = get(&server, "a.test", "/slow").await;
        assert_eq!(slow.text(), "slow");
        assert!(start.elapsed() >= Duration::from_millis(300));
        assert_eq!(get(&server, "b.test", "/").await.status, 200);
        // The never-ending body: head arrives, body does not.
        server
            .wait_for_request(|r| r.path == "/forever", Duration::from_secs(5))
            .await
            .expect("the never-ending request was logged");
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert!(!hang.is_finished(), "hang() must not answer");
        server.shutdown().await;
        // Shutdown closes both connections.
        let hang_head = tokio::time::timeout(Duration::from_secs(5), hang)
            .await
            .expect("hanging connection closed by shutdown")
            .unwrap();
        assert!(hang_head.is_empty(), "hang() sent {hang_head:?}");
        let forever_head = tokio::time::timeout(Duration::from_secs(5), forever)
            .await
            .expect("never-ending connection closed by shutdown")
            .unwrap();
        assert!(forever_head.starts_with("HTTP/1.1 200 OK\r\n"), "{forever_head}");
        assert!(
            forever_head.contains("transfer-encoding: chunked"),
            "{forever_head}"
        );
    }

    #[tokio::test]
    async fn dropping_the_server_closes_never_ending_connections() {
        let server = https().await;
        let (port, pem) = (server.port(), server.cert_pem().unwrap());
        let forever = tokio::spawn(async move { read_head_only(port, &pem, "a.test", "/forever").await });
        server
            .wait_for_request(|r| r.path == "/forever", Duration::from_secs(5))
            .await
            .expect("the never-ending request was logged");
        let addr = server.addr();
        drop(server);
        let head = tokio::time::timeout(Duration::from_secs(5), forever)
            .await
            .expect("connection closed after drop")
            .unwrap();
        assert!(head.starts_with("HTTP/1.1 200 OK"), "{head}");
        // The listener is gone too.
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(TcpStream::connect(addr).await.is_err());
    }

    #[tokio::test]
    async fn bad_clients_do_not_stop_the_server() {
        use tokio::io::AsyncWriteExt as _;
        let server = https().await;
        // Not TLS at all.
        let mut raw = TcpStream::connect(server.addr()).await.unwrap();
        raw.write_all(b"GET / HTTP/1.1\r\nHost: a.test\r\n\r\n")
            .await
            .unwrap();
        drop(raw);
        // Connect and vanish.
        drop(TcpStream::connect(server.addr()).await.unwrap());
        assert_eq!(get(&server, "a.test", "/").await.status, 200);
    }

    #[tokio::test]
    async fn spki_hash_is_base64_sha256() {
        let server = https().await;
        let hash = server.spki_hash().unwrap();
        assert_eq!(hash.len(), 44);
        let raw = base64::engine::general_purpose::STANDARD.decode(&hash).unwrap();
        assert_eq!(raw.len(), 32);
        assert_eq!(
            server.resolver_rule(),
            format!("MAP * 127.0.0.1:{}", server.port())
        );
        assert!(!RESERVED_PORTS.contains(&server.port()));
        assert!(
            server
                .cert_pem()
                .unwrap()
                .starts_with("-----BEGIN CERTIFICATE-----")
        );
    }

    #[tokio::test]
    async fn plain_http_serves_the_same_routing() {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        let server = SiteServer::start_http(test_handler()).await.unwrap();
        assert_eq!(server.spki_hash(), None);
        assert_eq!(server.cert_pem(), None);
        let mut s = TcpStream::connect(server.addr()).await.unwrap();
        s.write_all(b"GET / HTTP/1.1\r\nHost: b.test:1234\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        let mut out = Vec::new();
        s.read_to_end(&mut out).await.unwrap();
        let text = String::from_utf8_lossy(&out);
        assert!(text.starts_with("HTTP/1.1 200 OK"), "{text}");
        assert!(text.ends_with("<p>site b</p>"), "{text}");
        assert_eq!(server.requests()[0].host, "b.test");
    }

    #[test]
    fn start_outside_a_runtime_is_an_error() {
        assert!(matches!(ensure_runtime(), Err(ServerError::NoRuntime)));
    }

    #[test]
    fn host_header_parsing() {
        assert_eq!(host_without_port("WWW.Example:8443"), "www.example");
        assert_eq!(host_without_port("example."), "example");
        assert_eq!(host_without_port("[::1]:443"), "[::1]");
        assert_eq!(host_without_port("a.test"), "a.test");
        let r = Request::new("get", "A.Test", "/x?y=1&z=%2F");
        assert_eq!(
            (r.method.as_str(), r.host.as_str(), r.path.as_str()),
            ("GET", "a.test", "/x")
        );
        assert_eq!(r.query_param("z").as_deref(), Some("/"));
        assert_eq!(r.target(), "/x?y=1&z=%2F");
    }
}
