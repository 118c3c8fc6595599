#!/bin/sh
# ecert-show: a license as text with the catalog's Chinese labels, or as
# its signed document; identifiers from arguments or standard input.
. "$(dirname "$0")/lib.sh"

plan 45

setup_store
issue_biz "$SAMR_KEY" "$USCC_FOOD" 襄阳汉江食品有限公司 > /dev/null &&
issue_biz "$SAMR_KEY" "$USCC_LONGZHONG" 襄阳隆中餐饮管理有限公司 > /dev/null &&
issue_food "$SAMR_KEY" JY14206060012345 "$USCC_FOOD" 襄阳汉江食品有限公司 \
	-f issue_date=2024-03-01 > /dev/null &&
issue_estate "$NRB_KEY" '鄂(2025)襄阳市不动产权第0012345号' 张汉江 \
	"$CID_ZHANG" > estate.out || bail "cannot issue the licenses to show"
ID_ESTATE=$(sed -n 's/.*"id":"\([^"]*\)".*/\1/p' estate.out)
samr_key_id=$(sed -n 's/^key-id //p' "$SAMR_KEY")

ok "show one license" ecert-show "$ID_BIZ_FOOD"
same "... as text with the Chinese labels, aligned" "\
证照标识          $ID_BIZ_FOOD
证照类型          营业执照 (11100000000013338W011)
证照编号          91420600MA49ABCD1A
名称              襄阳汉江食品有限公司
统一社会信用代码  91420600MA49ABCD1A
类型              有限责任公司（自然人投资或控股）
法定代表人        张汉江
注册资本          伍佰万元整
成立日期          2019-03-18
住所              湖北省襄阳市樊城区长虹北路16号
经营范围          食品生产；食品销售；农副产品加工
颁发机构          襄阳市市场监督管理局 (11420600MB1234567T)
颁发日期          2025-06-30
有效期            2025-06-30 至 长期
状态              有效 (valid)" "$(sed '$d' "$OUT")"
check "... and the seal: signer, time and key" grep -q \
	"^电子印章          $SAMR 20[0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-9:]\{8\}Z, key $samr_key_id\$" \
	"$OUT"
same "... and is audited" "license.show|$ID_BIZ_FOOD|ok" "$(audit_last)"
ok "show a food license" ecert-show "$ID_FOOD_1"
check "... with its type's holder label" grep -q '^经营者名称  *襄阳汉江食品有限公司$' "$OUT"
check "... a label with full-width brackets" \
	grep -q '^法定代表人（负责人）  张汉江$' "$OUT"
check "... and its end date" grep -q '^有效期  *2024-03-01 至 2029-02-28$' "$OUT"
ok "show a natural person's license" ecert-show "$ID_ESTATE"
check "... the holder under 权利人" grep -q '^权利人  *张汉江$' "$OUT"
check "... the ID under 公民身份号码" grep -q "^公民身份号码  *$CID_ZHANG\$" "$OUT"
check "... the items" grep -q '^权利类型  *国有建设用地使用权/房屋所有权$' "$OUT"

# --json: the signed document, one canonical line
ok "show --json" ecert-show --json "$ID_BIZ_FOOD"
same "... is one line" 1 "$(wc -l < "$OUT")"
same "... in canonical form (keys sorted, no white space)" \
	"$(canonical < "$OUT")" "$(cat "$OUT")"
check "... the document and its signature" grep -q \
	"^{\"document\":{.*},\"signature\":{\"alg\":\"ed25519\",\"core\":\"[A-Za-z0-9+/=]*\",\"key_id\":\"$samr_key_id\",\"signer\":\"$SAMR\",\"value\":\"[A-Za-z0-9+/]\{86\}==\"}}\$" \
	"$OUT"
same "... the document carries the license's metadata" \
	"format holder id issue_date issuer items number salts signed_at type type_name valid_from valid_until version" \
	"$(perl -MJSON::PP -ne 'print join(" ", sort keys %{decode_json($_)->{document}})' < "$OUT")"
same "... and the type's items" \
	"business_scope domicile entity_type established legal_representative registered_capital" \
	"$(perl -MJSON::PP -ne 'print join(" ", sort keys %{decode_json($_)->{document}{items}})' < "$OUT")"
check "... version 1" out_has '"version":1}'
ok "show --json of a natural person's license" ecert-show --json "$ID_ESTATE"
check "... carries the ID number and its type" \
	out_has "\"holder\":{\"id\":\"$CID_ZHANG\",\"id_type\":\"111\",\"name\":\"张汉江\"}"

# several: from arguments, from standard input, as ids or JSON Lines
ok "two identifiers as arguments" ecert-show "$ID_BIZ_FOOD" "$ID_BIZ_LONGZHONG"
same "... two JSON lines through a pipe" "$ID_BIZ_FOOD $ID_BIZ_LONGZHONG" \
	"$(sed 's/.*"id":"\(1\.2\.156[^"]*\)".*/\1/' "$OUT" | tr '\n' ' ' | sed 's/ $//')"
printf '%s\n\n  %s  \n%s\n' "$ID_BIZ_FOOD" "$ID_FOOD_1" "$ID_ESTATE" > ids.txt
ok "identifiers from standard input, blank lines and spaces ignored" \
	ecert-show < ids.txt
same "... one JSON line each" 3 "$(grep -c '^{"document":' "$OUT")"
ok "... or --text" ecert-show --text < ids.txt
same "... three licenses as text" 3 "$(grep -c '^证照标识' "$OUT")"
same "... separated by a blank line" 2 "$(grep -c '^$' "$OUT")"
ok "JSON Lines from ecert-query" \
	sh -c 'ecert-query --holder 襄阳汉江食品有限公司 | ecert-show'
same "... show both of the holder's licenses" "$ID_FOOD_1 $ID_BIZ_FOOD" \
	"$(sed 's/.*"id":"\(1\.2\.156[^"]*\)".*/\1/' "$OUT" | tr '\n' ' ' | sed 's/ $//')"

# not found, malformed
must_fail 1 "an identifier not in the store: not found" ecert-show "$ID_UNKNOWN"
check "... saying so" err_has "not found"
same "... and the look is audited" "license.show|$ID_UNKNOWN|not-found" \
	"$(audit_last)"
must_fail 1 "... also among others, which are still shown" \
	ecert-show --json "$ID_BIZ_FOOD" "$ID_UNKNOWN" "$ID_BIZ_LONGZHONG"
same "... both" 2 "$(grep -c '^{"document":' "$OUT")"
must_fail 65 "an identifier with a wrong check character is bad input" \
	ecert-show "$ID_BADCHECK"
must_fail 65 "a word that is no identifier is bad input" ecert-show 汉江食品
printf '%s\n{"holder":"襄阳汉江食品有限公司"}\n' "$ID_BIZ_FOOD" > noid.jsonl
must_fail 65 "a JSON line without id is bad input" ecert-show < noid.jsonl
check "... and the good line is still shown" out_has "$ID_BIZ_FOOD"
must_fail 65 "a line that is not JSON is bad input" \
	sh -c 'printf "{\"id\":\"%s\"\n" "$1" | ecert-show' sh "$ID_BIZ_FOOD"

# a revoked license is shown with its status
ok "the market regulator revokes a license" \
	ecert-revoke -k "$SAMR_KEY" --reason 企业申请注销登记 "$ID_BIZ_LONGZHONG"
ok "show a revoked license" ecert-show "$ID_BIZ_LONGZHONG"
check "... with its status in Chinese" grep -q '^状态  *注销 (revoked)$' "$OUT"
ok "show --help prints the usage and exits 0" ecert-show --help
check "... with the usage on stdout" out_has "usage: ecert-show"
