#!/bin/sh
# bench serve-verify and serve-push: ecert-serve against the same work in
# one process.  Prints `bench NAME ratio=R value=V limit=L unit=U` and a
# `# ... p99=` comment.  Called by run.sh; alone:
#   sh tests/bench/serve.sh build/bin build/tests share
# ECERT_BENCH_SERVE_N (default 20000) licenses; needs wrk and python3.
set -eu
bin=${1:?bindir}
tbin=${2:?testbindir}
share=${3:?sharedir}
n=${ECERT_BENCH_SERVE_N:-20000}
client=$(cd "$share/.." && pwd)/tests/cli/rfc9421_client.py
PATH=$bin:$PATH
ECERT_SHARE=$(cd "$share" && pwd)
export PATH ECERT_SHARE
command -v wrk > /dev/null || { echo "# no wrk: serve benches skipped" >&2; exit 0; }
work=$(mktemp -d "${TMPDIR:-/tmp}/ecert-bench-serve.XXXXXX")
server=
trap '[ -n "$server" ] && kill -9 $server 2>/dev/null; rm -rf "$work"' EXIT
cd "$work"
printf 'bench passphrase\n' > pass
export ECERT_PASSPHRASE_FILE="$work/pass"
type=11100000000013338W011

now() { date +%s.%N; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
line() { printf 'bench %s ratio=%s value=%s limit=%s unit=%s\n' "$@"; }

mkstore() {
	export ECERT_DB="$1"
	ecert-init --code 11420600MB00000016 --name 襄阳市行政审批局 -o "$1.platform" >/dev/null
	while IFS='	' read -r code name roles; do
		ecert-unit add -k "$1.platform" --code "$code" --name "$name" --role "$roles"
	done < "$share/catalog/units.tsv"
	ecert-unit key -k "$1.platform" --unit 11420600MB1234567T -o "$1.samr" >/dev/null
	ecert-catalog load -k "$1.platform" "$share"/catalog/*.yaml 2>/dev/null
}

start() {	# DB ARG ...: ecert-serve on a free port, its URL in $url
	_db=$1
	shift
	: > "$work/listen.txt"
	ecert-serve -d "$_db" --port 0 "$@" > "$work/listen.txt" \
	    2> /dev/null &
	server=$!
	for _i in $(seq 1 80); do
		[ -s "$work/listen.txt" ] && break
		sleep 0.25
	done
	url=http://$(sed -n 's/^listening //p' "$work/listen.txt")
}

stop() {
	kill -TERM $server
	wait $server || true
	server=
}

# ---- serve-verify: GET /v1/verify/ID by wrk against ecert-verify ----
# ecert-import takes historical records, with their own issue date; a
# push issues today, so its records have none
"$tbin/ecert-gen" -n "$n" -b 0 -d 0 -s 7 > records.jsonl
sed 's/"issue_date":"[^"]*",//' records.jsonl > fresh.jsonl
mkstore "$work/v.db"
ecert-import -k v.db.samr -t $type records.jsonl > /dev/null 2>&1
sqlite3 v.db "SELECT id FROM licenses WHERE status = 'valid'" > ids.txt
m=$(wc -l < ids.txt)
t0=$(now)
ecert-verify < ids.txt > verified.txt 2> /dev/null || true
t1=$(now)
cli=$(awk -v n="$m" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", n / (b - a) }')
echo "# ecert-verify: $(grep -c '"valid":true' verified.txt || true) of $m valid" >&2

cat > verify.lua <<'LUA'
local ids, i = {}, 0
for l in io.lines("ids.txt") do ids[#ids + 1] = l end
request = function()
	i = i % #ids + 1
	return wrk.format("GET", "/v1/verify/" .. ids[i])
end
LUA
start v.db --threads "${ECERT_BENCH_SERVE_THREADS:-2}" --connections 64 --per-address 64
wrk -t 2 -c 8 -d 10s --latency -s verify.lua "$url" > wrk.txt 2>&1
stop
rps=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' wrk.txt)
p99=$(awk '$1 == "99%" { print $2 }' wrk.txt)
errors=$(awk '/Non-2xx/ { print $5 }' wrk.txt)
echo "# wrk: $rps requests/s, p99=$p99, non-2xx ${errors:-0}" >&2
line serve-verify "$(ratio "$rps" "$cli")" "$rps" "$cli" verifications/s

# ---- serve-push: JSON Lines batches against ecert-import ----
mkstore "$work/i.db"
t0=$(now)
ecert-import -k i.db.samr -t $type records.jsonl > /dev/null 2>&1
t1=$(now)
imp=$(awk -v n="$n" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", n / (b - a) }')

mkstore "$work/p.db"
/usr/bin/python3 "$client" keygen push.pem > push.pub
ecert-serve client add -d p.db -k p.db.platform --id bench-push \
	--unit 11420600MB1234567T --public-key "$(cat push.pub)" > /dev/null
sed "s/^{/{\"type\":\"$type\",/" fresh.jsonl | split -l 1000 - batch.
start p.db --seal "$work/p.db.samr:$work/pass" --max-body 67108864
t0=$(now)
/usr/bin/python3 "$client" push push.pem bench-push "$url/v1/licenses" \
	batch.* > pushed.jsonl 2> lat.raw || true
t1=$(now)
stop
sed -n 's/^TIME //p' lat.raw > lat.txt
got=$(grep -c '"status":"valid"' pushed.jsonl || true)
push=$(awk -v n="$got" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", n / (b - a) }')
p99=$(sort -n lat.txt | awk '{ v[NR] = $1 } END {
	i = int(NR * 0.99 + 0.999); if (i < 1) i = 1; print v[i] "s" }')
echo "# pushed $got of $n in batches of 1000; p99 per batch=$p99" >&2
line serve-push "$(ratio "$push" "$imp")" "$push" "$imp" licenses/s

# the same push against ecert-issue, which does what the push does: one
# audit entry per license (ecert-import writes one per batch)
mkstore "$work/c.db"
sed "s/^{/{\"type\":\"$type\",/" fresh.jsonl > typed.jsonl
t0=$(now)
ecert-issue -k c.db.samr < typed.jsonl > /dev/null 2>&1
t1=$(now)
iss=$(awk -v n="$n" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", n / (b - a) }')
line serve-push-issue "$(ratio "$push" "$iss")" "$push" "$iss" licenses/s
