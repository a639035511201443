#!/usr/bin/env bash
# Debian's nginx with a self-signed certificate in front of two pokmas
# instances that share one PostgreSQL database (README, "Running it for a
# city"). Checks: pages over HTTPS, Secure cookies, throttles keyed by the
# forwarded client address, and a sign-in made through one instance working
# on the other. Needs nginx, openssl, curl, psql and TEST_DATABASE_URL.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${POKMAS_BIN:-target/debug/pokmas}
[ -x "$BIN" ] || cargo build --locked --bin pokmas
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
BASE=${TEST_DATABASE_URL:?TEST_DATABASE_URL must point at a PostgreSQL server}
work=$(mktemp -d)
dbname="pokmas_ci_nginx_$$"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  psql "$BASE" -qc "DROP DATABASE IF EXISTS $dbname WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

psql "$BASE" -qc "CREATE DATABASE $dbname"
export DATABASE_URL="${BASE%/*}/$dbname"

# Both instances: the same keys, one documents folder.
mkdir -p "$work/a/files" "$work/b"
openssl rand -hex 32 > "$work/a/secret.key"
openssl rand -hex 32 > "$work/a/checkpoint.key"
chmod 600 "$work/a/"*.key
cp -p "$work/a/"*.key "$work/b/"
ln -s "$work/a/files" "$work/b/files"

a=$(free_port); b=$(free_port); t0=$(free_port); t1=$(free_port); t2=$(free_port)
start() { # data dir, port
  POKMAS_DATA_DIR=$1 POKMAS_ADDR=127.0.0.1:$2 POKMAS_BASE_URL=https://localhost:$t0 \
    POKMAS_TRUSTED_PROXIES=127.0.0.1 POKMAS_LOG=warn "$BIN" serve &
  pids+=($!)
  for _ in $(seq 1 120); do
    curl -fsS "http://127.0.0.1:$2/healthz" >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  fail "instance on port $2 did not start"
}
start "$work/a" "$a"   # migrates first
start "$work/b" "$b"
printf 'kata-sandi-rahasia-1\n' | POKMAS_LOG=warn POKMAS_DATA_DIR=$work/a "$BIN" user add \
  --email admin@contoh.id --name "Admin Kota" --role admin --password-stdin >/dev/null

openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost \
  -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
site() { # listen port, upstream
  cat <<CONF
  server {
    listen 127.0.0.1:$1 ssl;
    ssl_certificate $work/cert.pem;
    ssl_certificate_key $work/key.pem;
    client_max_body_size 16m;
    location / {
      proxy_pass http://$2;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$host;
      proxy_set_header X-Forwarded-For \$remote_addr;
      proxy_set_header X-Forwarded-Proto \$scheme;
    }
  }
CONF
}
cat > "$work/nginx.conf" <<CONF
pid $work/nginx.pid;
error_log $work/error.log;
events {}
http {
  access_log off;
  client_body_temp_path $work/body;
  proxy_temp_path $work/proxy;
  upstream both { server 127.0.0.1:$a; server 127.0.0.1:$b; }
$(site "$t0" both)
$(site "$t1" "127.0.0.1:$a")
$(site "$t2" "127.0.0.1:$b")
}
CONF
"$NGINX" -c "$work/nginx.conf" -p "$work"
for _ in $(seq 1 50); do curl -ks "https://127.0.0.1:$t0/healthz" >/dev/null && break; sleep 0.2; done

echo "-- pages over HTTPS"
code=$(curl -ks -o "$work/home.html" -w '%{http_code}' "https://127.0.0.1:$t0/")
[ "$code" = 200 ] || fail "home page over HTTPS answered $code"
grep -q '<html lang="id">' "$work/home.html" || fail "home page is not the site"

echo "-- Secure cookies"
curl -ks -D "$work/h.txt" -o /dev/null "https://127.0.0.1:$t0/masuk"
grep -i '^set-cookie:' "$work/h.txt" >/dev/null || fail "no cookie set"
if grep -i '^set-cookie:' "$work/h.txt" | grep -vqi '; *secure'; then
  fail "a cookie without Secure: $(grep -i '^set-cookie:' "$work/h.txt")"
fi

csrf_of() { sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' "$1" | head -n1 | sed 's/&amp;/\&/g; s/&#x2B;/+/g; s/&#43;/+/g'; }
register() { # client address, n -> HTTP status
  local jar="$work/jar-reg-$2"
  curl -ks --interface "$1" -c "$jar" -b "$jar" -o "$work/reg.html" "https://127.0.0.1:$t0/daftar"
  local csrf; csrf=$(csrf_of "$work/reg.html")
  curl -ks --interface "$1" -c "$jar" -b "$jar" -o /dev/null -w '%{http_code}' \
    --data-urlencode "csrf=$csrf" --data-urlencode "name=Warga $2" \
    --data-urlencode "email=warga$2@contoh.id" --data-urlencode "password=kata-sandi-rahasia-1" \
    --data-urlencode "password_confirm=kata-sandi-rahasia-1" "https://127.0.0.1:$t0/daftar"
}
echo "-- throttles see the forwarded client address"
for i in $(seq 1 20); do
  s=$(register 127.0.0.2 "$i"); [ "$s" = 200 ] || fail "registration $i from 127.0.0.2 answered $s"
done
s=$(register 127.0.0.2 21); [ "$s" = 429 ] || fail "the 21st registration from 127.0.0.2 answered $s, not 429"
s=$(register 127.0.0.3 22); [ "$s" = 200 ] || fail "another client (127.0.0.3) was throttled too: $s"

echo "-- a sign-in through one instance holds on the other"
jar="$work/jar-admin"
curl -ks -c "$jar" -b "$jar" -o "$work/login.html" "https://127.0.0.1:$t1/masuk"
csrf=$(csrf_of "$work/login.html")
code=$(curl -ks -c "$jar" -b "$jar" -o /dev/null -w '%{http_code}' \
  --data-urlencode "csrf=$csrf" --data-urlencode "email=admin@contoh.id" \
  --data-urlencode "password=kata-sandi-rahasia-1" "https://127.0.0.1:$t1/masuk")
[ "$code" = 303 ] || fail "sign-in through instance A answered $code"
code=$(curl -ks -b "$jar" -o "$work/akun.html" -w '%{http_code}' "https://127.0.0.1:$t2/akun")
[ "$code" = 200 ] || fail "the account page through instance B answered $code"
grep -q "admin@contoh.id" "$work/akun.html" || fail "instance B does not show the signed-in account"
code=$(curl -ks -o /dev/null -w '%{http_code}' "https://127.0.0.1:$t2/akun")
[ "$code" = 303 ] || fail "without the session cookie /akun answered $code"

echo "nginx in front of two instances: all checks passed"
