#!/bin/sh
# ecert-matter: service matters (articles 14, 15): strict load, list and
# show; and, for one holder, which materials need not be submitted.
. "$(dirname "$0")/lib.sh"

plan 224

setup_store
BAD=$DATA/matters
M_FOOD_NEW=11420600MB1234567T-XK-0001	# 食品经营许可（新办）
M_RENEW=11420600MB1234567T-XK-0002	# 食品经营许可（延续）
M_INDIVIDUAL=11420600MB1234567T-XK-0004	# 个体工商户设立登记
M_ESTATE=11420600MB3456789X-QR-0001	# 不动产转移登记（二手房买卖）
M_CLOSE=11420600MB1234567T-XK-0005	# 食品经营许可（注销）, good-extra.yaml
M_LOST=420600-000201-001		# 食品经营许可证遗失补办, good-extra.yaml

# The count of matter.check entries in the audit log.
checks() {
	sqlite3 "$ECERT_DB" "SELECT count(*) FROM audit WHERE action = 'matter.check'"
}

# material, outcome, reason and license of each line of $OUT, one line each
outcomes() {
	json_field material outcome reason license < "$OUT"
}

# load the shipped matters
ok "the admin loads the shipped matters" \
	ecert-matter load -k "$ADMIN_KEY" "$ECERT_SHARE"/matters/*.yaml
check "... and counts 7 matters" err_has "7 matters loaded or changed"
same "... each load of a matter is audited" 7 \
	"$(sqlite3 "$ECERT_DB" "SELECT count(*) FROM audit WHERE action = 'matter.load' AND outcome = 'ok'")"
same "... and kept in the history, version 1" 7 \
	"$(sqlite3 "$ECERT_DB" "SELECT count(*) FROM matter_history WHERE version = 1 AND loaded_by = '$PLATFORM'")"

ok "list through a pipe" ecert-matter list
same "... is one JSON line per matter, by code" "\
11420600MB1234567T-XK-0001	食品经营许可（新办）	legal	1	7
11420600MB1234567T-XK-0002	食品经营许可（延续）	legal	2	4
11420600MB1234567T-XK-0003	公司变更登记	legal	1	7
11420600MB1234567T-XK-0004	个体工商户设立登记	natural	1	4
11420600MB2345678C-XK-0001	建筑工程施工许可证核发	legal	1	9
11420600MB2345678C-XK-0002	建筑工程施工许可证延期	legal	2	4
11420600MB3456789X-QR-0001	不动产转移登记（二手房买卖）	natural	1	7" \
	"$(json_field code name holder exempt materials < "$OUT")"
check "... each line whole" grep -qxF \
	'{"code":"11420600MB1234567T-XK-0002","department":"11420600MB1234567T","department_name":"襄阳市市场监督管理局","exempt":2,"high_frequency":true,"holder":"legal","materials":4,"name":"食品经营许可（延续）","version":1}' \
	"$OUT"
ok "list --table" ecert-matter list --table
same "... aligns the Chinese names" "\
CODE                        NAME                          DEPARTMENT              HOLDER   HIGH FREQ  MATERIALS  EXEMPT  VERSION
11420600MB1234567T-XK-0001  食品经营许可（新办）          襄阳市市场监督管理局    legal    yes        7          1       1
11420600MB1234567T-XK-0002  食品经营许可（延续）          襄阳市市场监督管理局    legal    yes        4          2       1
11420600MB1234567T-XK-0003  公司变更登记                  襄阳市市场监督管理局    legal    yes        7          1       1
11420600MB1234567T-XK-0004  个体工商户设立登记            襄阳市市场监督管理局    natural  yes        4          1       1
11420600MB2345678C-XK-0001  建筑工程施工许可证核发        襄阳市住房和城乡建设局  legal    yes        9          1       1
11420600MB2345678C-XK-0002  建筑工程施工许可证延期        襄阳市住房和城乡建设局  legal    no         4          2       1
11420600MB3456789X-QR-0001  不动产转移登记（二手房买卖）  襄阳市自然资源和规划局  natural  yes        7          1       1" \
	"$(cat "$OUT")"

ok "show a matter" ecert-matter show "$M_RENEW"
same "... with its materials and the licenses that stand for them" "\
11420600MB1234567T-XK-0002 食品经营许可（延续）
department: 11420600MB1234567T 襄阳市市场监督管理局
holder: legal
high frequency: yes
version: 1
basis: 《中华人民共和国食品安全法》第三十五条；《食品经营许可和备案管理办法》第三十九条。

KEY               NAME                                  REQUIRED  EXEMPT  LICENSES
application       食品经营许可延续申请书                yes       no      -
business_license  营业执照                              yes       yes     营业执照
food_license      食品经营许可证正副本                  yes       yes     食品经营许可证
changes           与延续食品经营许可事项有关的其他材料  no        no      -" \
	"$(cat "$OUT")"
ok "show --json" ecert-matter show --json "$M_ESTATE"
same "... is one line" 1 "$(wc -l < "$OUT")"
check "... of a natural person's matter" grep -q '"holder":"natural"' "$OUT"
check "... whose title certificate the 不动产权证书 stands for" grep -qF \
	'{"exempt":true,"key":"title_certificate","licenses":["11100000000013579F001"],"name":"不动产权属证书","required":true}' \
	"$OUT"
check "... and a material no license replaces, with no licenses" grep -qF \
	'{"exempt":false,"key":"sale_contract","licenses":[],"name":"不动产买卖合同","required":true}' \
	"$OUT"
must_fail 1 "show an unknown matter: not found" \
	ecert-matter show 11420600MB1234567T-XK-0099
must_fail 64 "show without a code is a usage error" ecert-matter show
must_fail 64 "list with an argument is a usage error" ecert-matter list "$M_RENEW"
must_fail 64 "an unknown verb is a usage error" ecert-matter claim
must_fail 64 "load without files is a usage error" \
	ecert-matter load -k "$ADMIN_KEY"
must_fail 64 "--matter is for check only" ecert-matter list --matter "$M_RENEW"

# Loading the same files again changes nothing.
before=$(store_digest)
loads_before=$(sqlite3 "$ECERT_DB" "SELECT count(*) FROM audit WHERE action = 'matter.load'")
ok "reload the same files" \
	ecert-matter load -k "$ADMIN_KEY" "$ECERT_SHARE"/matters/*.yaml
check "... 0 matters changed" err_has "0 matters loaded or changed"
same "... and the store is unchanged" "$before" "$(store_digest)"
same "... and no matter was audited as loaded" "$loads_before" \
	"$(sqlite3 "$ECERT_DB" "SELECT count(*) FROM audit WHERE action = 'matter.load'")"

# Malformed YAML: 65, file:line:column, nothing loaded.
# fixture:line of the first fault
for case in \
	bad-alias-bomb:2 bad-alias:7 bad-anchor:7 bad-code:2 \
	bad-department-unregistered:4 bad-department-uscc:4 \
	bad-duplicate-code:17 bad-duplicate-key:6 bad-duplicate-license:16 \
	bad-duplicate-material:11 bad-duplicate-material-name:12 bad-empty:1 \
	bad-exempt-no-license:11 bad-holder:5 bad-holder-kind:14 \
	bad-missing-key:2 bad-no-materials:7 bad-syntax:12 bad-tag:6 \
	bad-type-code:14 bad-unknown-key:16 bad-unknown-type:14 bad-utf8:3 \
	bad-wrong-type:10
do
	f=${case%:*}
	line=${case#*:}
	must_fail 65 "$f.yaml is refused as bad input" \
		ecert-matter load -k "$ADMIN_KEY" "$BAD/$f.yaml"
	check "... at $f.yaml:$line:column" grep -q \
		"^ecert-matter: .*$f\.yaml:$line:[1-9][0-9]*: ." "$ERR"
	same "... and the store is unchanged" "$before" "$(store_digest)"
done
must_fail 65 "a type not in the catalog is named where it stands" \
	ecert-matter load -k "$ADMIN_KEY" "$BAD/bad-unknown-type.yaml"
check "... with its code" err_has \
	"bad-unknown-type.yaml:14:39: licenses: type 11100000000013338W099 is not in the catalog"
must_fail 65 "a type of the other kind of holder is refused" \
	ecert-matter load -k "$ADMIN_KEY" "$BAD/bad-holder-kind.yaml"
check "... saying why" err_has \
	"type 11100000000013579F001 (不动产权证书) is held by natural persons, the holder of this matter is a legal person"
must_fail 65 "an unregistered department is refused" \
	ecert-matter load -k "$ADMIN_KEY" "$BAD/bad-department-unregistered.yaml"
check "... naming it" err_has "department: $USCC_OTHER is not a registered unit"
same "no matter came in with them" 7 \
	"$(sqlite3 "$ECERT_DB" 'SELECT count(*) FROM matters')"

must_fail 65 "a good file with a bad one loads nothing" \
	ecert-matter load -k "$ADMIN_KEY" "$BAD/good-extra.yaml" \
	"$BAD/bad-unknown-key.yaml"
same "... and the store is unchanged" "$before" "$(store_digest)"
must_fail 1 "... the good file's matter is not there" \
	ecert-matter show "$M_CLOSE"
must_fail 65 "a changed matter with a bad file loads nothing" \
	ecert-matter load -k "$ADMIN_KEY" "$BAD/changed-renewal.yaml" \
	"$BAD/bad-tag.yaml"
same "... and the store is unchanged" "$before" "$(store_digest)"
must_fail 65 "a matter defined in two files is refused" \
	ecert-matter load -k "$ADMIN_KEY" \
	"$ECERT_SHARE/matters/food-business-renewal.yaml" \
	"$BAD/changed-renewal.yaml"
check "... naming both files" \
	grep -q "changed-renewal.yaml.*food-business-renewal.yaml" "$ERR"
same "... and the store is unchanged" "$before" "$(store_digest)"
must_fail 74 "a file that does not exist is an I/O failure" \
	ecert-matter load -k "$ADMIN_KEY" "$BAD/no-such-matter.yaml"
same "... and the store is unchanged" "$before" "$(store_digest)"

# Who may load.
must_fail 77 "a unit that is not admin may not load matters" \
	ecert-matter load -k "$SAMR_KEY" "$BAD/good-extra.yaml"
same "... and the store is unchanged" "$before" "$(store_digest)"
same "... and the refusal is audited as denied" \
	"matter.load|$BAD/good-extra.yaml|denied" "$(audit_last)"
must_fail 77 "nor a using unit" \
	ecert-matter load -k "$HRSS_KEY" "$BAD/good-extra.yaml"
same "... and the store is unchanged" "$before" "$(store_digest)"

# Changes: a new version each time, the old ones kept.
ok "new matters load" ecert-matter load -k "$ADMIN_KEY" "$BAD/good-extra.yaml"
check "... 2 matters" err_has "2 matters loaded or changed"
ok "... a code in the 事项编码 style shows" ecert-matter show "$M_LOST"
check "... with its one material" grep -q '^loss_statement  遗失声明  yes       no      -$' "$OUT"
ok "a changed definition loads" \
	ecert-matter load -k "$ADMIN_KEY" "$BAD/changed-renewal.yaml"
check "... 1 matter changed" err_has "1 matter loaded or changed"
ok "... and shows" ecert-matter show "$M_RENEW"
check "... as version 2" grep -qx 'version: 2' "$OUT"
check "... with the new material" grep -q '^self_check  *食品安全自查报告  *yes  *no  *-$' "$OUT"
ok "the shipped files load again" \
	ecert-matter load -k "$ADMIN_KEY" "$ECERT_SHARE"/matters/*.yaml
check "... 1 matter changed" err_has "1 matter loaded or changed"
same "... as version 3" 3 \
	"$(sqlite3 "$ECERT_DB" "SELECT version FROM matters WHERE code = '$M_RENEW'")"
same "... with every version kept in the history" "1 2 3" \
	"$(sqlite3 "$ECERT_DB" "SELECT version FROM matter_history WHERE code = '$M_RENEW' ORDER BY version" | tr '\n' ' ' | sed 's/ $//')"
same "... and the first definition kept as it was" 4 \
	"$(sqlite3 "$ECERT_DB" "SELECT json_array_length(definition, '\$.materials') FROM matter_history WHERE code = '$M_RENEW' AND version = 1")"

# Review before signing (article 9) is not the subject here: the food and
# estate types are loaded again without it, so that licenses are signed
# at once and in force.
for f in food-business-license real-estate-certificate; do
	sed 's/^review: true$/review: false/' "$ECERT_SHARE/catalog/$f.yaml" \
	    > "$SCRATCH/$f.yaml"
done
ok "the food and estate types, signed without review in this store" \
	ecert-catalog load -k "$ADMIN_KEY" "$SCRATCH/food-business-license.yaml" \
	"$SCRATCH/real-estate-certificate.yaml"

# Licenses: two food businesses with a 营业执照 and a 食品经营许可证 each
# (food licenses run five years, to 2030-06-29), a natural person with a
# 不动产权证书, and a company with nothing.
ok "the market regulator issues a 营业执照" \
	issue_biz "$SAMR_KEY" "$USCC_FOOD" 襄阳汉江食品有限公司
ok "... and a 食品经营许可证" \
	issue_food "$SAMR_KEY" JY14206060012345 "$USCC_FOOD" 襄阳汉江食品有限公司
ok "a 营业执照 for a second company" \
	issue_biz "$SAMR_KEY" "$USCC_LONGZHONG" 襄阳隆中餐饮管理有限公司
ok "... and its 食品经营许可证" \
	issue_food "$SAMR_KEY" JY14206060012347 "$USCC_LONGZHONG" 襄阳隆中餐饮管理有限公司
ok "a 不动产权证书 for 张汉江" \
	issue_estate "$NRB_KEY" '鄂(2025)襄阳市不动产权第0000001号' 张汉江 "$CID_ZHANG"
ID_ESTATE=$(issued_id)

# Article 15: the library first.
n0=$(checks)
ok "check: a holder with both licenses, in force" \
	ecert-matter check --matter "$M_RENEW" --holder-id "$USCC_FOOD"
same "... one JSON line per material, both licenses exempt with their ids" "\
application	submit	not replaceable	null
business_license	exempt	valid	$ID_BIZ_FOOD
food_license	exempt	valid	$ID_FOOD_1
changes	submit	not replaceable	null" "$(outcomes)"
check "... each line whole" grep -qxF \
	"{\"license\":\"$ID_FOOD_1\",\"marked\":true,\"material\":\"food_license\",\"name\":\"食品经营许可证正副本\",\"outcome\":\"exempt\",\"reason\":\"valid\",\"required\":true,\"status\":\"valid\",\"type\":\"$T_FOOD\",\"valid_until\":\"2030-06-29\"}" \
	"$OUT"
same "... audited as matter.check of the matter" "matter.check|$M_RENEW|ok" \
	"$(audit_last)"
same "... with the count of exempt materials, and no unit" \
	'|{"exempt":2,"materials":4,"submit":0,"version":3}' \
	"$(sqlite3 "$ECERT_DB" "SELECT unit || '|' || detail FROM audit ORDER BY seq DESC LIMIT 1")"
ok "check --table" ecert-matter check --table --matter "$M_RENEW" \
	--holder-id "$USCC_FOOD"
same "... is a table for the clerk" "\
11420600MB1234567T-XK-0002 食品经营许可（延续）

MATERIAL          NAME                                  REQUIRED  OUTCOME        REASON           LICENSE
application       食品经营许可延续申请书                yes       submit 需提交  not replaceable  -
business_license  营业执照                              yes       exempt 免提交  valid            $ID_BIZ_FOOD
food_license      食品经营许可证正副本                  yes       exempt 免提交  valid            $ID_FOOD_1
changes           与延续食品经营许可事项有关的其他材料  no        submit 需提交  not replaceable  -

2 of 4 materials exempt" "$(cat "$OUT")"
ok "a using unit's key is optional" ecert-matter check -k "$HRSS_KEY" \
	--matter "$M_FOOD_NEW" --holder-id "$USCC_FOOD"
same "... and names the unit in the audit log" \
	"$HRSS|matter.check|$M_FOOD_NEW|ok" \
	"$(sqlite3 "$ECERT_DB" "SELECT unit || '|' || action || '|' || object || '|' || outcome FROM audit ORDER BY seq DESC LIMIT 1")"
same "... 1 exempt of 7" '{"exempt":1,"materials":7,"submit":0,"version":1}' \
	"$(sqlite3 "$ECERT_DB" "SELECT detail FROM audit ORDER BY seq DESC LIMIT 1")"
ok "with the holder's name as well" ecert-matter check --matter "$M_RENEW" \
	--holder-id "$USCC_FOOD" --holder 襄阳汉江食品有限公司
check "... the same answer" out_has "\"outcome\":\"exempt\",\"reason\":\"valid\""
must_fail 1 "a name that is not the holder's finds nothing" \
	ecert-matter check --matter "$M_RENEW" --holder-id "$USCC_FOOD" \
	--holder 襄阳隆中餐饮管理有限公司
same "... so both are to be submitted" "\
application	submit	not replaceable	null
business_license	submit	none	null
food_license	submit	none	null
changes	submit	not replaceable	null" "$(outcomes)"

# suspended, reinstated, revoked
ok "the 营业执照 is suspended" ecert-revoke -k "$SAMR_KEY" --suspend \
	--reason '列入经营异常名录' "$ID_BIZ_FOOD"
must_fail 1 "check: a required material must be submitted" \
	ecert-matter check --matter "$M_RENEW" --holder-id "$USCC_FOOD"
same "... because the license is suspended, naming it" "\
business_license	submit	suspended	$ID_BIZ_FOOD
food_license	exempt	valid	$ID_FOOD_1" \
	"$(outcomes | grep _license)"
same "... audited with one to submit" \
	'matter.check|ok|{"exempt":1,"materials":4,"submit":1,"version":3}' \
	"$(sqlite3 "$ECERT_DB" "SELECT action || '|' || outcome || '|' || detail FROM audit ORDER BY seq DESC LIMIT 1")"
ok "it is reinstated" ecert-revoke -k "$SAMR_KEY" --reinstate \
	--reason '移出经营异常名录' "$ID_BIZ_FOOD"
ok "check: exempt again" ecert-matter check --matter "$M_RENEW" \
	--holder-id "$USCC_FOOD"
ok "the 食品经营许可证 is revoked" ecert-revoke -k "$SAMR_KEY" \
	--reason '申请注销' "$ID_FOOD_1"
must_fail 1 "check after the revocation" \
	ecert-matter check --matter "$M_RENEW" --holder-id "$USCC_FOOD"
same "... the food license is to be submitted: revoked" "\
business_license	exempt	valid	$ID_BIZ_FOOD
food_license	submit	revoked	$ID_FOOD_1" \
	"$(outcomes | grep _license)"
check "... with its status" \
	grep -q "\"material\":\"food_license\",.*\"status\":\"revoked\"" "$OUT"

# A status altered in the store does not verify, and exempts nothing.
sqlite3 "$ECERT_DB" "UPDATE licenses SET status = 'valid' WHERE id = '$ID_FOOD_1'"
must_fail 1 "check: a license whose row was altered to valid" \
	ecert-matter check --matter "$M_RENEW" --holder-id "$USCC_FOOD"
same "... is not taken: invalid" "food_license	submit	invalid	$ID_FOOD_1" \
	"$(outcomes | grep food_license)"
sqlite3 "$ECERT_DB" "UPDATE licenses SET status = 'revoked' WHERE id = '$ID_FOOD_1'"

# Either of two licenses stands for a material; one not marked exempt is
# to be submitted whatever the library holds, and names the license to
# check it against.
ok "check a matter with a material two types stand for" \
	ecert-matter check --matter "$M_CLOSE" --holder-id "$USCC_FOOD"
same "... the 营业执照 stands for it when the food license is revoked" "\
application	submit	not replaceable	null
qualification	exempt	valid	$ID_BIZ_FOOD
food_license	submit	not marked exempt	$ID_FOOD_1" "$(outcomes)"
ok "... and for a holder with both in force" \
	ecert-matter check --matter "$M_CLOSE" --holder-id "$USCC_LONGZHONG"
same "... the first type listed" "\
application	submit	not replaceable	null
qualification	exempt	valid	$ID_FOOD_2
food_license	submit	not marked exempt	$ID_FOOD_2" "$(outcomes)"

# Validity against today (ECERT_TODAY).
ok "check on the food license's last day" env ECERT_TODAY=2030-06-29 \
	ecert-matter check --matter "$M_RENEW" --holder-id "$USCC_LONGZHONG"
check "... exempt" grep -q '"material":"food_license",.*"outcome":"exempt"' "$OUT"
must_fail 1 "check the day after" env ECERT_TODAY=2030-06-30 \
	ecert-matter check --matter "$M_RENEW" --holder-id "$USCC_LONGZHONG"
same "... the food license has expired; the 营业执照 has no end" "\
business_license	exempt	valid	$ID_BIZ_LONGZHONG
food_license	submit	expired	$ID_FOOD_2" \
	"$(outcomes | grep _license)"
check "... and says until when it was valid" \
	grep -q '"material":"food_license",.*"valid_until":"2030-06-29"' "$OUT"
must_fail 1 "check before the licenses were issued" env ECERT_TODAY=2025-06-01 \
	ecert-matter check --matter "$M_RENEW" --holder-id "$USCC_LONGZHONG"
same "... not yet valid" "\
business_license	submit	not yet valid	$ID_BIZ_LONGZHONG
food_license	submit	not yet valid	$ID_FOOD_2" \
	"$(outcomes | grep _license)"

# Nothing in the library: a draft awaiting review is no license.
ok "a 营业执照 for 古隆中 is drafted, not signed" \
	issue_biz "$SAMR_KEY" "$USCC_GULONG" 襄阳古隆中文化旅游有限公司 --draft
must_fail 1 "check: a holder with no license" \
	ecert-matter check --matter "$M_RENEW" --holder-id "$USCC_GULONG"
same "... everything to be submitted: none" "\
application	submit	not replaceable	null
business_license	submit	none	null
food_license	submit	none	null
changes	submit	not replaceable	null" "$(outcomes)"
check "... and nothing named" grep -q \
	'"license":null,"marked":true,"material":"business_license",.*"status":null,"type":null,"valid_until":null' \
	"$OUT"
same "... audited with no exempt material" \
	'{"exempt":0,"materials":4,"submit":2,"version":3}' \
	"$(sqlite3 "$ECERT_DB" "SELECT detail FROM audit ORDER BY seq DESC LIMIT 1")"

# An amendment supersedes a license: the new version is the one named.
M_COMPANY=11420600MB1234567T-XK-0003	# 公司变更登记
ID_BIZ_LONGZHONG_2=1.2.156.3005.2.11100000000013338W011.11420600MB1234567T.91420600MA49XY0129.002.N
ok "the 营业执照 of 隆中 is amended" ecert-amend -k "$SAMR_KEY" \
	--reason 住所变更 "$ID_BIZ_LONGZHONG" -f 住所='湖北省襄阳市襄城区隆中路1号'
ok "check a company change" \
	ecert-matter check --matter "$M_COMPANY" --holder-id "$USCC_LONGZHONG"
same "... names the new version, not the superseded one" \
	"business_license	exempt	valid	$ID_BIZ_LONGZHONG_2" \
	"$(outcomes | grep business_license)"

# Natural persons: a citizen ID number.
ok "check the sale of 张汉江's flat" \
	ecert-matter check --matter "$M_ESTATE" --holder-id "$CID_ZHANG"
same "... his 不动产权证书 stands for the title certificate" \
	"title_certificate	exempt	valid	$ID_ESTATE" \
	"$(outcomes | grep title_certificate)"
same "... seven materials, six to submit" 6 "$(grep -c '"outcome":"submit"' "$OUT")"
ok "... and for his shop in his own flat" \
	ecert-matter check --matter "$M_INDIVIDUAL" --holder-id "$CID_ZHANG"
same "... the proof of the premises" \
	"premises_use	exempt	valid	$ID_ESTATE" "$(outcomes | grep premises_use)"
must_fail 1 "李樊城 has no 不动产权证书" \
	ecert-matter check --matter "$M_ESTATE" --holder-id "$CID_LI"
same "... so it is to be submitted" "title_certificate	submit	none	null" \
	"$(outcomes | grep title_certificate)"
must_fail 1 "a lower-case x in an ID number is read as X" \
	ecert-matter check --matter "$M_ESTATE" \
	--holder-id "$(echo "$CID_WANG" | tr X x)"

# Bad input and unknown matters.
n1=$(checks)
must_fail 65 "a citizen ID for a legal person's matter is bad input" \
	ecert-matter check --matter "$M_RENEW" --holder-id "$CID_ZHANG"
check "... saying what was wanted" err_has \
	"--holder-id: not a valid unified social credit code"
check "... without echoing the ID number" sh -c '! grep -q "$1" "$2"' sh \
	"$CID_ZHANG" "$ERR"
same "... and the refusal is audited as rejected" \
	"matter.check|$M_RENEW|rejected" "$(audit_last)"
must_fail 65 "a company code for a natural person's matter is bad input" \
	ecert-matter check --matter "$M_ESTATE" --holder-id "$USCC_FOOD"
must_fail 65 "an ID number with a wrong check character" \
	ecert-matter check --matter "$M_ESTATE" --holder-id "$CID_BAD"
must_fail 65 "a company code with a wrong check character" \
	ecert-matter check --matter "$M_RENEW" --holder-id "$USCC_BAD"
must_fail 65 "an ID number that is too long" \
	ecert-matter check --matter "$M_ESTATE" --holder-id "${CID_ZHANG}0"
must_fail 1 "check an unknown matter: not found" \
	ecert-matter check --matter 11420600MB1234567T-XK-0099 \
	--holder-id "$USCC_FOOD"
check "... says so" err_has "matter 11420600MB1234567T-XK-0099: not found"
same "... and is audited as refused" \
	"matter.check|11420600MB1234567T-XK-0099|refused" "$(audit_last)"
must_fail 1 "an ID number given as the matter: not found" \
	ecert-matter check --matter "$CID_LI" --holder-id "$CID_ZHANG"
same "... and not written to the audit log" \
	"matter.check|(an ID number)|refused" "$(audit_last)"
same "every check and refusal was audited" $((n1 + 7)) "$(checks)"
check "more than twenty checks so far" test "$(checks)" -gt $((n0 + 20))
sqlite3 "$ECERT_DB" "SELECT unit, object, outcome, detail FROM audit WHERE action = 'matter.check'" > "$SCRATCH/checks.txt"
for id in "$USCC_FOOD" "$USCC_LONGZHONG" "$USCC_GULONG" "$USCC_BAD" \
	"$CID_ZHANG" "$CID_LI" "$CID_WANG" "$CID_BAD"
do
	check "no ID number in the audit entries of checks: $id" \
		sh -c '! grep -qi "$1" "$2"' sh "$id" "$SCRATCH/checks.txt"
done
check "... and no ID number of a natural person anywhere in the log" \
	sh -c '! sqlite3 "$1" "SELECT * FROM audit" | grep -q -e "$2" -e "$3"' \
	sh "$ECERT_DB" "$CID_ZHANG" "$CID_LI"

must_fail 64 "check without --holder-id is a usage error" \
	ecert-matter check --matter "$M_RENEW"
must_fail 64 "check without --matter is a usage error" \
	ecert-matter check --holder-id "$USCC_FOOD"
must_fail 64 "check with an argument is a usage error" \
	ecert-matter check --matter "$M_RENEW" --holder-id "$USCC_FOOD" extra
printf 'not the passphrase\n' > "$SCRATCH/wrong"
must_fail 77 "a key that does not open is refused" \
	ecert-matter check -k "$HRSS_KEY" --passphrase-file "$SCRATCH/wrong" \
	--matter "$M_RENEW" --holder-id "$USCC_FOOD"

# The pipeline of the man page.
ok "check | jq-like: the ids of the licenses that stand in" sh -c \
	'ecert-matter check --matter "$1" --holder-id "$2" |
	    grep "\"outcome\":\"exempt\"" | wc -l' sh "$M_RENEW" "$USCC_LONGZHONG"
same "... two" 2 "$(tr -d ' ' < "$OUT")"
ok "the audit chain is intact" ecert-audit verify
