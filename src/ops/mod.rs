//! Running the installation: health and readiness for load balancers, and
//! the classification of outages.

pub mod backup;
pub mod health;
pub mod keys;
pub mod listen;
pub mod metrics;
pub mod startup;
pub mod sweep;

use std::time::Duration;

/// Operating settings of `pokmas serve`.
#[derive(Clone, Debug, clap::Args)]
pub struct OpsArgs {
    /// Seconds in-flight requests get to finish after SIGTERM/SIGINT; the
    /// connections still open then are dropped.
    #[arg(long, env = "POKMAS_SHUTDOWN_GRACE_SECS", default_value_t = 30)]
    pub shutdown_grace_secs: u64,

    /// Seconds a client has to send a request's headers once it started;
    /// a slower client is disconnected.
    #[arg(long, env = "POKMAS_HEADER_TIMEOUT_SECS", default_value_t = 15,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub header_timeout_secs: u64,

    /// Seconds a kept-alive connection may stay without any traffic.
    #[arg(long, env = "POKMAS_IDLE_TIMEOUT_SECS", default_value_t = 75,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub idle_timeout_secs: u64,

    /// Client addresses that may read `/metrics` (comma-separated IPs, the
    /// TCP peer); without it `/metrics` answers 404 to everyone.
    #[arg(long, env = "POKMAS_METRICS_ALLOW", value_delimiter = ',')]
    pub metrics_allow: Vec<std::net::IpAddr>,

    /// The SMS/WhatsApp gateway (files under `DATA_DIR/sms/` without one).
    #[command(flatten)]
    pub sms: crate::sms::SmsArgs,
}

impl OpsArgs {
    /// The listener's deadlines.
    #[must_use]
    pub fn deadlines(&self) -> listen::Deadlines {
        listen::Deadlines {
            header_read: Duration::from_secs(self.header_timeout_secs),
            idle: Duration::from_secs(self.idle_timeout_secs),
            shutdown_grace: Duration::from_secs(self.shutdown_grace_secs),
        }
    }
}
