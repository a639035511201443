//! Where outgoing mail goes: an SMTP relay, `.eml` files in a folder, or memory
//! (tests). Chosen once at start from `SMTP_URL` by [`Transport::from_url`].

use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{Address, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use time::OffsetDateTime;
use time::macros::format_description;
use uuid::Uuid;

use crate::db::entities::mail_outbox;

/// How long one SMTP command may take before the attempt counts as failed.
///
/// Kept well below the worker's lease so a slow relay cannot make two workers
/// send the same batch.
pub const SMTP_TIMEOUT: Duration = Duration::from_secs(20);

/// One message as handed to a transport.
#[derive(Clone, Debug)]
pub struct OutgoingMail {
    /// The outbox row it comes from.
    pub outbox_id: Uuid,
    /// The stored template name, for logs.
    pub template: String,
    /// `<…@…>`, fixed at enqueue so retries carry the same id.
    pub message_id: String,
    /// The installation's sender.
    pub from: Mailbox,
    /// The recipient.
    pub to: Mailbox,
    /// The subject line.
    pub subject: String,
    /// The plain-text body.
    pub text: String,
    /// The HTML body.
    pub html: String,
    /// The `Date:` header: when the message was composed (enqueued), so a
    /// retried message is not dated later than the event it reports.
    pub date: OffsetDateTime,
}

impl OutgoingMail {
    /// Builds the message for an outbox row.
    ///
    /// # Errors
    /// [`SendError::Permanent`] when the stored recipient address does not parse:
    /// retrying cannot fix it.
    pub fn from_outbox(row: &mail_outbox::Model, from: &Mailbox) -> Result<Self, SendError> {
        let address: Address = row.to_address.parse().map_err(|_| {
            SendError::Permanent("the recipient address is not a valid e-mail address".into())
        })?;
        let name = Some(row.to_name.trim().to_owned()).filter(|n| !n.is_empty());
        Ok(OutgoingMail {
            outbox_id: row.id,
            template: row.template.clone(),
            message_id: row.message_id.clone(),
            from: from.clone(),
            to: Mailbox::new(name, address),
            subject: row.subject.clone(),
            text: row.body_text.clone(),
            html: row.body_html.clone(),
            date: row.created_at,
        })
    }

    /// The RFC 5322 message: From, To, Subject, Message-ID, Date and a
    /// `multipart/alternative` body with the text part first.
    ///
    /// # Errors
    /// [`SendError::Permanent`] when lettre refuses to build the message.
    pub fn to_message(&self) -> Result<Message, SendError> {
        Message::builder()
            .from(self.from.clone())
            .to(self.to.clone())
            .subject(self.subject.clone())
            .message_id(Some(self.message_id.clone()))
            .date(SystemTime::from(self.date))
            .multipart(MultiPart::alternative_plain_html(
                self.text.clone(),
                self.html.clone(),
            ))
            .map_err(|e| SendError::Permanent(format!("cannot build the message: {e}")))
    }
}

/// A message recorded by [`Transport::Memory`].
#[derive(Clone, Debug)]
pub struct SentMail {
    /// The outbox row it came from.
    pub outbox_id: Uuid,
    /// Its Message-ID header.
    pub message_id: String,
    /// The recipient address.
    pub to: String,
    /// The subject line.
    pub subject: String,
    /// The plain-text body.
    pub text: String,
    /// The HTML body.
    pub html: String,
    /// The formatted message as it would go on the wire.
    pub raw: Vec<u8>,
}

/// Why a message was not handed over.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// Retrying cannot help (bad address, relay answered 5xx).
    #[error("permanent failure: {0}")]
    Permanent(String),
    /// Worth retrying later (connection refused, timeout, 4xx, disk full).
    #[error("temporary failure: {0}")]
    Transient(String),
}

impl SendError {
    /// Whether the worker should give up on the message now.
    pub fn is_permanent(&self) -> bool {
        matches!(self, SendError::Permanent(_))
    }
}

/// A mail configuration that cannot work; reported at start.
#[derive(Debug, thiserror::Error)]
pub enum TransportConfigError {
    /// `SMTP_URL` is not a URL.
    #[error("SMTP_URL is not a valid URL: {0}")]
    Url(url::ParseError),
    /// `SMTP_URL` lacks `scheme://`.
    #[error("SMTP_URL must start with smtp://, smtp+starttls:// or smtps://")]
    NoScheme,
    /// `SMTP_URL` has a scheme we do not speak.
    #[error(
        "SMTP_URL scheme must be smtp:// (no TLS), smtp+starttls:// (STARTTLS required) \
         or smtps:// (implicit TLS), not {0}://"
    )]
    Scheme(String),
    /// `SMTP_URL` names no host.
    #[error("SMTP_URL has no host")]
    NoHost,
    /// `SMTP_URL` carries a path, query or fragment we would silently ignore.
    #[error("SMTP_URL must be scheme://[user:password@]host[:port] with nothing after the port")]
    Extra,
    /// The user name or password is not valid percent-encoded UTF-8.
    #[error("SMTP_URL credentials are not valid percent-encoded UTF-8")]
    Credentials,
    /// lettre could not set up TLS for the host.
    #[error("cannot set up TLS for the SMTP host: {0}")]
    Tls(String),
    /// The SMTP connection pool needs a running Tokio runtime.
    #[error("the SMTP transport must be created inside the Tokio runtime")]
    NoRuntime,
}

/// How the SMTP connection is protected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// No TLS: for a relay on localhost or in tests.
    Plain,
    /// Plain connection upgraded with STARTTLS; the upgrade is required.
    StartTls,
    /// TLS from the first byte (port 465).
    Tls,
}

/// A parsed `SMTP_URL`. Its `Debug` and `Display` never show the password.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpSettings {
    /// Relay host name or address.
    pub host: String,
    /// Relay port.
    pub port: u16,
    /// Connection protection.
    pub security: SmtpSecurity,
    /// User name, when the relay wants authentication.
    pub user: Option<String>,
    password: Option<String>,
}

impl SmtpSettings {
    /// Parses `smtp://`, `smtp+starttls://` or `smtps://` with optional
    /// percent-encoded `user:password@` and a port (defaults 25, 587, 465).
    ///
    /// # Errors
    /// A [`TransportConfigError`] saying what is wrong, without echoing the URL
    /// (it may hold a password).
    pub fn parse(smtp_url: &str) -> Result<Self, TransportConfigError> {
        let smtp_url = smtp_url.trim();
        if !smtp_url.contains("://") {
            return Err(TransportConfigError::NoScheme);
        }
        let url = url::Url::parse(smtp_url).map_err(TransportConfigError::Url)?;
        let (security, default_port) = match url.scheme() {
            "smtp" => (SmtpSecurity::Plain, 25),
            "smtp+starttls" => (SmtpSecurity::StartTls, 587),
            "smtps" => (SmtpSecurity::Tls, 465),
            other => return Err(TransportConfigError::Scheme(other.to_owned())),
        };
        let host = match url.host() {
            Some(url::Host::Domain(d)) if !d.is_empty() => d.to_owned(),
            Some(url::Host::Ipv4(ip)) => ip.to_string(),
            Some(url::Host::Ipv6(ip)) => ip.to_string(),
            _ => return Err(TransportConfigError::NoHost),
        };
        if !matches!(url.path(), "" | "/") || url.query().is_some() || url.fragment().is_some() {
            return Err(TransportConfigError::Extra);
        }
        let decode = |s: &str| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8()
                .map(|c| c.into_owned())
                .map_err(|_| TransportConfigError::Credentials)
        };
        let user = Some(url.username())
            .filter(|u| !u.is_empty())
            .map(decode)
            .transpose()?;
        let password = url.password().map(decode).transpose()?;
        Ok(SmtpSettings {
            host,
            port: url.port().unwrap_or(default_port),
            security,
            user,
            password,
        })
    }
}

impl fmt::Display for SmtpSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = match self.security {
            SmtpSecurity::Plain => "smtp",
            SmtpSecurity::StartTls => "smtp+starttls",
            SmtpSecurity::Tls => "smtps",
        };
        let auth = if self.user.is_some() {
            " (authenticated)"
        } else {
            ""
        };
        write!(f, "{scheme}://{}:{}{auth}", self.host, self.port)
    }
}

impl fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// An SMTP relay with a connection pool.
#[derive(Clone)]
pub struct SmtpTransport {
    settings: SmtpSettings,
    inner: AsyncSmtpTransport<Tokio1Executor>,
}

impl SmtpTransport {
    /// Sets up a pooled transport for `settings`.
    ///
    /// # Errors
    /// [`TransportConfigError::NoRuntime`] outside a Tokio runtime (lettre's
    /// pool starts a background task), [`TransportConfigError::Tls`] when TLS
    /// parameters cannot be built.
    pub fn new(settings: SmtpSettings) -> Result<Self, TransportConfigError> {
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(TransportConfigError::NoRuntime);
        }
        let tls = |s: &SmtpSettings| {
            TlsParameters::new(s.host.clone()).map_err(|e| TransportConfigError::Tls(e.to_string()))
        };
        let mut builder =
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(settings.host.clone())
                .port(settings.port)
                .timeout(Some(SMTP_TIMEOUT));
        builder = match settings.security {
            SmtpSecurity::Plain => builder.tls(Tls::None),
            SmtpSecurity::StartTls => builder.tls(Tls::Required(tls(&settings)?)),
            SmtpSecurity::Tls => builder.tls(Tls::Wrapper(tls(&settings)?)),
        };
        if let Some(user) = &settings.user {
            builder = builder.credentials(Credentials::new(
                user.clone(),
                settings.password.clone().unwrap_or_default(),
            ));
        }
        Ok(SmtpTransport {
            inner: builder.build(),
            settings,
        })
    }

    /// The relay this transport talks to (no password).
    pub fn settings(&self) -> &SmtpSettings {
        &self.settings
    }
}

impl fmt::Debug for SmtpTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("SmtpTransport")
            .field(&self.settings)
            .finish()
    }
}

/// Where mail goes.
#[derive(Clone, Debug)]
pub enum Transport {
    /// An SMTP relay.
    Smtp(SmtpTransport),
    /// One `.eml` file per message in `dir`, named so they sort by send time.
    File {
        /// The folder, created on first use.
        dir: PathBuf,
    },
    /// Kept in memory, for tests.
    Memory(Arc<Mutex<Vec<SentMail>>>),
}

impl Transport {
    /// Chooses the transport from `SMTP_URL`: SMTP when set, otherwise `.eml`
    /// files in `mail_dir` (the laptop default, nothing else to install).
    ///
    /// Must be called inside the Tokio runtime when an SMTP URL is given.
    ///
    /// # Errors
    /// A [`TransportConfigError`] naming what is wrong with the URL; it never
    /// contains the password.
    pub fn from_url(
        smtp_url: Option<&str>,
        mail_dir: PathBuf,
    ) -> Result<Self, TransportConfigError> {
        match smtp_url.map(str::trim).filter(|u| !u.is_empty()) {
            Some(url) => Ok(Transport::Smtp(SmtpTransport::new(SmtpSettings::parse(
                url,
            )?)?)),
            None => Ok(Transport::File { dir: mail_dir }),
        }
    }

    /// An empty in-memory transport; read what it got with [`Transport::sent`].
    pub fn memory() -> Self {
        Transport::Memory(Arc::new(Mutex::new(Vec::new())))
    }

    /// What the memory transport recorded (empty for the others).
    pub fn sent(&self) -> Vec<SentMail> {
        match self {
            Transport::Memory(sent) => sent.lock().unwrap_or_else(PoisonError::into_inner).clone(),
            _ => Vec::new(),
        }
    }

    /// A one-line description for the start-up log, without secrets.
    pub fn describe(&self) -> String {
        match self {
            Transport::Smtp(s) => format!("SMTP {}", s.settings),
            Transport::File { dir } => format!(".eml files in {}", dir.display()),
            Transport::Memory(_) => "memory".to_owned(),
        }
    }

    /// Hands one message over.
    ///
    /// # Errors
    /// [`SendError::Permanent`] when retrying cannot help (the relay rejected
    /// the message with 5xx, or it cannot be built); [`SendError::Transient`]
    /// otherwise (connection, timeout, 4xx, file system).
    pub async fn send(&self, msg: &OutgoingMail) -> Result<(), SendError> {
        let message = msg.to_message()?;
        match self {
            Transport::Smtp(smtp) => match smtp.inner.send(message).await {
                Ok(_) => Ok(()),
                Err(e) if e.is_permanent() => Err(SendError::Permanent(e.to_string())),
                Err(e) => Err(SendError::Transient(e.to_string())),
            },
            Transport::File { dir } => write_eml(dir, msg, &message.formatted()).await,
            Transport::Memory(sent) => {
                let record = SentMail {
                    outbox_id: msg.outbox_id,
                    message_id: msg.message_id.clone(),
                    to: msg.to.email.to_string(),
                    subject: msg.subject.clone(),
                    text: msg.text.clone(),
                    html: msg.html.clone(),
                    raw: message.formatted(),
                };
                sent.lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(record);
                Ok(())
            }
        }
    }
}

/// Writes `raw` to `dir/<UTC send time>-<outbox id>.eml`.
///
/// The file is written under a temporary name and renamed, so anything watching
/// the folder never sees half a message.
async fn write_eml(dir: &PathBuf, msg: &OutgoingMail, raw: &[u8]) -> Result<(), SendError> {
    let io = |e: std::io::Error| SendError::Transient(format!("cannot write the .eml file: {e}"));
    tokio::fs::create_dir_all(dir).await.map_err(io)?;
    let stamp = OffsetDateTime::now_utc()
        .format(format_description!(
            "[year][month][day]T[hour][minute][second].[subsecond digits:6]Z"
        ))
        .map_err(|e| SendError::Transient(format!("cannot format the file name: {e}")))?;
    let name = format!("{stamp}-{}.eml", msg.outbox_id);
    let tmp = dir.join(format!(".{name}.tmp"));
    tokio::fs::write(&tmp, raw).await.map_err(io)?;
    tokio::fs::rename(&tmp, dir.join(name)).await.map_err(io)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_smtp_url_defaults_to_port_25_without_tls() {
        let s = SmtpSettings::parse("smtp://127.0.0.1").expect("parses");
        assert_eq!(
            (s.host.as_str(), s.port, s.security),
            ("127.0.0.1", 25, SmtpSecurity::Plain)
        );
        assert_eq!(s.user, None);
    }

    #[test]
    fn starttls_and_smtps_use_submission_ports_by_default() {
        let s = SmtpSettings::parse("smtp+starttls://mail.samarindakota.go.id").expect("parses");
        assert_eq!((s.port, s.security), (587, SmtpSecurity::StartTls));
        let s = SmtpSettings::parse("smtps://mail.samarindakota.go.id").expect("parses");
        assert_eq!((s.port, s.security), (465, SmtpSecurity::Tls));
        let s = SmtpSettings::parse("smtps://mail.samarindakota.go.id:2465").expect("parses");
        assert_eq!(s.port, 2465);
    }

    #[test]
    fn credentials_are_percent_decoded_and_the_password_is_never_shown() {
        let s = SmtpSettings::parse("smtps://pokmas%40kota.id:s%3Acr%40t%2F1@mail.kota.id")
            .expect("parses");
        assert_eq!(s.user.as_deref(), Some("pokmas@kota.id"));
        assert_eq!(s.password.as_deref(), Some("s:cr@t/1"));
        let shown = format!("{s} {s:?}");
        assert!(
            !shown.contains("s:cr@t/1") && !shown.contains("s%3Acr"),
            "{shown}"
        );
        assert_eq!(s.to_string(), "smtps://mail.kota.id:465 (authenticated)");
    }

    #[test]
    fn bad_smtp_urls_are_refused_with_a_clear_reason_and_no_password() {
        let err = |u: &str| SmtpSettings::parse(u).expect_err(u).to_string();
        assert!(err("http://mail.kota.id").contains("smtp+starttls://"));
        assert_eq!(
            err("mail.kota.id:25"),
            "SMTP_URL must start with smtp://, smtp+starttls:// or smtps://"
        );
        assert_eq!(err("smtp://"), "SMTP_URL has no host");
        assert_eq!(err("smtp://:25"), "SMTP_URL is not a valid URL: empty host");
        assert_eq!(
            err("smtp://mail.kota.id:99999"),
            "SMTP_URL is not a valid URL: invalid port number"
        );
        assert!(err("smtp://mail.kota.id/ehlo?tls=required").contains("nothing after the port"));
        let e = err("ftp://user:hunter2@mail.kota.id");
        assert!(!e.contains("hunter2"), "{e}");
    }

    #[test]
    fn no_smtp_url_means_eml_files_in_the_mail_folder() {
        let t = Transport::from_url(None, PathBuf::from("/tmp/pokmas-mail")).expect("file");
        assert!(matches!(&t, Transport::File { dir } if dir == &PathBuf::from("/tmp/pokmas-mail")));
        let t = Transport::from_url(Some("  "), PathBuf::from("m")).expect("file");
        assert!(matches!(t, Transport::File { .. }));
    }

    #[test]
    fn the_smtp_transport_needs_the_runtime_instead_of_panicking() {
        let e = Transport::from_url(Some("smtp://127.0.0.1:2525"), PathBuf::new())
            .expect_err("no runtime");
        assert!(matches!(e, TransportConfigError::NoRuntime));
    }

    #[tokio::test]
    async fn the_smtp_transport_describes_itself_without_secrets() {
        let t = Transport::from_url(
            Some("smtp+starttls://u:topsecret@relay.kota.id"),
            PathBuf::new(),
        )
        .expect("smtp");
        assert_eq!(
            t.describe(),
            "SMTP smtp+starttls://relay.kota.id:587 (authenticated)"
        );
        assert!(!format!("{t:?}").contains("topsecret"));
    }
}
