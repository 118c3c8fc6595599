#!/bin/sh
# bench checkpoint: a checkpoint of ECERT_BENCH_TLOG_N (default 10,000,000)
# audit entries, made from nothing (every leaf hashed, the tree built, the
# note signed) and then extended by 10,000 more (only those hashed: the
# stored frontier), each against libsodium's SHA-256 of the same leaf bytes
# alone (ecert-bench-raw leafhash).  The entries are written with SQL,
# each chained to the one before (hash and prev), as the checkpoint checks.
set -eu
bin=${1:?bindir}
tbin=${2:?testbindir}
n=${ECERT_BENCH_TLOG_N:-10000000}
PATH=$bin:$PATH
export PATH
work=$(mktemp -d "${TMPDIR:-/tmp}/ecert-bench-tlog.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
printf 'bench passphrase\n' > pass
export ECERT_PASSPHRASE_FILE="$work/pass" ECERT_DB="$work/tlog.db"

now() { date +%s.%N; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
line() { printf 'bench %s ratio=%s value=%s limit=%s unit=%s\n' "$@"; }

# entries seq FROM..TO, shaped like a clerk's issues
fill() {
	sqlite3 tlog.db "PRAGMA journal_mode = WAL; BEGIN;
	WITH RECURSIVE s(i) AS (SELECT $1 UNION ALL SELECT i + 1 FROM s WHERE i < $2)
	INSERT INTO audit(seq, time, unit, os_user, action, object, outcome,
	    detail, prev, hash)
	SELECT i, '2026-12-01T09:30:00Z', '11420600MB1234567T', 'clerk',
	    'license.issue',
	    '1.2.156.3005.2.11100000000013338W011.11420600MB1234567T.'
	        || printf('%016d', i) || '.001.X',
	    'ok', '',
	    CASE WHEN i = $1 THEN (SELECT hash FROM audit WHERE seq = $1 - 1)
	        ELSE printf('%064x', i - 1) END,
	    printf('%064x', i) FROM s; COMMIT;" > /dev/null
}

ecert-init --code 11420600MB00000016 --name 襄阳市行政审批局 -o platform.key >/dev/null
t0=$(now)
fill 2 "$n"
t1=$(now)
echo "# $n audit entries written in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s, $(du -m tlog.db | cut -f 1) MiB" >&2

raw=$("$tbin/ecert-bench-raw" leafhash tlog.db 0 2>/dev/null)
t0=$(now)
ecert-audit checkpoint -k platform.key -o cp1 > /dev/null
t1=$(now)
ours=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
line checkpoint "$(ratio "$ours" "$raw")" "$ours" "$raw" s

# after the checkpoint's own entry, 10,000 more, chained on
last=$(sqlite3 tlog.db 'SELECT max(seq) FROM audit')
size=$(sed -n 2p cp1)
fill $((last + 1)) $((last + 10000))
rawx=$("$tbin/ecert-bench-raw" leafhash tlog.db "$size" 2>/dev/null)
t0=$(now)
ecert-audit checkpoint -k platform.key -o cp2 > /dev/null
t1=$(now)
oursx=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
echo "# extended from $size to $(sed -n 2p cp2) entries" >&2
line checkpoint-extend "$(ratio "$oursx" "$rawx")" "$oursx" "$rawx" s
