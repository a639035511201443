#!/usr/bin/env bash
# API conformance: schemathesis (PyPI) against a demo server (`pokmas serve
# --demo` on a temporary folder), anonymously with all its checks and then
# with a personal API token of each role in SCHEMATHESIS_ROLES (default: all
# five), made at /akun like a person would. Bounded in time: few examples per
# operation, SCHEMATHESIS_SECONDS for the anonymous run and
# SCHEMATHESIS_ROLE_SECONDS per role. Any failure fails.
#
# Every check runs, positive_data_acceptance ("a request the schema allows
# is accepted") included: request schemas state the services' rules (enums,
# ranges, lengths, plain-text patterns), and a refusal by state is a
# documented 409, which that check accepts. Only for these operations
# (.ci/schemathesis.toml) does it also accept a documented 422, because no
# JSON Schema of the body states their rules:
# - POST applications/{id}/documents/{code}: multipart; a file's type is
#   judged by its bytes (PDF, JPEG or PNG and no markup), not its part.
# - POST/PUT admin/rounds: milestones in order, age_min <= age_max.
# - PUT admin/rounds/{id}/criteria: weights sum to 100, scale_min <
#   scale_max, codes unique; …/requirements: codes unique; …/stages: stage
#   codes unique, a weighted final rule needs a weight for every stage.
# - POST admin/rounds/{id}/formations: the kelurahan and its RTs must exist;
#   …/formations/generate: the kecamatan must exist.
# - POST …/formations/import and …/imported-values: CSV text; its lines are
#   the content.
# - POST admin/rounds/{id}/sessions: the test date lies in the future.
# - POST admin/rounds/{id}/transition: cancelling needs a reason.
# - POST admin/staff, PUT admin/staff/{id}/kelurahan: kelurahan codes must
#   exist and are given exactly for operators and panelists.
# - POST operator/applications/{id}/verification and admin/applications/
#   {id}/change-requests: one decision per requirement of that
#   application; TMS needs a reason.
# - POST panel/applications/{id}/declaration: a conflict needs its text.
# - POST witness/{id}/reveal: the secret must hash to the commitment.
# - POST admin/objections/{id}/reviewer: the reviewer must be eligible.
# - POST admin/rounds/{id}/invitations/{invitation}/attendance: turning a
#   recorded absence into a presence needs a reason.
# - POST admin/kelurahan/{code}/rts: without `count` the kelurahan needs a
#   recorded one.
# - GET audit/events: subject_type and subject_id come together, and a
#   day must exist (a query refusal is 400, accepted there instead).
# Needs python3 (venv, pip), curl and a built pokmas.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${POKMAS_BIN:-target/debug/pokmas}
[ -x "$BIN" ] || cargo build --locked --bin pokmas
EXAMPLES=${SCHEMATHESIS_EXAMPLES:-5}
VENV=${SCHEMATHESIS_VENV:-target/schemathesis-venv}
work=$(mktemp -d)
pid=
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

if ! [ -x "$VENV/bin/schemathesis" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q 'schemathesis>=4,<5'
fi
"$VENV/bin/schemathesis" --version

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
BASE=http://127.0.0.1:$port
POKMAS_DATA_DIR=$work/data POKMAS_ADDR=127.0.0.1:$port POKMAS_BASE_URL=$BASE POKMAS_LOG=warn \
  "$BIN" serve --demo >"$work/serve.log" 2>&1 &
pid=$!
for _ in $(seq 1 240); do
  curl -fsS "$BASE/healthz" >/dev/null 2>&1 && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/serve.log"; fail "the demo server stopped"; }
  sleep 0.5
done
curl -fsS "$BASE/healthz" >/dev/null || fail "the demo server did not start"

hidden() { sed -n "s/.*name=\"$1\" value=\"\([^\"]*\)\".*/\1/p" | head -n1 | sed 's/&amp;/\&/g; s/&#x2B;/+/g'; }
# A token for the account on the credentials line of `role`, made at /akun.
token_for() {
  local role=$1 email password jar csrf
  read -r email password < <(awk -F'\t' -v r="$role" '$1==r {print $2, $3; exit}' "$work/data/demo-credentials.txt")
  [ -n "$email" ] || fail "no $role in the demo credentials"
  jar=$work/jar-$role
  csrf=$(curl -fsS -c "$jar" -b "$jar" "$BASE/masuk" | hidden csrf)
  curl -fsS -o /dev/null -c "$jar" -b "$jar" --data-urlencode "csrf=$csrf" \
    --data-urlencode "email=$email" --data-urlencode "password=$password" "$BASE/masuk"
  csrf=$(curl -fsS -c "$jar" -b "$jar" "$BASE/akun" | hidden csrf)
  curl -fsS -c "$jar" -b "$jar" --data-urlencode "csrf=$csrf" --data-urlencode "label=schemathesis" \
    --data-urlencode "days=7" "$BASE/akun/token" | sed -n 's/.*id="token-baru">\([^<]*\)<.*/\1/p'
}

run() { # label, seconds, extra args
  local label=$1 seconds=$2; shift 2
  echo "== schemathesis: $label (at most $seconds s)"
  # One worker: Python 3.11's parser is not thread-safe.
  "$VENV/bin/schemathesis" --config-file .ci/schemathesis.toml run "$BASE/api/openapi.json" --url "$BASE" \
    --checks all --max-examples "$EXAMPLES" --workers 1 \
    --request-timeout 30 --max-time "$seconds" --seed 1 --suppress-health-check all "$@"
}

failed=()
run anonymous "${SCHEMATHESIS_SECONDS:-120}" || failed+=(anonymous)
# Every token is made before any role runs, and the admin runs last: the
# admin's generated requests may deactivate or re-key other demo accounts
# (one run could not sign the auditor in after the admin's had run).
roles=(${SCHEMATHESIS_ROLES-applicant operator panelist auditor admin})
declare -A tokens
for role in "${roles[@]}"; do
  tokens[$role]=$(token_for "$role")
  [ -n "${tokens[$role]}" ] || fail "no token for $role"
done
for role in "${roles[@]}"; do
  run "$role" "${SCHEMATHESIS_ROLE_SECONDS:-60}" -H "Authorization: Bearer ${tokens[$role]}" \
    || failed+=("$role")
done
[ ${#failed[@]} -eq 0 ] || fail "schemathesis failed for: ${failed[*]}"
echo "== schemathesis: 0 failures"
