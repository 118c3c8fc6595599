#!/bin/sh
# Errors under load (issue 9): readers answer promptly while importers,
# clerks and the sweep run (a short run of tests/bench/stress.sh; `make
# stress` runs it for 60 seconds), and a store held past the timeout is
# named busy (75).
. "$(dirname "$0")/lib.sh"

plan 6

ECERT_TESTBIN=${ECERT_TESTBIN:-$TESTDIR/../../build/tests}
[ -x "$ECERT_TESTBIN/ecert-gen" ] || bail "no ecert-gen"
setup_store
issue_biz "$SAMR_KEY" "$USCC_FOOD" 襄阳汉江食品有限公司 > /dev/null ||
	bail "cannot issue"
ID=$(sqlite3 "$ECERT_DB" 'SELECT id FROM licenses LIMIT 1')

# a writer that holds the lock: sqlite3 in a transaction, kept open by a fifo
mkfifo "$SCRATCH/hold"
{ printf 'BEGIN IMMEDIATE;\nINSERT INTO meta(name, value) VALUES ("hold", "1");\n'
  cat "$SCRATCH/hold"; } | sqlite3 "$ECERT_DB" &
holder=$!
exec 9> "$SCRATCH/hold"
sleep 1
before=$(audit_count)
must_fail 75 "a reader behind a write lock held past ECERT_BUSY_TIMEOUT: 75" \
	env ECERT_BUSY_TIMEOUT=300 ecert-show --json "$ID"
check "... naming the store as busy" \
	err_has "ecert-show: store $ECERT_DB is busy (store: begin: database is locked): another program held it past the timeout (ECERT_BUSY_TIMEOUT)"
same "... and no answer given" "" "$(cat "$OUT")"
exec 9>&-
wait $holder
ok "... the lock released, it answers" ecert-show --json "$ID"

# `make stress` holds reads to p99 < 1 s for 60 s; here, in a suite that
# runs beside other tests (and under sanitizers), to 2 s: before batches
# ended by time, readers waited 6 s and more behind 4 importers.
must_fail 0 "4 importers, 4 clerks, the sweep and 8 readers for 12 s" \
	env ECERT_STRESS_P99_MS=2000 sh "$TESTDIR/../bench/stress.sh" \
	"$ECERT_BIN" "$ECERT_TESTBIN" "$ECERT_SHARE" 12
echo "# $(grep '^stress ' "$OUT")"
check "... reads p99 under 2 s, none busy, none failed" \
	awk '/^stress / { for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
	    exit !(v["reads"] > 50 && v["p99_ms"] < 2000 && v["busy"] == 0 && v["failed_reads"] == 0) }' "$OUT"
