#!/bin/sh
# share/examples: the nightly import script (its report and exit status)
# and the crontab (every command it names exists, and its jobs run as
# written, with their paths moved under a scratch root).
. "$(dirname "$0")/lib.sh"

plan 62

setup_store
IMPORT=$DATA/import
EXAMPLES=$(cd "$TESTDIR/../../share/examples" && pwd)
NIGHTLY=$EXAMPLES/nightly-import.sh
CRONTAB=$EXAMPLES/crontab

nightly() {
	sh "$NIGHTLY" "$@"
}

# report_of FILE: the rejects file FILE as the report shows it: from its
# .why file, each record's line in the export and why
report_of() {
	awk -F '\t' '{ n = $2; sub(/.*:/, "", n); print "  line " n ": " $3 }' "$1.why"
}

licenses_digest() {
	{
		sqlite3 "$ECERT_DB" '.dump licenses'
		sqlite3 "$ECERT_DB" '.dump license_events'
	} | sha256sum | cut -d ' ' -f 1
}

#
# nightly-import.sh
#
check "nightly-import.sh is executable, for cron to run it by name" \
	test -x "$NIGHTLY"
check "... and is a shell script sh can read" sh -n "$NIGHTLY"
must_fail 64 "no arguments (64)" nightly
check "... its usage" err_has "usage: nightly-import.sh [-a archive-dir] [-e encoding] type key dir"
must_fail 64 "a folder that does not exist (64)" \
	nightly "$T_BIZ" "$SAMR_KEY" "$SCRATCH/no-such-folder"
mkdir exports archive
must_fail 64 "an archive folder that does not exist (64)" \
	nightly -a "$SCRATCH/no-such-folder" "$T_BIZ" "$SAMR_KEY" exports
ok "a folder without exports" nightly "$T_BIZ" "$SAMR_KEY" exports
same "... reports that" "ecert nightly import of exports, type $T_BIZ

no CSV or JSON Lines files" "$(cat "$OUT")"

# the night's exports: one good CSV, JSON Lines with a bad record, a CSV
# with four, a CSV whose header names no item, and a file to leave alone
cp "$IMPORT/business-keys.csv" exports/a-good.csv
{
	cat "$IMPORT/business.jsonl"
	sed -n 1p "$IMPORT/business.jsonl" |
	    sed 's/91420600MA4D009006/91420600MA4F00100X/g; s/2012-08-08/2012-02-30/'
} > exports/b-mixed.jsonl
cp "$IMPORT/business-labels.csv" exports/c-labels.csv
cp "$IMPORT/business-map.csv" exports/d-header.csv
echo 'not an export' > exports/notes.txt
before=$(audit_count)
must_fail 1 "the night's import, with a file that cannot be imported, exits 1" \
	nightly -a archive "$T_BIZ" "$SAMR_KEY" exports
same "... its report: a line per file, the total" "\
ecert nightly import of exports, type $T_BIZ

a-good.csv: 2 records, 2 imported, 0 present, 0 rejected
b-mixed.jsonl: 5 records, 4 imported, 0 present, 1 rejected
c-labels.csv: 8 records, 4 imported, 0 present, 4 rejected
d-header.csv: failed (exit 65)
total: 4 files, 15 records, 10 imported, 0 present, 5 rejected, 1 failed" \
	"$(sed '/^Rejected records:$/,$d' "$OUT" | sed '$d')"
check "... a rejects file beside each file with rejects" \
	test -s exports/b-mixed.jsonl.rejects -a -s exports/c-labels.csv.rejects
same "... holding the bad record of b-mixed.jsonl, line 5" \
	"$(sed -n 5p exports/b-mixed.jsonl)" "$(cat exports/b-mixed.jsonl.rejects)"
same "... and why beside it" "1	exports/b-mixed.jsonl:5" \
	"$(cut -f 1-2 exports/b-mixed.jsonl.rejects.why)"
same "... then the rejected records, as in the rejects files" "\
Rejected records:
b-mixed.jsonl (1 rejected, kept in b-mixed.jsonl.rejects):
$(report_of exports/b-mixed.jsonl.rejects)
c-labels.csv (4 rejected, kept in c-labels.csv.rejects):
$(report_of exports/c-labels.csv.rejects)" \
	"$(sed -n '/^Rejected records:$/,/^$/p' "$OUT" | sed '$d')"
same "... and why the file could not be imported" "\
Files that could not be imported:
d-header.csv (exit 65):
  ecert-import: exports/d-header.csv:1: column 1 (注册号): not a data item of type $T_BIZ; name it with --map" \
	"$(sed -n '/^Files that could not be imported:$/,$p' "$OUT" |
	sed 's/ (0 imported, 0 present, 0 rejected before it.*//')"
same "... nothing on standard error" "" "$(cat "$ERR")"
same "... the good file archived, the others left where they were" \
	"archive/a-good.csv
exports/b-mixed.jsonl
exports/b-mixed.jsonl.rejects
exports/b-mixed.jsonl.rejects.why
exports/c-labels.csv
exports/c-labels.csv.rejects
exports/c-labels.csv.rejects.why
exports/d-header.csv
exports/notes.txt" "$(ls archive/* exports/*)"
same "... the licenses in the store" 10 \
	"$(sqlite3 "$ECERT_DB" 'SELECT count(*) FROM licenses')"
check "... each import audited" test "$(audit_count)" -gt "$before"

rm exports/d-header.csv
before=$(licenses_digest)
must_fail 65 "the next night, the same exports: rejected records only, exit 65" \
	nightly -a archive "$T_BIZ" "$SAMR_KEY" exports
same "... what went in is present now" "\
b-mixed.jsonl: 5 records, 0 imported, 4 present, 1 rejected
c-labels.csv: 8 records, 0 imported, 4 present, 4 rejected
total: 2 files, 13 records, 0 imported, 8 present, 5 rejected, 0 failed" \
	"$(sed -n '3,5p' "$OUT")"
same "... no license changed" "$before" "$(licenses_digest)"
check "... and no failure section" sh -c '! grep -q "could not be imported" "$1"' \
	sh "$OUT"

sed -i '$d' exports/b-mixed.jsonl
must_fail 65 "once b-mixed.jsonl is fixed" \
	nightly -a archive "$T_BIZ" "$SAMR_KEY" exports
same "... it goes in whole" \
	"b-mixed.jsonl: 4 records, 0 imported, 4 present, 0 rejected" \
	"$(sed -n 3p "$OUT")"
same "... is archived, and its rejects file is gone" "\
archive/a-good.csv
archive/b-mixed.jsonl
exports/c-labels.csv
exports/c-labels.csv.rejects
exports/c-labels.csv.rejects.why
exports/notes.txt" "$(ls archive/* exports/*)"

rm exports/*
iconv -f UTF-8 -t GB18030 "$IMPORT/business-map.csv" > exports/map-gb.csv
sed -n 2,3p "$IMPORT/business.jsonl" > exports/more.jsonl
must_fail 1 "a GB18030 export without -e cannot be read" \
	nightly "$T_BIZ" "$SAMR_KEY" exports
check "... said so" grep -q '^map-gb.csv: failed (exit 65)$' "$OUT"
iconv -f UTF-8 -t GB18030 "$IMPORT/business-keys.csv" > exports/keys-gb.csv
rm exports/map-gb.csv
ok "with -e GB18030 it is, and JSON Lines stay UTF-8" \
	nightly -e GB18030 "$T_BIZ" "$SAMR_KEY" exports
same "... both present" "\
keys-gb.csv: 2 records, 0 imported, 2 present, 0 rejected
more.jsonl: 2 records, 0 imported, 2 present, 0 rejected
total: 2 files, 4 records, 0 imported, 4 present, 0 rejected, 0 failed" \
	"$(sed -n '3,5p' "$OUT")"
same "... nothing else in the report" 5 "$(wc -l < "$OUT" | tr -d ' ')"
check "... no rejects files left" test ! -e exports/keys-gb.csv.rejects \
	-a ! -e exports/more.jsonl.rejects -a ! -e exports/more.jsonl.rejects.why
check "... and the files left where they were, without -a" \
	test -f exports/keys-gb.csv -a -f exports/more.jsonl

keep=$(licenses_digest)
must_fail 1 "a unit that may not issue the type: every file failed, exit 1" \
	nightly -a archive "$T_BIZ" "$HRSS_KEY" exports
same "... each file named" "keys-gb.csv: failed (exit 77)
more.jsonl: failed (exit 77)" "$(grep ': failed' "$OUT")"
check "... with the reason" grep -q "^  ecert-import: unit $HRSS may not issue type $T_BIZ" "$OUT"
same "... nothing archived, nothing imported" \
	"archive/a-good.csv archive/b-mixed.jsonl $keep" \
	"$(echo archive/*) $(licenses_digest)"

#
# The crontab
#
check "the crontab is there" test -s "$CRONTAB"
grep -v '^[[:space:]]*#' "$CRONTAB" | grep -v '^[[:space:]]*$' |
	grep -v '^[A-Z_][A-Z0-9_]*=' > cron.jobs
grep '^[A-Z_][A-Z0-9_]*=' "$CRONTAB" > cron.env
check "... with jobs" test -s cron.jobs
same "... each with five time fields and a command" "" \
	"$(grep -E -v '^([0-9*/,-]+[[:space:]]+){5}[^[:space:]]' cron.jobs)"
sed -E 's/^([^[:space:]]+[[:space:]]+){5}//' cron.jobs > cron.commands
# the command words: the first word of each part of a pipeline or list,
# after any variable assignments
tr '|;&' '\n\n\n' < cron.commands |
	sed -E 's/^[[:space:]]*([A-Za-z_][A-Za-z0-9_]*=[^[:space:]]*[[:space:]]+)*//' |
	sed -E 's/[[:space:]].*//' | grep -v '^$' | sort -u > cron.names
check "... naming commands" test -s cron.names
missing=
while read -r name; do
	[ -x "$ECERT_BIN/$name" ] || [ -f "$EXAMPLES/$name" ] ||
	    missing="$missing $name"
done < cron.names
same "every command named in the crontab is in \$ECERT_BIN or share/examples ($(tr '\n' ' ' < cron.names | sed 's/ $//'))" \
	"" "$missing"
check "... the expiry sweep, piped into a command that takes its JSON Lines" \
	grep -q 'ecert-expire[^|]*|[[:space:]]*[^[:space:]]' cron.commands
check "... the nightly import" grep -q 'nightly-import\.sh' cron.commands
check "... the audit check" grep -q 'ecert-audit verify' cron.commands
for code in $(sed -n 's/.*nightly-import\.sh.* \([0-9A-Z]\{21\}\) .*/\1/p' cron.commands); do
	check "... its type $code is in the shipped catalog" \
		grep -q "^code: $code\$" "$TESTDIR"/../../share/catalog/*.yaml
done

# The jobs as cron runs them: its environment from the crontab, the
# installed paths replaced by the test's, /srv and /etc/ecert moved under
# a scratch root with the test store, keys and passphrase in them.
ROOT=$SCRATCH/root
mkdir -p "$ROOT/srv/ecert/exports/samr" "$ROOT/srv/ecert/exports/nrb" \
	"$ROOT/srv/ecert/imported/samr" "$ROOT/srv/ecert/imported/nrb" \
	"$ROOT/etc/ecert"
sqlite3 "$ECERT_DB" ".backup '$ROOT/srv/ecert/ecert.db'"
cp "$ECERT_DB.key" "$ROOT/etc/ecert/ecert.db.key"
cp "$ECERT_DB.anchor" "$ROOT/srv/ecert/ecert.db.anchor"
for unit in samr nrb; do
	cp "$SCRATCH/$unit.key" "$ROOT/etc/ecert/$unit.key"
	cp "$ECERT_PASSPHRASE_FILE" "$ROOT/etc/ecert/$unit.pass"
done
iconv -f UTF-8 -t GB18030 "$IMPORT/business-labels.csv" \
	> "$ROOT/srv/ecert/exports/samr/yyzz-2016.csv"
cp "$IMPORT/estate.csv" "$ROOT/srv/ecert/exports/nrb/bdc-2019.csv"
to_root() {
	sed -e "s|/usr/local/bin|$ECERT_BIN|g" \
	    -e "s|/usr/local/share/ecert/examples|$EXAMPLES|g" \
	    -e "s|/srv/|$ROOT/srv/|g" -e "s|/etc/ecert/|$ROOT/etc/ecert/|g"
}
to_root < cron.env > cron.env.test
# cron_job PATTERN [VAR=value ...]: runs the job whose command matches
# PATTERN as cron would, in the environment of the crontab (and VARs)
cron_job() {
	_cj=$(grep -e "$1" cron.commands | head -n 1 | to_root)
	shift
	[ -n "$_cj" ] || return 127
	# shellcheck disable=SC2046
	env -i HOME="$SCRATCH" LOGNAME=ecert $(cat cron.env.test) "$@" \
	    /bin/sh -c "$_cj"
}
same "the crontab's store is not the test's" "$ROOT/srv/ecert/ecert.db" \
	"$(env -i $(cat cron.env.test) sh -c 'echo $ECERT_DB')"

must_fail 65 "the market regulator's nightly import runs as written" \
	cron_job 'nightly-import\.sh.*samr' ECERT_TODAY=2025-06-30
same "... its report: the licenses of the GB18030 export present" \
	"yyzz-2016.csv: 8 records, 0 imported, 4 present, 4 rejected" \
	"$(sed -n 3p "$OUT")"
check "... its rejects kept beside the export" \
	test -s "$ROOT/srv/ecert/exports/samr/yyzz-2016.csv.rejects"
check "... in GB18030, as they came" grep -q -x -F "$(sed -n 7p \
	"$IMPORT/business-labels.csv" | iconv -f UTF-8 -t GB18030)" \
	"$ROOT/srv/ecert/exports/samr/yyzz-2016.csv.rejects"
check "... the mail shows why, in UTF-8" \
	grep -q -x -F "  line 7: field issue_date: 2018-02-30: not a real date (YYYY-MM-DD)" "$OUT"
must_fail 65 "the land registry's nightly import runs as written" \
	cron_job 'nightly-import\.sh.*nrb' ECERT_TODAY=2025-06-30
same "... its report" "bdc-2019.csv: 5 records, 4 imported, 0 present, 1 rejected" \
	"$(sed -n 3p "$OUT")"
due=$(sqlite3 "$ROOT/srv/ecert/ecert.db" "SELECT number FROM licenses
	WHERE status IN ('valid', 'suspended') AND valid_until < '2036-01-01'
	ORDER BY number")
check "licenses due by 2036-01-01 in the crontab's store" test -n "$due"
ok "the expiry sweep runs as written, on 2036-01-01" \
	cron_job 'ecert-expire' ECERT_TODAY=2036-01-01
check "... the mail shows the licenses expired, as text" \
	grep -q '^证照编号  *91420600MA4D00100Q$' "$OUT"
same "... each one" "$due" "$(sed -n 's/^证照编号  *//p' "$OUT" | sort)"
same "... and they are expired" "" \
	"$(sqlite3 "$ROOT/srv/ecert/ecert.db" "SELECT number FROM licenses
	WHERE status IN ('valid', 'suspended') AND valid_until < '2036-01-01'")"
ok "the audit check runs as written" cron_job 'ecert-audit verify'
same "... and is silent when the chain is intact" "" "$(cat "$OUT")"
