#!/bin/sh
# ecert-report: the supervision report of article 22, from the store and
# the audit log alone, checked against a store built with known counts:
# the five failings per department, the period, who may see what, and the
# printable HTML page.
. "$(dirname "$0")/lib.sh"

plan 65

ICBC=91420600717800001A	# 中国工商银行股份有限公司襄阳分行 (user)
CCB=91420600717800002D	# 中国建设银行股份有限公司襄阳分行 (user)
M_ESTATE=11420600MB3456789X-QR-0001	# 不动产转移登记: needs the 不动产权证书
M_FOOD=11420600MB1234567T-XK-0001	# 食品经营许可（新办）: needs the 营业执照
# the audit log keeps the machine's clock: the period ends today
TO=$(date -u +%F)

# the catalog loaded on 2 January 2025, everything else on 30 June
ECERT_NOW=2025-01-02T09:00:00Z
export ECERT_NOW
setup_store
ecert-matter load -k "$ADMIN_KEY" "$ECERT_SHARE"/matters/*.yaml > /dev/null ||
	bail "cannot load the matters"
ECERT_NOW=2025-06-30T09:00:00Z
for u in "$ICBC:中国工商银行股份有限公司襄阳分行:icbc" \
    "$CCB:中国建设银行股份有限公司襄阳分行:ccb"; do
	IFS=: read -r code name file <<-EOT
	$u
	EOT
	ecert-unit add -k "$ADMIN_KEY" --code "$code" --name "$name" \
	    --role user > /dev/null &&
	ecert-unit key -k "$ADMIN_KEY" --unit "$code" -o "$file.key" \
	    > /dev/null || bail "cannot add $name"
done

# (一) the 食品经营许可证 definition changed on the day the period ends:
# it alone is not stale
sed 's/^description: .*/description: 食品经营许可证（2026年修订）/' \
	"$ECERT_SHARE/catalog/food-business-license.yaml" > food.yaml
ECERT_NOW=${TO}T08:00:00Z ecert-catalog load -k "$ADMIN_KEY" food.yaml \
	> /dev/null 2>&1 || bail "cannot change the food type"

# (二) two 营业执照 signed ten days after their issue date, one a day
# after (within the limit), one draft awaiting review; 不动产权证书 on time
issue_biz "$SAMR_KEY" "$USCC_FOOD" 襄阳汉江食品有限公司 \
	-f issue_date=2025-06-20 > /dev/null &&
issue_biz "$SAMR_KEY" "$USCC_LONGZHONG" 襄阳隆中餐饮管理有限公司 \
	-f issue_date=2025-06-20 > /dev/null &&
issue_biz "$SAMR_KEY" "$USCC_FANCHENG" 襄阳市樊城区鹿门副食商店 \
	-f issue_date=2025-06-29 > /dev/null &&
issue_biz "$SAMR_KEY" "$USCC_GULONG" 襄阳古隆中文化旅游有限公司 --draft \
	> /dev/null &&
issue_estate "$NRB_KEY" '鄂(2025)襄阳市不动产权第0012345号' 张汉江 \
	"$CID_ZHANG" > estate.out &&
issue_estate "$NRB_KEY" '鄂(2025)襄阳市不动产权第0067890号' 王襄州 \
	"$CID_WANG" > /dev/null || bail "cannot issue"
ID_ESTATE=$(sed -n 's/.*"id":"\([^"]*\)".*/\1/p' estate.out)

# (三) filed Monday 30 June, due 21 July: one left open, one answered on
# 1 September, one about the 不动产权证书 answered the same day
ecert-dispute holidays load -k "$ADMIN_KEY" "$ECERT_SHARE"/holidays/2025.txt \
	> /dev/null || bail "cannot load the holiday calendar"
ecert-dispute file -k "$ADMIN_KEY" --by holder --item 住所 \
	--reason '住所门牌号应为长虹北路18号' "$ID_BIZ_FOOD" > /dev/null &&
ecert-dispute file -k "$ADMIN_KEY" --by holder --item 法定代表人 \
	--reason '法定代表人有误' "$ID_BIZ_LONGZHONG" > /dev/null &&
ecert-dispute file -k "$ADMIN_KEY" --by holder --item 坐落 \
	--reason '坐落单元号有误' "$ID_ESTATE" > /dev/null &&
ECERT_NOW=2025-09-01T09:00:00Z ecert-dispute resolve -k "$SAMR_KEY" \
	--rejected --reason '经核查，登记信息无误' 2 > /dev/null &&
ecert-dispute resolve -k "$NRB_KEY" --rejected \
	--reason '经核查，坐落无误' 3 > /dev/null || bail "cannot file disputes"

# (四) and (五): the bank ICBC fetches 张汉江's 不动产权证书 four times for
# the transfer; CCB fetches 王襄州's for a food licence, which does not
# need it; HRSS once for the transfer under a grant that is then altered
# so that no grant on file covers its use; refusals: CCB twice, HRSS once.
grant() {
	ecert-grant add -k "$ADMIN_KEY" --table "$@" --until 2025-12-31 \
	    2> grant.err || bail "cannot grant: $(cat grant.err)"
}
grant --holder 张汉江 --holder-id "$CID_ZHANG" --matter "$M_ESTATE" \
	--grantee "$ICBC" --type "$T_ESTATE" > /dev/null
grant --holder 王襄州 --holder-id "$CID_WANG" --matter "$M_FOOD" \
	--grantee "$CCB" --type "$T_ESTATE" > /dev/null
G_HRSS=$(grant --holder 张汉江 --holder-id "$CID_ZHANG" --matter "$M_ESTATE" \
	--grantee "$HRSS" --type "$T_ESTATE")
use() {
	_key=$1
	shift
	ecert-use -k "$_key" "$@" > /dev/null 2>&1
}
for i in 1 2 3 4; do
	use icbc.key --matter "$M_ESTATE" --holder "$CID_ZHANG" ||
	    bail "ICBC cannot use"
done
use ccb.key --matter "$M_FOOD" --holder "$CID_WANG" || bail "CCB cannot use"
use "$HRSS_KEY" --matter "$M_ESTATE" --holder "$CID_ZHANG" ||
	bail "HRSS cannot use"
sqlite3 "$ECERT_DB" "UPDATE grants SET grantee = '$CCB' WHERE id = $G_HRSS" ||
	bail "cannot alter the grant"
! use ccb.key --matter "$M_ESTATE" --holder "$CID_ZHANG" &&
! use ccb.key --matter "$M_ESTATE" --holder "$CID_WANG" &&
! use "$HRSS_KEY" --matter "$M_FOOD" --holder "$CID_WANG" ||
	bail "a use that should be refused was not"

# the share without the 食品经营许可证's face template
mkdir share && cp -R "$ECERT_SHARE"/. share/ &&
	rm share/templates/food-business-license.svg || bail "cannot copy share"
printf '# unit\ttype\tcount\n%s\t%s\t5\n%s\t%s\t2\n' "$SAMR" "$T_BIZ" \
	"$NRB" "$T_ESTATE" > declared.tsv

# figures: "article unit measure count" of the rows that are not zero
figures() {
	json_field article unit measure count < "$OUT" |
	    awk -F '\t' '$4 != 0 { print $1, $2, $3, $4 }'
}

ok "the platform's report of the city" env ECERT_SHARE="$SCRATCH/share" \
	ecert-report -k "$ADMIN_KEY" --to "$TO" --declared declared.tsv --json
cp "$OUT" city.jsonl
same "... every failing, measured" "22(一) $SAMR type_never_loaded 1
22(一) $SAMR template_missing 1
22(一) $SAMR definition_stale 1
22(一) $HCB type_never_loaded 1
22(一) $HCB definition_stale 1
22(一) $NRB definition_stale 1
22(二) $SAMR issued_late 2
22(二) $SAMR valid_below_declared 1
22(二) $SAMR import_pending 1
22(三) $SAMR objection_overdue 1
22(三) $SAMR objection_answered_late 1
22(四) $HRSS use_without_grant 1
22(四) $HRSS use_refused 1
22(四) $CCB use_beyond_matter 1
22(四) $CCB use_refused 2
22(五) $HRSS natural_person_access 1
22(五) $ICBC natural_person_access 4
22(五) $ICBC unusual_volume 1
22(五) $CCB natural_person_access 1" "$(figures)"
same "... 8 rows an issuing department, 5 a using unit, zeros kept" \
	"$((3 * 8 + 6 * 5))" "$(wc -l < city.jsonl)"
same "... zeros kept: HCB's late licenses" \
	"22(二)	$HCB	issued_late	0" \
	"$(json_field article unit measure count < city.jsonl |
	    grep "$HCB	issued_late")"
same "... which types: never loaded" "[\"$T_BUILD\"]" \
	"$(grep "\"measure\":\"type_never_loaded\"" city.jsonl |
	    grep "\"unit\":\"$HCB\"" | json_field items)"
same "... without a template" "[\"$T_FOOD\"]" \
	"$(grep '"measure":"template_missing"' city.jsonl |
	    grep "\"unit\":\"$SAMR\"" | json_field items)"
same "... stale: the 营业执照, not the changed 食品经营许可证" "[\"$T_BIZ\"]" \
	"$(grep '"measure":"definition_stale"' city.jsonl |
	    grep "\"unit\":\"$SAMR\"" | json_field items)"
same "... the late licenses by identifier" \
	"[\"$ID_BIZ_FOOD\",\"$ID_BIZ_LONGZHONG\"]" \
	"$(grep '"measure":"issued_late"' city.jsonl |
	    grep "\"unit\":\"$SAMR\"" | json_field items)"
same "... valid against declared" \
	"[{\"declared\":5,\"type\":\"$T_BIZ\",\"valid\":3}]" \
	"$(grep '"measure":"valid_below_declared"' city.jsonl |
	    grep "\"unit\":\"$SAMR\"" | json_field items | canonical)"
same "... the pending draft" "[\"$ID_BIZ_GULONG\"]" \
	"$(grep '"measure":"import_pending"' city.jsonl | grep "\"unit\":\"$SAMR\"" |
	    json_field items)"
same "... the objections past their deadline" \
	'["dispute 1 due 2025-07-21"]|["dispute 2 due 2025-07-21 answered 2025-09-01"]' \
	"$(grep '"measure":"objection_' city.jsonl | grep "\"unit\":\"$SAMR\"" |
	    json_field items | paste -s -d '|')"
same "... the use beyond the matter's needs, and why" \
	"[{\"license\":\"$(sqlite3 "$ECERT_DB" "SELECT id FROM licenses WHERE number LIKE '%0067890%'")\",\"matter\":\"$M_FOOD\",\"why\":\"the matter does not need this type\"}]" \
	"$(grep '"measure":"use_beyond_matter"' city.jsonl | grep "\"unit\":\"$CCB\"" |
	    json_field items | canonical)"
same "... the use no grant covers" \
	"[{\"license\":\"$ID_ESTATE\",\"matter\":\"$M_ESTATE\"}]" \
	"$(grep '"measure":"use_without_grant"' city.jsonl | grep "\"unit\":\"$HRSS\"" |
	    json_field items | canonical)"
same "... refusals counted by reason (the altered grant is no grant)" \
	'[{"count":1,"reason":"refused: the grant'"'"'s signature does not match it"},{"count":1,"reason":"refused: the grant is for another matter"}]' \
	"$(grep '"measure":"use_refused"' city.jsonl | grep "\"unit\":\"$CCB\"" |
	    json_field items | canonical)"
same "... unusual: 4 accesses against 3 times the median of 1" \
	'[{"accesses":4,"limit":3,"median":1}]' \
	"$(grep '"measure":"unusual_volume"' city.jsonl | grep "\"unit\":\"$ICBC\"" |
	    json_field items | canonical)"
same "... the names of the units" "襄阳市市场监督管理局" \
	"$(grep "\"unit\":\"$SAMR\"" city.jsonl | head -n 1 | json_field name)"
same "... no personal data: names and ID numbers of holders" "" \
	"$(grep -e 张汉江 -e 王襄州 -e "$CID_ZHANG" -e "$CID_WANG" -e 汉江食品 city.jsonl)"
same "... audited" "report.run|city|ok" "$(audit_last)"

ok "--unusual 5: ICBC's 4 accesses are usual" ecert-report -k "$ADMIN_KEY" \
	--to "$TO" --unusual 5 --json
same "... no unusual volume" "" "$(figures | grep unusual_volume)"
ok "--late-days 10: signed ten days late is within the limit" \
	ecert-report -k "$ADMIN_KEY" --to "$TO" --late-days 10 --json
same "... no late license" "" "$(figures | grep issued_late)"
ok "--stale-days 10000: no definition is stale" \
	ecert-report -k "$ADMIN_KEY" --to "$TO" --stale-days 10000 --json
same "... none" "" "$(figures | grep definition_stale)"
ok "the shipped share has every template" ecert-report -k "$ADMIN_KEY" \
	--to "$TO" --json
same "... none missing" "" "$(figures | grep template_missing)"

# the period
ok "a period that ended before any use (audit log) was made" \
	ecert-report -k "$ADMIN_KEY" --from 2025-01-01 --to 2025-12-31 --json
same "... no use, no access; the licenses signed in it still late" \
	"22(二) $SAMR issued_late 2" \
	"$(figures | grep -e issued_late -e '22(四)' -e '22(五)')"
same "... the period in every row" "2025-01-01	2025-12-31" \
	"$(json_field from to < "$OUT" | sort -u)"
ok "a period before the licenses were signed" ecert-report \
	-k "$ADMIN_KEY" --from 2025-01-01 --to 2025-06-29 --json
same "... none late, every type never loaded" \
	"22(一) $SAMR type_never_loaded 2
22(一) $HCB type_never_loaded 1
22(一) $NRB type_never_loaded 1" \
	"$(figures | grep -e issued_late -e type_never_loaded)"
same "... the open objection was not yet due on 29 June" "" \
	"$(figures | grep objection_)"

# who may see what
ok "an issuing department sees its own figures" ecert-report -k "$SAMR_KEY" \
	--to "$TO" --json
same "... only its own rows" "$SAMR" "$(json_field unit < "$OUT" | sort -u)"
same "... 12 of them (7 as issuer without declared counts, 5 as user)" 12 "$(wc -l < "$OUT")"
same "... audited under its own unit" "report.run|$SAMR|ok" "$(audit_last)"
ok "a using unit sees its own uses" ecert-report -k "$HRSS_KEY" --to "$TO" \
	--json
same "... its (四) and (五) rows" "22(四) $HRSS use_without_grant 1
22(四) $HRSS use_refused 1
22(五) $HRSS natural_person_access 1" "$(figures)"
before=$(store_digest)
must_fail 77 "a department asking for another's figures: no permission" \
	ecert-report -k "$SAMR_KEY" --unit "$NRB" --json
check "... saying why" err_has "sees its own figures only"
check "... nothing on standard output" test ! -s "$OUT"
same "... the refusal audited" "report.run|$NRB|denied" "$(audit_last)"
same "... the store unchanged" "$before" "$(store_digest)"
ok "the platform asks for one department" ecert-report -k "$ADMIN_KEY" \
	--unit "$NRB" --to "$TO" --json
same "... its rows only" "$NRB" "$(json_field unit < "$OUT" | sort -u)"

# the table
ok "--table" ecert-report -k "$ADMIN_KEY" --to "$TO" --table
check "... headed" grep -q '^ARTICLE  *UNIT  *NAME  *MEASURE  *COUNT  *ITEMS$' "$OUT"
check "... Chinese names aligned, two columns each: 11 characters padded to the 16 of 中国建设银行股份有限公司襄阳分行" \
	grep -q "^22(一)  *$HCB  襄阳市住房和城乡建设局 \{12\}type_never_loaded  *1  *\[\"$T_BUILD\"\]$" "$OUT"

# usage and bad input
ok "--help on standard output" ecert-report --help
check "... the usage" out_has "usage: ecert-report -k key"
must_fail 64 "no key: usage" ecert-report --to "$TO"
must_fail 64 "--from not a date" ecert-report -k "$ADMIN_KEY" --from 2025-02-30
check "... saying so" err_has "--from 2025-02-30: not a date"
must_fail 64 "--from after --to" ecert-report -k "$ADMIN_KEY" \
	--from 2025-07-01 --to 2025-06-30
printf '%s\t%s\t5\n%s\tnot-a-type\t2\n' "$SAMR" "$T_BIZ" "$NRB" > bad.tsv
must_fail 65 "a declared-counts file with a bad type" ecert-report \
	-k "$ADMIN_KEY" --declared bad.tsv
check "... naming file, line and field" err_has "bad.tsv:2:type: not a license type code"
same "... refusal audited" "report.run|city|rejected" "$(audit_last)"

# the printable report
ok "--html writes the report" env ECERT_SHARE="$SCRATCH/share" \
	ecert-report -k "$ADMIN_KEY" --to "$TO" --declared declared.tsv \
	--html report.html
check "... nothing on standard output" test ! -s "$OUT"
check "... an HTML page in Chinese" grep -q '<html lang="zh-CN">' report.html
same "... five sections, each with its chart" "5 5" \
	"$(grep -c '^<section>' report.html) $(grep -c '^<svg ' report.html)"
same "... bars drawn for the counts (ICBC's 4 marked unusual)" 1 \
	"$(grep -c '>4 异常</text>' report.html)"
same "... nothing fetched, nothing run: no script, link, image or URL" "" \
	"$(grep -i -e '<script' -e '<link' -e '<img' -e 'src=' -e 'href=' \
	    -e 'url(' -e '@import' -e 'https\?://[^w]' report.html)"
check "... the regulation and its article cited" grep -q "《襄阳市电子证照管理应用暂行办法》第二十二条" report.html
ok "the HTML is well-formed XML where it is SVG" sh -c \
	'sed -n "/^<svg /,/^<\/svg>/p" report.html | sed "1i <r>" | sed "\$a </r>" |
	xmllint --noout -'
