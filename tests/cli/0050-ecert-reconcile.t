#!/bin/sh
# ecert-reconcile: a department's own export against the store (article 8).
# Each kind of difference is found and named, an identical export is
# silent, CSV and GB18030 exports are read as ecert-import reads them, only
# the type's issuer may reconcile, every run is audited and changes nothing
# else, and 200,000 records pass in flat memory.
. "$(dirname "$0")/lib.sh"

plan 98

setup_store
R=$DATA/reconcile
ECERT_TESTBIN=${ECERT_TESTBIN:-$TESTDIR/../../build/tests}
GEN=$ECERT_TESTBIN/ecert-gen
[ -x "$GEN" ] || bail "no $GEN: make $ECERT_TESTBIN/ecert-gen"

# The big store fills in the background while the small cases run: a copy
# of the fresh store, 200,000 generated licenses imported into it (dated
# so that none is in the future).
MAIN_DB=$ECERT_DB
BIG_DB=$SCRATCH/big.db
BIG_TODAY=2026-06-30
sqlite3 "$ECERT_DB" ".backup '$BIG_DB'" || bail "cannot copy the store"
cp "$ECERT_DB.key" "$BIG_DB.key"
cp "$ECERT_DB.anchor" "$BIG_DB.anchor"
"$GEN" -n 200000 -b 0 > big.jsonl || bail "ecert-gen failed"
(
	ECERT_DB=$BIG_DB ECERT_TODAY=$BIG_TODAY ecert-import -k "$SAMR_KEY" \
	    -t "$T_BIZ" --batch 50000 big.jsonl > big.import 2>&1
	echo $? > big.status
) &
big_pid=$!
trap '_rc=$?; kill "$big_pid" 2> /dev/null; wait; (exit $_rc); _tap_cleanup' EXIT

ecert-import -k "$SAMR_KEY" -t "$T_BIZ" "$R/store.jsonl" > /dev/null &&
issue_biz "$SAMR_KEY" "$USCC_FOOD" 襄阳汉江食品有限公司 > /dev/null ||
	bail "cannot fill the store"

P=1.2.156.3005.2.$T_BIZ.$SAMR
ID_LAOHEKOU=$P.91420600MA4D009006.001.9
ID_HANSHUI=$P.91420600MA4D00100Q.001.A

reconcile() {
	ecert-reconcile -k "$SAMR_KEY" -t "$T_BIZ" "$@"
}

# The counts of the last reconcile's audit entry: records equal differs
# missing_in_store invalid missing_in_export.
audit_counts() {
	sqlite3 "$ECERT_DB" "SELECT detail FROM audit WHERE action =
	    'license.reconcile' ORDER BY seq DESC LIMIT 1" |
	    json_field records equal differs missing_in_store invalid \
	    missing_in_export | tr '\t' ' '
}

reconciles() {
	sqlite3 "$ECERT_DB" "SELECT count(*) FROM audit WHERE action =
	    'license.reconcile'"
}

#
# Refusals: another unit's key reads nothing and changes nothing.
#
before=$(store_digest)
must_fail 77 "a using unit may not reconcile (77)" sh -c '
	ecert-reconcile -k "$1" -t "$2"; st=$?; cat; exit $st' sh \
	"$HRSS_KEY" "$T_BIZ" < "$R/export.jsonl"
check "... naming the unit and the type's issuer" \
	err_has "unit $HRSS may not reconcile type $T_BIZ (营业执照): the catalog assigns it to $SAMR"
same "... having read nothing of its input" "$(cat "$R/export.jsonl")" \
	"$(cat "$OUT")"
same "... the refusal audited as denied" \
	"license.reconcile|<stdin>|denied" "$(audit_last)"
must_fail 77 "another department may not reconcile the market regulator's type (77)" \
	ecert-reconcile -k "$NRB_KEY" -t "$T_BIZ" "$R/export.jsonl"
same "... audited as denied, by file name" \
	"license.reconcile|$R/export.jsonl|denied" "$(audit_last)"
check "... and nothing written to stdout" test ! -s "$OUT"
must_fail 77 "nor the market regulator another's type (77)" \
	ecert-reconcile -k "$SAMR_KEY" -t "$T_ESTATE" "$R/export.jsonl"
same "... the store unchanged but for the audit" "$before" "$(store_digest)"
must_fail 65 "a type not in the catalog (65)" \
	reconcile -t 11100000000013338W099 "$R/export.jsonl"
must_fail 64 "no -t (64)" ecert-reconcile -k "$SAMR_KEY" "$R/export.jsonl"
must_fail 64 "two files (64)" reconcile "$R/export.jsonl" "$R/export.jsonl"
must_fail 64 "--table (64): the output is JSON Lines" \
	reconcile --table "$R/export.jsonl"
must_fail 64 "an encoding iconv does not know (64)" \
	reconcile --encoding NO-SUCH-CODESET "$R/export.csv"
must_fail 74 "a missing file (74)" reconcile "$SCRATCH/no-such.jsonl"
must_fail 74 "a store that is not there (74)" \
	reconcile -d "$SCRATCH/no-such.db" "$R/export.jsonl"

#
# An identical export: silent, exit 0, audited once.
#
before=$(store_digest)
n=$(reconciles)
ok "an export identical to the store (items by key and label, a default written out)" \
	reconcile "$R/identical.jsonl"
check "... prints nothing" test ! -s "$OUT"
same "... and says nothing on stderr" "" "$(cat "$ERR")"
same "... one audit entry" $((n + 1)) "$(reconciles)"
same "... license.reconcile, the file, ok" \
	"license.reconcile|$R/identical.jsonl|ok" "$(audit_last)"
same "... with the counts: 5 records, 5 equal" "5 5 0 0 0 0" "$(audit_counts)"
same "... the store unchanged but for the audit" "$before" "$(store_digest)"
ok "an export that still has the expired license compares it too" sh -c \
	'{ cat "$1"; sed -n 5p "$2"; } | ecert-reconcile -k "$3" -t "$4" -' \
	sh "$R/identical.jsonl" "$R/store.jsonl" "$SAMR_KEY" "$T_BIZ"
check "... silent" test ! -s "$OUT"
same "... 6 records, 6 equal" "6 6 0 0 0 0" "$(audit_counts)"

#
# One of each difference, in JSON Lines.
#
before=$(store_digest)
must_fail 1 "an export with each kind of difference exits 1" \
	reconcile "$R/export.jsonl"
same "... one JSON line for each, in input order, then what it left out" "\
{\"kind\":\"missing-in-store\",\"line\":2,\"number\":\"91420600MA4E00100B\"}
{\"fields\":[\"legal_representative\"],\"id\":\"$ID_BIZ_LONGZHONG\",\"kind\":\"differs\",\"line\":3,\"number\":\"91420600MA49XY0129\"}
{\"fields\":[\"valid_until\"],\"id\":\"$ID_BIZ_GULONG\",\"kind\":\"differs\",\"line\":4,\"number\":\"91420600MA4KLMN204\"}
{\"kind\":\"invalid\",\"line\":5,\"number\":\"91420600MA4D00200E\",\"reason\":\"field issue_date: 2018-02-30: not a real date (YYYY-MM-DD)\"}
{\"id\":\"$ID_HANSHUI\",\"kind\":\"missing-in-export\",\"number\":\"91420600MA4D00100Q\"}" \
	"$(cat "$OUT")"
same "... in canonical form" "$(canonical < "$OUT")" "$(cat "$OUT")"
same "... the invalid line reported on stderr too, by file and line" \
	"ecert-reconcile: $R/export.jsonl:5: field issue_date: 2018-02-30: not a real date (YYYY-MM-DD)" \
	"$(cat "$ERR")"
same "... audited with its counts" "6 2 2 1 1 1" "$(audit_counts)"
same "... the store unchanged but for the audit" "$before" "$(store_digest)"
same "... the stored 法定代表人 is still 李樊城" 李樊城 \
	"$(ecert-show --json "$ID_BIZ_LONGZHONG" | json_field document.items.legal_representative)"
jsonl_findings=$(sed 's/"line":[0-9]*,//' "$OUT")

must_fail 1 "the same export on standard input" \
	sh -c 'ecert-reconcile -k "$1" -t "$2" < "$3"' sh "$SAMR_KEY" \
	"$T_BIZ" "$R/export.jsonl"
same "... the same findings" "$jsonl_findings" \
	"$(sed 's/"line":[0-9]*,//' "$OUT")"
check "... named <stdin>" err_has "ecert-reconcile: <stdin>:5: field issue_date"
same "... and audited as <stdin>" "license.reconcile|<stdin>|ok" \
	"$(audit_last)"

must_fail 74 "findings that cannot be written stop the pass (74)" sh -c \
	'ecert-reconcile -k "$1" -t "$2" "$3" >&-' sh "$SAMR_KEY" "$T_BIZ" \
	"$R/export.jsonl"
check "... saying why" err_has "ecert-reconcile: stdout: Bad file descriptor (after 2 records)"
same "... and the personal data read so far is audited, as failed" \
	"license.reconcile|$R/export.jsonl|failed" "$(audit_last)"

{
	sed -n 1p "$R/identical.jsonl"
	printf '\n'
	printf '{"number":"91420600MA4D009006","holder":"襄阳\377"}\n'
	printf '[1,2]\n'
	printf '{"number":"91420600MA4D009006","holder":"x",\n'
	sed -n 2,5p "$R/identical.jsonl" | sed '1s/"高国庆"/"高国庆","经营面积":"120平方米"/'
} > broken.jsonl
must_fail 1 "bad lines are each reported, and the rest compared" \
	reconcile broken.jsonl
same "... five invalid lines, by line" "2 3 4 5 6" \
	"$(json_field kind line < "$OUT" | sed -n 's/^invalid	//p' | tr '\n' ' ' | sed 's/ $//')"
check "... an empty line" out_has '"line":2,"reason":"empty line"'
check "... invalid UTF-8" out_has '"line":3,"reason":"invalid UTF-8'
check "... not an object" out_has '"line":4,"reason":"not a JSON object"'
check "... an item the type does not have, with its number" \
	out_has '"line":6,"number":"91420600MA4D009006","reason":"field 经营面积: not a data item'
same "... nothing else reported: the license of line 6 is not missing" 5 "$(wc -l < "$OUT" | tr -d ' ')"
same "... 9 records: 4 equal, 5 invalid" "9 4 0 0 5 0" "$(audit_counts)"

#
# CSV: Chinese labels, a cell with a line break, CRLF; GB18030; --map.
#
must_fail 1 "the export as CSV, labelled in Chinese" reconcile "$R/export.csv"
same "... the same findings" "$jsonl_findings" \
	"$(sed 's/"line":[0-9]*,//' "$OUT")"
same "... each on the first line of its record (the header is line 1)" \
	"3 4 6 7" "$(json_field line < "$OUT" | grep -v null | tr '\n' ' ' | sed 's/ $//')"
check "... the invalid record reported by its line" \
	err_has "export.csv:7: field issue_date: 2018-02-30"
same "... audited with the same counts" "6 2 2 1 1 1" "$(audit_counts)"
csv_findings=$(cat "$OUT")
cp "$R/export.csv" export.txt
must_fail 1 "--csv reads CSV whatever the file's name" \
	reconcile --csv export.txt
same "... the same findings" "$csv_findings" "$(cat "$OUT")"

iconv -f UTF-8 -t GB18030 "$R/export.csv" > export-gb.csv ||
	bail "iconv cannot write GB18030"
must_fail 1 "the export in GB18030, with --encoding GB18030" \
	reconcile --encoding GB18030 export-gb.csv
same "... the same findings" "$csv_findings" "$(cat "$OUT")"
iconv -f UTF-8 -t GB18030 "$R/identical.jsonl" > identical-gb.jsonl
ok "JSON Lines in GB18030, identical to the store" \
	reconcile --encoding GB18030 identical-gb.jsonl
check "... silent" test ! -s "$OUT"
sed '2s/高国庆/高%!%庆/' "$R/export.csv" | iconv -f UTF-8 -t GB18030 |
	sed "2s/%!%/$(printf '\377')/" > bad-gb.csv
must_fail 1 "an invalid GB18030 byte makes its record invalid" \
	reconcile --encoding GB18030 bad-gb.csv
same "... that record, named by its column" \
	'{"kind":"invalid","line":2,"number":"91420600MA4D009006","reason":"column legal_representative: invalid GB18030 byte at offset 2"}' \
	"$(sed -n 1p "$OUT")"
same "... the others compared as before, its license not missing" \
	"$csv_findings" "$(sed 1d "$OUT")"

# the same reading as ecert-import's (one converter, lib/input.c)
{ printf '\357\273\277'; cat "$R/identical.jsonl"; } > identical-bom.jsonl
ok "JSON Lines saved with a byte-order mark (Notepad)" \
	reconcile identical-bom.jsonl
check "... silent: the mark is no part of the first record" test ! -s "$OUT"
must_fail 65 "a GB18030 export read as UTF-8: its header is refused" \
	reconcile export-gb.csv
check "... the byte named and GB18030 suggested, as ecert-import says it" \
	err_has 'export-gb.csv:1: column 1: invalid UTF-8 (byte 0xD5 at offset 2); an export saved by a spreadsheet in China is often GB18030: try --encoding GB18030'
must_fail 1 "GB18030 JSON Lines read as UTF-8: each record invalid" \
	reconcile identical-gb.jsonl
check "... with the same words" out_has 'try --encoding GB18030'

before=$(store_digest)
must_fail 65 "a column that is no item of the type: 65" \
	reconcile "$R/legacy.csv"
check "... naming the column and --map" \
	err_has "legacy.csv:1: column 1 (注册号): not a data item of type $T_BIZ; name it with --map"
check "... nothing on stdout" test ! -s "$OUT"
same "... audited as rejected" "license.reconcile|$R/legacy.csv|rejected" \
	"$(audit_last)"
MAP=注册号=number,企业名称=holder,信用代码=holder_id,核准日期=issue_date
MAP=$MAP,企业类型=类型,法人=legal_representative
must_fail 1 "--map names a legacy register's columns" \
	reconcile --map "$MAP" "$R/legacy.csv"
same "... its one record: cells it lacks differ, and four licenses are left out" "\
{\"fields\":[\"valid_until\",\"registered_capital\"],\"id\":\"$ID_LAOHEKOU\",\"kind\":\"differs\",\"line\":2,\"number\":\"91420600MA4D009006\"}
{\"id\":\"$ID_BIZ_FOOD\",\"kind\":\"missing-in-export\",\"number\":\"91420600MA49ABCD1A\"}
{\"id\":\"$ID_BIZ_LONGZHONG\",\"kind\":\"missing-in-export\",\"number\":\"91420600MA49XY0129\"}
{\"id\":\"$ID_HANSHUI\",\"kind\":\"missing-in-export\",\"number\":\"91420600MA4D00100Q\"}
{\"id\":\"$ID_BIZ_GULONG\",\"kind\":\"missing-in-export\",\"number\":\"91420600MA4KLMN204\"}" \
	"$(cat "$OUT")"
: > empty.csv
must_fail 65 "an empty CSV file has no header: 65" reconcile empty.csv
check "... said so" err_has "empty.csv: no header line"
same "... the store unchanged but for the audit" "$before" "$(store_digest)"
must_fail 1 "JSON Lines from /dev/null: every license left out of it" \
	reconcile < /dev/null
check "... saying on stderr it took no records" \
	err_has "ecert-reconcile: <stdin>: no records: 0 taken"

#
# Status: suspended licenses must be in the export, revoked ones need not.
#
ecert-revoke -k "$SAMR_KEY" --suspend --reason 责令停业整顿 "$ID_BIZ_FOOD" \
	> /dev/null 2>&1 &&
ecert-revoke -k "$SAMR_KEY" --reason 企业申请注销登记 "$ID_LAOHEKOU" \
	> /dev/null 2>&1 || bail "cannot suspend and revoke"
ok "the identical export after a suspension and a revocation" \
	reconcile "$R/identical.jsonl"
check "... still silent: a record is compared whatever the status" \
	test ! -s "$OUT"
grep -v -e 91420600MA4D009006 -e 91420600MA49ABCD1A "$R/identical.jsonl" \
	> without.jsonl
must_fail 1 "an export without the suspended and the revoked license" \
	reconcile without.jsonl
same "... misses only the suspended one" \
	"{\"id\":\"$ID_BIZ_FOOD\",\"kind\":\"missing-in-export\",\"number\":\"91420600MA49ABCD1A\"}" \
	"$(cat "$OUT")"

#
# Versions: the latest that is not a draft is the one compared (article 8:
# 同步更新, the department amends in the store what it changed at home).
#
sqlite3 "$ECERT_DB" ".backup '$SCRATCH/versions.db'" || bail "cannot copy"
cp "$ECERT_DB.key" "$SCRATCH/versions.db.key"
cp "$ECERT_DB.anchor" "$SCRATCH/versions.db.anchor"
ECERT_DB=$SCRATCH/versions.db
ID_LONGZHONG_2=$P.91420600MA49XY0129.002.N
ID_LONGZHONG_3=$P.91420600MA49XY0129.003.L
ecert-amend -k "$SAMR_KEY" --reason 变更法定代表人 "$ID_BIZ_LONGZHONG" \
	-f 法定代表人=赵建国 > /dev/null 2>&1 || bail "cannot amend"
must_fail 1 "after an amendment, the identical export of before differs" \
	reconcile "$R/identical.jsonl"
same "... from version 2, in the amended item" \
	"{\"fields\":[\"legal_representative\"],\"id\":\"$ID_LONGZHONG_2\",\"kind\":\"differs\",\"line\":3,\"number\":\"91420600MA49XY0129\"}" \
	"$(cat "$OUT")"
must_fail 1 "the export with the new 法定代表人" reconcile "$R/export.jsonl"
check "... agrees with version 2" test "$(grep -c 91420600MA49XY0129 "$OUT")" -eq 0
# a draft of version 3 that says something else entirely (the document of
# another license), as a review would leave it
sqlite3 "$ECERT_DB" "INSERT INTO licenses(id, type, number, version, issuer,
	holder_name, holder_code, holder_hash, issue_date, valid_from,
	valid_until, status, historical, document, key_id, signature,
	created_at) SELECT '$ID_LONGZHONG_3', type, '91420600MA49XY0129', 3,
	issuer, holder_name, holder_code, holder_hash, issue_date, valid_from,
	valid_until, 'draft', historical, document, key_id, signature,
	created_at FROM licenses WHERE id = '$ID_BIZ_GULONG'" ||
	bail "cannot write a draft"
must_fail 1 "a draft of version 3 is not compared" \
	reconcile "$R/identical.jsonl"
same "... version 2 still is" "$ID_LONGZHONG_2" "$(json_field id < "$OUT")"
sqlite3 "$ECERT_DB" "UPDATE licenses SET status = 'superseded' WHERE id =
	'$ID_LONGZHONG_2'; UPDATE licenses SET status = 'valid' WHERE id =
	'$ID_LONGZHONG_3'" || bail "cannot sign the draft"
must_fail 1 "once it is the valid version 3, it is" \
	reconcile "$R/identical.jsonl"
same "... and every field it changed is named, in the catalog's order" \
	"{\"fields\":[\"holder\",\"holder_id\",\"issue_date\",\"valid_from\",\"entity_type\",\"legal_representative\",\"registered_capital\",\"established\",\"domicile\",\"business_scope\"],\"id\":\"$ID_LONGZHONG_3\",\"kind\":\"differs\",\"line\":3,\"number\":\"91420600MA49XY0129\"}" \
	"$(cat "$OUT")"
ECERT_DB=$MAIN_DB
ok "the audit chain is intact after all this" ecert-audit verify

#
# 200,000 records: one streaming pass, memory flat.
#
wait "$big_pid"
[ "$(cat big.status)" = 0 ] || { cat big.import; bail "the big import failed"; }
ECERT_DB=$BIG_DB
ECERT_TODAY=$BIG_TODAY
same "the big store holds the 200,000 generated licenses" 200000 \
	"$(sqlite3 "$ECERT_DB" "SELECT count(*) FROM licenses")"
# one license left out, one 法定代表人 changed
sed '1000d; 150000s/"legal_representative":"[^"]*"/"legal_representative":"赵建国"/' \
	big.jsonl > big-export.jsonl
left_out=$(sed -n 1000p big.jsonl | json_field number)
changed=$(sed -n 150000p big.jsonl | json_field number)
RSS=
if [ -x /usr/bin/time ]; then
	RSS="/usr/bin/time -f %M -o $SCRATCH/big.rss"
elif [ -x "$ECERT_TESTBIN/ecert-bench-raw" ]; then
	RSS="$ECERT_TESTBIN/ecert-bench-raw rss"
fi
start=$(date +%s)
# shellcheck disable=SC2086
must_fail 1 "a 200,000-record export reconciled" \
	$RSS ecert-reconcile -k "$SAMR_KEY" -t "$T_BIZ" big-export.jsonl
took=$(($(date +%s) - start))
if [ -n "$RSS" ] && [ ! -f big.rss ]; then
	grep -E '^[0-9]+$' "$OUT" | tail -n 1 > big.rss
	grep -v -E '^[0-9]+$' "$OUT" > big.out
else
	cp "$OUT" big.out
fi
same "... finds the changed one, then the one left out" "\
differs	$changed	$((150000 - 1))	[\"legal_representative\"]
missing-in-export	$left_out	null	null" \
	"$(json_field kind number line fields < big.out)"
same "... audited with its counts" "199999 199998 1 0 0 1" "$(audit_counts)"
echo "# reconciled 200,000 records in $took s"
if [ -z "$RSS" ]; then
	check "... in under 64 MiB # SKIP neither /usr/bin/time nor ecert-bench-raw" true
elif grep -q -a __asan_init "$ECERT_BIN/ecert-reconcile"; then
	check "... in under 64 MiB # SKIP a sanitizer build: $(tail -n 1 big.rss) KiB" true
else
	rss=$(tail -n 1 big.rss)
	echo "# peak resident set: $rss KiB"
	check "... in under 64 MiB of memory ($rss KiB)" test "$rss" -lt 65536
fi
ok "... and the audit chain of the big store is intact" ecert-audit verify
