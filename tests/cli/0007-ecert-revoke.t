#!/bin/sh
# ecert-revoke: revoke (注销), suspend (停用), reinstate, always with a
# reason, only by the issuing unit, each change signed and audited.
. "$(dirname "$0")/lib.sh"

plan 61

setup_store
issue_biz "$SAMR_KEY" "$USCC_FOOD" 襄阳汉江食品有限公司 > /dev/null &&
issue_biz "$SAMR_KEY" "$USCC_LONGZHONG" 襄阳隆中餐饮管理有限公司 > /dev/null &&
issue_biz "$SAMR_KEY" "$USCC_FANCHENG" 襄阳市樊城区鹿门副食商店 > /dev/null &&
issue_food "$SAMR_KEY" JY14206060012345 "$USCC_FOOD" 襄阳汉江食品有限公司 \
	> /dev/null &&
issue_food "$SAMR_KEY" JY14206060012347 "$USCC_LONGZHONG" 襄阳隆中餐饮管理有限公司 \
	> /dev/null &&
issue_estate "$NRB_KEY" '鄂(2025)襄阳市不动产权第0012345号' 张汉江 \
	"$CID_ZHANG" > estate.out || bail "cannot issue the licenses to revoke"
ID_ESTATE=$(sed -n 's/.*"id":"\([^"]*\)".*/\1/p' estate.out)

status_of() {
	ecert-query --holder-id "$1" -o id,status | sed -n "s/^$2	//p"
}

# suspend, reinstate, revoke, each checked by query and verify
ok "suspend with a reason" ecert-revoke -k "$SAMR_KEY" --suspend \
	--reason '经营异常名录：通过登记的住所无法联系' "$ID_BIZ_FOOD"
same "... prints the new status" \
	"{\"id\":\"$ID_BIZ_FOOD\",\"status\":\"suspended\"}" "$(cat "$OUT")"
same "... which ecert-query shows" suspended "$(status_of "$USCC_FOOD" "$ID_BIZ_FOOD")"
must_fail 1 "... and ecert-verify refuses" ecert-verify "$ID_BIZ_FOOD"
check "... as suspended" out_has '"status":"suspended","valid":false'
same "... the change is audited with its reason" \
	"license.suspend|$ID_BIZ_FOOD|ok|经营异常名录：通过登记的住所无法联系" \
	"$(sqlite3 "$ECERT_DB" "SELECT action || '|' || object || '|' || outcome || '|' || detail FROM audit WHERE action = 'license.suspend'")"
must_fail 1 "suspending a suspended license: no" ecert-revoke -k "$SAMR_KEY" \
	--suspend --reason 重复 "$ID_BIZ_FOOD"
check "... saying why" err_has "is suspended; cannot suspend"
ok "reinstate with a reason" ecert-revoke -k "$SAMR_KEY" --reinstate \
	--reason '已移出经营异常名录' "$ID_BIZ_FOOD"
same "... valid again in ecert-query" valid "$(status_of "$USCC_FOOD" "$ID_BIZ_FOOD")"
ok "... and in ecert-verify" ecert-verify "$ID_BIZ_FOOD"
must_fail 1 "reinstating a valid license: no" ecert-revoke -k "$SAMR_KEY" \
	--reinstate --reason 重复 "$ID_BIZ_FOOD"
check "... saying why" err_has "is valid; cannot reinstate"
ok "revoke with a reason" ecert-revoke -k "$SAMR_KEY" \
	--reason '企业申请注销登记' "$ID_BIZ_FOOD"
same "... prints the new status" \
	"{\"id\":\"$ID_BIZ_FOOD\",\"status\":\"revoked\"}" "$(cat "$OUT")"
same "... revoked in ecert-query" revoked "$(status_of "$USCC_FOOD" "$ID_BIZ_FOOD")"
must_fail 1 "... and ecert-verify refuses" ecert-verify "$ID_BIZ_FOOD"
check "... as revoked" out_has '"status":"revoked","valid":false'
same "the license keeps its history: three signed events with their reasons" "\
suspended|经营异常名录：通过登记的住所无法联系|$SAMR
valid|已移出经营异常名录|$SAMR
revoked|企业申请注销登记|$SAMR" \
	"$(sqlite3 "$ECERT_DB" "SELECT status || '|' || reason || '|' || unit FROM license_events WHERE license = '$ID_BIZ_FOOD' AND signature IS NOT NULL ORDER BY seq")"
before=$(store_digest)
must_fail 1 "revoking a revoked license: no" ecert-revoke -k "$SAMR_KEY" \
	--reason 重复注销 "$ID_BIZ_FOOD"
check "... saying why" err_has "is revoked; cannot revoke"
same "... and the store is unchanged" "$before" "$(store_digest)"
must_fail 1 "reinstating a revoked license: no" ecert-revoke -k "$SAMR_KEY" \
	--reinstate --reason 撤销注销 "$ID_BIZ_FOOD"
must_fail 1 "suspending a revoked license: no" ecert-revoke -k "$SAMR_KEY" \
	--suspend --reason 停用 "$ID_BIZ_FOOD"
same "... and the store is unchanged" "$before" "$(store_digest)"
ok "a suspended license can be revoked" sh -c '
	ecert-revoke -k "$1" --suspend --reason 涉嫌无证经营 "$2" &&
	ecert-revoke -k "$1" --reason 依法吊销 "$2"' sh "$SAMR_KEY" "$ID_BIZ_FANCHENG"
same "... and is revoked" revoked "$(status_of "$USCC_FANCHENG" "$ID_BIZ_FANCHENG")"
ok "--table prints the identifier and the new status" ecert-revoke \
	-k "$NRB_KEY" --suspend --reason 查封登记 --table "$ID_ESTATE"
same "... on one line" "$ID_ESTATE suspended" "$(cat "$OUT")"

# pipelines
ok "ecert-query --type ... --status valid | ecert-revoke" sh -c '
	ecert-query --type "$1" --status valid |
	ecert-revoke -k "$2" --reason 食品经营许可有效期届满未延续' sh "$T_FOOD" \
	"$SAMR_KEY"
same "... revokes both food licenses" \
	"{\"id\":\"$ID_FOOD_1\",\"status\":\"revoked\"}
{\"id\":\"$ID_FOOD_2\",\"status\":\"revoked\"}" "$(cat "$OUT")"
same "... none of that type is valid any more" "" \
	"$(ecert-query --type "$T_FOOD" --status valid)"
ok "... and they are revoked in ecert-query" sh -c '
	ecert-query --type "$1" --status revoked -o number | tr "\n" " "' sh "$T_FOOD"
same "... both" "JY14206060012345 JY14206060012347 " "$(cat "$OUT")"
must_fail 1 "... and ecert-verify says so" sh -c '
	ecert-query --type "$1" | ecert-verify' sh "$T_FOOD"
same "... for both" 2 "$(grep -c '"status":"revoked","valid":false' "$OUT")"
printf '%s\n\n%s\n' "$ID_BIZ_LONGZHONG" "$ID_UNKNOWN" > ids.txt
must_fail 1 "identifiers from standard input, one not found" \
	ecert-revoke -k "$SAMR_KEY" --suspend --reason 抽查不合格 < ids.txt
check "... the other one is suspended" \
	out_has "{\"id\":\"$ID_BIZ_LONGZHONG\",\"status\":\"suspended\"}"
check "... the unknown one reported" err_has "$ID_UNKNOWN: not found"

# the issuing unit alone, with a reason
before=$(store_digest)
must_fail 77 "revoking another unit's license is no permission" \
	ecert-revoke -k "$NRB_KEY" --reason 越权注销 "$ID_BIZ_LONGZHONG"
check "... naming the issuer" err_has "issued by $SAMR"
same "... and the store is unchanged" "$before" "$(store_digest)"
same "... and the audit has the refusal as denied" \
	"license.revoke|$ID_BIZ_LONGZHONG|denied" "$(audit_last)"
must_fail 77 "the market regulator may not suspend a 不动产权证书" \
	ecert-revoke -k "$SAMR_KEY" --reinstate --reason 越权解除 "$ID_ESTATE"
same "... and the store is unchanged" "$before" "$(store_digest)"
must_fail 77 "a using unit may not revoke" \
	ecert-revoke -k "$HRSS_KEY" --reason 越权注销 "$ID_BIZ_LONGZHONG"
same "... and the store is unchanged" "$before" "$(store_digest)"
same "... and is audited as denied" "license.revoke|$ID_BIZ_LONGZHONG|denied" \
	"$(audit_last)"
printf '%s\n%s\n' "$ID_ESTATE" "$ID_BIZ_GULONG" > mixed.txt
must_fail 77 "one of a batch not its own: 77 wins" \
	ecert-revoke -k "$SAMR_KEY" --reason 批量注销 < mixed.txt
printf '%s\n' "$ID_ESTATE" "$ID_BIZ_LONGZHONG" > mixed.txt
must_fail 77 "... while its own licenses are changed" \
	ecert-revoke -k "$SAMR_KEY" --reinstate --reason 抽查复核合格 < mixed.txt
check "... the one it issued is reinstated" \
	out_has "{\"id\":\"$ID_BIZ_LONGZHONG\",\"status\":\"valid\"}"
before=$(store_digest)
must_fail 64 "revoking without --reason is a usage error" \
	ecert-revoke -k "$SAMR_KEY" "$ID_BIZ_LONGZHONG"
must_fail 64 "... and with an empty one" \
	ecert-revoke -k "$SAMR_KEY" --reason '' "$ID_BIZ_LONGZHONG"
must_fail 64 "--suspend with --reinstate is a usage error" \
	ecert-revoke -k "$SAMR_KEY" --suspend --reinstate --reason 停用 \
	"$ID_BIZ_LONGZHONG"
must_fail 65 "a reason with a control character is bad input" \
	ecert-revoke -k "$SAMR_KEY" --reason "$(printf '注销\033[2J')" \
	"$ID_BIZ_LONGZHONG"
same "... none of these changed the store" "$before" "$(store_digest)"
must_fail 1 "revoking a license not in the store: not found" \
	ecert-revoke -k "$SAMR_KEY" --reason 注销 "$ID_UNKNOWN"
must_fail 65 "a malformed identifier is bad input" \
	ecert-revoke -k "$SAMR_KEY" --reason 注销 "$ID_BADCHECK"
same "... and the store is unchanged" "$before" "$(store_digest)"
ok "the licenses still valid verify" ecert-verify "$ID_BIZ_LONGZHONG"
ok "the audit chain is intact" ecert-audit verify
