//! Where text messages go: `.txt` files in a folder (the default, like the
//! `.eml` files of e-mail), an HTTP gateway, or memory (tests).
//!
//! Indonesian SMS/WhatsApp gateways take a POST with the number and the text
//! in a form or JSON body and a key in a header or in the body, each in its
//! own field names; so the body is a template with `{to}`, `{message}`,
//! `{channel}` and `{id}`, filled with values escaped for the body's format.

use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use time::OffsetDateTime;
use time::macros::format_description;
use uuid::Uuid;

use crate::db::entities::mail_outbox;
use crate::mail::SendError;

/// How long one gateway request may take; far below the outbox lease.
pub const GATEWAY_TIMEOUT: Duration = Duration::from_secs(20);

/// Flags of `pokmas serve` for the text-message gateway.
#[derive(Clone, Debug, Default, clap::Args)]
pub struct SmsArgs {
    /// URL the SMS/WhatsApp gateway takes messages at (POST); without it
    /// texts are written as files under `DATA_DIR/sms/`.
    #[arg(long, env = "POKMAS_SMS_GATEWAY_URL", hide_env_values = true)]
    pub sms_gateway_url: Option<String>,

    /// Value of the `Authorization` header sent to the gateway (its key).
    #[arg(long, env = "POKMAS_SMS_GATEWAY_AUTH", hide_env_values = true)]
    pub sms_gateway_auth: Option<String>,

    /// Body sent to the gateway, with `{to}`, `{message}`, `{channel}` and `{id}`.
    #[arg(
        long,
        env = "POKMAS_SMS_GATEWAY_BODY",
        default_value = "target={to}&message={message}&channel={channel}"
    )]
    pub sms_gateway_body: String,

    /// `form` (`application/x-www-form-urlencoded`) or `json`: how the values
    /// in the body are escaped and the content type sent.
    #[arg(long, env = "POKMAS_SMS_GATEWAY_FORMAT", default_value = "form")]
    pub sms_gateway_format: String,
}

/// How the gateway body is encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GatewayFormat {
    /// `application/x-www-form-urlencoded`: values are percent-encoded.
    Form,
    /// `application/json`: values are escaped as JSON string contents.
    Json,
}

impl GatewayFormat {
    fn content_type(self) -> &'static str {
        match self {
            GatewayFormat::Form => "application/x-www-form-urlencoded",
            GatewayFormat::Json => "application/json",
        }
    }

    fn escape(self, value: &str) -> String {
        match self {
            GatewayFormat::Form => url::form_urlencoded::byte_serialize(value.as_bytes()).collect(),
            GatewayFormat::Json => {
                let quoted = serde_json::Value::String(value.to_owned()).to_string();
                quoted[1..quoted.len() - 1].to_owned()
            }
        }
    }
}

/// A configured gateway. Its `Debug` never shows the key.
#[derive(Clone)]
pub struct GatewaySettings {
    /// Where to POST.
    pub url: url::Url,
    authorization: Option<String>,
    /// The body template.
    pub body: String,
    /// How the body is encoded.
    pub format: GatewayFormat,
}

impl fmt::Debug for GatewaySettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GatewaySettings")
            .field("host", &self.url.host_str())
            .field("format", &self.format)
            .finish_non_exhaustive()
    }
}

impl GatewaySettings {
    /// Checks the gateway settings.
    ///
    /// # Errors
    /// A sentence saying what is wrong, without echoing the URL or the key.
    pub fn new(
        url: &str,
        authorization: Option<String>,
        body: &str,
        format: &str,
    ) -> Result<Self, String> {
        let url = url::Url::parse(url.trim())
            .map_err(|e| format!("POKMAS_SMS_GATEWAY_URL is not a valid URL: {e}"))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err("POKMAS_SMS_GATEWAY_URL must start with http:// or https://".into());
        }
        let format = match format.trim() {
            "form" => GatewayFormat::Form,
            "json" => GatewayFormat::Json,
            _ => return Err("POKMAS_SMS_GATEWAY_FORMAT must be form or json".into()),
        };
        if !body.contains("{to}") || !body.contains("{message}") {
            return Err("POKMAS_SMS_GATEWAY_BODY must contain {to} and {message}".into());
        }
        Ok(GatewaySettings {
            url,
            authorization: authorization.filter(|a| !a.trim().is_empty()),
            body: body.to_owned(),
            format,
        })
    }

    /// The request body for one message.
    #[must_use]
    pub fn render(&self, msg: &OutgoingText) -> String {
        let f = self.format;
        // One pass, so a value that itself contains `{to}` is never expanded.
        let mut out = String::with_capacity(self.body.len() + msg.text.len());
        let mut rest = self.body.as_str();
        while let Some(start) = rest.find('{') {
            out.push_str(&rest[..start]);
            let after = &rest[start..];
            let (value, len) = if after.starts_with("{to}") {
                (Some(f.escape(&msg.to)), 4)
            } else if after.starts_with("{message}") {
                (Some(f.escape(&msg.text)), 9)
            } else if after.starts_with("{channel}") {
                (Some(f.escape(&msg.channel)), 9)
            } else if after.starts_with("{id}") {
                (Some(f.escape(&msg.outbox_id.to_string())), 4)
            } else {
                (None, 1)
            };
            match value {
                Some(v) => out.push_str(&v),
                None => out.push('{'),
            }
            rest = &after[len..];
        }
        out.push_str(rest);
        out
    }
}

/// One text as handed to a transport.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutgoingText {
    /// The outbox row it comes from.
    pub outbox_id: Uuid,
    /// `sms` or `whatsapp`.
    pub channel: String,
    /// The number, international digits.
    pub to: String,
    /// The stored template name, for logs.
    pub template: String,
    /// The text.
    pub text: String,
}

impl OutgoingText {
    /// The text of an outbox row.
    #[must_use]
    pub fn from_outbox(row: &mail_outbox::Model) -> Self {
        OutgoingText {
            outbox_id: row.id,
            channel: row.channel.clone(),
            to: row.to_address.clone(),
            template: row.template.clone(),
            text: row.body_text.clone(),
        }
    }
}

/// Where texts go.
#[derive(Clone, Debug)]
pub enum SmsTransport {
    /// One `.txt` file per message in `dir`.
    File { dir: PathBuf },
    /// POST to an HTTP gateway.
    Gateway {
        settings: Arc<GatewaySettings>,
        client: reqwest::Client,
    },
    /// Kept in memory, for tests.
    Memory(Arc<Mutex<Vec<OutgoingText>>>),
}

impl SmsTransport {
    /// The gateway when `args` names one, else files in `dir`.
    ///
    /// # Errors
    /// A sentence saying which setting is wrong.
    pub fn from_args(args: &SmsArgs, dir: PathBuf) -> Result<Self, String> {
        match args.sms_gateway_url.as_deref().map(str::trim) {
            Some(url) if !url.is_empty() => Ok(SmsTransport::gateway(GatewaySettings::new(
                url,
                args.sms_gateway_auth.clone(),
                &args.sms_gateway_body,
                &args.sms_gateway_format,
            )?)),
            _ => Ok(SmsTransport::File { dir }),
        }
    }

    /// A gateway transport.
    #[must_use]
    pub fn gateway(settings: GatewaySettings) -> Self {
        let client = reqwest::Client::builder()
            .timeout(GATEWAY_TIMEOUT)
            .build()
            .unwrap_or_default();
        SmsTransport::Gateway {
            settings: Arc::new(settings),
            client,
        }
    }

    /// A transport that keeps what it is given.
    #[must_use]
    pub fn memory() -> Self {
        SmsTransport::Memory(Arc::new(Mutex::new(Vec::new())))
    }

    /// What a memory transport was given.
    #[must_use]
    pub fn sent(&self) -> Vec<OutgoingText> {
        match self {
            SmsTransport::Memory(v) => v.lock().unwrap_or_else(PoisonError::into_inner).clone(),
            _ => Vec::new(),
        }
    }

    /// For the start-up log.
    #[must_use]
    pub fn describe(&self) -> String {
        match self {
            SmsTransport::File { dir } => format!(".txt files in {}", dir.display()),
            SmsTransport::Gateway { settings, .. } => {
                format!("HTTP gateway at {}", settings.url.host_str().unwrap_or("?"))
            }
            SmsTransport::Memory(_) => "memory".to_owned(),
        }
    }

    /// Hands one text over.
    ///
    /// # Errors
    /// [`SendError::Permanent`] when the gateway refuses the request itself
    /// (4xx other than 408 and 429), [`SendError::Transient`] for everything
    /// worth another try.
    pub async fn send(&self, msg: &OutgoingText) -> Result<(), SendError> {
        match self {
            SmsTransport::File { dir } => write_txt(dir, msg).await,
            SmsTransport::Gateway { settings, client } => {
                let mut req = client
                    .post(settings.url.clone())
                    .header(
                        reqwest::header::CONTENT_TYPE,
                        settings.format.content_type(),
                    )
                    .body(settings.render(msg));
                if let Some(auth) = &settings.authorization {
                    req = req.header(reqwest::header::AUTHORIZATION, auth);
                }
                let resp = req.send().await.map_err(|e| {
                    SendError::Transient(format!("the gateway did not answer: {}", e.without_url()))
                })?;
                let code = resp.status();
                if code.is_success() {
                    Ok(())
                } else if code.is_client_error()
                    && code != reqwest::StatusCode::REQUEST_TIMEOUT
                    && code != reqwest::StatusCode::TOO_MANY_REQUESTS
                {
                    Err(SendError::Permanent(format!(
                        "the gateway refused the message: {code}"
                    )))
                } else {
                    Err(SendError::Transient(format!("the gateway answered {code}")))
                }
            }
            SmsTransport::Memory(v) => {
                v.lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(msg.clone());
                Ok(())
            }
        }
    }
}

async fn write_txt(dir: &PathBuf, msg: &OutgoingText) -> Result<(), SendError> {
    let io = |e: std::io::Error| SendError::Transient(format!("cannot write the text file: {e}"));
    tokio::fs::create_dir_all(dir).await.map_err(io)?;
    let stamp = OffsetDateTime::now_utc()
        .format(format_description!(
            "[year][month][day]T[hour][minute][second].[subsecond digits:6]Z"
        ))
        .map_err(|e| SendError::Transient(format!("cannot format the file name: {e}")))?;
    let name = format!("{stamp}-{}.txt", msg.outbox_id);
    let tmp = dir.join(format!(".{name}.tmp"));
    let body = format!(
        "Channel: {}\nTo: {}\nTemplate: {}\n\n{}\n",
        msg.channel, msg.to, msg.template, msg.text
    );
    tokio::fs::write(&tmp, body).await.map_err(io)?;
    tokio::fs::rename(&tmp, dir.join(name)).await.map_err(io)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(message: &str) -> OutgoingText {
        OutgoingText {
            outbox_id: Uuid::nil(),
            channel: "sms".into(),
            to: "6281234567890".into(),
            template: "sms_receipt".into(),
            text: message.into(),
        }
    }

    #[test]
    fn form_bodies_percent_encode_the_values() {
        let s = GatewaySettings::new(
            "http://127.0.0.1:9/send",
            None,
            "target={to}&message={message}",
            "form",
        )
        .expect("valid");
        assert_eq!(
            s.render(&text("Halo Siti & co {to}")),
            "target=6281234567890&message=Halo+Siti+%26+co+%7Bto%7D"
        );
    }

    #[test]
    fn json_bodies_escape_quotes_and_keep_unknown_braces() {
        let s = GatewaySettings::new(
            "https://gw.example/api",
            Some("key".into()),
            r#"{"phone":"{to}","text":"{message}"}"#,
            "json",
        )
        .expect("valid");
        let body = s.render(&text("say \"hi\"\n"));
        let v: serde_json::Value = serde_json::from_str(&body).expect(&body);
        assert_eq!(v["text"], "say \"hi\"\n");
        assert_eq!(v["phone"], "6281234567890");
        assert!(!format!("{s:?}").contains("key"));
    }

    #[test]
    fn bad_settings_are_refused_with_a_reason() {
        assert!(GatewaySettings::new("ftp://x", None, "{to}{message}", "form").is_err());
        assert!(GatewaySettings::new("http://x", None, "{to}", "form").is_err());
        assert!(GatewaySettings::new("http://x", None, "{to}{message}", "xml").is_err());
    }
}
