#!/bin/sh
# ecert-use --reason: the use reason (用证事由) on the command line, as
# ecert-serve takes it: optional here, at most 200 characters, recorded in
# the audit in the same transaction as the use (articles 13, 20).
. "$(dirname "$0")/lib.sh"

plan 17

ECERT_NOW=2025-06-30T09:00:00Z
export ECERT_NOW

ICBC=91420600717800001A	# 中国工商银行股份有限公司襄阳分行 (user)

setup_store
ecert-unit add -k "$ADMIN_KEY" --code "$ICBC" \
	--name 中国工商银行股份有限公司襄阳分行 --role user > /dev/null &&
ecert-unit key -k "$ADMIN_KEY" --unit "$ICBC" -o icbc.key > /dev/null &&
issue_biz "$SAMR_KEY" "$USCC_FOOD" 襄阳汉江食品有限公司 > /dev/null &&
ecert-grant add -k "$ADMIN_KEY" --table --holder 襄阳汉江食品有限公司 \
	--holder-id "$USCC_FOOD" --matter 对公账户开立 --grantee "$ICBC" \
	--type "$T_BIZ" --until 2025-12-31 > /dev/null ||
	bail "cannot set up the unit, the license and the grant"

reasons() {
	sqlite3 "$ECERT_DB" "SELECT action || '|' || object || '|' || outcome
	    || '|' || detail FROM audit WHERE outcome = 'reason' ORDER BY seq"
}

ok "a use with --reason" ecert-use -k icbc.key --matter 对公账户开立 \
	--holder "$USCC_FOOD" --reason '开立基本存款账户，客户经理李汉江受理'
check "... the license printed" out_has '"document"'
same "... the reason in the audit, beside the use" \
	"license.use|matter 对公账户开立|reason|用证事由: 开立基本存款账户，客户经理李汉江受理" \
	"$(reasons)"
check "... recorded after the grant's use, in the same batch" sh -c '
	sqlite3 "$ECERT_DB" "SELECT action FROM audit ORDER BY seq DESC
	    LIMIT 2" | tr "\n" " " | grep -q "^license.use grant.use "'

ok "a use without --reason is still served (optional on the command line)" \
	ecert-use -k icbc.key --matter 对公账户开立 --holder "$USCC_FOOD"
same "... and records no reason" 1 "$(reasons | wc -l)"

ok "--check with --reason" ecert-use -k icbc.key --matter 对公账户开立 \
	--holder "$USCC_FOOD" --type "$T_BIZ" --check 法定代表人=张汉江 \
	--reason 核对营业执照复印件
same "... recorded as the check's reason" \
	"license.check|matter 对公账户开立|reason|用证事由: 核对营业执照复印件" \
	"$(reasons | tail -n 1)"

# 200 characters pass, 201 do not
R200=$(printf '事%.0s' $(seq 200))
ok "a reason of 200 characters" ecert-use -k icbc.key \
	--matter 对公账户开立 --holder "$USCC_FOOD" --reason "$R200"
before=$(store_digest)
count=$(audit_count)
must_fail 64 "a reason of 201 characters: usage" ecert-use -k icbc.key \
	--matter 对公账户开立 --holder "$USCC_FOOD" --reason "${R200}由"
check "... saying so" err_has "ecert-use: --reason: 1 to 200 characters"
check "... nothing printed" test ! -s "$OUT"
same "... the store unchanged, nothing audited" "$before $count" \
	"$(store_digest) $(audit_count)"
must_fail 64 "an empty reason: usage" ecert-use -k icbc.key \
	--matter 对公账户开立 --holder "$USCC_FOOD" --reason ''

# a refused use names its reason in the refusal's audit entry
must_fail 77 "a matter with no grant, with a reason: refused" \
	ecert-use -k icbc.key --matter 住房公积金提取 --holder "$USCC_FOOD" \
	--reason 提取住房公积金
same "... the refusal audited with the reason" "license.use|matter 住房公积金提取|denied" \
	"$(audit_last)"
check "... whose detail names the reason" sh -c '
	sqlite3 "$ECERT_DB" "SELECT detail FROM audit ORDER BY seq DESC
	    LIMIT 1" | grep -q "用证事由: 提取住房公积金"'
