#!/bin/sh
# ecert-import of a real legacy register (article 10: 历史证照 应归尽归): a
# GB18030 export with CRLF line ends, Excel's quoting and Chinese headers,
# lacking columns that the catalog requires of new licenses.  The whole
# cycle: import as the README shows, fix the rejects file, import it.
. "$(dirname "$0")/lib.sh"

plan 86

setup_store
IMPORT=$DATA/import
ECERT_TESTBIN=${ECERT_TESTBIN:-$TESTDIR/../../build/tests}
GEN=$ECERT_TESTBIN/ecert-gen
[ -x "$GEN" ] || bail "no $GEN"
T_IND=11100000000013338W012
ecert-catalog load -k "$ADMIN_KEY" "$IMPORT/legacy-catalog.yaml" \
	> /dev/null 2>&1 || bail "cannot load legacy-catalog.yaml"
sqlite3 "$ECERT_DB" ".backup '$SCRATCH/base.db'" || bail "cannot copy"
cp "$ECERT_DB.key" "$SCRATCH/base.db.key"
cp "$ECERT_DB.anchor" "$SCRATCH/base.db.anchor"
use_store() {
	ECERT_DB=$SCRATCH/$1.db
	cp "$SCRATCH/base.db" "$ECERT_DB"
	cp "$SCRATCH/base.db.key" "$ECERT_DB.key"
	cp "$SCRATCH/base.db.anchor" "$ECERT_DB.anchor"
}
counts() {
	json_field records imported present rejected < "$OUT" | tr '\t' ' '
}
id_of() {
	sqlite3 "$ECERT_DB" "SELECT id FROM licenses WHERE number = '$1'"
}
licenses() {
	sqlite3 "$ECERT_DB" 'SELECT count(*) FROM licenses'
}
# to_gb: UTF-8 to GB18030 with CRLF at each record's end (Excel keeps a
# bare LF for a line break inside a cell, as after 纸制品制造)
to_gb() {
	sed "/制造\$/!s/\$/$(printf "\r")/" | iconv -f UTF-8 -t GB18030
}
CSV=yyzz-2015-2025.csv
to_gb < "$IMPORT/legacy-yyzz.csv" > $CSV || bail "iconv"
readme_import() {
	ecert-import -k "$SAMR_KEY" -t "$T_BIZ" --encoding GB18030 \
	    --rejects rejects.txt "$@"
}

#
# Without --encoding: a message that helps, and nothing read.
#
before=$(store_digest)
must_fail 65 "GB18030 without --encoding: 65" \
	ecert-import -k "$SAMR_KEY" -t "$T_BIZ" $CSV
check "... naming file:line and the byte, suggesting --encoding GB18030" \
	err_has "ecert-import: $CSV:1: column 1: invalid UTF-8 (byte 0xD5 at offset 2); an export saved by a spreadsheet in China is often GB18030: try --encoding GB18030"
same "... one line, its message said once" 1 "$(wc -l < "$ERR" | tr -d ' ')"
check "... not telling to run the same command again" \
	sh -c "! grep -q 'run the same command again' '$ERR'"
same "... the store unchanged" "$before" "$(store_digest)"

#
# As the README shows it: history needs the core facts only.
#
must_fail 65 "the README's import of a legacy register: 65 for the bad ones" \
	readme_import $CSV
same "... 5 records: 3 imported, 2 rejected" "5 3 0 2" "$(counts)"
check "... line 4: all its faults, not only the first" \
	err_has "ecert-import: $CSV:4: field holder_id: not a valid unified social credit code: check character (the 18th) is 'F', but the first 17 give 'G'; field established (成立日期): 2017-02-30: not a real date (YYYY-MM-DD)"
check "... line 5: a historical record keeps its own issue date" \
	err_has "ecert-import: $CSV:5: field issue_date: required (a historical record keeps its own)"
same "... nothing else on stderr" 2 "$(wc -l < "$ERR" | tr -d ' ')"
ID1=$(id_of 91420600MA4E10010E)
ID2=$(id_of 91420600MA4E10020F)
ID5=$(id_of 91420600MA4E10050J)
ok "the record without 类型 is in" ecert-show --json "$ID1"
same "... marked partial, 类型 not collected" 'true	["entity_type"]' \
	"$(json_field document.partial document.not_collected < "$OUT")"
same "... and historical, with what it had" 'true	陈汉生	2015-06-01' \
	"$(json_field document.historical document.items.legal_representative document.issue_date < "$OUT")"
ok "... ecert-show --text" ecert-show --text "$ID1"
check "... shows 类型 as 未采集" grep -q '^类型  *未采集$' "$OUT"
check "... and the record as partial" grep -q '^历史证照  *部分采集 (partial: 1 items not collected)$' "$OUT"
ok "... ecert-show --table too" ecert-show --table "$ID1"
check "... 类型 未采集" grep -q '^类型  *未采集$' "$OUT"
ok "... and it verifies" ecert-verify "$ID1"
ok "Excel's quoting: the record with doubled quotes and commas is in" \
	ecert-show --json "$ID2"
same "... its name and address as they were" '襄阳"鹿门"茶业有限公司	湖北省襄阳市襄州区鹿门山路1号, 4栋' \
	"$(json_field document.holder.name document.items.domicile < "$OUT")"
ok "the record without 类型, 法定代表人 and 住所 is in" ecert-show --json "$ID5"
same "... all three not collected, in catalog order" \
	'["entity_type","legal_representative","domicile"]' \
	"$(json_field document.not_collected < "$OUT")"
same "... its cell with a line break kept" '纸制品制造
纸制品销售' "$(json_field document.items.business_scope < "$OUT")"

#
# The rejects file: the input's format and encoding, header first; why
# beside it.
#
{ sed -n 1p $CSV; sed -n 4,5p $CSV; } > rejects.expected
check "... the rejects file: header and the two records, GB18030 and CRLF as they came" \
	cmp rejects.expected rejects.txt
printf '2\t%s:4\tfield holder_id: not a valid unified social credit code: check character (the 18th) is '\''F'\'', but the first 17 give '\''G'\''; field established (成立日期): 2017-02-30: not a real date (YYYY-MM-DD)\n3\t%s:5\tfield issue_date: required (a historical record keeps its own)\n' \
	$CSV $CSV > why.expected
check "... the reasons in rejects.txt.why: line in it, file:line, why" \
	cmp why.expected rejects.txt.why

# the clerk fixes the two records in a spreadsheet and saves as it came
iconv -f GB18030 -t UTF-8 rejects.txt |
	sed 's/10030F/10030G/; s/2017-02-30/2017-02-20/;
	    s/^\(91420600MA4E10040H,[^,]*,[^,]*,\),/\12018-01-05,/' |
	iconv -f UTF-8 -t GB18030 > fixed.csv
mv fixed.csv rejects-fixed.csv
ok "the fixed rejects file, imported the same way" \
	readme_import rejects-fixed.csv
same "... 2 records, both imported" "2 2 0 0" "$(counts)"
same "... the new rejects file empty" "" "$(cat rejects.txt rejects.txt.why)"
same "... 5 licenses now" 5 "$(licenses)"
same "... the fixed issue date" 2018-01-05 \
	"$(ecert-show --json "$(id_of 91420600MA4E10040H)" | json_field document.issue_date)"
keep=$(store_digest)
must_fail 65 "the original export again: the good ones present" \
	readme_import $CSV
same "... 0 imported, 3 present, 2 rejected" "5 0 3 2" "$(counts)"
same "... the store unchanged" "$keep" "$(store_digest)"

#
# --set, --map, the enum's values, the catalog's history_required.
#
use_store set
ok "--set 类型=个人独资企业 gives every record a value" \
	ecert-import -k "$SAMR_KEY" -t "$T_BIZ" --encoding GB18030 \
	--set 类型=个人独资企业 rejects-fixed.csv
same "... both imported" "2 2 0 0" "$(counts)"
same "... each with 类型 and nothing not collected" "个人独资企业	null" \
	"$(ecert-show --json "$(id_of 91420600MA4E10030G)" | json_field document.items.entity_type document.not_collected)"
before=$(store_digest)
must_fail 64 "--set of no item of the type: 64" \
	ecert-import -k "$SAMR_KEY" -t "$T_BIZ" --encoding GB18030 \
	--set 注册号=1 rejects-fixed.csv
check "... naming it" err_has "ecert-import: --set 注册号: not a data item of type $T_BIZ"
must_fail 64 "--set of an item the file has a column for: 64" \
	ecert-import -k "$SAMR_KEY" -t "$T_BIZ" --encoding GB18030 \
	--set 法定代表人=张三 rejects-fixed.csv
check "... naming the column" err_has "--set 法定代表人: the file gives it too, in column 6 (法定代表人)"
must_fail 64 "--set without a value: 64" \
	ecert-import -k "$SAMR_KEY" -t "$T_BIZ" --set 类型 rejects-fixed.csv
must_fail 65 "--set with a value not in the enum: every record rejected" \
	ecert-import -k "$SAMR_KEY" -t "$T_BIZ" --encoding GB18030 \
	--set 类型=有限公司 rejects-fixed.csv
check "... the refusal lists the allowed values" \
	err_has "field entity_type (类型): 有限公司: not one of the catalog's values: 有限责任公司（自然人投资或控股）、有限责任公司（自然人独资）、有限责任公司（国有独资）、其他有限责任公司、股份有限公司（非上市、自然人投资或控股）、股份有限公司（上市）、个人独资企业、普通合伙企业、有限合伙企业、农民专业合作社、个体工商户"
must_fail 65 "--map naming a column the file does not have: 65" \
	ecert-import -k "$SAMR_KEY" -t "$T_BIZ" --encoding GB18030 \
	--map 注册号=number rejects-fixed.csv
check "... said so" err_has "ecert-import: --map 注册号=number: rejects-fixed.csv has no column 注册号"
must_fail 64 "--map that is no column=item: 64" \
	ecert-import -k "$SAMR_KEY" -t "$T_BIZ" --map 注册号 rejects-fixed.csv
same "... none of these changed the store" "$before" "$(store_digest)"

printf '证照编号,名称,统一社会信用代码,发证日期,经营者,组成形式\n' > ind.csv
printf '91420600MA4E10060K,襄阳樊城张记小吃店,91420600MA4E10060K,2010-05-05,张记,\n' >> ind.csv
printf '92420600MA4E10070H,襄阳襄州李记五金店,92420600MA4E10070H,2011-06-06,,家庭经营\n' >> ind.csv
must_fail 65 "an item the catalog marks history_required" \
	ecert-import -k "$SAMR_KEY" -t "$T_IND" ind.csv
same "... is required of history too: 1 imported, 1 rejected" "2 1 0 1" "$(counts)"
check "... saying so by its label" \
	err_has "ind.csv:3: field operator (经营者): required (even for a historical license)"
same "... the other items not collected" '["form","premises"]' \
	"$(ecert-show --json "$(id_of 91420600MA4E10060K)" | json_field document.not_collected)"
must_fail 65 "ecert-issue still requires every item of a new license" \
	ecert-issue -k "$SAMR_KEY" -t "$T_IND" -f number=92420600MA4E10070H \
	-f holder=襄阳襄州李记五金店 -f holder_id=92420600MA4E10070H -f 经营者=李记
check "... listing both missing" \
	err_has "field form (组成形式): required; field premises (经营场所): required"
awk '/key: form/ { f = 1 } f && /required: true/ { print "    required: false"; print "    history_required: true"; f = 0; next } { print }' \
	"$IMPORT/legacy-catalog.yaml" > bad-catalog.yaml
before=$(store_digest)
must_fail 65 "history_required on an item not required of new licenses: refused" \
	ecert-catalog load -k "$ADMIN_KEY" bad-catalog.yaml
check "... by file:line" err_has 'bad-catalog.yaml:21:23:'
check "... saying why" \
	err_has 'history_required: "form" is not required of new licenses either (add required: true)'
same "... nothing loaded" "$before" "$(store_digest)"

#
# Bytes that cannot be a value; nothing at all; nowhere to put the rejects;
# a store that fills up.
#
use_store faults
{
	printf '证照编号,名称,统一社会信用代码,发证日期,法定代表人\n'
	printf '91420600MA4E10060K,襄阳樊城张记小吃店,91420600MA4E10060K,2010-05-05,张汉江\n'
	printf '91420600MA4E10010E,襄阳汉江机电有限公司,91420600MA4E10010E,2015-06-01,张\000汉江\n'
} > nul.csv
must_fail 65 "a NUL byte in a CSV cell is refused, as in JSON Lines" \
	ecert-import -k "$SAMR_KEY" -t "$T_BIZ" nul.csv
same "... 1 imported, 1 rejected" "2 1 0 1" "$(counts)"
check "... naming the line and the column" \
	err_has "ecert-import: nul.csv:3: column 5 (法定代表人): NUL byte"
same "... not imported cut short at the NUL" "" "$(id_of 91420600MA4E10010E)"

ok "ecert-import < /dev/null: exit 0" \
	ecert-import -k "$SAMR_KEY" -t "$T_BIZ" < /dev/null
same "... saying on stderr it took no records" \
	"ecert-import: <stdin>: no records: 0 taken" "$(cat "$ERR")"
same "... the summary: 0 records" "0 0 0 0" "$(counts)"
: > empty.csv
ok "an empty CSV file: exit 0" ecert-import -k "$SAMR_KEY" -t "$T_BIZ" empty.csv
same "... saying so" "ecert-import: empty.csv: no records: 0 taken" "$(cat "$ERR")"
sed -n 1p nul.csv > header-only.csv
ok "a CSV file of its header alone: exit 0" \
	ecert-import -k "$SAMR_KEY" -t "$T_BIZ" header-only.csv
same "... saying so" "ecert-import: header-only.csv: no records: 0 taken" "$(cat "$ERR")"

use_store full
before=$(store_digest)
must_fail 74 "--rejects on a full disk (/dev/full): 74" \
	ecert-import -k "$SAMR_KEY" -t "$T_BIZ" --encoding GB18030 \
	--rejects /dev/full $CSV
check "... an I/O failure, named" \
	err_has "ecert-import: --rejects /dev/full: No space left on device"
same "... the batch with the lost reject not committed" "$before" "$(store_digest)"
same "... and the failure audited" "license.import|$CSV|failed" "$(audit_last)"
must_fail 65 "... run again with room: every reject in the rejects file" \
	readme_import $CSV
check "... header and both records" cmp rejects.expected rejects.txt
check "... reasons beside" cmp why.expected rejects.txt.why

"$GEN" -n 3000 -f 810000 -b 0 -d 0 > many.jsonl
pages=$(sqlite3 "$ECERT_DB" 'PRAGMA page_count')
must_fail 74 "a store that fills up in the middle (max_page_count): 74" \
	env ECERT_TEST_MAX_PAGES=$((pages + 600)) \
	ecert-import -k "$SAMR_KEY" -t "$T_BIZ" --batch 200 many.jsonl
n=$(licenses)
check "... some batches committed" test "$n" -gt 5 -a "$n" -lt 3000
check "... the message counts only those" \
	err_has "license: database or disk is full ($((n - 3)) imported, 0 present, "

#
# Amending a partial historical license: what it never recorded stays not
# collected, unless the amendment gives it.
#
use_store amend
ecert-import -k "$SAMR_KEY" -t "$T_BIZ" --encoding GB18030 $CSV > /dev/null 2>&1
ID1=$(id_of 91420600MA4E10010E)
ok "amending a partial historical license's 法定代表人" \
	ecert-amend -k "$SAMR_KEY" --reason 法定代表人变更 "$ID1" -f 法定代表人=李樊城
NEW=$(sqlite3 "$ECERT_DB" "SELECT id FROM licenses WHERE number = '91420600MA4E10010E' AND version = 2")
same "... the new version still partial, 类型 still not collected" \
	'true	["entity_type"]	李樊城	true' \
	"$(ecert-show --json "$NEW" | json_field document.partial document.not_collected document.items.legal_representative document.historical)"
ok "... and an amendment that gives 类型" \
	ecert-amend -k "$SAMR_KEY" --reason 补录类型 "$NEW" -f 类型=有限责任公司（自然人独资）
NEW=$(sqlite3 "$ECERT_DB" "SELECT id FROM licenses WHERE number = '91420600MA4E10010E' AND version = 3")
same "... makes it whole" 'null	null	有限责任公司（自然人独资）' \
	"$(ecert-show --json "$NEW" | json_field document.partial document.not_collected document.items.entity_type)"

#
# A real full disk (as root: a tmpfs of 3 MiB): the commit that cannot be
# written is not counted.
#
if [ "$(id -u)" -eq 0 ] && mkdir -p "$SCRATCH/small" &&
    mount -t tmpfs -o size=3m tmpfs "$SCRATCH/small" 2> /dev/null; then
	cp "$SCRATCH/base.db" "$SCRATCH/small/full.db"
	cp "$SCRATCH/base.db.key" "$SCRATCH/small/full.db.key"
	cp "$SCRATCH/base.db.anchor" "$SCRATCH/small/full.db.anchor"
	ECERT_DB=$SCRATCH/small/full.db
	must_fail 74 "a disk that fills up in the middle of an import: 74" \
		ecert-import -k "$SAMR_KEY" -t "$T_BIZ" --batch 200 many.jsonl
	n=$(licenses)
	check "... some batches committed ($n licenses)" test "$n" -gt 0 -a "$n" -lt 3000
	check "... the message counts only those" \
		grep -q "disk is full ($n imported, 0 present, " "$ERR"
	umount "$SCRATCH/small"
else
	for skip in 1 2 3; do
		_tap_result 0 "# SKIP a full tmpfs needs root"
	done
fi
