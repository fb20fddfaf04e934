#!/usr/bin/env bash
# The console's own instructions per request (user space: not the kernel's, not
# Postgres'), counted by valgrind's callgrind: a figure that repeats to about 1 % where the
# CPU time of a load run moves by 10-25 % on a shared machine (docs/BENCHMARKS.md, "What a
# page costs a browser's connection").
#
#   cargo bench -p console-server --bench console_load --no-run
#   crates/server/benches/count_instructions.sh [--new-connections] [--requests N]
#       [--size demo|large] [--keep-profiles DIR] PATH...
#
# Holds a console up with `console_load --hold` (a kept database, bench_<size>_keep; the
# demo world unless --size says otherwise; set a large world up first without callgrind,
# whose slowness its ten-minute snapshot would not survive: `console_load -- --keep-db
# bench_large_keep --hold 1`), run under callgrind with instrumentation off; for each PATH,
# three requests to warm up, then N (default 40) counted ones, and the count divided by N.
# --keep-profiles DIR keeps each PATH's callgrind file there (DIR/<n>.callgrind, in the
# order given), for `callgrind_annotate --inclusive=yes`.
# By default one kept-alive connection asking for gzip, as console_load's client does;
# `--new-connections` makes a connection per request and asks as a browser does
# (gzip, deflate, br, zstd). Needs valgrind and curl (apt-get install valgrind curl).
# CONSOLE_UNDER_TEST names another server binary to count (default: the one built).
set -euo pipefail
cd "$(dirname "$0")/../../.."

requests=40
new_connections=false
size=demo
keep=""
paths=()
while [ $# -gt 0 ]; do
  case "$1" in
    --new-connections) new_connections=true ;;
    --requests) requests="$2"; shift ;;
    --size) size="$2"; shift ;;
    --keep-profiles) keep="$2"; shift ;;
    *) paths+=("$1") ;;
  esac
  shift
done
[ ${#paths[@]} -gt 0 ] || { echo "usage: $0 [--new-connections] [--requests N] [--size demo|large] [--keep-profiles DIR] PATH..." >&2; exit 2; }
command -v valgrind > /dev/null || { echo "valgrind is missing: apt-get install valgrind" >&2; exit 1; }

bench=$(ls -t target/release/deps/console_load-* 2> /dev/null | grep -v '\.d$' | head -1 || true)
[ -n "$bench" ] || { echo "build the bench first: cargo bench -p console-server --bench console_load --no-run" >&2; exit 1; }
server=target/release/console-server
work=$(mktemp -d)
# The bench starts target/release/console-server: for the run it is a script that starts
# the real binary under callgrind; the binary goes back in place however the run ends.
cp "${CONSOLE_UNDER_TEST:-$server}" "$work/console-server"
mv "$server" "$work/built-console-server"
holder=""
restore() {
  [ -n "$holder" ] && kill "$holder" 2> /dev/null || true
  pkill -f "callgrind.*$work/console-server" 2> /dev/null || true
  mv -f "$work/built-console-server" "$server"
  rm -rf "$work"
}
trap restore EXIT
cat > "$server" << EOF
#!/usr/bin/env bash
exec valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file=$work/callgrind.%p "$work/console-server" "\$@"
EOF
chmod +x "$server"

far_page=2
[ "$size" = demo ] || far_page=50
DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres} \
  "$bench" --bench --size "$size" --far-page "$far_page" --keep-db "bench_${size}_keep" --hold 3600 > "$work/hold.log" 2>&1 &
holder=$!
for _ in $(seq 1 1200); do grep -q "held for" "$work/hold.log" && break; sleep 1; done
grep -q "held for" "$work/hold.log" || { cat "$work/hold.log" >&2; exit 1; }
url=$(grep -o 'console at [^ ]*' "$work/hold.log" | awk '{print $3}')
pid=$(grep -o '(pid [0-9]*)' "$work/hold.log" | tr -dc 0-9)
headers=(-H "$(grep -o "Cookie: [^']*" "$work/hold.log")")
email_header=$(grep -o "x-forwarded-email: [^']*" "$work/hold.log" || true)
[ -n "$email_header" ] && headers+=(-H "$email_header")
if $new_connections; then accept="gzip, deflate, br, zstd"; else accept="gzip"; fi
headers+=(-H "Accept-Encoding: $accept")

[ -z "$keep" ] || mkdir -p "$keep"
echo "| request | instructions per request | connections | Accept-Encoding |"
echo "|---|---:|---|---|"
n=0
for path in "${paths[@]}"; do
  n=$((n + 1))
  for _ in 1 2 3; do curl -s -o /dev/null "${headers[@]}" "$url$path"; done
  callgrind_control -z "$pid" > /dev/null 2>&1
  callgrind_control -i on "$pid" > /dev/null 2>&1
  if $new_connections; then
    for _ in $(seq 1 "$requests"); do curl -s -o /dev/null "${headers[@]}" "$url$path"; done
  else
    many=()
    for _ in $(seq 1 "$requests"); do many+=(-o /dev/null "$url$path"); done
    curl -s "${headers[@]}" "${many[@]}"
  fi
  callgrind_control -i off "$pid" > /dev/null 2>&1
  callgrind_control -d "$pid" > /dev/null 2>&1
  sleep 1
  dump=$(ls -t "$work"/callgrind.*.* | head -1)
  total=$(grep -m1 '^totals:' "$dump" | awk '{print $2}')
  [ -z "$keep" ] || cp "$dump" "$keep/$n.callgrind"
  rm -f "$work"/callgrind.*.*
  if $new_connections; then kind="one per request"; else kind="one, kept alive"; fi
  printf '| `%s` | %s | %s | %s |\n' "$path" "$((total / requests))" "$kind" "$accept"
done
