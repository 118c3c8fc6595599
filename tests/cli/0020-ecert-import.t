#!/bin/sh
# ecert-import: historical licenses in bulk from CSV and JSON Lines.  Every
# record ends up imported, already present or rejected, the counts add up,
# a second run changes nothing, and a run killed at any moment is finished
# by running it again.
. "$(dirname "$0")/lib.sh"

plan 205

setup_store
IMPORT=$DATA/import
ECERT_TESTBIN=${ECERT_TESTBIN:-$TESTDIR/../../build/tests}
GEN=$ECERT_TESTBIN/ecert-gen
[ -x "$GEN" ] || bail "no $GEN: make $ECERT_TESTBIN/ecert-gen"

# The store as setup_store left it, to start other stores from.
MAIN_DB=$ECERT_DB
sqlite3 "$ECERT_DB" ".backup '$SCRATCH/base.db'" || bail "cannot copy the store"
cp "$ECERT_DB.key" "$SCRATCH/base.db.key"
cp "$ECERT_DB.anchor" "$SCRATCH/base.db.anchor"

# use_store NAME: switch to the store NAME, a copy of the fresh one.
use_store() {
	ECERT_DB=$SCRATCH/$1.db
	if [ ! -f "$ECERT_DB" ]; then
		cp "$SCRATCH/base.db" "$ECERT_DB"
		cp "$SCRATCH/base.db.key" "$ECERT_DB.key"
		cp "$SCRATCH/base.db.anchor" "$ECERT_DB.anchor"
	fi
}

import_biz() {
	ecert-import -k "$SAMR_KEY" -t "$T_BIZ" "$@"
}

# The counts of the summary in $OUT: records imported present rejected.
counts() {
	json_field records imported present rejected < "$OUT" | tr '\t' ' '
}

# The line numbers of the records reported on stderr.
reported_lines() {
	sed -n 's/^ecert-import: .*:\([0-9][0-9]*\): .*/\1/p' "$ERR" |
	    tr '\n' ' ' | sed 's/ $//'
}

licenses() {
	sqlite3 "$ECERT_DB" 'SELECT count(*) FROM licenses'
}

# The columns a resumed run must reproduce (signed_at and the signatures
# legitimately differ).
rows() {
	sqlite3 "${1:-$ECERT_DB}" 'SELECT id, type, number, holder_name,
	    issue_date, valid_until, status, historical FROM licenses
	    ORDER BY id'
}

# keep_dump: the store but its audit log, as it is now, to compare with
# by dump_diff: the first lines that differ, none when the same.
keep_dump() {
	sqlite3 "$ECERT_DB" .dump | grep -v '^INSERT INTO audit ' \
	    > "$SCRATCH/kept.dump"
}
dump_diff() {
	sqlite3 "$ECERT_DB" .dump | grep -v '^INSERT INTO audit ' |
	    diff "$SCRATCH/kept.dump" - | grep '^[<>]' | head -n 4 |
	    cut -c 1-160
}

# A digest of the licenses and their events: what an import must never
# overwrite.
licenses_digest() {
	{
		sqlite3 "$ECERT_DB" '.dump licenses'
		sqlite3 "$ECERT_DB" '.dump license_events'
	} | sha256sum | cut -d ' ' -f 1
}

# poll: a short pause between two looks at a running import
poll() {
	sleep 0.05 2> /dev/null || :
}

P=1.2.156.3005.2.$T_BIZ.$SAMR
ID_HANSHUI=$P.91420600MA4D00100Q.001.A
ID_GULONGZHONG=$P.91420600MA4D00200E.001.Z
ID_WULIU=$P.91420600MA4D003004.001.W
ID_BAOKANG=$P.91420600MA4D00800G.001.E

#
# Refusals: nothing read, nothing written.
#
keep_dump
printf '# line 3: kept from last night\n' > kept.rejects
must_fail 77 "a unit that may not issue the type is refused (77)" \
	sh -c 'ecert-import -k "$1" -t "$2" --csv --rejects kept.rejects
	st=$?; cat; exit $st' sh "$HRSS_KEY" "$T_BIZ" \
	< "$IMPORT/business-labels.csv"
check "... naming the unit and the type's issuer" \
	err_has "unit $HRSS may not issue type $T_BIZ (营业执照): the catalog assigns it to $SAMR"
same "... having read nothing of its input" \
	"$(cat "$IMPORT/business-labels.csv")" "$(cat "$OUT")"
same "... the store unchanged" "" "$(dump_diff)"
same "... and the refusal audited" "license.import|<stdin>|denied" \
	"$(audit_last)"
same "... and last night's rejects file left as it was" \
	"# line 3: kept from last night" "$(cat kept.rejects)"
must_fail 77 "another type's issuer is refused (the land registry, 营业执照)" \
	ecert-import -k "$NRB_KEY" -t "$T_BIZ" "$IMPORT/business.jsonl"
must_fail 77 "... and the market regulator for 不动产权证书" \
	ecert-import -k "$SAMR_KEY" -t "$T_ESTATE" "$IMPORT/estate.csv"
must_fail 65 "a type not in the catalog (65)" \
	import_biz -t 11100000000013338W099 "$IMPORT/business.jsonl"
must_fail 64 "no -t (64)" ecert-import -k "$SAMR_KEY" "$IMPORT/business.jsonl"
must_fail 64 "--batch 0 (64)" import_biz --batch 0 "$IMPORT/business.jsonl"
must_fail 64 "two files (64)" import_biz "$IMPORT/business.jsonl" \
	"$IMPORT/business.jsonl"
must_fail 64 "an encoding iconv does not know (64)" \
	import_biz --encoding NO-SUCH-CODESET "$IMPORT/business-labels.csv"
must_fail 74 "a missing file (74)" import_biz "$SCRATCH/no-such.csv"
same "... and none of these changed the store" "" "$(dump_diff)"

#
# CSV with Chinese labels: quoted commas, doubled quotes, line breaks inside
# quotes, empty cells, CRLF; four bad records among eight.
#
must_fail 65 "a CSV export with 4 bad records of 8 exits 65" \
	import_biz --rejects labels.rejects "$IMPORT/business-labels.csv"
same "... and counts 8 records: 4 imported, 0 present, 4 rejected" \
	"8 4 0 4" "$(counts)"
same "... the summary names the file" "$IMPORT/business-labels.csv" \
	"$(json_field file < "$OUT")"
same "... each bad record reported by its first line" "7 9 10 11" \
	"$(reported_lines)"
check "... line 7 (a record of two lines): its impossible date" \
	err_has "business-labels.csv:7: field issue_date: 2018-02-30: not a real date (YYYY-MM-DD)"
check "... line 9: its holder's code" \
	err_has "business-labels.csv:9: field holder_id: "
check "... line 10: text after a closing quote" \
	err_has "business-labels.csv:10: text after a closing quote"
check "... line 11: a cell missing" \
	err_has "business-labels.csv:11: 10 fields, the header has 11"
# why LINE: the reason given on stderr for the record of LINE
why() {
	sed -n "s/^ecert-import: [^:]*:$1: //p" "$ERR"
}
sed -n '1p; 7,11p' "$IMPORT/business-labels.csv" > labels.expected
check "... the rejects file: the header, then each record as it came" \
	cmp labels.expected labels.rejects
L=$IMPORT/business-labels.csv
printf '2\t%s:7\t%s\n4\t%s:9\t%s\n5\t%s:10\t%s\n6\t%s:11\t%s\n' \
	"$L" "$(why 7)" "$L" "$(why 9)" "$L" "$(why 10)" "$L" "$(why 11)" \
	> labels.why.expected
check "... and beside it, labels.rejects.why: line in it, file:line, why" \
	cmp labels.why.expected labels.rejects.why
same "... four licenses landed" 4 "$(licenses)"

ok "the record with doubled quotes and quoted commas is in" \
	ecert-show --json "$ID_GULONGZHONG"
same "... its holder with the quotes undoubled" '襄阳"古隆中"文化传媒有限公司' \
	"$(json_field document.holder.name < "$OUT")"
same "... its domicile with its comma" '湖北省襄阳市襄城区隆中路1号, 2栋' \
	"$(json_field document.items.domicile < "$OUT")"
same "... its business scope with comma and quotes" \
	'广告设计、制作, 代理；"隆中"品牌策划' \
	"$(json_field document.items.business_scope < "$OUT")"
same "... empty cells are absent: no registered capital, no end date" \
	"null	null" \
	"$(json_field document.items.registered_capital document.valid_until < "$OUT")"
same "... 颁发日期 is the issue date" "2016-05-10	2016-05-10" \
	"$(json_field document.issue_date document.valid_from < "$OUT")"
same "... marked historical in the signed document" true \
	"$(json_field document.historical < "$OUT")"
same "... and in the store" 1 \
	"$(sqlite3 "$ECERT_DB" "SELECT historical FROM licenses WHERE id = '$ID_GULONGZHONG'")"
ok "the record of three lines is in" ecert-show --json "$ID_WULIU"
same "... its business scope with its two line breaks" \
	"普通货物道路运输
仓储服务
（依法须经批准的项目，经相关部门批准后方可开展经营活动）" \
	"$(json_field document.items.business_scope < "$OUT")"
same "... 有效期至 is valid_until" "2037-06-19" \
	"$(json_field document.valid_until < "$OUT")"
ok "the record ending in CRLF is in" ecert-show --json "$ID_BAOKANG"
same "... without the CR" '电子产品销售, 维修' \
	"$(json_field document.items.business_scope < "$OUT")"
ok "the four verify" ecert-verify "$ID_HANSHUI" "$ID_GULONGZHONG" \
	"$ID_WULIU" "$ID_BAOKANG"
same "the import is audited, one entry for its one batch" \
	"$IMPORT/business-labels.csv|partial" \
	"$(sqlite3 "$ECERT_DB" "SELECT object || '|' || outcome FROM audit WHERE action = 'license.import' AND outcome IN ('ok', 'partial')")"
same "... with its lines and counts: 2 to 12, 4 imported, 4 rejected" "2	12	4	0	4" \
	"$(sqlite3 "$ECERT_DB" "SELECT detail FROM audit WHERE action = 'license.import' ORDER BY seq DESC LIMIT 1" |
	json_field first_line last_line imported present rejected)"

#
# The same export again, and in GB18030.
#
keep_dump
before_licenses=$(licenses_digest)
must_fail 65 "the same CSV again exits 65 for the same bad records" \
	import_biz --rejects again.rejects "$IMPORT/business-labels.csv"
same "... 0 imported, 4 present, 4 rejected" "8 0 4 4" "$(counts)"
check "... the same rejects file" cmp labels.expected again.rejects
same "... the store as after one run (but the audit)" "" "$(dump_diff)"

iconv -f UTF-8 -t GB18030 "$IMPORT/business-labels.csv" > labels-gb.csv ||
	bail "iconv cannot write GB18030"
must_fail 65 "the export in GB18030, with --encoding GB18030" \
	import_biz --encoding GB18030 --rejects gb.rejects labels-gb.csv
same "... finds the same 4 licenses, already present" "8 0 4 4" "$(counts)"
same "... and the same bad records" "7 9 10 11" "$(reported_lines)"
iconv -f GB18030 -t UTF-8 gb.rejects > gb.rejects.utf8
check "... its rejects file holds the GB18030 bytes as they came" \
	cmp labels.expected gb.rejects.utf8
same "... no license changed" "$before_licenses" "$(licenses_digest)"

use_store gb18030
must_fail 65 "GB18030 into a fresh store" \
	import_biz --encoding GB18030 labels-gb.csv
same "... 4 imported" "8 4 0 4" "$(counts)"
same "... the same licenses as from UTF-8" "$(rows "$MAIN_DB")" "$(rows)"
ok "... with the same content" ecert-show --json "$ID_WULIU"
same "... (the items of the record of three lines)" \
	"$(ECERT_DB=$MAIN_DB ecert-show --json "$ID_WULIU" | json_field document.items | canonical)" \
	"$(json_field document.items < "$OUT" | canonical)"

# invalid bytes: a lone 0xFF, and a lead byte cut short at the cell's end
# (the markers %!% and %&% cannot be part of a GB18030 character)
sed '2s/张汉江/张%!%江/; 4s/王襄州/王襄州%\&%/' "$IMPORT/business-labels.csv" |
	iconv -f UTF-8 -t GB18030 |
	sed "2s/%!%/$(printf '\377')/; 4s/%&%,/$(printf '\201'),/" > bad-gb.csv
must_fail 65 "GB18030 with invalid byte sequences: a reject per record" \
	import_biz --encoding GB18030 --rejects bad-gb.rejects bad-gb.csv
same "... the two bad ones rejected, the others present" "8 0 2 6" "$(counts)"
check "... line 2: the byte and its offset in the cell" \
	err_has "bad-gb.csv:2: column 7 (法定代表人): invalid GB18030 byte at offset 2"
check "... line 4: the sequence cut short" \
	err_has "bad-gb.csv:4: column 7 (法定代表人): invalid GB18030 byte"
sed -n 2p bad-gb.csv > bad-gb.line2
sed -n 2p bad-gb.rejects | tr -d '\r' > bad-gb.rejected2
check "... the record kept as it came, invalid byte and all" \
	cmp bad-gb.line2 bad-gb.rejected2
printf '\377' > bad-header.csv
cat labels-gb.csv >> bad-header.csv
keep_dump
must_fail 65 "an invalid byte in the header: 65" \
	import_biz --encoding GB18030 bad-header.csv
check "... naming the column" err_has "bad-header.csv:1: column 1:"
same "... nothing imported" "" "$(dump_diff)"
ECERT_DB=$MAIN_DB

sed '3s/李樊城/李\xff城/' "$IMPORT/business-labels.csv" > bad-utf8.csv
must_fail 65 "invalid UTF-8 in a CSV cell: a reject" import_biz bad-utf8.csv
same "... of that record only" "8 0 3 5" "$(counts)"
check "... line 3, its column" \
	err_has "bad-utf8.csv:3: column 7 (法定代表人): invalid UTF-8 (byte 0xFF at offset 3); an export saved by a spreadsheet in China is often GB18030: try --encoding GB18030"

#
# Header names: --map, GB/T 36903 element names, item keys; and columns
# that name nothing.
#
keep_dump
must_fail 65 "a column that is no item of the type: 65" \
	import_biz --rejects map.rejects "$IMPORT/business-map.csv"
check "... naming the column and --map" \
	err_has "business-map.csv:1: column 1 (注册号): not a data item of type $T_BIZ; name it with --map"
same "... nothing imported" "" "$(dump_diff)"
same "... nothing rejected record by record" "" "$(cat map.rejects)"
MAP=注册号=number,企业名称=holder,信用代码=holder_id,核准日期=issue_date
MAP=$MAP,营业期限至=valid_until,企业类型=类型,法人=legal_representative
must_fail 65 "--map for all but one column: 65" \
	import_biz --map "${MAP%,法人=*}" "$IMPORT/business-map.csv"
check "... naming that column" err_has "column 7 (法人): not a data item"
must_fail 65 "--map to a name that is no item: 65" \
	import_biz --map "${MAP%,法人=*},法人=负责人" "$IMPORT/business-map.csv"
check "... naming it" err_has "column 7 (负责人): not a data item"
same "... nothing imported" "" "$(dump_diff)"
ok "--map names the columns of a legacy register" \
	import_biz --map "$MAP" "$IMPORT/business-map.csv"
same "... 2 imported" "2 2 0 0" "$(counts)"
ok "... as their items" ecert-show --json \
	"$(ecert-query --holder-id 91420600MA4E00100B -o id)"
same "... number, holder, dates and items by key and by label" \
	"91420600MA4E00100B	襄阳东津科技有限公司	2013-04-18	2033-04-17	有限责任公司（自然人投资或控股）	胡子涵" \
	"$(json_field document.number document.holder.name document.issue_date \
	document.valid_until document.items.entity_type \
	document.items.legal_representative < "$OUT")"
ok "GB/T 36903 element names and item keys need no --map" \
	import_biz "$IMPORT/business-keys.csv"
same "... 2 imported" "2 2 0 0" "$(counts)"
same "... 持证主体, 证照颁发日期, 证照有效期截止日期, 营业期限 in place" \
	"襄阳枣阳汽车配件有限公司	2011-11-11	2031-11-10	2011年10月28日至2031年11月10日" \
	"$(ecert-query --holder-id 91420600MA4E00300N -o id | ecert-show --json |
	json_field document.holder.name document.issue_date document.valid_until \
	document.items.business_term)"
{
	sed -n 1,2p "$IMPORT/business-keys.csv" | sed 's/$/\r/'
	printf '\r\n'
	sed -n 3p "$IMPORT/business-keys.csv" | sed 's/$/\r/'
} > crlf-blank.csv
ok "a blank line in a CRLF file ends no record, as in an LF file" \
	import_biz crlf-blank.csv
same "... 2 records, present" "2 0 2 0" "$(counts)"
{ printf '\357\273\277'; cat "$IMPORT/business-keys.csv"; } > bom.csv
ok "a header after a UTF-8 byte order mark (Excel's \"CSV UTF-8\")" \
	import_biz bom.csv
same "... 2 records, present" "2 0 2 0" "$(counts)"
printf '%s\n' \
	'证照编号,名称,统一社会信用代码,颁发日期,类型,entity_type,法定代表人,成立日期,住所,经营范围' \
	'91420600MA4F00100X,襄阳测试有限公司,91420600MA4F00100X,2015-01-01,个人独资企业,其他有限责任公司,张汉江,2014-12-01,湖北省襄阳市樊城区,食品销售' \
	> twice.csv
keep_dump
must_fail 65 "a header naming one item twice (类型 and entity_type) is refused, as ecert-issue refuses it" \
	import_biz twice.csv
same "... and nothing imported" "" "$(dump_diff)"

#
# JSON Lines: items by key and by label, invalid text, the summary.
#
ok "JSON Lines, items by key and by Chinese label" \
	import_biz "$IMPORT/business.jsonl"
same "... 4 imported" "4 4 0 0" "$(counts)"
same "... one whose validity ended comes in expired, the others valid" \
	"91420600MA49XY0129|valid
91420600MA4D009006|valid
91420600MA4KLMN204|valid
91420606MA4ABCDE19|expired" \
	"$(sqlite3 "$ECERT_DB" "SELECT number, status FROM licenses WHERE number IN ('91420600MA4D009006', '91420600MA49XY0129', '91420606MA4ABCDE19', '91420600MA4KLMN204') ORDER BY number")"
ok "... the one by labels has its items by key" \
	ecert-show --json "$ID_BIZ_LONGZHONG"
same "... with its line break" "有限责任公司（自然人独资）	李樊城	餐饮服务；预包装食品销售
（依法须经批准的项目，经相关部门批准后方可开展经营活动）" \
	"$(json_field document.items.entity_type \
	document.items.legal_representative document.items.business_scope < "$OUT")"
ok "... and verifies" ecert-verify "$ID_BIZ_LONGZHONG"
same "... a terminal gets a sentence (--table)" \
	"4 records: 0 imported, 4 already present, 0 rejected" \
	"$(import_biz --table "$IMPORT/business.jsonl" 2> /dev/null)"

line() {	# N: line N of business.jsonl
	sed -n "$1p" "$IMPORT/business.jsonl"
}
{
	line 1
	line 2 | sed 's/李樊城/李\xff\xfe城/'			# not UTF-8 at all
	line 3 | sed 's/王襄州/王\xc0\xaf州/'			# overlong '/'
	line 4 | sed 's/张汉江/张\xed\xa0\x80江/'		# a surrogate
	printf '{"number":"91420600MA4D00100Q","holder":"襄阳\346\261"}\n' # cut short
	printf '\n'
	printf '{"number":"91420600MA4D00100Q","holder":"\\udc00"}\n'
	printf '[1,2]\n'
	printf '{"number":"91420600MA4D00100Q","holder":"a\000b"}\n'
} > invalid.jsonl
before=$(licenses_digest)
must_fail 65 "JSON Lines with invalid UTF-8, an empty line, a lone surrogate, an array, a NUL" \
	import_biz --rejects invalid.rejects invalid.jsonl
same "... the good line present, 8 rejected" "9 0 1 8" "$(counts)"
same "... each by its line" "2 3 4 5 6 7 8 9" "$(reported_lines)"
check "... invalid UTF-8 is said so" err_has "invalid.jsonl:4: invalid UTF-8"
check "... an empty line too" err_has "invalid.jsonl:6: empty line"
same "... no license changed" "$before" "$(licenses_digest)"
sed -n '2,5p' invalid.jsonl > invalid.expected
sed -n '1,4p' invalid.rejects > invalid.got
check "... the rejects file holds the invalid bytes as they came" \
	cmp invalid.expected invalid.got
same "... each in the .why file by its line" "2 3 4 5 6 7 8 9" \
	"$(sed -n 's/^[0-9]*\tinvalid.jsonl:\([0-9]*\)\t.*/\1/p' invalid.rejects.why | tr '\n' ' ' | sed 's/ $//')"
sed -n 9p invalid.jsonl > nul.expected
sed -n 8p invalid.rejects > nul.got
check "... and the line with a NUL byte as it came" cmp nul.expected nul.got

# A 100 MB line between two good ones, piped: rejected, memory flat, the
# others land.
"$GEN" -n 2 -f 700000 -b 0 -d 0 > two.jsonl
must_fail 65 "a 100 MB line between two good ones, piped" sh -c '
	{ sed -n 1p two.jsonl; head -c 104857600 /dev/zero | tr "\0" a; echo
	sed -n 2p two.jsonl; } |
	ecert-import -k "$1" -t "$2" --rejects long.rejects' sh \
	"$SAMR_KEY" "$T_BIZ"
same "... 3 records: 2 imported, 1 rejected" "3 2 0 1" "$(counts)"
check "... line 2 is too long" err_has "<stdin>:2: line longer than"
check "... the rejects file says so, without the 100 MB" \
	test "$(wc -c < long.rejects)" -lt 1048576
json_field number < two.jsonl > two.numbers
same "... the two others are in" 2 "$(sqlite3 "$ECERT_DB" "SELECT count(*)
	FROM licenses WHERE number IN ('$(sed -n 1p two.numbers)',
	'$(sed -n 2p two.numbers)')")"

sed -n 1,3p "$IMPORT/business-labels.csv" > longcsv.head
must_fail 65 "a CSV cell of 100 MB, piped" sh -c '
	{ sed -n 1,2p longcsv.head
	printf "91420600MA4F00200K,"; head -c 104857600 /dev/zero | tr "\0" a
	echo; sed -n 12p "$3"; } |
	ecert-import --csv -k "$1" -t "$2"' sh "$SAMR_KEY" "$T_BIZ" \
	"$IMPORT/business-labels.csv"
same "... rejected, the others counted" "3 0 2 1" "$(counts)"
check "... by its line" err_has "<stdin>:3: record longer than"

"$GEN" -n 2 -f 710000 -b 0 -d 0 -c > two.csv
must_fail 65 "a quoted CSV cell over 1 MB with line breaks in it is one record" sh -c '
	{ sed -n 1,2p two.csv
	printf "91420600MA4F00200K,\""; head -c 2000000 /dev/zero | tr "\0" a
	printf "\n,\n\"\"\n\",x\n"; sed -n 3p two.csv; } |
	ecert-import --csv -k "$1" -t "$2"' sh "$SAMR_KEY" "$T_BIZ"
same "... 3 records: the two good ones imported, the long one rejected" \
	"3 2 0 1" "$(counts)"
same "... reported by its first line" 3 "$(reported_lines)"

#
# A record already in the store: present when it says the same, rejected
# when it says something else, never overwritten.
#
keep_dump
imports=$(sqlite3 "$ECERT_DB" "SELECT count(*) FROM audit WHERE action = 'license.import'")
ok "the same JSON Lines again: every record already present" \
	import_biz "$IMPORT/business.jsonl"
same "... 0 imported, 4 present" "4 0 4 0" "$(counts)"
same "... the store as after one run (but the audit)" "" "$(dump_diff)"
same "... and the run audited" $((imports + 1)) \
	"$(sqlite3 "$ECERT_DB" "SELECT count(*) FROM audit WHERE action = 'license.import'")"

{
	line 2 | sed 's/"法定代表人":"李樊城"/"法定代表人":"赵建国"/'
	line 1 | sed 's/"registered_capital":"捌佰万元整",//'
	line 4 | sed 's/"holder":"襄阳古隆中文化旅游有限公司"/"holder":"襄阳古隆中旅游有限公司"/'
	line 3
} > conflict.jsonl
before=$(licenses_digest)
must_fail 65 "the same numbers with other content are rejected (65)" \
	import_biz --rejects conflict.rejects conflict.jsonl
same "... 3 rejected, 1 present" "4 0 1 3" "$(counts)"
check "... another 法定代表人: named by its label" \
	err_has "conflict.jsonl:1: license number 91420600MA49XY0129 is already in the store with different content: 法定代表人"
check "... a missing 注册资本: named by its label" \
	err_has "conflict.jsonl:2: license number 91420600MA4D009006 is already in the store with different content: 注册资本"
check "... another holder name: the type's holder label 名称" \
	grep -q "conflict.jsonl:3: .*different content: 名称\$" "$ERR"
same "... no license changed" "$before" "$(licenses_digest)"
same "... the stored document still says 李樊城" 李樊城 \
	"$(ecert-show --json "$ID_BIZ_LONGZHONG" | json_field document.items.legal_representative)"
same "... the conflicts are in the rejects file" 3 \
	"$(grep -c '^[0-9]*	conflict.jsonl:[0-9]*	license number .* different content' conflict.rejects.why)"

issue_biz "$SAMR_KEY" "$USCC_FOOD" 襄阳汉江食品有限公司 > /dev/null ||
	bail "cannot issue $ID_BIZ_FOOD"
before=$(licenses_digest)
printf '{"number":"%s","holder":"襄阳汉江食品有限公司","holder_id":"%s","类型":"有限责任公司（自然人投资或控股）","法定代表人":"张汉江","注册资本":"伍佰万元整","成立日期":"2019-03-18","住所":"湖北省襄阳市樊城区长虹北路16号","经营范围":"食品生产；食品销售；农副产品加工","issue_date":"2019-03-20"}\n' \
	"$USCC_FOOD" "$USCC_FOOD" > issued.jsonl
must_fail 65 "a license issued with ecert-issue is not replaced by an import" \
	import_biz issued.jsonl
check "... the conflict named" \
	err_has "license number $USCC_FOOD is already in the store with different content"
same "... no license changed" "$before" "$(licenses_digest)"

ok "a license revoked since its import" ecert-revoke -k "$SAMR_KEY" \
	--reason 企业申请注销登记 "$ID_HANSHUI"
before=$(licenses_digest)
must_fail 65 "... is present when imported again" \
	import_biz "$IMPORT/business-labels.csv"
same "... counted present" "8 0 4 4" "$(counts)"
same "... and stays revoked" revoked \
	"$(sqlite3 "$ECERT_DB" "SELECT status FROM licenses WHERE id = '$ID_HANSHUI'")"
same "... no license changed, no event added" "$before" "$(licenses_digest)"

{
	"$GEN" -n 1 -f 720000 -b 0 -d 0
	"$GEN" -n 1 -f 720000 -b 0 -d 0
	"$GEN" -n 1 -f 720000 -b 0 -d 0 | sed 's/"legal_representative":"[^"]*"/"legal_representative":"赵建国"/'
} > dup.jsonl
must_fail 65 "one number three times in a file: imported, present, rejected" \
	import_biz dup.jsonl
same "... in that order" "3 1 1 1" "$(counts)"
check "... the third for its 法定代表人" \
	err_has "dup.jsonl:3: license number $("$GEN" -n 1 -f 720000 -b 0 | json_field number) is already in the store with different content: 法定代表人"

#
# Every record in exactly one place: generated exports with bad records.
#
use_store counts
"$GEN" -n 3000 -f 100000 -b 40 > gen.jsonl
must_fail 65 "3000 generated JSON Lines, some bad, --batch 250 --jobs 3" \
	import_biz --batch 250 --jobs 3 --rejects gen.rejects gen.jsonl
json_field records imported present rejected < "$OUT" > gen.counts
read -r n_rec n_imp n_pre n_rej < gen.counts
same "... the summary: file, records, imported, present, rejected" \
	"file imported present records rejected" \
	"$(perl -MJSON::PP -ne 'print join(" ", sort keys %{decode_json($_)})' < "$OUT")"
sed -n 's/^ecert-import: gen.jsonl:\([0-9]*\): /\1: /p' "$ERR" |
	sed 's/^\([0-9]*: invalid UTF-8\) (byte .*$/\1/' > gen.import-rejects
same "... imported + present + rejected = records = lines" "3000 3000" \
	"$((n_imp + n_pre + n_rej)) $n_rec"
check "... some rejected, most imported" test "$n_rej" -gt 0 -a "$n_imp" -gt 2500
same "... as many licenses as imported" "$n_imp" "$(licenses)"
same "... one report on stderr for each rejected" "$n_rej" \
	"$(grep -c '^ecert-import: gen.jsonl:[0-9]*: ' "$ERR")"
sed -n 's/^[0-9]*	gen.jsonl:\([0-9]*\)	.*/\1/p' gen.rejects.why > gen.rejected-lines
same "... one line in the .why file for each" "$n_rej" \
	"$(wc -l < gen.rejected-lines | tr -d ' ')"
same "... each naming line N of the input, which is line K of the rejects file, verbatim" \
	"$n_rej 0" \
	"$(LC_ALL=C awk -F '\t' 'FILENAME == ARGV[1] { l[FNR] = $0; next }
	FILENAME == ARGV[2] { r[FNR] = $0; next }
	{ n = $2; sub(/.*:/, "", n); k++; if (r[$1] != l[n]) bad++ }
	END { print k + 0, bad + 0 }' gen.jsonl gen.rejects gen.rejects.why)"
LC_ALL=C awk 'NR == FNR { bad[$1] = 1; next } !(FNR in bad)' \
	gen.rejected-lines gen.jsonl |
	sed 's/^{"number":"\([^"]*\)".*/\1/' > gen.good-numbers
same "... every other line is a license, in input order" \
	"$(cat gen.good-numbers)" \
	"$(sqlite3 "$ECERT_DB" 'SELECT number FROM licenses ORDER BY rowid')"
# (a batch ends at 250 records, or sooner when somebody waits or no
# record comes for 50 ms)
check "... one audit entry per batch, of 250 records at most" test "$(
	sqlite3 "$ECERT_DB" "SELECT detail FROM audit WHERE action = 'license.import'" |
	json_field imported present rejected |
	awk '{ n++; if ($1 + $2 + $3 > 250) big++ } END { print (n >= 12 && !big) ? "yes" : "no" }')" = yes
same "... whose counts add up" "$n_imp $n_pre $n_rej" \
	"$(sqlite3 "$ECERT_DB" "SELECT detail FROM audit WHERE action = 'license.import'" |
	json_field imported present rejected |
	awk '{ i += $1; p += $2; r += $3 } END { print i, p, r }')"

# the same lines through ecert-issue, into another store
use_store issued
must_fail 65 "the same 3000 lines through ecert-issue" \
	ecert-issue -k "$SAMR_KEY" -t "$T_BIZ" < gen.jsonl
# (ecert-issue says where in the line UTF-8 goes wrong; the import, which
# keeps the record whole, does not)
sed -n 's/^ecert-issue: <stdin>:\([0-9]*\): /\1: /p' "$ERR" |
	sed 's/^\([0-9]*: invalid UTF-8\) at byte [0-9]*$/\1/' > gen.issue-rejects
same "... the import rejects exactly the lines ecert-issue rejects, for the same reasons" \
	"" "$(diff gen.issue-rejects gen.import-rejects | grep '^[<>]' | head -n 4)"
same "... and makes the same licenses, but historical" \
	"$(rows "$SCRATCH/counts.db" | sed 's/|1$/|0/')" "$(rows)"
use_store counts

"$GEN" -n 2000 -f 200000 -b 40 -c > gen.csv
must_fail 65 "2000 generated CSV records (line breaks inside quotes), some bad" \
	import_biz --batch 300 --rejects gencsv.rejects gen.csv
json_field records imported present rejected < "$OUT" > gencsv.counts
read -r n_rec n_imp n_pre n_rej < gencsv.counts
same "... imported + present + rejected = records = 2000" "2000 2000" \
	"$((n_imp + n_pre + n_rej)) $n_rec"
same "... one line in the .why file for each rejected" "$n_rej" \
	"$(grep -c '	gen.csv:[0-9]*	' gencsv.rejects.why)"
same "... every license of the file landed or was rejected" \
	"$((3000 - $(wc -l < gen.rejected-lines) + n_imp))" "$(licenses)"
cp gencsv.rejects gencsv-again.csv
use_store counts-rejects
must_fail 65 "... the rejected records, back under their header, are as many records" \
	import_biz gencsv-again.csv
same "... all rejected again" "$n_rej 0 0 $n_rej" "$(counts)"
use_store counts
keep_dump
must_fail 65 "... and the CSV again" import_biz --batch 300 gen.csv
same "... every good record present" "2000 0 $n_imp $n_rej" "$(counts)"
same "... the store as after one run (but the audit)" "" "$(dump_diff)"
ECERT_DB=$MAIN_DB

#
# kill -9 at any moment, then the same command again: exactly the store of
# one uninterrupted run.
#
"$GEN" -n 20000 -f 300000 -b 5 > big.jsonl
use_store reference
must_fail 65 "the reference: 20000 records in one uninterrupted run" \
	import_biz --batch 500 big.jsonl
json_field imported rejected < "$OUT" > big.counts
read -r ref_imported ref_rejected < big.counts
rows > reference.rows

# import_killed AT: the import in the background, killed with SIGKILL once
# AT licenses are committed (when it finishes first, the point holds all
# the same); KILLED_AT is the count then.
import_killed() {
	rm -f import.pid import.status
	{
		ecert-import -k "$SAMR_KEY" -t "$T_BIZ" --batch 500 big.jsonl \
		    > /dev/null 2>&1 &
		echo $! > import.pid
		wait $!
		echo $? > import.status
	} 2> /dev/null &
	_ik_sub=$!
	while [ ! -s import.pid ]; do :; done
	_ik_start=$(date +%s)
	while [ ! -e import.status ]; do
		_ik_n=$(sqlite3 -cmd '.timeout 5000' "$ECERT_DB" \
		    'SELECT count(*) FROM licenses' 2> /dev/null) || _ik_n=0
		if [ "${_ik_n:-0}" -ge "$1" ]; then
			kill -9 "$(cat import.pid)" 2> /dev/null
			break
		fi
		if [ $(($(date +%s) - _ik_start)) -gt 300 ]; then
			echo "# import_killed: no progress, killing it"
			kill -9 "$(cat import.pid)" 2> /dev/null
			break
		fi
		poll
	done
	wait "$_ik_sub"
	KILLED_AT=$(licenses)
}

# after_kill AT: the store as the killed run left it
after_kill() {
	same "... the store is whole" ok \
	    "$(sqlite3 "$ECERT_DB" 'PRAGMA integrity_check')"
	ok "... its audit chain intact" ecert-audit verify
	rows > killed.rows
	same "... and what is in is what one run puts in" "" \
	    "$(LC_ALL=C comm -23 killed.rows reference.rows)"
}

use_store killed
for at in 1 7000 14000; do
	import_killed "$at"
	check "kill -9 once $at licenses are in (killed at $KILLED_AT)" \
		test "$KILLED_AT" -ge "$at"
	after_kill
done
must_fail 65 "the same command again after the last kill" \
	import_biz --batch 500 big.jsonl
same "... counts what the killed runs put in as present, nothing twice" \
	"20000 $((ref_imported - KILLED_AT)) $KILLED_AT $ref_rejected" "$(counts)"
same "... and ends with the store of one uninterrupted run" \
	"$(cat reference.rows)" "$(rows)"
same "... the store is whole" ok "$(sqlite3 "$ECERT_DB" 'PRAGMA integrity_check')"
ok "... and its audit chain intact" ecert-audit verify
ECERT_DB=$MAIN_DB

#
# A clerk who waits for the store's write lock says so, and the import
# ends its batch for them: here its batches would otherwise last until
# the end of the run (--batch over the input's size, no time limit).
#
use_store waiting
rm -f import.pid import.status
{
	ECERT_TEST_BATCH_SECONDS=600 ecert-import -k "$SAMR_KEY" -t "$T_BIZ" \
	    --batch 100000 big.jsonl > /dev/null 2>&1 &
	echo $! > import.pid
	wait $!
	echo $? > import.status
} 2> /dev/null &
waiting_sub=$!
# the import holds the write lock once the log grows
while [ ! -e import.status ] &&
    [ "$(stat -c %s "$ECERT_DB-wal" 2> /dev/null || echo 0)" -lt 500000 ]; do
	poll
done
check "an import under way, its first batch open" test ! -e import.status
ok "... a clerk's query gets in (it waits for the lock, and says so)" \
	ecert-query --type "$T_BIZ" --holder 襄阳汉江食品有限公司 -o id
check "... before the import is over" test ! -e import.status
wait "$waiting_sub"
same "... which then finishes (65: big.jsonl has bad lines)" 65 \
	"$(cat import.status)"
same "... and imports what one uninterrupted run does" \
	"$(cat reference.rows)" "$(rows)"
# the audit log in order: a batch, the clerk's query, the other batches
same "... the clerk's query between two of its batches" "import query import" \
	"$(sqlite3 "$ECERT_DB" "SELECT action FROM audit WHERE action IN
	    ('license.import', 'license.query') ORDER BY seq" |
	    sed 's/license\.//' | uniq | tr '\n' ' ' | sed 's/ $//')"
check "... its first batch ended early, well short of 20000 records" test "$(
	sqlite3 "$ECERT_DB" "SELECT detail FROM audit WHERE action = 'license.import'
	    ORDER BY seq LIMIT 1" | json_field imported present rejected |
	awk '{ print $1 + $2 + $3 }')" -lt 19000
ECERT_DB=$MAIN_DB

#
# Natural persons: 不动产权证书 by the land registry; no citizen ID number
# in the clear in the store's files.
#
must_fail 65 "不动产权证书 from CSV headed 权利人 and 公民身份号码" \
	ecert-import -k "$NRB_KEY" -t "$T_ESTATE" --rejects estate.rejects \
	"$IMPORT/estate.csv"
same "... 4 imported, the one with a bad ID number rejected" "5 4 0 1" \
	"$(counts)"
check "... for its holder_id" \
	err_has "estate.csv:5: field holder_id: not a valid citizen ID number"
check "... without printing the number" sh -c "! grep -q '$CID_BAD' '$ERR'"
ID_ESTATE=$(ecert-query --type "$T_ESTATE" --holder 张汉江 -o id)
ok "... the signed document keeps the holder's ID number" \
	ecert-show --json "$ID_ESTATE"
same "... with its type 111" "张汉江	111	$CID_ZHANG	true" \
	"$(json_field document.holder.name document.holder.id_type \
	document.holder.id document.historical < "$OUT")"
same "... the store keeps no holder code for natural persons" "0" \
	"$(sqlite3 "$ECERT_DB" "SELECT count(holder_code) FROM licenses WHERE type = '$T_ESTATE'")"
for cid in "$CID_ZHANG" "$CID_LI" "$CID_WANG" 420606197511182207; do
	same "grep -c $cid over the store's files finds nothing" 0 \
		"$(cat "$ECERT_DB" "$ECERT_DB-wal" 2> /dev/null | grep -a -c "$cid")"
done

# the same with everything the import wrote still in the write-ahead log:
# a reader holding an older snapshot keeps it from being checkpointed
"$GEN" -n 4000 -f 400000 -t estate -b 0 |
	perl -pe 's/"number":"[0-9X]+"/sprintf(q{"number":"鄂(2020)襄阳市不动产权第%07d号"}, $.)/e;
	    s/"issue_date":"2025-/"issue_date":"2024-/' > estate.jsonl
sed -n 's/.*"holder_id":"\([0-9X]*\)".*/\1/p' estate.jsonl > estate.cids
use_store estate
mkfifo reader.fifo
sqlite3 "$ECERT_DB" < reader.fifo > reader.out 2>&1 &
reader=$!
exec 4> reader.fifo
echo '.timeout 5000' >&4
echo 'BEGIN; SELECT count(*) FROM licenses;' >&4
while [ ! -s reader.out ]; do poll; done
same "a reader holds a snapshot of the store" 0 "$(cat reader.out)"
ok "4000 不动产权证书 while a reader holds the store open" \
	ecert-import -k "$NRB_KEY" -t "$T_ESTATE" --batch 500 estate.jsonl
same "... all in" 4000 "$(licenses)"
check "... the write-ahead log holds them" test -s "$ECERT_DB-wal"
same "... no ID number in the store's files" 0 \
	"$(cat "$ECERT_DB" "$ECERT_DB-wal" | grep -a -c -F -f estate.cids)"
check "... (where the names are)" sh -c \
	'cat "$1" "$1-wal" | grep -a -q -F "$(sed -n "s/.*\"holder\":\"\([^\"]*\)\".*/\1/p" "$2" | sed -n 1p)"' \
	sh "$ECERT_DB" estate.jsonl
echo 'COMMIT;' >&4
exec 4>&-
wait "$reader"
same "... nor once the reader has gone" 0 \
	"$(cat "$ECERT_DB" "$ECERT_DB-wal" 2> /dev/null | grep -a -c -F -f estate.cids)"
ECERT_DB=$MAIN_DB
