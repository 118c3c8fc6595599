#!/bin/sh
# ecert-issue: one license from -f items, many from JSON Lines; every
# refusal with its exact status and nothing of it in the store.
. "$(dirname "$0")/lib.sh"

plan 129

setup_store

ID_FOOD_LUMEN=1.2.156.3005.2.11100000000013338W012.11420600MB1234567T.JY14206060023456.001.R
ID_FOOD_GULONG=1.2.156.3005.2.11100000000013338W012.11420600MB1234567T.JY14206020034567.001.U

# must_refuse CODE DESCRIPTION CMD ...: the exact status, and the store but
# its audit unchanged (two test points).
must_refuse() {
	_mr_before=$(store_digest)
	must_fail "$@"
	same "... and the store is unchanged" "$_mr_before" "$(store_digest)"
}

# -f items, by Chinese label and by key
ok "a business license from -f items given by their Chinese labels" \
	issue_biz "$SAMR_KEY" "$USCC_FOOD" 襄阳汉江食品有限公司
same "... prints its identifier and line 0 as JSON through a pipe" \
	"{\"id\":\"$ID_BIZ_FOOD\",\"line\":0,\"status\":\"valid\"}" "$(cat "$OUT")"
same "... and is audited" "license.issue|$ID_BIZ_FOOD|ok" "$(audit_last)"
ok "... its document carries the items under their keys" \
	ecert-show --json "$ID_BIZ_FOOD"
check "... legal_representative" grep -q '"legal_representative":"张汉江"' "$OUT"
check "... entity_type" \
	grep -q '"entity_type":"有限责任公司（自然人投资或控股）"' "$OUT"
check "... the holder with its code type 001" \
	grep -q "\"holder\":{\"id\":\"$USCC_FOOD\",\"id_type\":\"001\",\"name\":\"襄阳汉江食品有限公司\"}" "$OUT"
check "... issued today, valid from today, no end" \
	grep -q '"issue_date":"2025-06-30",.*"valid_from":"2025-06-30","valid_until":null' "$OUT"
check "... by the market regulator" \
	grep -q "\"issuer\":{\"code\":\"$SAMR\",\"name\":\"襄阳市市场监督管理局\"}" "$OUT"

ok "a food license from -f items given by their keys" \
	issue_food "$SAMR_KEY" JY14206060012345 "$USCC_FOOD" 襄阳汉江食品有限公司
same "... with its identifier" "$ID_FOOD_1" "$(issued_id)"
same "... valid five years less a day, as its type says" \
	"2025-06-30	2030-06-29" \
	"$(ecert-query --type "$T_FOOD" -o valid_from,valid_until)"
ok "--table prints the bare identifier" \
	issue_biz "$SAMR_KEY" "$USCC_LONGZHONG" 襄阳隆中餐饮管理有限公司 --table
same "... and nothing else" "$ID_BIZ_LONGZHONG" "$(cat "$OUT")"

# JSON Lines: good lines land, each bad one is reported by its line.
before_count=$(sqlite3 "$ECERT_DB" 'SELECT count(*) FROM licenses')
must_fail 65 "a batch with bad lines exits 65" \
	ecert-issue -k "$SAMR_KEY" -t "$T_FOOD" < "$CLIDATA/food-licenses.jsonl"
same "... and prints the issued ones with their line numbers" "\
{\"id\":\"$ID_FOOD_2\",\"line\":1,\"status\":\"valid\"}
{\"id\":\"$ID_FOOD_LUMEN\",\"line\":6,\"status\":\"valid\"}
{\"id\":\"$ID_FOOD_GULONG\",\"line\":9,\"status\":\"valid\"}" "$(cat "$OUT")"
same "... reporting each bad line by its number" \
	"<stdin>:2: <stdin>:3: <stdin>:5: <stdin>:7: <stdin>:8: <stdin>:10:" \
	"$(sed -n 's/^ecert-issue: \(<stdin>:[0-9]*:\).*/\1/p' "$ERR" | tr '\n' ' ' | sed 's/ $//')"
check "... line 2 for its holder's code" \
	grep -q '^ecert-issue: <stdin>:2: .*holder_id' "$ERR"
check "... line 5 for its missing item" \
	grep -q '^ecert-issue: <stdin>:5: .*complaint_phone.*required' "$ERR"
check "... line 7 for its unknown item" \
	grep -q '^ecert-issue: <stdin>:7: .*经营面积' "$ERR"
check "... line 8 for its number, already issued on line 1" \
	grep -q '^ecert-issue: <stdin>:8: .*JY14206060012347' "$ERR"
check "... and counts them" err_has "3 issued, 6 rejected"
same "... three licenses landed" $((before_count + 3)) \
	"$(sqlite3 "$ECERT_DB" 'SELECT count(*) FROM licenses')"
ok "... and verify" ecert-verify "$ID_FOOD_2" "$ID_FOOD_LUMEN" "$ID_FOOD_GULONG"
same "... the one of line 6 from its own issue date" "2024-03-01	2029-02-28" \
	"$(ecert-query --holder 襄阳市樊城区鹿门副食商店 -o issue_date,valid_until)"
same "... each rejected line is audited" 6 \
	"$(sqlite3 "$ECERT_DB" "SELECT count(*) FROM audit WHERE action = 'license.issue' AND outcome = 'rejected' AND object LIKE '<stdin>:%'")"
ok "a batch of good lines exits 0" sh -c '
	sed -n 1p "$1" | sed "s/JY14206060012347/JY14206060099001/; s/襄阳隆中餐饮管理有限公司/襄阳隆中茶楼有限公司/" |
	ecert-issue -k "$2" -t "$3"' sh "$CLIDATA/food-licenses.jsonl" \
	"$SAMR_KEY" "$T_FOOD"
check "... printing one line" test "$(wc -l < "$OUT")" -eq 1
ok "an empty batch issues nothing and exits 0" \
	ecert-issue -k "$SAMR_KEY" -t "$T_FOOD" < /dev/null
check "... printing nothing" test ! -s "$OUT"

# 襄阳米公祠文化传播有限公司, from a Windows export: CR LF line ends.
USCC_MIGONG=91420602MA4B2C3D4U
ID_BIZ_MIGONG=1.2.156.3005.2.11100000000013338W011.11420600MB1234567T.91420602MA4B2C3D4U.001.L
migong='{"number":"91420602MA4B2C3D4U","holder":"襄阳米公祠文化传播有限公司","holder_id":"91420602MA4B2C3D4U","类型":"其他有限责任公司","法定代表人":"米芾","成立日期":"2018-06-18","住所":"湖北省襄阳市樊城区沿江大道米公祠","经营范围":"文化艺术交流活动；书画装裱"}'
printf '{"number":"%s","holder":"襄阳\000米公祠"}\r\n%s\r\n' \
	"$USCC_MIGONG" "$migong" > nul-crlf.jsonl
must_fail 65 "a line with a NUL byte is bad input" \
	ecert-issue -k "$SAMR_KEY" -t "$T_BIZ" --json < nul-crlf.jsonl
check "... reported as line 1" grep -q '^ecert-issue: <stdin>:1: .*NUL' "$ERR"
check "... and the next line, ending in CR LF as Excel writes, landed" \
	out_has "{\"id\":\"$ID_BIZ_MIGONG\",\"line\":2,\"status\":\"valid\"}"
same "... its last item free of the CR" "文化艺术交流活动；书画装裱" \
	"$(ecert-show --json "$ID_BIZ_MIGONG" | json_field document.items.business_scope)"

# A 100 MB line is skipped without being kept, and the next one lands.
gulong='{"type":"11100000000013338W011","number":"91420600MA4KLMN204","holder":"襄阳古隆中文化旅游有限公司","holder_id":"91420600MA4KLMN204","类型":"其他有限责任公司","法定代表人":"孔明","成立日期":"2020-08-08","住所":"湖北省襄阳市襄城区古隆中景区","经营范围":"旅游服务；文化场馆管理服务"}'
must_fail 65 "a line of 100 MB is refused as bad input" sh -c '
	{ printf "{\"number\":\""
	  head -c 100000000 /dev/zero | tr "\\000" "9"
	  printf "\"}\n%s\n" "$2"
	} | ecert-issue -k "$1"' sh "$SAMR_KEY" "$gulong"
check "... reported as line 1, too long" \
	grep -q '^ecert-issue: <stdin>:1: line longer than' "$ERR"
check "... and the next line landed" out_has "{\"id\":\"$ID_BIZ_GULONG\",\"line\":2,\"status\":\"valid\"}"
ok "... and verifies" ecert-verify "$ID_BIZ_GULONG"

# Clerks and batches at the same time: everyone waits for the store, no
# one gets "database is locked", nothing is lost, the chain holds.
food_batch() {	# PREFIX N
	_fb_i=1
	while [ $_fb_i -le "$2" ]; do
		printf '{"number":"JY%s%06d","holder":"襄阳樊城%s号副食商行","holder_id":"%s","legal_representative":"孟浩","domicile":"湖北省襄阳市樊城区鹿门路%d号","premises":"湖北省襄阳市樊城区鹿门路%d号","business_form":"食品销售经营者","business_items":"预包装食品销售","supervising_agency":"襄阳市樊城区市场监督管理局","complaint_phone":"12315"}\n' \
		    "$1" $_fb_i $_fb_i "$USCC_FANCHENG" $_fb_i $_fb_i
		_fb_i=$((_fb_i + 1))
	done
}
before_count=$(sqlite3 "$ECERT_DB" 'SELECT count(*) FROM licenses')
for p in 1 2 3 4; do
	food_batch 420606$p 25 > "batch$p.jsonl"
done
ok "four batches, a clerk and a verifier at once" sh -c '
	pids=
	for p in 1 2 3 4; do
		ecert-issue -k "$1" -t "$2" < batch$p.jsonl > batch$p.out 2>&1 &
		pids="$pids $!"
	done
	ecert-issue -k "$1" -t "$2" -f number=JY14206069999999 \
	    -f holder=襄阳鱼梁洲食品店 -f holder_id="$4" -f legal_representative=孟浩 \
	    -f domicile=湖北省襄阳市鱼梁洲 -f premises=湖北省襄阳市鱼梁洲 \
	    -f business_form=食品销售经营者 -f business_items=预包装食品销售 \
	    -f supervising_agency=襄阳市樊城区市场监督管理局 \
	    -f complaint_phone=12315 > clerk.out 2>&1 &
	pids="$pids $!"
	status=0
	for i in 1 2 3; do ecert-verify "$3" || status=1; done
	for pid in $pids; do wait $pid || status=1; done
	exit $status' sh "$SAMR_KEY" "$T_FOOD" "$ID_BIZ_FOOD" "$USCC_FANCHENG"
same "... all 101 landed" $((before_count + 101)) \
	"$(sqlite3 "$ECERT_DB" 'SELECT count(*) FROM licenses')"
same "... no one saw the store locked" "" \
	"$(grep -l -i locked batch*.out clerk.out)"
ok "... and the audit chain is intact" ecert-audit verify

# Refusals: each with its exact status, nothing of it in the store.
must_refuse 65 "an unknown type is bad input" \
	ecert-issue -k "$SAMR_KEY" -t 11100000000013338W099 \
	-f number=91420600MA49XY0129 -f holder=襄阳隆中餐饮管理有限公司 \
	-f holder_id=91420600MA49XY0129
check "... naming the type" err_has "11100000000013338W099"
must_refuse 65 "a missing required item is bad input" \
	ecert-issue -k "$SAMR_KEY" -t "$T_BIZ" -f number="$USCC_FANCHENG" \
	-f holder=襄阳市樊城区鹿门副食商店 -f holder_id="$USCC_FANCHENG" \
	-f 类型=个体工商户 -f 法定代表人=孟浩 -f 成立日期=2015-04-01 \
	-f 经营范围=预包装食品销售
check "... naming the item by key and label" err_has "domicile (住所)"
must_refuse 65 "a missing holder code is bad input" \
	ecert-issue -k "$SAMR_KEY" -t "$T_BIZ" -f number="$USCC_FANCHENG" \
	-f holder=襄阳市樊城区鹿门副食商店 -f 类型=个体工商户 -f 法定代表人=孟浩 \
	-f 成立日期=2015-04-01 -f 住所=湖北省襄阳市樊城区鹿门路3号 \
	-f 经营范围=预包装食品销售
must_refuse 65 "a holder code with a wrong check character is bad input" \
	issue_biz "$SAMR_KEY" "$USCC_BAD" 襄阳汉江食品有限公司
check "... naming the field" err_has "holder_id"
must_refuse 65 "a citizen ID with a wrong check character is bad input" \
	issue_estate "$NRB_KEY" '鄂(2024)襄阳市不动产权第0012346号' 张汉江 "$CID_BAD"
must_refuse 65 "a citizen ID of a day that never was is bad input" \
	issue_estate "$NRB_KEY" '鄂(2024)襄阳市不动产权第0012346号' 张汉江 \
	420602198502300047
must_refuse 65 "a company code as a natural person's ID is bad input" \
	issue_estate "$NRB_KEY" '鄂(2024)襄阳市不动产权第0012346号' 张汉江 \
	"$USCC_FOOD"

# lumen ITEM=VALUE ...: a 营业执照 for 鹿门副食商店 with the items given, the
# others as usual, its 类型 from $lumen_type.
lumen_type=个体工商户
lumen() {
	ecert-issue -k "$SAMR_KEY" -t "$T_BIZ" -f number="$USCC_FANCHENG" \
	    -f holder=襄阳市樊城区鹿门副食商店 -f holder_id="$USCC_FANCHENG" \
	    -f 类型="$lumen_type" -f 法定代表人=孟浩 \
	    -f 住所=湖北省襄阳市樊城区鹿门路3号 \
	    -f 经营范围=预包装食品销售 "$@"
}
must_refuse 65 "an impossible date, 2023-02-29, is bad input" \
	lumen -f 成立日期=2023-02-29
check "... naming the item and the date" err_has "established (成立日期): 2023-02-29"
must_refuse 65 "an issue date of 2023-02-29 is bad input" \
	lumen -f 成立日期=2015-04-01 -f issue_date=2023-02-29
must_refuse 65 "a date not written YYYY-MM-DD is bad input" \
	lumen -f 成立日期=2015年4月1日
must_refuse 65 "an issue date after today is bad input" \
	lumen -f 成立日期=2015-04-01 -f issue_date=2025-07-01
must_refuse 65 "a validity that ends before it starts is bad input" \
	lumen -f 成立日期=2015-04-01 -f valid_from=2025-06-30 \
	-f valid_until=2025-06-29
lumen_type=无限公司
must_refuse 65 "a value outside the type's enum is bad input" \
	lumen -f 成立日期=2015-04-01
check "... naming the value" err_has "无限公司"
lumen_type=个体工商户
must_refuse 65 "a value longer than its item's maximum is bad input" \
	lumen -f 成立日期=2015-04-01 -f 营业期限="$(printf '长%.0s' $(seq 51))"
check "... naming the limit" err_has "longer than 50 characters"
must_refuse 65 "a control character in a value is bad input" \
	lumen -f 成立日期=2015-04-01 -f "营业期限=$(printf '长期\033[2J')"
must_refuse 65 "an item the type does not have is bad input" \
	lumen -f 成立日期=2015-04-01 -f 经营面积=120平方米
must_refuse 65 "an item given by its key and by its label is bad input" \
	lumen -f 成立日期=2015-04-01 -f established=2015-04-01
must_refuse 64 "an item given twice is a usage error" \
	lumen -f 成立日期=2015-04-01 -f 成立日期=2015-04-02
must_refuse 64 "-f without = is a usage error" lumen -f 成立日期
must_refuse 64 "-f without -t is a usage error" \
	ecert-issue -k "$SAMR_KEY" -f number="$USCC_FANCHENG"
must_refuse 64 "no key is a usage error" env -u ECERT_KEY \
	ecert-issue -t "$T_BIZ" -f number="$USCC_FANCHENG"
must_refuse 65 "invalid UTF-8 in an -f value is bad input" \
	lumen -f 成立日期=2015-04-01 -f "营业期限=$(printf '\377')"
printf '{"number":"%s","holder":"\377","holder_id":"%s"}\n' \
	"$USCC_FANCHENG" "$USCC_FANCHENG" > bad-utf8.jsonl
must_refuse 65 "invalid UTF-8 in a JSON line is bad input" \
	ecert-issue -k "$SAMR_KEY" -t "$T_BIZ" < bad-utf8.jsonl
check "... reported on its line" grep -q '^ecert-issue: <stdin>:1: ' "$ERR"
printf '["not","an","object"]\n' > array.jsonl
must_refuse 65 "a JSON line that is not an object is bad input" \
	ecert-issue -k "$SAMR_KEY" -t "$T_BIZ" < array.jsonl
must_refuse 65 "the same number again is bad input" \
	issue_biz "$SAMR_KEY" "$USCC_FOOD" 襄阳汉江食品有限公司
check "... naming the license already issued" err_has "$ID_BIZ_FOOD"
must_refuse 77 "a using unit may not issue" \
	issue_biz "$HRSS_KEY" "$USCC_OTHER" 襄阳汉江食品有限公司
same "... and the refusal is audited as denied" \
	"license.issue|$T_BIZ|denied" "$(audit_last)"
must_refuse 77 "an issuer may not issue another unit's type" \
	issue_biz "$NRB_KEY" "$USCC_OTHER" 襄阳汉江食品有限公司
check "... naming the unit the catalog assigns it to" err_has "$SAMR"
must_refuse 77 "nor may the market regulator issue a 不动产权证书" \
	issue_estate "$SAMR_KEY" '鄂(2024)襄阳市不动产权第0012346号' 张汉江 \
	"$CID_ZHANG"
printf 'not the passphrase\n' > wrong-pass
must_refuse 77 "a wrong passphrase is no permission" \
	issue_biz "$SAMR_KEY" "$USCC_OTHER" 襄阳汉江食品有限公司 \
	--passphrase-file wrong-pass

# A natural person's license: the citizen ID is nowhere in clear in the
# store, its WAL included, yet shown and found through the programs.  A
# reader keeps the store open so that the WAL is not folded in and removed.
mkfifo reader.fifo
sqlite3 "$ECERT_DB" < reader.fifo > reader.out 2>&1 &
reader=$!
exec 8> reader.fifo
echo 'SELECT count(*) FROM units;' >&8
ok "a 不动产权证书 for 张汉江 with his citizen ID" \
	issue_estate "$NRB_KEY" '鄂(2025)襄阳市不动产权第0012345号' 张汉江 \
	"$CID_ZHANG"
id_zhang=$(issued_id)
check "... the store has a WAL while a reader holds it" test -s "$ECERT_DB-wal"
same "... the ID number is in none of the store's files" "" \
	"$(grep -l -a -F "$CID_ZHANG" "$ECERT_DB"*)"
same "... the holder's code column is empty for a natural person" "" \
	"$(sqlite3 "$ECERT_DB" "SELECT coalesce(holder_code, '') FROM licenses WHERE id = '$id_zhang'")"
ok "ecert-show --json shows it" ecert-show --json "$id_zhang"
check "... with the ID type 111 of a citizen ID" \
	out_has "\"holder\":{\"id\":\"$CID_ZHANG\",\"id_type\":\"111\",\"name\":\"张汉江\"}"
ok "ecert-show shows it as text" ecert-show --text "$id_zhang"
check "... under the type's label 公民身份号码" \
	grep -q "^公民身份号码  *$CID_ZHANG\$" "$OUT"
ok "ecert-query --holder-id finds it" ecert-query --holder-id "$CID_ZHANG"
same "... and only it" "$id_zhang" "$(sed -n 's/.*"id":"\([^"]*\)".*/\1/p' "$OUT")"
ok "a license for 王襄州, whose ID ends in X" \
	issue_estate "$NRB_KEY" '鄂(2025)襄阳市不动产权第0012399号' 王襄州 \
	"$CID_WANG"
ok "ecert-query --holder-id finds it" \
	ecert-query --holder-id "$CID_WANG" -o number
same "... one license" '鄂(2025)襄阳市不动产权第0012399号' "$(cat "$OUT")"
same "after showing and querying, the ID numbers are still nowhere in clear" "" \
	"$(grep -l -a -F -e "$CID_ZHANG" -e "$CID_WANG" "$ECERT_DB"*)"
must_fail 65 "a citizen ID typed into a business license's holder code is refused" \
	issue_biz "$SAMR_KEY" "$CID_LI" 李樊城
same "... and the refused ID number is not kept in clear either" "" \
	"$(grep -l -a -F "$CID_LI" "$ECERT_DB"*)"
CID_ZHAO=420625196603150020	# 赵谷城
printf '{"number":"鄂(2025)襄阳市不动产权第0012400号","holder":"赵谷城","holder_id" "%s"}\n' \
	"$CID_ZHAO" > colon.jsonl
must_fail 65 "a JSON line missing the colon before a citizen ID is refused" \
	ecert-issue -k "$NRB_KEY" -t "$T_ESTATE" < colon.jsonl
same "... and the ID number near the fault is not kept in clear" "" \
	"$(grep -l -a -F "$CID_ZHAO" "$ECERT_DB"*)"
echo '.quit' >&8
exec 8>&-
wait "$reader"
ok "the audit chain is intact after all this" ecert-audit verify
