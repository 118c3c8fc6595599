#!/bin/sh
# ecert-query: licenses by holder, holder ID, type, issuer, status and issue
# date; JSON Lines through a pipe, a table, or TSV with -o.
. "$(dirname "$0")/lib.sh"

plan 37

setup_store
issue_biz "$SAMR_KEY" "$USCC_FOOD" 襄阳汉江食品有限公司 \
	-f issue_date=2019-03-20 > /dev/null &&
issue_biz "$SAMR_KEY" "$USCC_LONGZHONG" 襄阳隆中餐饮管理有限公司 \
	-f issue_date=2021-05-10 > /dev/null &&
issue_biz "$SAMR_KEY" "$USCC_FANCHENG" 襄阳市樊城区鹿门副食商店 \
	-f issue_date=2023-11-02 > /dev/null &&
issue_food "$SAMR_KEY" JY14206060012345 "$USCC_FOOD" 襄阳汉江食品有限公司 \
	-f issue_date=2024-03-01 > /dev/null &&
issue_estate "$NRB_KEY" '鄂(2022)襄阳市不动产权第0031415号' 张汉江 \
	"$CID_ZHANG" -f issue_date=2022-07-15 > /dev/null &&
issue_estate "$NRB_KEY" '鄂(2024)襄阳市不动产权第0092653号' 李樊城 \
	"$CID_LI" -f issue_date=2024-12-01 > /dev/null &&
ecert-revoke -k "$SAMR_KEY" --reason 企业申请注销登记 "$ID_BIZ_FANCHENG" \
	> /dev/null || bail "cannot issue the licenses to query"

# query ARG ...: the numbers of the licenses found, in order, on one line
numbers() {
	ecert-query -o number "$@" | tr '\n' ' ' | sed 's/ $//'
}

ok "everything, through a pipe" ecert-query
same "... is JSON Lines, one per license" 6 "$(grep -c '^{.*}$' "$OUT")"
same "... in canonical form" "$(canonical < "$OUT")" "$(cat "$OUT")"
same "... each with the license's fields" \
	"{\"holder\":\"襄阳汉江食品有限公司\",\"id\":\"$ID_BIZ_FOOD\",\"issue_date\":\"2019-03-20\",\"issuer\":\"$SAMR\",\"number\":\"$USCC_FOOD\",\"status\":\"valid\",\"type\":\"$T_BIZ\",\"type_name\":\"营业执照\",\"valid_from\":\"2019-03-20\",\"valid_until\":null}" \
	"$(sed -n 1p "$OUT")"
same "... ordered by issue date" \
	"2019-03-20 2021-05-10 2022-07-15 2023-11-02 2024-03-01 2024-12-01" \
	"$(ecert-query -o issue_date | tr '\n' ' ' | sed 's/ $//')"
same "--holder" "$USCC_FOOD JY14206060012345" \
	"$(numbers --holder 襄阳汉江食品有限公司)"
same "--holder is the whole name, not a part of it" "" \
	"$(numbers --holder 汉江食品)"
same "--holder-id with a company's code" "$USCC_FOOD JY14206060012345" \
	"$(numbers --holder-id "$USCC_FOOD")"
same "--holder-id with a citizen ID" '鄂(2022)襄阳市不动产权第0031415号' \
	"$(numbers --holder-id "$CID_ZHANG")"
same "--holder-id with an ID nobody holds" "" \
	"$(numbers --holder-id "$CID_WANG")"
same "--type" "$USCC_FOOD $USCC_LONGZHONG $USCC_FANCHENG" \
	"$(numbers --type "$T_BIZ")"
same "--issuer" '鄂(2022)襄阳市不动产权第0031415号 鄂(2024)襄阳市不动产权第0092653号' \
	"$(numbers --issuer "$NRB")"
same "--status revoked" "$USCC_FANCHENG" "$(numbers --status revoked)"
same "--status valid" 5 "$(ecert-query --status valid | wc -l)"
same "--status suspended, none" "" "$(numbers --status suspended)"
same "--from and --to: issue dates within, both ends included" \
	"$USCC_LONGZHONG 鄂(2022)襄阳市不动产权第0031415号 $USCC_FANCHENG" \
	"$(numbers --from 2021-05-10 --to 2023-11-02)"
same "--from alone" "JY14206060012345 鄂(2024)襄阳市不动产权第0092653号" \
	"$(numbers --from 2024-01-01)"
same "--to alone" "$USCC_FOOD" "$(numbers --to 2019-12-31)"
same "filters combine" "$USCC_LONGZHONG" \
	"$(numbers --type "$T_BIZ" --status valid --from 2020-01-01)"

ok "-o id,status" ecert-query --type "$T_BIZ" -o id,status
same "... is TSV, one line a license" "\
$ID_BIZ_FOOD	valid
$ID_BIZ_LONGZHONG	valid
$ID_BIZ_FANCHENG	revoked" "$(cat "$OUT")"
ok "-o with every field" ecert-query --holder-id "$CID_LI" \
	-o id,type,type_name,number,holder,issuer,issue_date,valid_from,valid_until,status
check "... ten tab-separated fields, the end date empty" grep -q \
	"^1\.2\.156\.3005\.2\.$T_ESTATE\.$NRB\.[0-9A-Z]*\.001\.[0-9A-Z]	$T_ESTATE	不动产权证书	鄂(2024)襄阳市不动产权第0092653号	李樊城	$NRB	2024-12-01	2024-12-01		valid\$" \
	"$OUT"
ok "--table" ecert-query --table --issuer "$SAMR"
same "... aligns the Chinese, statuses in Chinese" "\
ID                                                                                TYPE            NUMBER              HOLDER                    ISSUED      UNTIL       STATUS
$ID_BIZ_FOOD  营业执照        91420600MA49ABCD1A  襄阳汉江食品有限公司      2019-03-20              有效
$ID_BIZ_LONGZHONG  营业执照        91420600MA49XY0129  襄阳隆中餐饮管理有限公司  2021-05-10              有效
$ID_BIZ_FANCHENG  营业执照        91420606MA4ABCDE19  襄阳市樊城区鹿门副食商店  2023-11-02              注销
$ID_FOOD_1    食品经营许可证  JY14206060012345    襄阳汉江食品有限公司      2024-03-01  2029-02-28  有效" \
	"$(cat "$OUT")"
ok "--json after --table: JSON Lines" ecert-query --table --json --issuer "$NRB"
same "... two lines" 2 "$(grep -c '^{"holder":' "$OUT")"
same "every query is audited, saying an ID was given but not which" \
	'license.query|licenses|ok|{"from":null,"holder":null,"holder_id":true,"issuer":null,"status":null,"to":null,"type":null}' \
	"$(sqlite3 "$ECERT_DB" "SELECT action || '|' || object || '|' || outcome || '|' || detail FROM audit WHERE detail LIKE '%\"holder_id\":true%' ORDER BY seq LIMIT 1")"
same "... no ID number asked for is in the audit" 0 \
	"$(sqlite3 "$ECERT_DB" "SELECT count(*) FROM audit WHERE detail LIKE '%$CID_ZHANG%' OR detail LIKE '%$CID_WANG%'")"

# usage
must_fail 64 "an unknown status is a usage error" ecert-query --status cancelled
check "... naming the statuses there are" err_has "valid, suspended, revoked"
must_fail 64 "a status in Chinese is a usage error too" ecert-query --status 注销
must_fail 64 "an impossible --from date is a usage error" \
	ecert-query --from 2023-02-29
must_fail 64 "a --to date not written YYYY-MM-DD is a usage error" \
	ecert-query --to 2023/12/31
must_fail 64 "an unknown -o field is a usage error" ecert-query -o id,holder_id
must_fail 64 "a stray argument is a usage error" ecert-query 襄阳汉江食品有限公司
must_fail 64 "query takes no key" ecert-query -k "$SAMR_KEY"
