#!/bin/sh
# make stress: errors under load (issue 9).  For SECONDS (default 60):
# 4 importers, each importing generated exports of 5000 records one after
# another; 4 clerks, each issuing a license and revoking it, over and over;
# the expiry sweep every second; 8 readers, each showing a license (whose
# audit entry needs the store's write lock) as fast as it can.  Prints
#   stress reads=N p50_ms=A p99_ms=B max_ms=C busy=K imports=I clerks=C
# and fails unless p99 < 1000 ms (ECERT_STRESS_P99_MS) and no program
# exited 75 (store busy).
# usage: stress.sh bindir testbindir sharedir [seconds]
set -eu
bin=${1:?bindir}
tbin=${2:?testbindir}
share=${3:?sharedir}
seconds=${4:-${ECERT_STRESS_SECONDS:-60}}
PATH=$bin:$PATH
export PATH
work=$(mktemp -d "${TMPDIR:-/tmp}/ecert-stress.XXXXXX")
[ -n "${ECERT_STRESS_KEEP:-}" ] || trap 'rm -rf "$work"' EXIT; echo "# $work" >&2
cd "$work"
printf 'stress passphrase\n' > pass
export ECERT_PASSPHRASE_FILE="$work/pass" ECERT_DB="$work/city.db"
type=11100000000013338W011

ecert-init --code 11420600MB00000016 --name 襄阳市行政审批局 -o platform.key >/dev/null
while IFS='	' read -r code name roles; do
	ecert-unit add -k platform.key --code "$code" --name "$name" --role "$roles"
done < "$share/catalog/units.tsv" > /dev/null
ecert-unit key -k platform.key --unit 11420600MB1234567T -o samr.key >/dev/null
ecert-catalog load -k platform.key "$share"/catalog/*.yaml >/dev/null 2>&1

# licenses for the readers to show
"$tbin/ecert-gen" -n 200 -f 0 -b 0 -d 0 > seed.jsonl
ecert-import -k samr.key -t $type seed.jsonl > /dev/null 2>&1 || :
sqlite3 city.db 'SELECT id FROM licenses' > ids
[ -s ids ] || { echo "stress: no licenses to read" >&2; exit 1; }
nids=$(wc -l < ids)

end=$(($(date +%s) + seconds))
ms() { echo $(($(date +%s%N) / 1000000)); }
# note STATUS: a program's exit status, 75 kept apart
note() { [ "$1" -ne 75 ] || echo 75 >> busy; }

importer() {	# N
	k=0
	while [ "$(date +%s)" -lt "$end" ]; do
		"$tbin/ecert-gen" -n 5000 -f $((1000000 + $1 * 10000000 + k * 5000)) \
		    -b 2 -d 0 > "imp$1.jsonl"
		st=0
		ecert-import -k samr.key -t $type --jobs 1 "imp$1.jsonl" \
		    > /dev/null 2>> "imp$1.err" || st=$?
		note $st
		echo $st >> imports
		k=$((k + 1))
	done
}
clerk() {	# N
	k=0
	while [ "$(date +%s)" -lt "$end" ]; do
		st=0
		id=$("$tbin/ecert-gen" -n 1 -f $((500000000 + $1 * 1000000 + k)) -b 0 -d 0 |
		    ecert-issue -k samr.key -t $type 2>> "clerk$1.err") || st=$?
		note $st
		if [ "$st" -eq 0 ]; then
			st=0
			ecert-revoke -k samr.key --reason 企业申请注销登记 \
			    "$(printf '%s\n' "$id" | sed -n 's/.*"id":"\([^"]*\)".*/\1/p; /^1\./p' | head -n 1)" \
			    > /dev/null 2>> "clerk$1.err" || st=$?
			note $st
		fi
		echo $st >> clerks
		k=$((k + 1))
	done
}
sweep() {
	while [ "$(date +%s)" -lt "$end" ]; do
		st=0
		ecert-expire > /dev/null 2>> sweep.err || st=$?
		note $st
		sleep 1
	done
}
reader() {	# N
	k=$1
	while [ "$(date +%s)" -lt "$end" ]; do
		id=$(sed -n "$((k % nids + 1))p" ids)
		t0=$(ms)
		st=0
		ecert-show --json "$id" > /dev/null 2>> "reader$1.err" || st=$?
		t1=$(ms)
		note $st
		echo "$((t1 - t0)) $st" >> "reads$1"
		k=$((k + 7))
	done
}

pids=
for i in 1 2 3 4; do importer $i & pids="$pids $!"; done
for i in 1 2 3 4; do clerk $i & pids="$pids $!"; done
sweep & pids="$pids $!"
for i in 1 2 3 4 5 6 7 8; do reader $i & pids="$pids $!"; done
for p in $pids; do wait "$p"; done

cat reads[1-8] | sort -n > reads
n=$(wc -l < reads)
pct() { sed -n "$(( ($n * $1 + 99) / 100 ))p" reads | cut -d ' ' -f 1; }
p50=$(pct 50) p99=$(pct 99) max=$(tail -n 1 reads | cut -d ' ' -f 1)
busy=$(cat busy 2>/dev/null | wc -l)
failed=$(awk '$2 != 0' reads | wc -l)
printf 'stress reads=%s p50_ms=%s p99_ms=%s max_ms=%s busy=%s failed_reads=%s imports=%s clerks=%s imported=%s\n' \
	"$n" "$p50" "$p99" "$max" "$busy" "$failed" "$(wc -l < imports)" \
	"$(wc -l < clerks)" "$(sqlite3 city.db 'SELECT count(*) FROM licenses')"
if [ "$busy" -gt 0 ]; then
	cat ./*.err | grep -i busy | head -n 3 >&2
fi
[ "$n" -gt 0 ] && [ "$p99" -lt "${ECERT_STRESS_P99_MS:-1000}" ] && [ "$busy" -eq 0 ] && [ "$failed" -eq 0 ]
