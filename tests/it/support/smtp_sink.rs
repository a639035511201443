//! The in-test SMTP server on loopback and just enough MIME reading to check
//! what a mail client would show of the mails it received.

use std::sync::{Arc, Mutex};

use base64::Engine as _;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum SinkMode {
    Accept,
    /// Answers `550` to every RCPT TO.
    RejectRecipients,
}

#[derive(Clone, Debug, Default)]
pub struct Received {
    pub mail_from: String,
    pub rcpt_to: Vec<String>,
    pub data: String,
}

pub struct SmtpSink {
    port: u16,
    received: Arc<Mutex<Vec<Received>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl SmtpSink {
    pub async fn start(mode: SinkMode) -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind sink");
        let port = listener.local_addr().expect("addr").port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let store = received.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve_smtp(stream, mode, store.clone()));
            }
        });
        SmtpSink {
            port,
            received,
            task,
        }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().expect("sink lock").clone()
    }
}

async fn serve_smtp(
    stream: tokio::net::TcpStream,
    mode: SinkMode,
    store: Arc<Mutex<Vec<Received>>>,
) {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    let mut current = Received::default();
    if write.write_all(b"220 sink.test ESMTP\r\n").await.is_err() {
        return;
    }
    loop {
        let mut line = String::new();
        match lines.read_line(&mut line).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let cmd = line.trim_end().to_owned();
        let upper = cmd.to_ascii_uppercase();
        let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
            b"250 sink.test\r\n"
        } else if upper.starts_with("MAIL FROM:") {
            current = Received {
                mail_from: cmd[10..].trim().to_owned(),
                ..Received::default()
            };
            b"250 OK\r\n"
        } else if upper.starts_with("RCPT TO:") {
            if mode == SinkMode::RejectRecipients {
                b"550 5.1.1 mailbox unavailable\r\n"
            } else {
                current.rcpt_to.push(cmd[8..].trim().to_owned());
                b"250 OK\r\n"
            }
        } else if upper == "DATA" {
            if write
                .write_all(b"354 end with <CRLF>.<CRLF>\r\n")
                .await
                .is_err()
            {
                return;
            }
            let mut data = String::new();
            loop {
                let mut l = String::new();
                match lines.read_line(&mut l).await {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {}
                }
                if l == ".\r\n" {
                    break;
                }
                // Undo dot-stuffing (RFC 5321 §4.5.2).
                data.push_str(l.strip_prefix('.').unwrap_or(&l));
            }
            current.data = data;
            store
                .lock()
                .expect("sink lock")
                .push(std::mem::take(&mut current));
            b"250 OK queued\r\n"
        } else if upper == "QUIT" {
            let _ = write.write_all(b"221 bye\r\n").await;
            return;
        } else {
            // RSET, NOOP and anything else a pooled client may send.
            b"250 OK\r\n"
        };
        if write.write_all(reply).await.is_err() {
            return;
        }
    }
}

// ---------------------------------------------------------------------------
// Just enough MIME reading to check what a mail client would show.

pub struct ParsedMail {
    headers: Vec<(String, String)>,
    parts: Vec<(String, String)>,
}

impl ParsedMail {
    pub fn parse(raw: &str) -> ParsedMail {
        let raw = raw.replace("\r\n", "\n");
        let (head, body) = raw
            .split_once("\n\n")
            .expect("headers end with a blank line");
        let headers = parse_headers(head);
        let content_type = lookup(&headers, "Content-Type");
        let boundary = content_type
            .split(';')
            .find_map(|p| p.trim().strip_prefix("boundary="))
            .map(|b| b.trim_matches('"').to_owned())
            .expect("multipart boundary");
        let delimiter = format!("--{boundary}");
        let mut parts = Vec::new();
        for chunk in body.split(&delimiter).skip(1) {
            if chunk.starts_with("--") {
                break;
            }
            let chunk = chunk.strip_prefix('\n').unwrap_or(chunk);
            let (phead, pbody) = chunk.split_once("\n\n").expect("part headers");
            let ph = parse_headers(phead);
            let ctype = lookup(&ph, "Content-Type");
            let mime = ctype
                .split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase();
            let encoding = lookup(&ph, "Content-Transfer-Encoding").to_ascii_lowercase();
            let pbody = pbody.strip_suffix('\n').unwrap_or(pbody);
            let decoded = match encoding.as_str() {
                "quoted-printable" => decode_qp(pbody),
                "base64" => String::from_utf8(
                    base64::engine::general_purpose::STANDARD
                        .decode(pbody.replace('\n', ""))
                        .expect("base64 body"),
                )
                .expect("utf-8 body"),
                _ => pbody.to_owned(),
            };
            parts.push((mime, decoded.replace("\r\n", "\n")));
        }
        ParsedMail { headers, parts }
    }

    pub fn header(&self, name: &str) -> String {
        decode_words(&lookup(&self.headers, name))
    }

    pub fn part(&self, mime: &str) -> String {
        self.parts
            .iter()
            .find(|(m, _)| m == mime)
            .map(|(_, b)| b.clone())
            .unwrap_or_else(|| panic!("no {mime} part"))
    }
}

fn parse_headers(head: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in head.lines() {
        if line.starts_with([' ', '\t']) {
            if let Some(last) = out.last_mut() {
                last.1.push_str(line);
            }
        } else if let Some((k, v)) = line.split_once(':') {
            out.push((k.trim().to_owned(), v.trim().to_owned()));
        }
    }
    out
}

fn lookup(headers: &[(String, String)], name: &str) -> String {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

fn decode_qp(s: &str) -> String {
    let joined = s.replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).expect("qp hex");
            out.push(u8::from_str_radix(hex, 16).expect("qp byte"));
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).expect("utf-8 body")
}

/// Decodes RFC 2047 encoded words (`=?utf-8?b?…?=`, `=?utf-8?q?…?=`).
fn decode_words(value: &str) -> String {
    let mut out = String::new();
    let mut rest = value;
    let mut after_word = false;
    while let Some(start) = rest.find("=?") {
        let mut fields = rest[start + 2..].splitn(3, '?');
        let (Some(_charset), Some(enc), Some(tail)) = (fields.next(), fields.next(), fields.next())
        else {
            break;
        };
        let Some(text_len) = tail.find("?=") else {
            break;
        };
        let text = &tail[..text_len];
        let before = &rest[..start];
        // Whitespace between two encoded words is not part of the text.
        if !(after_word && before.trim().is_empty()) {
            out.push_str(before);
        }
        out.push_str(&if enc.eq_ignore_ascii_case("b") {
            String::from_utf8(
                base64::engine::general_purpose::STANDARD
                    .decode(text)
                    .expect("base64 word"),
            )
            .expect("utf-8 word")
        } else {
            decode_qp(&text.replace('_', " "))
        });
        after_word = true;
        let consumed = rest.len() - tail.len() + text_len + 2;
        rest = &rest[consumed..];
    }
    out.push_str(rest);
    out
}
