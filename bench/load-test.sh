#!/usr/bin/env bash
# Load test of `backprop serve`: starts the server on loopback, lets N concurrent clients (wrk, keep-alive) POST to
# /api/predict for a fixed time after a 5 s warm-up, and prints requests/s, p50/p99 latency, errors and the
# server's RSS before and after. Bounded: at most 256 clients for at most 300 s, on 127.0.0.1 only; the server is
# stopped at the end.
#
#   bench/load-test.sh [--clients N] [--seconds S] [--checkpoint FILE] [--png FILE] [--detail] [--workers N]
#
# The body is {"pixels": [...]}, a 28x28 "1" (the model's input as it is), or with --png an image that the server
# prepares as `predict` does. --detail asks for the feature maps and the saliency too (a forward and a backward
# pass per request, ~190 KB answers). Needs wrk (apt-get install wrk).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

clients=16
seconds=30
checkpoint=$root/src/test/resources/web/ref15k-5epochs.safetensors
png=
query=
workers=()
while [ $# -gt 0 ]; do
  case $1 in
    --clients) clients=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --checkpoint) checkpoint=$2; shift 2 ;;
    --png) png=$2; shift 2 ;;
    --detail) query='?detail=1'; shift ;;
    --workers) workers=(--workers "$2"); shift 2 ;;
    -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "load-test: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
if ! [[ $clients =~ ^[0-9]+$ ]] || [ "$clients" -lt 1 ] || [ "$clients" -gt 256 ]; then
  echo "load-test: --clients must be 1..256" >&2; exit 2
fi
if ! [[ $seconds =~ ^[0-9]+$ ]] || [ "$seconds" -lt 1 ] || [ "$seconds" -gt 300 ]; then
  echo "load-test: --seconds must be 1..300" >&2; exit 2
fi
command -v wrk >/dev/null || { echo "load-test: needs wrk (apt-get install wrk)" >&2; exit 2; }

work=$(mktemp -d)
launcher=
server=
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; fi
  if [ -n "$launcher" ]; then wait "$launcher" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# The request body.
if [ -n "$png" ]; then
  cp "$png" "$work/body"
  type=image/png
else
  awk 'BEGIN { printf "{\"pixels\": ["; for (i = 0; i < 784; i++) { r = int(i / 28); c = i % 28;
       v = (r >= 4 && r < 24 && c >= 13 && c < 15) ? 1 : 0; printf "%s%s", (i ? "," : ""), v } print "]}" }' \
      > "$work/body"
  type=application/json
fi
cat > "$work/post.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = os.getenv("LOAD_TYPE")
local file = assert(io.open(os.getenv("LOAD_BODY"), "rb"))
wrk.body = file:read("*a")
file:close()

-- answers counted by status in each thread, added up at the end
local threads = {}
function setup(thread) table.insert(threads, thread) end
statuses = {}
function response(status, headers, body) statuses[status] = (statuses[status] or 0) + 1 end
function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do total[status] = (total[status] or 0) + count end
  end
  for status, count in pairs(total) do io.write(string.format("status %d %d\n", status, count)) end
end
LUA

# The server, on a free port; its URL is the first line it prints.
"$root/bin/backprop" serve --checkpoint "$checkpoint" --port 0 "${workers[@]}" > "$work/server.log" 2>&1 &
launcher=$!
url=
for _ in $(seq 1 600); do
  url=$(sed -n 's/^Serving .* at \(http:[^ ]*\)$/\1/p' "$work/server.log")
  [ -n "$url" ] && break
  kill -0 "$launcher" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
  sleep 0.2
done
[ -n "$url" ] || { echo "load-test: the server did not start" >&2; cat "$work/server.log" >&2; exit 1; }
server=$(pgrep -P "$launcher" -x java || true)
[ -n "$server" ] || { echo "load-test: cannot find the server's JVM" >&2; exit 1; }
rss() { awk '/^VmRSS/ { printf "%.0f MiB", $2 / 1024 }' "/proc/$server/status"; }

endpoint="${url}api/predict$query"
check=$(curl -s -o /dev/null -w '%{http_code}' -H "Content-Type: $type" --data-binary "@$work/body" "$endpoint")
[ "$check" = 200 ] || { echo "load-test: a single request got HTTP $check" >&2; exit 1; }
rss_idle=$(rss)
threads=$(( clients < 2 ? clients : 2 ))
load() { # seconds, output
  LOAD_TYPE=$type LOAD_BODY=$work/body wrk -t "$threads" -c "$clients" -d "${1}s" --timeout 10s --latency \
      -s "$work/post.lua" "$endpoint" > "$2"
}
echo "load-test: $clients clients for ${seconds}s against POST $endpoint ($type, $(wc -c < "$work/body") bytes)"
load 5 "$work/warmup.txt" # the JIT compiles the hot paths; the RSS before is taken after it
sleep 2 # the warm-up's last requests, abandoned by wrk, are still admitted until the server has answered them
rss_before=$(rss)
load "$seconds" "$work/wrk.txt"
rss_after=$(rss)

requests=$(awk '/requests in/ { print $1 }' "$work/wrk.txt")
rate=$(awk '/^Requests\/sec:/ { print $2 }' "$work/wrk.txt")
p50=$(awk '$1 == "50%" { print $2 }' "$work/wrk.txt")
p99=$(awk '$1 == "99%" { print $2 }' "$work/wrk.txt")
non2xx=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$work/wrk.txt")
sockets=$(awk '/Socket errors:/ { gsub(",", ""); print $4 + $6 + $8 + $10 }' "$work/wrk.txt")
errors=$(( ${non2xx:-0} + ${sockets:-0} ))
statuses=$(awk '$1 == "status" && $2 != 200 { printf "%s%s: %s", (n++ ? ", " : ""), $2, $3 }' "$work/wrk.txt")
echo "requests    $requests in ${seconds}s"
echo "requests/s  $rate"
echo "latency     p50 $p50, p99 $p99"
echo "errors      $errors (non-2xx ${non2xx:-0}${statuses:+ = $statuses}, socket ${sockets:-0})"
grep -i "error" "$work/server.log" | sort | uniq -c | head -5 || true
echo "server RSS  $rss_before before, $rss_after after ($rss_idle idle at start, before a 5 s warm-up)"
