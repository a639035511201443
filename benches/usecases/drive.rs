//! Running ops concurrently and reporting their latencies.

use super::*;

pub(crate) fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

/// Prints setup progress on standard error, so standard output keeps only figures.
pub(crate) fn note(started: Instant, what: &str) {
    eprintln!("  [{:6.1} s] {what}", started.elapsed().as_secs_f64());
}

/// One op's own latency, and optionally the latency of a part of it.
pub(crate) type OpFuture = Pin<Box<dyn Future<Output = anyhow::Result<Option<Duration>>> + Send>>;
pub(crate) type Op = Arc<dyn Fn(usize) -> OpFuture + Send + Sync>;

/// What one timed run measured.
pub(crate) struct Run {
    pub(crate) ops: usize,
    pub(crate) wall: Duration,
    pub(crate) totals: Vec<Duration>,
    pub(crate) parts: Vec<Duration>,
    /// Attempts refused with SQLITE_BUSY after the 10 s busy timeout.
    pub(crate) busy: usize,
}

pub(crate) fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

pub(crate) fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

impl Run {
    pub(crate) fn per_second(&self) -> f64 {
        self.ops as f64 / self.wall.as_secs_f64()
    }

    pub(crate) fn line(&self) -> String {
        let mut s = format!(
            "{:7.1} ops/s, p50 {:6.1} ms, p99 {:6.1} ms",
            self.per_second(),
            ms(percentile(&self.totals, 0.50)),
            ms(percentile(&self.totals, 0.99)),
        );
        if self.busy > 0 {
            s += &format!(", {} attempts refused SQLITE_BUSY and retried", self.busy);
        }
        if !self.parts.is_empty() {
            s += &format!(
                " (form POST alone: p50 {:.1} ms, p99 {:.1} ms)",
                ms(percentile(&self.parts, 0.50)),
                ms(percentile(&self.parts, 0.99)),
            );
        }
        s
    }
}

/// Runs `ops` operations, `conc` at a time: each task takes the next op
/// number until none is left, so a slow op never idles the others.
pub(crate) async fn drive(ops: usize, conc: usize, op: Op) -> anyhow::Result<Run> {
    let next = Arc::new(AtomicUsize::new(0));
    let busy = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..conc {
        let next = next.clone();
        let busy = busy.clone();
        let op = op.clone();
        tasks.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= ops {
                    break;
                }
                let t = Instant::now();
                // A writer that waited out the busy timeout (SQLITE_BUSY) is
                // retried, as a user would press again: its latency includes
                // the failed attempt, and the count is reported.
                let mut tries = 0;
                let part = loop {
                    match op(i).await {
                        Ok(part) => break part,
                        Err(e) if tries < 3 && format!("{e:#}").contains("database is locked") => {
                            tries += 1;
                            busy.fetch_add(1, Ordering::Relaxed);
                        }
                        Err(e) => return Err(e.context(format!("op {i}"))),
                    }
                };
                mine.push((t.duration_since(started), t.elapsed(), part));
            }
            anyhow::Ok(mine)
        }));
    }
    let mut totals = Vec::with_capacity(ops);
    let mut parts = Vec::new();
    let mut timeline = Vec::with_capacity(ops);
    for t in tasks {
        for (at, total, part) in t.await?? {
            totals.push(total);
            parts.extend(part);
            timeline.push((at, total, part));
        }
    }
    let wall = started.elapsed();
    write_timeline(timeline)?;
    totals.sort();
    parts.sort();
    Ok(Run {
        ops,
        wall,
        totals,
        parts,
        busy: busy.load(Ordering::Relaxed),
    })
}

/// With `BENCH_TIMELINE=FILE`, appends every op of this run to FILE as
/// `run,start_ms,total_ms,part_ms` (start from the run's start), so a tail
/// can be told apart: spread over the run, or bunched into stalls.
fn write_timeline(mut ops: Vec<(Duration, Duration, Option<Duration>)>) -> anyhow::Result<()> {
    static RUN: AtomicUsize = AtomicUsize::new(0);
    let Ok(path) = std::env::var("BENCH_TIMELINE") else {
        return Ok(());
    };
    let run = RUN.fetch_add(1, Ordering::Relaxed) + 1;
    ops.sort();
    let mut out = String::new();
    for (at, total, part) in ops {
        let part = part.map(|p| format!("{:.2}", ms(p))).unwrap_or_default();
        out += &format!("{run},{:.2},{:.2},{part}\n", ms(at), ms(total));
    }
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .with_context(|| format!("opening {path}"))?;
    std::io::Write::write_all(&mut f, out.as_bytes())?;
    Ok(())
}

pub(crate) fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// The summary line of several runs: the median of each figure by itself.
pub(crate) fn summary(runs: &[Run]) -> String {
    let pick = |f: &dyn Fn(&Run) -> f64| median(runs.iter().map(f).collect());
    let mut s = format!(
        "{:.1} ops/s, p50 {:.1} ms, p99 {:.1} ms",
        pick(&Run::per_second),
        pick(&|r| ms(percentile(&r.totals, 0.50))),
        pick(&|r| ms(percentile(&r.totals, 0.99))),
    );
    if runs.iter().all(|r| !r.parts.is_empty()) {
        s += &format!(
            "; form POST alone p50 {:.1} ms, p99 {:.1} ms",
            pick(&|r| ms(percentile(&r.parts, 0.50))),
            pick(&|r| ms(percentile(&r.parts, 0.99))),
        );
    }
    let busy: usize = runs.iter().map(|r| r.busy).sum();
    if busy > 0 {
        s += &format!("; {busy} attempts refused SQLITE_BUSY (retried)");
    }
    s + &format!(" (median of {} runs)", runs.len())
}

/// Starts every timed run from an empty WAL, so a checkpoint left over from
/// the setup (or the previous run) is not charged to this one.
pub(crate) async fn checkpoint(db: &DatabaseConnection) -> anyhow::Result<()> {
    if db.get_database_backend() != DbBackend::Sqlite {
        return Ok(());
    }
    db.execute_raw(Statement::from_string(
        DbBackend::Sqlite,
        "PRAGMA wal_checkpoint(TRUNCATE)",
    ))
    .await?;
    Ok(())
}
