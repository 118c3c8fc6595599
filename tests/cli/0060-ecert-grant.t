#!/bin/sh
# ecert-grant: authorizations (授权用证) and delegations (委托用证), article
# 12: made by the platform for the holder, by the issuing unit for the
# types it issues, or by the administration; signed, listed, withdrawn
# only by their grantor or the administration, never deleted, audited.
. "$(dirname "$0")/lib.sh"

plan 145

# "now" for the grants, the uses and the audit
ECERT_NOW=2025-06-30T09:00:00Z
export ECERT_NOW

ICBC=91420600717800001A	# 中国工商银行股份有限公司襄阳分行 (user)
CCB=91420600717800002D	# 中国建设银行股份有限公司襄阳分行 (user)

setup_store
ecert-unit add -k "$ADMIN_KEY" --code "$ICBC" \
	--name 中国工商银行股份有限公司襄阳分行 --role user > /dev/null &&
ecert-unit key -k "$ADMIN_KEY" --unit "$ICBC" -o icbc.key > /dev/null &&
ecert-unit add -k "$ADMIN_KEY" --code "$CCB" \
	--name 中国建设银行股份有限公司襄阳分行 --role user > /dev/null &&
ecert-unit key -k "$ADMIN_KEY" --unit "$CCB" -o ccb.key > /dev/null &&
issue_biz "$SAMR_KEY" "$USCC_FOOD" 襄阳汉江食品有限公司 > /dev/null &&
issue_biz "$SAMR_KEY" "$USCC_LONGZHONG" 襄阳隆中餐饮管理有限公司 > /dev/null &&
issue_food "$SAMR_KEY" JY14206060012345 "$USCC_FOOD" 襄阳汉江食品有限公司 \
	> /dev/null &&
issue_estate "$NRB_KEY" '鄂(2025)襄阳市不动产权第0012345号' 张汉江 \
	"$CID_ZHANG" > estate.out || bail "cannot set up the units and licenses"
ID_ESTATE=$(sed -n 's/.*"id":"\([^"]*\)".*/\1/p' estate.out)

# The last audit entry, read with ecert-audit: action|object|outcome|unit|detail
last_audit() {
	ecert-audit log --json | tail -n 1 | perl -MJSON::PP -ne '
	    binmode STDOUT, ":utf8";
	    my $o = JSON::PP->new->utf8->decode($_);
	    print join("|", map { $o->{$_} // "" }
		qw(action object outcome unit detail)), "\n"'
}

# The grant numbers in the JSON Lines of $OUT, on one line
grant_ids() {
	sed 's/.*"id":\([0-9]*\),.*/\1/' "$OUT" | tr '\n' ' ' | sed 's/ $//'
}

sql() {
	sqlite3 "$ECERT_DB" "$1"
}

# A refusal to grant or withdraw: exit status, nothing on stdout, the store
# unchanged, the refusal in the audit log.
# refused CODE ACTION OBJECT OUTCOME UNIT WHY DESCRIPTION CMD ...
refused() {
	_code=$1 _action=$2 _object=$3 _outcome=$4 _unit=$5 _why=$6 _d=$7
	shift 7
	_before=$(store_digest)
	must_fail "$_code" "$_d" "$@"
	check "... saying why: $_why" err_has "$_why"
	check "... nothing on standard output" test ! -s "$OUT"
	same "... the store is unchanged" "$_before" "$(store_digest)"
	same "... the refusal is audited as $_outcome" \
		"$_action|$_object|$_outcome|$_unit" \
		"$(last_audit | cut -d '|' -f 1-4)"
}

# add: the platform for the holder, the issuer for its own types
ok "the platform records a holder's authorization of a bank" \
	ecert-grant add -k "$ADMIN_KEY" --holder 襄阳汉江食品有限公司 \
	--holder-id "$USCC_FOOD" --matter 对公账户开立 --grantee "$ICBC" \
	--type "$T_BIZ" --until 2025-12-31
same "... prints the new grant's number as JSON through a pipe" \
	'{"grant":1}' "$(cat "$OUT")"
same "... audited" \
	"grant.add|grant 1|ok|$PLATFORM|authorize $ICBC for matter 对公账户开立" \
	"$(last_audit)"
same "... signed with the platform's current key" "$PLATFORM|1" \
	"$(sql "SELECT g.grantor || '|' || (g.key_id = k.key_id) FROM grants g
	    JOIN keys k ON k.unit = g.grantor AND k.not_after IS NULL
	    WHERE g.id = 1")"
same "... from now to the end of the last day" \
	"2025-06-30T09:00:00Z|2025-12-31T23:59:59Z" \
	"$(sql "SELECT not_before || '|' || not_after FROM grants WHERE id = 1")"
ok "the market regulator grants the types it issues, --table" \
	ecert-grant add -k "$SAMR_KEY" --holder 襄阳汉江食品有限公司 \
	--holder-id "$USCC_FOOD" --matter 食品经营许可延续 --grantee "$CCB" \
	--type "$T_BIZ,$T_FOOD" --from 2025-06-30T08:00:00Z \
	--until 2025-09-30T17:30:00Z --table
same "... prints the number alone" 2 "$(cat "$OUT")"
same "... both types, times as given" \
	"[\"$T_BIZ\",\"$T_FOOD\"]|2025-06-30T08:00:00Z|2025-09-30T17:30:00Z" \
	"$(sql "SELECT types || '|' || not_before || '|' || not_after FROM grants WHERE id = 2")"
ok "... and one license it issued, with a count of uses" \
	ecert-grant add -k "$SAMR_KEY" --holder 襄阳汉江食品有限公司 \
	--holder-id "$USCC_FOOD" --matter 社会保险登记 --grantee "$HRSS" \
	--license "$ID_FOOD_1" --until 2025-12-31 --uses 2
same "... grant 3" '{"grant":3}' "$(cat "$OUT")"
ok "the natural resources bureau records a delegation to an agent" \
	ecert-grant add -k "$NRB_KEY" --holder 张汉江 --holder-id "$CID_ZHANG" \
	--matter 不动产抵押登记 --agent 李樊城 --agent-id "$CID_LI" \
	--type "$T_ESTATE" --from 2025-07-01 --until 2025-07-31
same "... grant 4, a delegation" "4|delegate|李樊城|" \
	"$(sql "SELECT id || '|' || kind || '|' || agent_name || '|' || coalesce(grantee, '') FROM grants WHERE id = 4")"
same "... audited without the agent's ID number" \
	"grant.add|grant 4|ok|$NRB|delegate agent for matter 不动产抵押登记" \
	"$(last_audit)"
same "no citizen ID number is in the store in clear" 0 \
	"$(sqlite3 "$ECERT_DB" .dump | grep -c -e "$CID_ZHANG" -e "$CID_LI")"

# who may grant: 77, nothing stored, audited as denied
refused 77 grant.add 对公账户开立 denied "$NRB" "it does not issue it" \
	"an issuer granting a type it does not issue: no permission" \
	ecert-grant add -k "$NRB_KEY" --holder 襄阳汉江食品有限公司 \
	--holder-id "$USCC_FOOD" --matter 对公账户开立 --grantee "$ICBC" \
	--type "$T_BIZ" --until 2025-12-31
refused 77 grant.add 对公账户开立 denied "$SAMR" "it does not issue it" \
	"... nor a list of types with one it does not issue" \
	ecert-grant add -k "$SAMR_KEY" --holder 张汉江 \
	--holder-id "$CID_ZHANG" --matter 对公账户开立 --grantee "$ICBC" \
	--type "$T_BIZ,$T_ESTATE" --until 2025-12-31
refused 77 grant.add 不动产抵押登记 denied "$SAMR" "it did not issue it" \
	"... nor a license another unit issued" \
	ecert-grant add -k "$SAMR_KEY" --holder 张汉江 \
	--holder-id "$CID_ZHANG" --matter 不动产抵押登记 --grantee "$ICBC" \
	--license "$ID_ESTATE" --until 2025-12-31
refused 77 grant.add 对公账户开立 denied "$HRSS" "may not grant" \
	"a user-only unit may not grant" \
	ecert-grant add -k "$HRSS_KEY" --holder 襄阳汉江食品有限公司 \
	--holder-id "$USCC_FOOD" --matter 对公账户开立 --grantee "$HRSS" \
	--type "$T_BIZ" --until 2025-12-31
refused 77 grant.add 对公账户开立 denied "$ICBC" "may not grant" \
	"a bank may not grant itself" \
	ecert-grant add -k icbc.key --holder 襄阳汉江食品有限公司 \
	--holder-id "$USCC_FOOD" --matter 对公账户开立 --grantee "$ICBC" \
	--type "$T_BIZ" --until 2025-12-31

# usage (64) and bad input (65): nothing stored
before=$(store_digest)
grant_add() {
	ecert-grant add -k "$ADMIN_KEY" --holder 襄阳汉江食品有限公司 \
	    --holder-id "$USCC_FOOD" --matter 对公账户开立 "$@"
}
must_fail 64 "no --until: usage" grant_add --grantee "$ICBC" --type "$T_BIZ"
must_fail 64 "no --matter: usage" ecert-grant add -k "$ADMIN_KEY" \
	--holder 襄阳汉江食品有限公司 --holder-id "$USCC_FOOD" \
	--grantee "$ICBC" --type "$T_BIZ" --until 2025-12-31
must_fail 64 "no --holder: usage" ecert-grant add -k "$ADMIN_KEY" \
	--holder-id "$USCC_FOOD" --matter 对公账户开立 \
	--grantee "$ICBC" --type "$T_BIZ" --until 2025-12-31
must_fail 64 "both --grantee and --agent-id: usage" grant_add \
	--grantee "$ICBC" --agent 李樊城 --agent-id "$CID_LI" --type "$T_BIZ" \
	--until 2025-12-31
must_fail 64 "neither --grantee nor --agent-id: usage" grant_add \
	--type "$T_BIZ" --until 2025-12-31
must_fail 64 "neither --type nor --license: usage" grant_add \
	--grantee "$ICBC" --until 2025-12-31
must_fail 64 "--uses 0: usage" grant_add --grantee "$ICBC" --type "$T_BIZ" \
	--until 2025-12-31 --uses 0
must_fail 64 "--uses that is not a number: usage" grant_add \
	--grantee "$ICBC" --type "$T_BIZ" --until 2025-12-31 --uses 一次
must_fail 64 "an unknown verb: usage" ecert-grant give -k "$ADMIN_KEY"
must_fail 64 "no verb: usage" ecert-grant
must_fail 64 "a stray operand to add: usage" grant_add --grantee "$ICBC" \
	--type "$T_BIZ" --until 2025-12-31 extra
must_fail 65 "a holder ID with a wrong check character: bad input" \
	ecert-grant add -k "$ADMIN_KEY" --holder 张汉江 --holder-id "$CID_BAD" \
	--matter 对公账户开立 --grantee "$ICBC" --type "$T_ESTATE" \
	--until 2025-12-31
check "... saying so" err_has "neither a unified social credit code nor a citizen ID number"
must_fail 65 "a grantee that is not a registered unit: bad input" \
	grant_add --grantee "$USCC_OTHER" --type "$T_BIZ" --until 2025-12-31
check "... saying so" err_has "not a registered unit"
must_fail 65 "--until before --from: bad input" grant_add --grantee "$ICBC" \
	--type "$T_BIZ" --from 2025-12-31 --until 2025-07-01
must_fail 65 "--until that is not a date: bad input" grant_add \
	--grantee "$ICBC" --type "$T_BIZ" --until 2025-13-01
must_fail 65 "--until 2025-12-31 12:00 (no T, no Z): bad input" grant_add \
	--grantee "$ICBC" --type "$T_BIZ" --until '2025-12-31 12:00:00'
must_fail 65 "--agent-id without --agent: bad input" ecert-grant add \
	-k "$NRB_KEY" --holder 张汉江 --holder-id "$CID_ZHANG" \
	--matter 不动产抵押登记 --agent-id "$CID_LI" --type "$T_ESTATE" \
	--until 2025-07-31
must_fail 65 "an agent ID with a wrong check character: bad input" \
	ecert-grant add -k "$NRB_KEY" --holder 张汉江 --holder-id "$CID_ZHANG" \
	--matter 不动产抵押登记 --agent 李樊城 --agent-id "$CID_BAD" \
	--type "$T_ESTATE" --until 2025-07-31
must_fail 65 "a type not in the catalog: bad input" grant_add \
	--grantee "$ICBC" --type 11100000000013338W099 --until 2025-12-31
must_fail 65 "a license of another holder: bad input" ecert-grant add \
	-k "$SAMR_KEY" --holder 襄阳汉江食品有限公司 --holder-id "$USCC_FOOD" \
	--matter 对公账户开立 --grantee "$ICBC" --license "$ID_BIZ_LONGZHONG" \
	--until 2025-12-31
check "... saying so" err_has "no such license of this holder"
same "... and is audited as rejected" "grant.add|对公账户开立|rejected|$SAMR" \
	"$(last_audit | cut -d '|' -f 1-4)"
same "none of these changed the store" "$before" "$(store_digest)"

# list: active grants by default, --all, by holder and by grantee
ok "list through a pipe" ecert-grant list
same "... the grants in force now, not the delegation that starts in July" \
	"1 2 3" "$(grant_ids)"
same "... as canonical JSON Lines" "$(canonical < "$OUT")" "$(cat "$OUT")"
same "... each with its signature checked" 3 \
	"$(grep -c '"signature_ok":true' "$OUT")"
check "... and without ID numbers or their hashes" sh -c '
	! grep -q -e "$1" -e "$2" -e holder_hash -e agent_hash -e signature\" "$3"' \
	sh "$CID_ZHANG" "$CID_LI" "$OUT"
same "... grant 1 in full" \
	"{\"agent_name\":null,\"created_at\":\"2025-06-30T09:00:00Z\",\"grantee\":\"$ICBC\",\"grantor\":\"$PLATFORM\",\"holder_name\":\"襄阳汉江食品有限公司\",\"id\":1,\"key_id\":\"$(sql "SELECT key_id FROM grants WHERE id = 1")\",\"kind\":\"authorize\",\"licenses\":[],\"matter\":\"对公账户开立\",\"max_uses\":null,\"not_after\":\"2025-12-31T23:59:59Z\",\"not_before\":\"2025-06-30T09:00:00Z\",\"signature_ok\":true,\"types\":[\"$T_BIZ\"],\"uses\":0,\"withdrawn_at\":null,\"withdrawn_reason\":null}" \
	"$(sed -n 1p "$OUT")"
same "... audited" "grant.list|grants|ok" "$(last_audit | cut -d '|' -f 1-3)"
ok "list --all" ecert-grant list --all
same "... every grant" "1 2 3 4" "$(grant_ids)"
ok "list on 10 July" env ECERT_NOW=2025-07-10T10:00:00Z ecert-grant list
same "... the delegation is in force then" "1 2 3 4" "$(grant_ids)"
ok "list on 1 October" env ECERT_NOW=2025-10-01T00:00:00Z ecert-grant list
same "... the regulator's grant to 30 September 17:30 has ended" "1 3" \
	"$(grant_ids)"
ok "list --holder-id of the company" ecert-grant list --holder-id "$USCC_FOOD"
same "... its three grants" "1 2 3" "$(grant_ids)"
ok "list --holder-id of the citizen --all" ecert-grant list \
	--holder-id "$CID_ZHANG" --all
same "... the delegation, with the agent's name" "4|李樊城" \
	"$(sed 's/.*"agent_name":"\([^"]*\)".*"id":\([0-9]*\),.*/\2|\1/' "$OUT")"
ok "list --grantee" ecert-grant list --grantee "$CCB"
same "... the construction bank's grant" 2 "$(grant_ids)"
same "... audited with the grantee" "grant.list|$CCB|ok" \
	"$(last_audit | cut -d '|' -f 1-3)"
ok "list --holder-id and --grantee together" ecert-grant list \
	--holder-id "$USCC_FOOD" --grantee "$ICBC"
same "... grant 1" 1 "$(grant_ids)"
ok "list --holder-id of someone with no grant" ecert-grant list \
	--holder-id "$CID_WANG" --all
same "... nothing" "" "$(cat "$OUT")"
ok "list --table" ecert-grant list --table
check "... under the headers" grep -q \
	'^GRANT  *HOLDER  *GRANTEE  *MATTER  *TYPES  *UNTIL  *USES  *STATE$' "$OUT"
check "... grant 3 with its uses out of the count" grep -q \
	"^3  *襄阳汉江食品有限公司  *$HRSS  *社会保险登记  *\[\]  *2025-12-31T23:59:59Z  *0/2  *signed\$" \
	"$OUT"
ok "show 4" ecert-grant show 4
same "... the delegation" "4|delegate|true" \
	"$(sed 's/.*"id":\([0-9]*\),.*"kind":"\([a-z]*\)".*"signature_ok":\([a-z]*\),.*/\1|\2|\3/' "$OUT")"
must_fail 1 "show a grant that does not exist: not found" ecert-grant show 99
check "... nothing on standard output" test ! -s "$OUT"
must_fail 64 "show something that is not a number: usage" ecert-grant show 一
must_fail 64 "list with an operand: usage" ecert-grant list 1

# withdraw: only the grantor or the administration
refused 77 grant.withdraw 1 denied "$NRB" "only it or the administration may withdraw it" \
	"a unit that did not make the grant may not withdraw it" \
	ecert-grant withdraw -k "$NRB_KEY" --reason 越权撤回 1
refused 77 grant.withdraw 1 denied "$ICBC" "only it or the administration may withdraw it" \
	"... nor may the grantee" \
	ecert-grant withdraw -k icbc.key --reason 银行撤回 1
refused 77 grant.withdraw 2 denied "$NRB" "made by $SAMR" \
	"... nor another issuer an issuer's grant" \
	ecert-grant withdraw -k "$NRB_KEY" --reason 越权撤回 2
before=$(store_digest)
must_fail 64 "withdraw without --reason: usage" ecert-grant withdraw \
	-k "$ADMIN_KEY" 1
must_fail 64 "withdraw with an empty reason: usage" ecert-grant withdraw \
	-k "$ADMIN_KEY" --reason '' 1
must_fail 64 "withdraw without a grant: usage" ecert-grant withdraw \
	-k "$ADMIN_KEY" --reason 撤回
same "... the store is unchanged" "$before" "$(store_digest)"
ok "the holder withdraws through the platform" ecert-grant withdraw \
	-k "$ADMIN_KEY" --reason 持证主体撤回授权 1
check "... silently" test ! -s "$OUT"
same "... audited with the reason" \
	"grant.withdraw|grant 1|ok|$PLATFORM|持证主体撤回授权" "$(last_audit)"
same "... recorded in the grant, which stays" \
	"2025-06-30T09:00:00Z|$PLATFORM|持证主体撤回授权" \
	"$(sql "SELECT withdrawn_at || '|' || withdrawn_by || '|' || withdrawn_reason FROM grants WHERE id = 1")"
same "... and is no longer listed as active" "2 3" \
	"$(ecert-grant list | sed 's/.*"id":\([0-9]*\),.*/\1/' | tr '\n' ' ' | sed 's/ $//')"
ok "list --all --table" ecert-grant list --all --table
check "... shows it withdrawn" grep -q "^1  .*  withdrawn\$" "$OUT"
must_fail 1 "withdrawing it again: no" ecert-grant withdraw -k "$ADMIN_KEY" \
	--reason 重复撤回 1
check "... saying when it was" err_has "already withdrawn on 2025-06-30T09:00:00Z"
same "... audited as refused" "grant.withdraw|1|refused|$PLATFORM" \
	"$(last_audit | cut -d '|' -f 1-4)"
must_fail 1 "withdrawing a grant that does not exist: not found" \
	ecert-grant withdraw -k "$ADMIN_KEY" --reason 撤回 99
ok "the administration withdraws an issuer's grant" ecert-grant withdraw \
	-k "$ADMIN_KEY" --reason 授权事项已办结 2
ok "the issuer withdraws its own delegation" ecert-grant withdraw \
	-k "$NRB_KEY" --reason 委托人撤销委托 4
same "nothing is deleted: four grants, three withdrawn" "4|3" \
	"$(sql "SELECT count(*) || '|' || count(withdrawn_at) FROM grants")"
sqlite3 "$ECERT_DB" "DELETE FROM grants WHERE id = 3" 2> delete.err
same "a DELETE with sqlite3 is refused by a trigger" \
	"grants are never deleted" \
	"$(grep -o 'grants are never deleted' delete.err)"

# used up: not active any more
ok "a grant for one use" ecert-grant add -k "$ADMIN_KEY" \
	--holder 襄阳隆中餐饮管理有限公司 --holder-id "$USCC_LONGZHONG" \
	--matter 对公账户开立 --grantee "$ICBC" --type "$T_BIZ" \
	--until 2025-12-31 --uses 1
ok "... used once" ecert-use -k icbc.key --matter 对公账户开立 \
	--holder "$USCC_LONGZHONG"
same "... is not listed as active" "3" \
	"$(ecert-grant list | sed 's/.*"id":\([0-9]*\),.*/\1/' | tr '\n' ' ' | sed 's/ $//')"
ok "... but with --all" ecert-grant list --all --grantee "$ICBC" --table
check "... as 1/1" grep -q "^5  .*  1/1  *signed\$" "$OUT"

# a grant row changed with sqlite3 no longer matches its signature
sql "UPDATE grants SET matter = '个人贷款' WHERE id = 3"
ok "list --all after an UPDATE of grant 3's matter" ecert-grant list --all
same "... grant 3 has a bad signature, the others not" \
	"1 true|2 true|3 false|4 true|5 true" \
	"$(sed 's/.*"id":\([0-9]*\),.*"signature_ok":\([a-z]*\),.*/\1 \2/' "$OUT" | tr '\n' '|' | sed 's/|$//')"
ok "... in the table too" ecert-grant list --all --table
check "... as BAD SIGNATURE" grep -q "^3  .*  BAD SIGNATURE\$" "$OUT"
ok "the active list" ecert-grant list
same "... shows it with its bad signature" '3 false' \
	"$(sed 's/.*"id":\([0-9]*\),.*"signature_ok":\([a-z]*\),.*/\1 \2/' "$OUT")"
sql "UPDATE grants SET matter = '社会保险登记', not_after = '2026-12-31T23:59:59Z' WHERE id = 3"
ok "an UPDATE of the end of validity" ecert-grant show 3
check "... is caught as well" out_has '"signature_ok":false'

ok "the audit chain is intact" ecert-audit verify
