#!/usr/bin/env bash
# P9 for the application form, which only exists while registration is open
# and only for someone signed in: a small demo stopped in `registration`, its
# first help-desk operator signs in, starts an assisted application for RT 1
# of their kelurahan and the blank form is fetched with gzip.
#   benches/p9_form.sh BIN WORKDIR
set -euo pipefail
BIN=$1; WORK=$2; ADDR=127.0.0.1:${P9_PORT:-18181}
DATA=$WORK/p9; J=$WORK/p9.jar
rm -rf "$DATA" "$J"
"$BIN" --data-dir "$DATA" demo --scale small --state registration --quiet > "$WORK/p9.out"
read -r EMAIL PASS < <(awk -F'\t' '$1=="operator" {print $2, $3; exit}' "$DATA/demo-credentials.txt")
POKMAS_LOG=warn "$BIN" --data-dir "$DATA" serve --addr "$ADDR" > "$WORK/p9serve.log" 2>&1 &
S=$!; trap 'kill $S 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf "http://$ADDR/healthz" >/dev/null && break; sleep 0.1; done
field() { grep -o "name=\"$1\" value=\"[^\"]*\"" | head -1 | sed 's/.*value="//;s/"$//'; }
CSRF=$(curl -s -c "$J" -b "$J" "http://$ADDR/masuk" | field csrf)
curl -s -c "$J" -b "$J" -o /dev/null --data-urlencode "csrf=$CSRF" \
  --data-urlencode "email=$EMAIL" --data-urlencode "password=$PASS" "http://$ADDR/masuk"
DESK=$(curl -s -c "$J" -b "$J" "http://$ADDR/meja-bantuan")
ROUND=$(grep -o '<option value="[0-9a-f-]\{36\}"' <<<"$DESK" | head -1 | sed 's/.*value="//;s/"$//')
KEL=$(grep -o '<option value="64\.72\.[0-9.]*"' <<<"$DESK" | head -1 | sed 's/.*value="//;s/"$//')
FORM=$(curl -s -c "$J" -b "$J" -o /dev/null -w '%{redirect_url}' \
  --data-urlencode "csrf=$(field csrf <<<"$DESK")" --data-urlencode "round_id=$ROUND" \
  --data-urlencode "kelurahan=$KEL" --data-urlencode "rt=1" \
  --data-urlencode "idempotency_key=$(field idempotency_key <<<"$DESK")" "http://$ADDR/meja-bantuan")
size=$(curl -s -c "$J" -b "$J" -H 'Accept-Encoding: gzip' -o /dev/null -w '%{size_download}' "$FORM")
printf '%-4s %-58s %s\n' P9 "gzip size of the application form (target ≤ 30 KB)" "$(echo "scale=1; $size/1024" | bc) KB"
