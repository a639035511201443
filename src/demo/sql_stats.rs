//! Where a demo stage spends its database time: with `POKMAS_DEMO_SQL_STATS=1`
//! every statement's text, count and time (as sea-orm measures it, from the
//! call to the result, so including the hop to SQLite's worker thread) are
//! summed and printed after each stage. A diagnostic for benchmarks (P6), off
//! by default.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};
use std::time::Duration;

use sea_orm::DatabaseConnection;

static STATS: LazyLock<Mutex<HashMap<String, (u64, Duration)>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// Whether the statistics were asked for.
pub fn enabled() -> bool {
    std::env::var_os("POKMAS_DEMO_SQL_STATS").is_some_and(|v| v == "1")
}

/// Starts counting the statements of `db`.
pub fn install(db: &mut DatabaseConnection) {
    db.set_metric_callback(|info| {
        if let Ok(mut s) = STATS.lock() {
            let e = s.entry(info.statement.sql.clone()).or_default();
            e.0 += 1;
            e.1 += info.elapsed;
        }
    });
}

/// Prints and resets the statistics gathered since the last call.
pub fn report(stage: &str, units: usize) {
    let Ok(mut s) = STATS.lock() else { return };
    let mut rows: Vec<(String, (u64, Duration))> = s.drain().collect();
    rows.sort_by_key(|r| std::cmp::Reverse(r.1.1));
    let count: u64 = rows.iter().map(|r| r.1.0).sum();
    let time: Duration = rows.iter().map(|r| r.1.1).sum();
    let per = u64::try_from(units.max(1)).unwrap_or(1);
    eprintln!(
        "== {stage}: {count} statements ({} per unit of {units}), {:.1} s in statements",
        count / per,
        time.as_secs_f64()
    );
    for (sql, (n, t)) in rows.iter().take(40) {
        let short: String = sql.chars().take(150).collect();
        eprintln!(
            "{n:>9} {:>8.2} s {:>6.1} µs  {short}",
            t.as_secs_f64(),
            t.as_secs_f64() * 1e6 / *n as f64
        );
    }
}
