#!/bin/sh
# ecert-query --public (article 12, 公众查询): anyone, with a company's name
# and unified social credit code together, sees the licenses of the
# publicly disclosable types and only their disclosable items; natural
# persons and undisclosed types never appear; every query is audited.
. "$(dirname "$0")/lib.sh"

plan 60

ECERT_NOW=2025-06-30T09:00:00Z
export ECERT_NOW

T_CREDIT=11100000000013338W099	# 信用修复决定书 (below), not disclosed

setup_store
cat > credit.yaml <<'EOF'
# 信用修复决定书: issued by 襄阳市市场监督管理局 to a company that has
# repaired its credit; not disclosed to the public.
code: 11100000000013338W099
name: 信用修复决定书
issuer: 11420600MB1234567T
holder: legal
holder_label: 当事人名称
holder_id_label: 统一社会信用代码
public: false
review: false
validity_years: 0
objection_days: 15
description: 市场监督管理部门对完成信用修复的市场主体作出的决定。
items:
  - key: decision_number
    label: 决定书文号
    type: string
    required: true
    public: true
    max: 50
  - key: repaired_record
    label: 修复事项
    type: text
    required: true
    max: 500
EOF
ecert-catalog load -k "$ADMIN_KEY" credit.yaml > /dev/null 2>&1 &&
issue_biz "$SAMR_KEY" "$USCC_FOOD" 襄阳汉江食品有限公司 -f 营业期限=长期 \
	> /dev/null &&
issue_food "$SAMR_KEY" JY14206060012345 "$USCC_FOOD" 襄阳汉江食品有限公司 \
	-f supervisor=刘建国 > /dev/null &&
ecert-issue -k "$SAMR_KEY" -t "$T_CREDIT" -f number='襄市监信修〔2025〕17号' \
	-f holder=襄阳汉江食品有限公司 -f holder_id="$USCC_FOOD" \
	-f 决定书文号='襄市监信修〔2025〕17号' \
	-f 修复事项='移出经营异常名录：补报2023年度年报' > credit.out &&
issue_biz "$SAMR_KEY" "$USCC_LONGZHONG" 襄阳隆中餐饮管理有限公司 > /dev/null &&
issue_biz "$SAMR_KEY" "$USCC_FANCHENG" 襄阳市樊城区鹿门副食商店 > /dev/null &&
ecert-revoke -k "$SAMR_KEY" --reason 企业申请注销登记 "$ID_BIZ_FANCHENG" \
	> /dev/null &&
issue_estate "$NRB_KEY" '鄂(2025)襄阳市不动产权第0012345号' 张汉江 \
	"$CID_ZHANG" > /dev/null || bail "cannot issue the licenses"
ID_CREDIT=$(sed -n 's/.*"id":"\([^"]*\)".*/\1/p' credit.out)

last_audit() {
	ecert-audit log --json | tail -n 1 | perl -MJSON::PP -ne '
	    binmode STDOUT, ":utf8";
	    my $o = JSON::PP->new->utf8->decode($_);
	    print join("|", map { $o->{$_} // "" }
		qw(action object outcome unit detail)), "\n"'
}

# The keys of the items marked public in a catalog file, sorted, on a line
public_keys() {
	awk '/^  - key:/ { key = $3 } /^    public: true$/ { print key }' \
	    "$ECERT_SHARE/catalog/$1" | sort | tr '\n' ' ' | sed 's/ $//'
}

# The item keys of the public answer's line for TYPE in $OUT, sorted
item_keys() {
	grep "\"type\":\"$1\"" "$OUT" | perl -MJSON::PP -ne '
	    my $o = JSON::PP->new->utf8->decode($_);
	    print join(" ", sort keys %{$o->{items}}), "\n"'
}

public() {
	ecert-query --public "$@"
}

ok "a company's name and code" public --name 襄阳汉江食品有限公司 \
	--uscc "$USCC_FOOD"
same "... its two licenses of public types" "$ID_BIZ_FOOD $ID_FOOD_1" \
	"$(sed 's/.*"id":"\([^"]*\)".*/\1/' "$OUT" | tr '\n' ' ' | sed 's/ $//')"
same "... as canonical JSON Lines" "$(canonical < "$OUT")" "$(cat "$OUT")"
same "... the 营业执照 with its public items" \
	"{\"holder\":\"襄阳汉江食品有限公司\",\"id\":\"$ID_BIZ_FOOD\",\"issue_date\":\"2025-06-30\",\"issuer\":\"襄阳市市场监督管理局\",\"items\":{\"business_scope\":\"食品生产；食品销售；农副产品加工\",\"business_term\":\"长期\",\"domicile\":\"湖北省襄阳市樊城区长虹北路16号\",\"entity_type\":\"有限责任公司（自然人投资或控股）\",\"established\":\"2019-03-18\",\"legal_representative\":\"张汉江\",\"registered_capital\":\"伍佰万元整\"},\"number\":\"$USCC_FOOD\",\"status\":\"valid\",\"type\":\"$T_BIZ\",\"type_name\":\"营业执照\",\"valid_from\":\"2025-06-30\",\"valid_until\":null}" \
	"$(sed -n 1p "$OUT")"
check "... business-license.yaml marks items public" \
	test -n "$(public_keys business-license.yaml)"
same "... the 营业执照's items are exactly those business-license.yaml marks public" \
	"$(public_keys business-license.yaml)" "$(item_keys "$T_BIZ")"
same "... the 食品经营许可证's items are exactly those food-business-license.yaml marks public" \
	"$(public_keys food-business-license.yaml)" "$(item_keys "$T_FOOD")"
check "... not the undisclosed 日常监督管理人员 (supervisor)" sh -c '
	! grep -q -e supervisor -e 刘建国 "$1"' sh "$OUT"
check "... nor the undisclosed type 信用修复决定书" sh -c '
	! grep -q -e "$1" -e "$2" -e 信用修复 -e 襄市监信修 "$3"' sh "$T_CREDIT" \
	"$ID_CREDIT" "$OUT"
same "... audited as a public query, with no unit" \
	"license.public-query|$USCC_FOOD|ok||襄阳汉江食品有限公司 $USCC_FOOD: 2" \
	"$(last_audit)"
check "... which the company does hold" sh -c '
	ecert-query --holder-id "$1" -o id | grep -q -x "$2"' sh "$USCC_FOOD" \
	"$ID_CREDIT"
ok "--table" public --name 襄阳汉江食品有限公司 --uscc "$USCC_FOOD" --table
check "... under the headers" grep -q \
	'^TYPE  *NUMBER  *ISSUER  *UNTIL  *STATUS  *ITEMS$' "$OUT"
check "... the 营业执照, 长期, 有效" grep -q \
	"^营业执照  *$USCC_FOOD  *襄阳市市场监督管理局  *长期  *有效  *{" "$OUT"
check "... the 食品经营许可证 until 2030" grep -q \
	'^食品经营许可证  *JY14206060012345  *襄阳市市场监督管理局  *2030-06-29  *有效  *{' \
	"$OUT"
ok "a revoked company" public --name 襄阳市樊城区鹿门副食商店 \
	--uscc "$USCC_FANCHENG"
same "... its 营业执照, shown as revoked" "$ID_BIZ_FANCHENG|revoked" \
	"$(sed 's/.*"id":"\([^"]*\)".*"status":"\([a-z]*\)".*/\1|\2/' "$OUT")"

# name and code must belong together: 1, nothing on standard output
before=$(store_digest)
must_fail 1 "a name with another company's code: not found" public \
	--name 襄阳汉江食品有限公司 --uscc "$USCC_LONGZHONG"
check "... nothing on standard output" test ! -s "$OUT"
check "... saying so" err_has "no publicly disclosable license for 襄阳汉江食品有限公司 $USCC_LONGZHONG"
same "... audited as not found" \
	"license.public-query|$USCC_LONGZHONG|not-found||襄阳汉江食品有限公司 $USCC_LONGZHONG: 0" \
	"$(last_audit)"
must_fail 1 "a code with another company's name: not found" public \
	--name 襄阳隆中餐饮管理有限公司 --uscc "$USCC_FOOD"
check "... nothing on standard output" test ! -s "$OUT"
must_fail 1 "... nor with --table" public --table \
	--name 襄阳隆中餐饮管理有限公司 --uscc "$USCC_FOOD"
check "... nothing on standard output, not even the headers" test ! -s "$OUT"
must_fail 1 "a part of the name: not found" public --name 汉江食品 \
	--uscc "$USCC_FOOD"
check "... nothing on standard output" test ! -s "$OUT"
must_fail 1 "a valid code registered nowhere: not found" public \
	--name 襄阳汉江食品有限公司 --uscc "$USCC_OTHER"
check "... nothing on standard output" test ! -s "$OUT"
same "the store is unchanged" "$before" "$(store_digest)"

# natural persons and undisclosed types never appear
must_fail 1 "a citizen's name with a company code: not found" public \
	--name 张汉江 --uscc "$USCC_FOOD"
check "... nothing on standard output" test ! -s "$OUT"
must_fail 65 "a citizen's name and ID number: not a company code" public \
	--name 张汉江 --uscc "$CID_ZHANG"
check "... nothing on standard output" test ! -s "$OUT"
same "... audited as rejected" "license.public-query|rejected|" \
	"$(last_audit | cut -d '|' -f 1,3,4)"
check "... without writing the citizen's ID number in clear into the audit log" \
	sh -c '! ecert-audit log --json | grep -q "$1"' sh "$CID_ZHANG"
ok "the citizen's 不动产权证书 is in the store" sh -c '
	ecert-query --holder-id "$1" -o type' sh "$CID_ZHANG"
same "... of a type the catalog does not disclose" \
	"$T_ESTATE|0" "$(sqlite3 "$ECERT_DB" "SELECT code || '|' || public FROM license_types WHERE code = '$T_ESTATE'")"
ok "every company's public query" sh -c '
	for q in "襄阳汉江食品有限公司 $1" "襄阳隆中餐饮管理有限公司 $2" \
	    "襄阳市樊城区鹿门副食商店 $3"; do
		set -- $q
		ecert-query --public --name "$1" --uscc "$2" || exit 1
	done' sh "$USCC_FOOD" "$USCC_LONGZHONG" "$USCC_FANCHENG"
check "... never shows a 不动产权证书 or its holder" sh -c '
	! grep -q -e "$1" -e "\"holder\":\"张汉江\"" -e 不动产 -e "$2" "$3"' sh "$T_ESTATE" \
	"$CID_ZHANG" "$OUT"

# both --name and --uscc, with --public, and nothing else
before=$(store_digest)
must_fail 64 "--public --name without --uscc: usage" public \
	--name 襄阳汉江食品有限公司
check "... nothing on standard output" test ! -s "$OUT"
check "... saying both are needed" err_has "needs both --name and --uscc"
must_fail 64 "--public --uscc without --name: usage" public --uscc "$USCC_FOOD"
check "... nothing on standard output" test ! -s "$OUT"
must_fail 64 "--public alone: usage" public
must_fail 64 "an empty --name: usage" public --name '' --uscc "$USCC_FOOD"
check "... nothing on standard output" test ! -s "$OUT"
must_fail 64 "--name and --uscc without --public: usage" ecert-query \
	--name 襄阳汉江食品有限公司 --uscc "$USCC_FOOD"
check "... nothing on standard output" test ! -s "$OUT"
must_fail 64 "--public with --holder-id: usage" public \
	--name 襄阳汉江食品有限公司 --uscc "$USCC_FOOD" --holder-id "$USCC_FOOD"
must_fail 64 "--public with --type: usage" public \
	--name 襄阳汉江食品有限公司 --uscc "$USCC_FOOD" --type "$T_BIZ"
must_fail 64 "--public with -o: usage" public \
	--name 襄阳汉江食品有限公司 --uscc "$USCC_FOOD" -o number
check "... nothing on standard output" test ! -s "$OUT"
must_fail 64 "--public with a key: usage, anyone may ask" public \
	--name 襄阳汉江食品有限公司 --uscc "$USCC_FOOD" --key "$SAMR_KEY"
must_fail 65 "a code with a wrong check character: bad input" public \
	--name 襄阳汉江食品有限公司 --uscc "$USCC_BAD"
check "... nothing on standard output" test ! -s "$OUT"
same "... audited as rejected" "license.public-query|(not a code)|rejected|" \
	"$(last_audit | cut -d '|' -f 1-4)"
same "none of these changed the store" "$before" "$(store_digest)"

ok "the audit chain is intact" ecert-audit verify
