//! Syslog sinks: RFC 5424 messages carrying CEF, one per datagram over UDP (RFC 5426),
//! or octet-counted over TCP (RFC 6587) and TLS (RFC 5425) through the spool.

use std::mem::MaybeUninit;
use std::net::{ToSocketAddrs, UdpSocket};
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::ServerName;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use warden_violations::Alert;

use crate::config::{Protocol, SyslogConfig};
use crate::durable::{Encoder, Failure, Record, Transport};
use crate::rfc5424::{self, Header};
use crate::{Sink, WriteError, tls};

/// The largest UDP payload; longer messages are cut (at a character boundary).
const MAX_DATAGRAM: usize = 65_507;

/// The UDP sink.
pub(crate) fn udp(config: &SyslogConfig) -> Result<impl Sink, String> {
    check(config)?;
    Ok(Udp {
        address: config.address.clone(),
        header: header(config),
        socket: None,
    })
}

/// The TCP or TLS transport, and the encoder that turns a batch into one run of frames.
pub(crate) fn stream(config: &SyslogConfig) -> Result<(Stream, Encoder), String> {
    let host = check(config)?;
    let tls = match (config.protocol, &config.tls) {
        (Protocol::Tls, settings) => {
            let settings = settings.clone().unwrap_or_default();
            let client = tls::client_config(&settings)?;
            Some((
                TlsConnector::from(Arc::new(client)),
                tls::server_name(&settings, host)?,
            ))
        }
        (_, Some(_)) => return Err("tls settings need protocol: tls".to_owned()),
        (_, None) => None,
    };
    let header = header(config);
    let encoder: Encoder = Box::new(move |alerts: &[Arc<Alert>]| {
        let mut frames = Vec::new();
        for alert in alerts {
            frames.extend_from_slice(&rfc5424::octet_counted(&rfc5424::message(alert, &header)));
        }
        let record = Record {
            id: alerts.first().map(|a| a.id.clone()).unwrap_or_default(),
            alerts: alerts.len() as u64,
            len: frames.len() as u64,
        };
        vec![(record, frames)]
    });
    let transport = Stream {
        address: config.address.clone(),
        tls,
        timeout: config.timeout,
        connection: None,
    };
    Ok((transport, encoder))
}

/// Checks what can be checked before the first alert; returns the address's host.
fn check(config: &SyslogConfig) -> Result<&str, String> {
    if !rfc5424::valid_app_name(&config.app_name) {
        return Err(format!(
            "app_name {:?}: expected 1 to 48 printable ASCII characters without spaces",
            config.app_name
        ));
    }
    let (host, port) = config
        .address
        .rsplit_once(':')
        .ok_or_else(|| format!("address {:?}: expected host:port", config.address))?;
    port.parse::<u16>()
        .map_err(|_| format!("address {:?}: invalid port {port:?}", config.address))?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.is_empty() {
        return Err(format!("address {:?}: no host", config.address));
    }
    Ok(host)
}

fn header(config: &SyslogConfig) -> Header {
    Header {
        facility: config.facility,
        app_name: config.app_name.clone(),
        proc_id: std::process::id(),
    }
}

struct Udp {
    address: String,
    header: Header,
    socket: Option<UdpSocket>,
}

impl Udp {
    fn send(&mut self, message: &[u8]) -> std::io::Result<()> {
        let socket = match &self.socket {
            Some(socket) => socket,
            None => {
                // Resolved on every reconnection: the receiver's address may change.
                let target = self
                    .address
                    .to_socket_addrs()?
                    .next()
                    .ok_or_else(|| std::io::Error::other("the address resolves to nothing"))?;
                let local = if target.is_ipv4() {
                    "0.0.0.0:0"
                } else {
                    "[::]:0"
                };
                let socket = UdpSocket::bind(local)?;
                socket.connect(target)?;
                self.socket.insert(socket)
            }
        };
        socket.send(message).map(drop)
    }
}

impl Sink for Udp {
    fn write(&mut self, alerts: &[Arc<Alert>]) -> Result<(), WriteError> {
        for (written, alert) in alerts.iter().enumerate() {
            let message = rfc5424::message(alert, &self.header);
            let mut end = message.len().min(MAX_DATAGRAM);
            while !message.is_char_boundary(end) {
                end -= 1;
            }
            if let Err(error) = self.send(&message.as_bytes()[..end]) {
                self.socket = None;
                return Err(WriteError { written, error });
            }
        }
        Ok(())
    }
}

pub(crate) struct Stream {
    address: String,
    tls: Option<(TlsConnector, ServerName<'static>)>,
    timeout: Duration,
    connection: Option<Connection>,
}

enum Connection {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

impl Stream {
    async fn connect(&self) -> Result<Connection, String> {
        let tcp = TcpStream::connect(self.address.as_str())
            .await
            .map_err(|e| format!("connecting to {}: {e}", self.address))?;
        // Syslog frames are small and each batch is written at once: send it now.
        let _ = tcp.set_nodelay(true);
        match &self.tls {
            None => Ok(Connection::Plain(tcp)),
            Some((connector, name)) => connector
                .connect(name.clone(), tcp)
                .await
                .map(|stream| Connection::Tls(Box::new(stream)))
                .map_err(|e| format!("TLS with {}: {e}", self.address)),
        }
    }
}

impl Transport for Stream {
    async fn send(&mut self, _record: &Record, bytes: &[u8]) -> Result<(), Failure> {
        if let Some(connection) = &mut self.connection
            && connection.closed_by_peer().await
        {
            self.connection = None;
        }
        let timeout = self.timeout;
        let connection = match &mut self.connection {
            Some(connection) => connection,
            None => {
                let connection = tokio::time::timeout(timeout, self.connect())
                    .await
                    .map_err(|_| {
                        Failure::Retry(format!("connecting to {} timed out", self.address))
                    })?
                    .map_err(Failure::Retry)?;
                self.connection.insert(connection)
            }
        };
        let written = tokio::time::timeout(timeout, connection.write_all(bytes)).await;
        match written {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => {
                self.connection = None;
                Err(Failure::Retry(format!("writing to {}: {e}", self.address)))
            }
            Err(_) => {
                self.connection = None;
                Err(Failure::Retry(format!(
                    "writing to {} timed out",
                    self.address
                )))
            }
        }
    }
}

impl Connection {
    async fn write_all(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        match self {
            Connection::Plain(tcp) => tcp.write_all(bytes).await,
            Connection::Tls(tls) => {
                tls.write_all(bytes).await?;
                tls.flush().await
            }
        }
    }

    /// Whether the receiver has closed the connection. Writing into a connection the
    /// peer has closed succeeds once and loses what was written, so this is asked
    /// before every write. Receivers send nothing; what they do send is read and
    /// dropped.
    async fn closed_by_peer(&mut self) -> bool {
        let tcp = match self {
            Connection::Plain(tcp) => &*tcp,
            Connection::Tls(tls) => tls.get_ref().0,
        };
        let mut probe = [MaybeUninit::<u8>::uninit(); 1];
        // Tokio's sockets are non-blocking, so this returns at once.
        match socket2::SockRef::from(tcp).peek(&mut probe) {
            Ok(0) => return true,
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return false,
            Err(_) => return true,
        }
        let mut buffer = [0u8; 4096];
        match self {
            Connection::Plain(tcp) => loop {
                match tcp.try_read(&mut buffer) {
                    Ok(0) => return true,
                    Ok(_) => {}
                    Err(e) => return e.kind() != std::io::ErrorKind::WouldBlock,
                }
            },
            // TLS records (session tickets, or close_notify) are waiting: let rustls
            // read them. Tickets leave nothing to read, and the read times out.
            Connection::Tls(tls) => matches!(
                tokio::time::timeout(Duration::from_millis(50), tls.read(&mut buffer)).await,
                Ok(Ok(0) | Err(_))
            ),
        }
    }
}
