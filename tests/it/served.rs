//! The real `pokmas serve` process, driven over TCP like a browser or a load
//! balancer would: for faults that only a process shows (signals, file-size
//! limits, restarts).

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `pokmas serve`.
pub struct Served {
    pub child: Child,
    pub addr: String,
}

impl Served {
    /// Starts `pokmas serve` on a free port over `data_dir` with `args`;
    /// SIGXFSZ is ignored, so a file-size limit shows as failed writes
    /// (as a full disk does) instead of killing the process.
    pub fn start(data_dir: &Path, env: &[(&str, &str)], args: &[&str]) -> Served {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .expect("port")
            .local_addr()
            .expect("addr")
            .port();
        let addr = format!("127.0.0.1:{port}");
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg("trap '' XFSZ; exec \"$0\" \"$@\"")
            .arg(env!("CARGO_BIN_EXE_pokmas"))
            .args(["serve", "--addr", &addr])
            .args(args)
            .env_remove("DATABASE_URL")
            .env("POKMAS_DATA_DIR", data_dir)
            .env("POKMAS_LOG", "warn")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = cmd.spawn().expect("spawn pokmas serve");
        let served = Served { child, addr };
        let deadline = Instant::now() + Duration::from_secs(120);
        while Instant::now() < deadline {
            if served.try_get("/healthz").is_some_and(|r| r.status == 200) {
                return served;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("pokmas serve did not answer /healthz");
    }

    /// The process id (of `pokmas` itself: the shell `exec`s it).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends `signal` (e.g. `TERM`, `KILL`).
    pub fn signal(&self, signal: &str) {
        let ok = Command::new("kill")
            .args([&format!("-{signal}"), &self.pid().to_string()])
            .status()
            .expect("kill")
            .success();
        assert!(ok, "kill -{signal}");
    }

    /// Waits up to `limit` for the process to end; its exit success.
    pub fn wait_for_exit(&mut self, limit: Duration) -> Option<bool> {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return Some(status.success());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }

    /// A raw request (with `Connection: close`); `None` if nobody answered.
    pub fn try_send(&self, request: &str) -> Option<Reply> {
        let mut s = TcpStream::connect(&self.addr).ok()?;
        s.set_read_timeout(Some(Duration::from_secs(60))).ok()?;
        s.write_all(request.as_bytes()).ok()?;
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).ok()?;
        Reply::parse(&String::from_utf8_lossy(&raw))
    }

    fn try_get(&self, path: &str) -> Option<Reply> {
        self.try_send(&format!(
            "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        ))
    }

    /// `GET path` as a client at `client_ip` (through a trusted proxy).
    pub fn get(&self, path: &str, client_ip: &str, cookies: &Cookies) -> Option<Reply> {
        self.try_send(&format!(
            "GET {path} HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: {client_ip}\r\n{}Connection: close\r\n\r\n",
            cookies.header()
        ))
    }

    /// `POST path` with an urlencoded form.
    pub fn post_form(
        &self,
        path: &str,
        client_ip: &str,
        cookies: &Cookies,
        fields: &[(&str, &str)],
    ) -> Option<Reply> {
        let body = fields
            .iter()
            .map(|(k, v)| format!("{k}={}", crate::support::urlencode(v)))
            .collect::<Vec<_>>()
            .join("&");
        self.try_send(&format!(
            "POST {path} HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: {client_ip}\r\n{}Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            cookies.header(),
            body.len()
        ))
    }

    /// Registers an account through the form, as a browser at `client_ip`;
    /// the status answered (`None`: no answer at all).
    pub fn register(&self, client_ip: &str, name: &str, email: &str) -> Option<u16> {
        let mut cookies = Cookies::default();
        let page = self.get("/daftar", client_ip, &cookies)?;
        cookies.take(&page);
        let csrf = crate::support::hidden_value(&page.body, "csrf")?;
        let password = "kata-sandi-rahasia-1";
        let reply = self.post_form(
            "/daftar",
            client_ip,
            &cookies,
            &[
                ("csrf", &csrf),
                ("name", name),
                ("email", email),
                ("password", password),
                ("password_confirm", password),
            ],
        )?;
        Some(reply.status)
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// An HTTP answer.
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    fn parse(raw: &str) -> Option<Reply> {
        let (head, body) = raw.split_once("\r\n\r\n")?;
        let mut lines = head.lines();
        let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
        let headers = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
            .collect();
        Some(Reply {
            status,
            headers,
            body: body.to_owned(),
        })
    }

    /// Every value of header `name`.
    pub fn header_values(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

/// A cookie jar.
#[derive(Default)]
pub struct Cookies(BTreeMap<String, String>);

impl Cookies {
    /// Keeps the cookies `reply` sets.
    pub fn take(&mut self, reply: &Reply) {
        for v in reply.header_values("set-cookie") {
            if let Some((k, val)) = v.split(';').next().and_then(|p| p.split_once('=')) {
                self.0.insert(k.trim().to_owned(), val.trim().to_owned());
            }
        }
    }

    fn header(&self) -> String {
        if self.0.is_empty() {
            return String::new();
        }
        let jar = self
            .0
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        format!("Cookie: {jar}\r\n")
    }
}
