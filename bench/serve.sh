#!/usr/bin/env bash
# Receiver benchmark: `drift-action serve` taking a signed 4 KB generic
# report, beside nginx answering a static 204, both driven by wrk on
# loopback in the same run with the same connections and duration.
#
#   bash bench/serve.sh
#
# The GitHub side: GITHUB_API_URL points at a second nginx location that
# answers 204 to the dispatch. Every request carries the same signed body
# (same delivery id), so after the first it is verified, parsed and
# deduplicated, and only one dispatch is ever sent: this measures the
# receiver's own path (HMAC-SHA256 over 4 KB, JSON, dedupe), not GitHub.
#
# Then a flood of FLOOD requests with a bad signature, RSS read from
# /proc before, after it, and after a second flood.
#
# Knobs: CONNS=64 THREADS=2 DURATION=10s REPS=3 FLOOD=10000
set -euo pipefail

CONNS=${CONNS:-64}
THREADS=${THREADS:-2}
DURATION=${DURATION:-10s}
REPS=${REPS:-3}
FLOOD=${FLOOD:-10000}
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
log() { printf '[serve-bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v openssl >/dev/null || missing+=(openssl)
if [ ${#missing[@]} -gt 0 ]; then
	log "installing ${missing[*]}"
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

WORK=$(mktemp -d "${TMPDIR:-/tmp}/serve-bench.XXXXXX")
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
NGINX_PORT=$(free_port)
SERVE_PORT=$(free_port)

log "building drift-action"
(cd "$REPO" && go build -o "$WORK/drift-action" .)

mkdir -p "$WORK/nginx"
cat >"$WORK/nginx/nginx.conf" <<CONF
worker_processes auto;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 1024; }
http {
	access_log off;
	client_body_temp_path $WORK/nginx/body;
	proxy_temp_path $WORK/nginx/proxy;
	fastcgi_temp_path $WORK/nginx/fastcgi;
	uwsgi_temp_path $WORK/nginx/uwsgi;
	scgi_temp_path $WORK/nginx/scgi;
	server {
		listen 127.0.0.1:$NGINX_PORT;
		location / { return 204; }
	}
}
CONF
"$NGINX" -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" &
pids+=($!)

SECRET=bench-secret-$(date +%s)
# A 4 KB report: a delivery id, a source and padding in "url".
python3 - "$WORK/body.json" <<'PY'
import json, sys
body = {"id": "bench-1", "source": "bench", "roots": ["infra/app"], "url": ""}
base = len(json.dumps(body, separators=(",", ":")))
body["url"] = "https://scan.example.com/" + "x" * (4096 - base - len("https://scan.example.com/"))
open(sys.argv[1], "w").write(json.dumps(body, separators=(",", ":")))
PY
SIG=$(openssl dgst -sha256 -hmac "$SECRET" -r <"$WORK/body.json" | cut -d' ' -f1)
BODY_BYTES=$(wc -c <"$WORK/body.json")

lua() { # lua FILE SIGNATURE
	python3 - "$WORK/body.json" "$2" >"$1" <<'PY'
import json, sys
body = open(sys.argv[1]).read()
print('wrk.method = "POST"')
print('wrk.body = %s' % json.dumps(body))
print('wrk.headers["Content-Type"] = "application/json"')
print('wrk.headers["X-Hub-Signature-256"] = "sha256=%s"' % sys.argv[2])
PY
}
lua "$WORK/good.lua" "$SIG"
lua "$WORK/bad.lua" "$(printf '0%.0s' $(seq 64))"

GITHUB_TOKEN=bench-token GITHUB_API_URL="http://127.0.0.1:$NGINX_PORT/" DRIFT_WEBHOOK_SECRET="$SECRET" \
	"$WORK/drift-action" serve --listen "127.0.0.1:$SERVE_PORT" --repo bench/bench --queue-file "$WORK/queue.json" 2>"$WORK/serve.log" &
SERVE_PID=$!
pids+=($SERVE_PID)

for port in "$NGINX_PORT" "$SERVE_PORT"; do
	for _ in $(seq 100); do
		curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null && break
		[ "$port" = "$NGINX_PORT" ] && curl -sS -o /dev/null "http://127.0.0.1:$port/" 2>/dev/null && break
		sleep 0.1
	done
done
code=$(curl -sS -o /dev/null -w '%{http_code}' -X POST -H "X-Hub-Signature-256: sha256=$SIG" --data-binary @"$WORK/body.json" "http://127.0.0.1:$SERVE_PORT/drift-webhook")
[ "$code" = 202 ] || { log "first signed request got $code, want 202"; cat "$WORK/serve.log" >&2; exit 1; }

# run_wrk URL SCRIPT -> "rps p99_ms non2xx"
run_wrk() {
	local out
	out=$(wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency -s "$2" "$1")
	python3 - "$out" <<'PY'
import re, sys
out = sys.argv[1]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
m = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
p99 = float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)]
bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
print(f"{rps:.0f} {p99:.3f} {bad.group(1) if bad else 0}")
PY
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

log "warming up"
wrk -t"$THREADS" -c"$CONNS" -d2s -s "$WORK/good.lua" "http://127.0.0.1:$SERVE_PORT/drift-webhook" >/dev/null
wrk -t"$THREADS" -c"$CONNS" -d2s -s "$WORK/good.lua" "http://127.0.0.1:$NGINX_PORT/" >/dev/null

: >"$WORK/serve.txt"; : >"$WORK/nginx.txt"
for i in $(seq "$REPS"); do
	log "rep $i/$REPS: drift-action serve"
	run_wrk "http://127.0.0.1:$SERVE_PORT/drift-webhook" "$WORK/good.lua" | tee -a "$WORK/serve.txt" >&2
	log "rep $i/$REPS: nginx static 204"
	run_wrk "http://127.0.0.1:$NGINX_PORT/" "$WORK/good.lua" | tee -a "$WORK/nginx.txt" >&2
done
S_RPS=$(cut -d' ' -f1 "$WORK/serve.txt" | median); S_P99=$(cut -d' ' -f2 "$WORK/serve.txt" | median)
N_RPS=$(cut -d' ' -f1 "$WORK/nginx.txt" | median); N_P99=$(cut -d' ' -f2 "$WORK/nginx.txt" | median)
S_BAD=$(awk '{s+=$3} END {print s}' "$WORK/serve.txt")

rss() { awk '/^VmRSS/ {print $2}' "/proc/$SERVE_PID/status"; }
flood() {
	python3 - "$SERVE_PORT" "$FLOOD" "$WORK/body.json" <<'PY'
import http.client, sys
port, n, body = int(sys.argv[1]), int(sys.argv[2]), open(sys.argv[3], "rb").read()
c = http.client.HTTPConnection("127.0.0.1", port)
codes = {}
for i in range(n):
    c.request("POST", "/drift-webhook", body, {"X-Hub-Signature-256": "sha256=" + "0" * 64, "Content-Type": "application/json"})
    r = c.getresponse(); r.read()
    codes[r.status] = codes.get(r.status, 0) + 1
print(" ".join(f"{k}:{v}" for k, v in sorted(codes.items())))
PY
}
RSS0=$(rss)
log "flood 1: $FLOOD bad signatures"; F1=$(flood); RSS1=$(rss)
log "flood 2: $FLOOD bad signatures"; F2=$(flood); RSS2=$(rss)
DISPATCHES=$(curl -fsS "http://127.0.0.1:$SERVE_PORT/metrics" | awk '/^drift_serve_dispatched_total/ {print $2}')
DUPS=$(curl -fsS "http://127.0.0.1:$SERVE_PORT/metrics" | awk '/^drift_serve_duplicates_total/ {print $2}')

ratio() { python3 -c "print(f'{$1/$2:.2f}')"; }
cat <<REPORT

### Run of $(date -u +%Y-%m-%d) on $(nproc) cores, $(uname -m); $(wrk -v 2>&1 | head -n1 | cut -d' ' -f1-2), $("$NGINX" -v 2>&1 | sed 's/.*: //')

wrk -t$THREADS -c$CONNS -d$DURATION, median of $REPS runs, a $BODY_BYTES-byte body signed with
X-Hub-Signature-256 (the same delivery each time, deduplicated after the first:
$DISPATCHES dispatch sent to the local stub, $DUPS duplicates answered).

| | requests/s | p99 latency |
| --- | --- | --- |
| drift-action serve | $S_RPS | $S_P99 ms |
| nginx, static 204 | $N_RPS | $N_P99 ms |
| ratio (serve / nginx) | $(ratio "$S_RPS" "$N_RPS") | $(ratio "$S_P99" "$N_P99") |

Goals: rate ratio >= 0.5 ($( python3 -c "print('met' if $S_RPS/$N_RPS >= 0.5 else 'NOT met')" )), p99 < 10 ms ($( python3 -c "print('met' if $S_P99 < 10 else 'NOT met')" )). Non-2xx answers from serve during the runs: $S_BAD.

Bad-signature flood ($FLOOD requests each, one keep-alive connection):

| | VmRSS |
| --- | --- |
| before | $RSS0 kB |
| after flood 1 ($F1) | $RSS1 kB |
| after flood 2 ($F2) | $RSS2 kB |
REPORT
