#!/usr/bin/env bash
# The benchmarks P1–P9 (benches/README.md), each beside its baseline measured in
# the same run. Builds release, loads the city demo into a scratch data dir,
# serves it on loopback and measures. Results go to standard output; copy
# them into benches/RESULTS.md with the machine and the commit.
#
#   benches/run.sh                 # everything (city demo ~ minutes, 1M-event trail once)
#   RESULTS_URL=/seleksi/<slug>/hasil/<code> benches/run.sh   # P1 against another page (default: the first formation's results)
#   SCALE=small SKIP_TRAIL=1 benches/run.sh                # a quick pass
#   P2_OPS=500 P3_APPS=100 benches/run.sh                  # smaller P2/P3 worlds
#   SKIP_USECASES=1 benches/run.sh                         # without P2/P3
#   P2_HTTP_INSTANCES=1,2 benches/run.sh                   # P2 over HTTP on one and on two instances
#   PG_URL=postgres://postgres@127.0.0.1:5432/test benches/run.sh   # also P2, P2h, P3 and P6 on PostgreSQL
#   SKIP_PG_DEMO=1 PG_URL=… benches/run.sh                  # PostgreSQL without P6 (the city demo takes ~25 min there)
#   BENCH_TIMELINE=FILE benches/run.sh                      # every P2/P2h/P3 op's start and latency, to tell a tail's shape
#
# Needs: wrk (installed from Debian's packages when missing), openssl,
# sha256sum, GNU time, curl; psql for the PostgreSQL figures.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WORK=${WORK:-$ROOT/target/bench-work}
SCALE=${SCALE:-city}
RUNS=${RUNS:-5}
DURATION=${DURATION:-10s}
ADDR=127.0.0.1:${PORT:-18080}
BIN=$ROOT/target/release/pokmas
mkdir -p "$WORK"

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
line() { printf '%-4s %-58s %s\n' "$1" "$2" "$3"; }

if ! command -v wrk >/dev/null; then
  echo "installing wrk (Debian package)…" >&2
  if [ "$(id -u)" = 0 ]; then apt-get install -y wrk >&2; else sudo apt-get install -y wrk >&2; fi
fi

echo "building release…" >&2
cargo build --release --quiet

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), commit $(git rev-parse --short HEAD)"

# ---- P6: the city demo, P6_RUNS times (median, and every run) -------------
# Each run loads into an empty folder; the last one is served below. GNU time
# gives the CPU split and peak RSS; the demo's own "stages:" line the
# breakdown (the two-stage round is the stage "tpp").
DATA=$WORK/demo-$SCALE
P6_RUNS=${P6_RUNS:-3}
p6s=()
for r in $(seq "$P6_RUNS"); do
  rm -rf "$DATA"
  start=$(date +%s.%N)
  /usr/bin/time -f '%U %S %M' -o "$WORK/p6time.txt" \
    "$BIN" --data-dir "$DATA" demo --scale "$SCALE" --seed 1 --quiet > "$WORK/demo.out"
  end=$(date +%s.%N)
  t=$(echo "$end - $start" | bc)
  p6s+=("$t")
  read -r usr sys kb < "$WORK/p6time.txt"
  tpp=$(grep '^stages:' "$WORK/demo.out" | grep -o 'tpp [0-9.]*' | cut -d' ' -f2)
  line P6 "run $r: wall, user + sys, peak RSS" "$(printf '%.1f s (%.0f + %.0f s CPU), %.0f MB' "$t" "$usr" "$sys" "$(echo "$kb/1024" | bc)")"
  grep '^stages:' "$WORK/demo.out" | sed 's/^/     /'
  if [ -n "$tpp" ]; then
    line P6 "run $r: first round alone (wall minus the stage tpp)" "$(printf '%.1f s' "$(echo "$t - $tpp" | bc)")"
  fi
done
P6=$(printf '%s\n' "${p6s[@]}" | median)
P6MAX=$(printf '%s\n' "${p6s[@]}" | sort -g | tail -1)
SLUG=$(grep -o '/seleksi/[a-z0-9-]*' "$WORK/demo.out" | head -1)
line P6 "demo --scale $SCALE, median of $P6_RUNS (target < 150 s, every run < 180 s)" "$(printf '%.1f s (slowest %.1f s)' "$P6" "$P6MAX")"
sed -n 1,3p "$WORK/demo.out" | sed 's/^/     /'

# ---- the server -------------------------------------------------------------
# Served with the environment deploy/pokmas.service gives it (its malloc
# arenas), so P1 and P8 are the deployed server's figures.
DEPLOYED_TUNABLES=$(sed -n 's/^Environment=GLIBC_TUNABLES=//p' deploy/pokmas.service)
GLIBC_TUNABLES=$DEPLOYED_TUNABLES POKMAS_LOG=warn "$BIN" --data-dir "$DATA" serve --addr "$ADDR" > "$WORK/serve.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf "http://$ADDR/healthz" >/dev/null && break; sleep 0.1; done
rss() { awk '/VmRSS/ {print $2/1024}' "/proc/$SERVER/status"; }
IDLE_RSS=$(rss)

# ---- P1 + P8: public page vs a static asset, 64 connections ----------------
# The public results page of the first formation (~340 applicants at city scale).
PAGE=${RESULTS_URL:-$(curl -s "http://$ADDR$SLUG/hasil" | grep -o "$SLUG/hasil/[A-Za-z0-9._-]*" | head -1)}
PAGE=${PAGE:-$SLUG}
# reqs PATH [ACCEPT-ENCODING]: req/s at 64 connections; with a header when given.
reqs() {
  if [ -n "${2:-}" ]; then
    wrk -t2 -c64 -d"$DURATION" -H "Accept-Encoding: $2" "http://$ADDR$1"
  else
    wrk -t2 -c64 -d"$DURATION" "http://$ADDR$1"
  fi | awk '/Requests\/sec/ {print $2}'
}
# As browsers ask (Chromium and Firefox send "gzip, deflate, br, zstd") and,
# for the baseline, the uncompressed asset on the same server in the same run.
BROWSER_AE='gzip, deflate, br, zstd'
page_runs=(); page_plain=(); asset_runs=(); asset_br=(); peak=0
for _ in $(seq "$RUNS"); do
  asset_runs+=("$(reqs /assets/app.css)")
  asset_br+=("$(reqs /assets/app.css "$BROWSER_AE")")
  page_plain+=("$(reqs "$PAGE")")
  (reqs "$PAGE" "$BROWSER_AE" > "$WORK/p1.tmp") &
  W=$!
  while kill -0 $W 2>/dev/null; do r=$(rss); peak=$(echo "$r $peak" | awk '{print ($1>$2)?$1:$2}'); sleep 0.2; done
  page_runs+=("$(cat "$WORK/p1.tmp")")
done
P1=$(printf '%s\n' "${page_runs[@]}" | median)
P1PLAIN=$(printf '%s\n' "${page_plain[@]}" | median)
BASE=$(printf '%s\n' "${asset_runs[@]}" | median)
BASEBR=$(printf '%s\n' "${asset_br[@]}" | median)
line P1 "public page $PAGE as browsers ask (br), req/s (target ≥ 0.5× uncompressed asset)" "$P1 vs asset $BASE ($(echo "scale=2; $P1/$BASE" | bc)×)"
line P1 "the same page without Accept-Encoding, req/s" "$P1PLAIN ($(echo "scale=2; $P1PLAIN/$BASE" | bc)×)"
line P1 "asset as browsers ask (br) vs uncompressed (target ≥ 0.9×)" "$BASEBR vs $BASE ($(echo "scale=2; $BASEBR/$BASE" | bc)×)"
line P8 "server RSS idle / during P1 (target < 40 / < 150 MB), $DEPLOYED_TUNABLES" "$(printf '%.1f / %.1f MB' "$IDLE_RSS" "$peak")"

# ---- P9: transferred size as browsers ask ----------------------------------
for path in / "$SLUG" "$PAGE"; do
  size=$(curl -s -H 'Accept-Encoding: gzip' -o /dev/null -w '%{size_download}' "http://$ADDR$path")
  sizebr=$(curl -s -H "Accept-Encoding: $BROWSER_AE" -o /dev/null -w '%{size_download}' "http://$ADDR$path")
  line P9 "gzip / br size of $path (target ≤ 30 KB)" "$(echo "scale=1; $size/1024" | bc) / $(echo "scale=1; $sizebr/1024" | bc) KB"
done
kill $SERVER; wait $SERVER 2>/dev/null || true
trap - EXIT
# P8's baseline: the same server with glibc's default arenas, one P1 run.
POKMAS_LOG=warn "$BIN" --data-dir "$DATA" serve --addr "$ADDR" > "$WORK/serve-default.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf "http://$ADDR/healthz" >/dev/null && break; sleep 0.1; done
IDLE_DEFAULT=$(rss); peak_default=0
(reqs "$PAGE" "$BROWSER_AE" > /dev/null) &
W=$!
while kill -0 $W 2>/dev/null; do r=$(rss); peak_default=$(echo "$r $peak_default" | awk '{print ($1>$2)?$1:$2}'); sleep 0.2; done
line P8 "the same, glibc's default arenas (one P1 run)" "$(printf '%.1f / %.1f MB' "$IDLE_DEFAULT" "$peak_default")"
kill $SERVER; wait $SERVER 2>/dev/null || true
trap - EXIT
# The form exists only while registration is open, for someone signed in.
benches/p9_form.sh "$BIN" "$WORK"

# ---- P4 + P5: a 1,000,000-event trail --------------------------------------
if [ -z "${SKIP_TRAIL:-}" ]; then
  TRAIL=$WORK/trail
  if [ ! -f "$TRAIL/pokmas.db" ]; then
    echo "appending 1,000,000 events through the audit path (once)…" >&2
    "$BIN" --data-dir "$TRAIL" bench-trail --events 1000000
  fi
  exports=(); rsss=()
  for _ in $(seq 3); do
    rm -f "$WORK/audit.csv"
    /usr/bin/time -f '%e %M' -o "$WORK/time.txt" "$BIN" --data-dir "$TRAIL" export audit --out "$WORK/audit.csv" 2>/dev/null
    read -r secs kb < "$WORK/time.txt"
    mb=$(echo "scale=1; $(stat -c %s "$WORK/audit.csv")/1048576" | bc)
    exports+=("$(echo "scale=1; $mb/$secs" | bc)"); rsss+=("$(echo "scale=1; $kb/1024" | bc)")
  done
  line P5 "export audit, 1M events: MB/s, peak RSS (≥ 100 MB/s, < 64 MB)" "$(printf '%s\n' "${exports[@]}" | median) MB/s, $(printf '%s\n' "${rsss[@]}" | median) MB (file $mb MB)"
  v=(); o=(); s=()
  for _ in $(seq 3); do
    /usr/bin/time -f '%e' -o "$WORK/t1" "$BIN" audit verify "$WORK/audit.csv" >/dev/null
    /usr/bin/time -f '%e' -o "$WORK/t2" openssl dgst -sha256 "$WORK/audit.csv" >/dev/null
    /usr/bin/time -f '%e' -o "$WORK/t3" sha256sum "$WORK/audit.csv" >/dev/null
    v+=("$(echo "scale=1; $mb/$(cat "$WORK/t1")" | bc)")
    o+=("$(echo "scale=1; $mb/$(cat "$WORK/t2")" | bc)")
    s+=("$(echo "scale=1; $mb/$(cat "$WORK/t3")" | bc)")
  done
  line P4 "audit verify, MB/s (target ≥ 0.5× openssl)" "$(printf '%s\n' "${v[@]}" | median) vs openssl $(printf '%s\n' "${o[@]}" | median), sha256sum $(printf '%s\n' "${s[@]}" | median)"
fi

# ---- P2 + P3: the write use cases, in-process and over HTTP ----------------
# 16 concurrent tasks call the services on a fresh SQLite file opened like the
# server's (FULL); P2h sends the same application over HTTP to the router on
# loopback (one instance, and two with P2_HTTP_INSTANCES=1,2). The bench
# prints one line per run and a median line per figure; the medians go
# through `line` like the rest. P2_OPS, P3_APPS, RUNS (≤ 5), CONC, ONLY and
# P2_HTTP_INSTANCES pass through.
if [ -z "${SKIP_USECASES:-}" ]; then
  echo "P2/P3: building the world through the services (about a minute), then measuring…" >&2
  cargo bench --quiet --bench usecases 2>"$WORK/usecases.err" > "$WORK/usecases.out" \
    || { cat "$WORK/usecases.err" >&2; exit 1; }
  grep -E '^P[23][ah]? +run' "$WORK/usecases.out" | sed 's/^/     /'
  while IFS= read -r l; do
    tag=${l%% *}; rest=${l#"$tag"}; rest=${rest#"${rest%%[! ]*}"}
    line "$tag" "${rest%%: *}" "${rest#*: }"
  done < <(grep -Ev '^P[23][ah]? +run' "$WORK/usecases.out")
fi

# ---- P7: the ranking rule ---------------------------------------------------
cargo bench --quiet --bench ranking 2>/dev/null | sed 's/^/P7   /'

# ---- PostgreSQL: P2, P2h (one and two instances), P3 and P6 ----------------
# With PG_URL (e.g. postgres://postgres@127.0.0.1:5432/test) the use cases run
# again on a database of their own on that server, and the demo is loaded
# into another (both dropped afterwards).
if [ -n "${PG_URL:-}" ]; then
  echo "PostgreSQL: P2/P2h/P3 on $PG_URL…" >&2
  BENCH_DATABASE_URL=$PG_URL P2_HTTP_INSTANCES=${P2_HTTP_INSTANCES:-1,2} \
    cargo bench --quiet --bench usecases 2>"$WORK/usecases-pg.err" > "$WORK/usecases-pg.out" \
    || { cat "$WORK/usecases-pg.err" >&2; exit 1; }
  grep -E '^P[23][ah]? +run' "$WORK/usecases-pg.out" | sed 's/^/     /'
  while IFS= read -r l; do
    tag=${l%% *}; rest=${l#"$tag"}; rest=${rest#"${rest%%[! ]*}"}
    line "$tag" "${rest%%: *}" "${rest#*: }"
  done < <(grep -Ev '^P[23][ah]? +run' "$WORK/usecases-pg.out")
  if [ -z "${SKIP_PG_DEMO:-}" ]; then
    PGDB=pokmas_bench_demo
    psql "$PG_URL" -qc "DROP DATABASE IF EXISTS $PGDB WITH (FORCE)" -c "CREATE DATABASE $PGDB" >/dev/null
    rm -rf "$WORK/demo-pg"
    start=$(date +%s.%N)
    "$BIN" --data-dir "$WORK/demo-pg" --database-url "${PG_URL%/*}/$PGDB" demo --scale "$SCALE" --seed 1 --quiet > "$WORK/demo-pg.out"
    end=$(date +%s.%N)
    line P6 "demo --scale $SCALE on PostgreSQL" "$(printf '%.1f s' "$(echo "$end - $start" | bc)")"
    grep '^stages:' "$WORK/demo-pg.out" | sed 's/^/     /'
    psql "$PG_URL" -qc "DROP DATABASE IF EXISTS $PGDB WITH (FORCE)" >/dev/null
  fi
fi

