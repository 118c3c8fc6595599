#!/bin/sh
# ecert-use: a using unit (用证单位) fetches a holder's licenses for one
# matter under a grant, or checks a photocopy's data against them (--check,
# article 15).  Every refusal: 77, nothing of any license on standard
# output, the store unchanged, the refusal in the audit log (articles 12,
# 13, 20).
. "$(dirname "$0")/lib.sh"

plan 245

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
issue_biz "$SAMR_KEY" "$USCC_FANCHENG" 襄阳市樊城区鹿门副食商店 > /dev/null &&
issue_biz "$SAMR_KEY" "$USCC_GULONG" 襄阳古隆中文化旅游有限公司 > /dev/null &&
issue_food "$SAMR_KEY" JY14206060012345 "$USCC_FOOD" 襄阳汉江食品有限公司 \
	> /dev/null &&
issue_food "$SAMR_KEY" JY14206060012347 "$USCC_LONGZHONG" \
	襄阳隆中餐饮管理有限公司 > /dev/null &&
issue_estate "$NRB_KEY" '鄂(2025)襄阳市不动产权第0012345号' 张汉江 \
	"$CID_ZHANG" > estate.out &&
issue_estate "$NRB_KEY" '鄂(2025)襄阳市不动产权第0067890号' 王襄州 \
	"$CID_WANG" > estate2.out &&
ecert-unit export > trust.jsonl ||
	bail "cannot set up the units and licenses"
ID_ESTATE=$(sed -n 's/.*"id":"\([^"]*\)".*/\1/p' estate.out)
ID_ESTATE_WANG=$(sed -n 's/.*"id":"\([^"]*\)".*/\1/p' estate2.out)

# grant UNITKEY ARG ...: a grant by that unit, its number on stdout
grant() {
	_g_key=$1
	shift
	ecert-grant add -k "$_g_key" --table "$@" 2> grant.err ||
	    bail "cannot grant: $(cat grant.err)"
}

last_audit() {
	ecert-audit log --json | tail -n 1 | perl -MJSON::PP -ne '
	    binmode STDOUT, ":utf8";
	    my $o = JSON::PP->new->utf8->decode($_);
	    print join("|", map { $o->{$_} // "" }
		qw(action object outcome unit detail)), "\n"'
}

sql() {
	sqlite3 "$ECERT_DB" "$1"
}

# None of the licenses' data: holders' names, numbers, items, ID numbers.
no_license_data() {
	! grep -q -F -e 襄阳汉江食品有限公司 -e 襄阳隆中餐饮管理有限公司 \
	    -e 襄阳市樊城区鹿门副食商店 -e 襄阳古隆中文化旅游有限公司 \
	    -e 张汉江 -e 王襄州 -e 伍佰万元整 -e 长虹北路 -e 经营范围 \
	    -e 食品销售 -e JY14206060012345 -e JY14206060012347 \
	    -e 不动产权第 -e 人民路2号 -e 航空路8号 -e 420606001002GB \
	    -e "$CID_ZHANG" -e "$CID_WANG" "$1"
}

# refused CODE OUTCOME UNIT MATTER WHY DESCRIPTION CMD ...: a refused use
refused() {
	_code=$1 _outcome=$2 _unit=$3 _matter=$4 _why=$5 _d=$6
	shift 6
	_before=$(store_digest)
	must_fail "$_code" "$_d" "$@"
	check "... saying why: $_why" err_has "$_why"
	check "... nothing on standard output" test ! -s "$OUT"
	check "... nor any license data on standard error" \
		no_license_data "$ERR"
	same "... the store is unchanged but for the audit" "$_before" \
		"$(store_digest)"
	same "... the refusal is audited as $_outcome" \
		"license.use|matter $_matter|$_outcome|$_unit" \
		"$(last_audit | cut -d '|' -f 1-4)"
}

# The holder 襄阳汉江食品有限公司 authorizes the bank for one matter and one
# type; the platform records it.
G_ICBC=$(grant "$ADMIN_KEY" --holder 襄阳汉江食品有限公司 \
	--holder-id "$USCC_FOOD" --matter 对公账户开立 --grantee "$ICBC" \
	--type "$T_BIZ" --until 2025-12-31)

# the use
ok "the bank fetches the holder's 营业执照 for 对公账户开立" \
	ecert-use -k icbc.key --matter 对公账户开立 --holder "$USCC_FOOD"
cp "$OUT" use.jsonl
same "... one signed document" 1 \
	"$(grep -c '^{"document":{.*},"signature":{"alg":"ed25519",.*"signer":"'"$SAMR"'",' use.jsonl)"
check "... the 营业执照" grep -q "\"id\":\"$ID_BIZ_FOOD\"" use.jsonl
check "... not the 食品经营许可证, which the grant does not cover" \
	sh -c '! grep -q -F "$1" "$2"' sh "$ID_FOOD_1" use.jsonl
ok "... which verifies against the exported trust list" \
	ecert-verify --trust trust.jsonl use.jsonl
same "... as valid" "{\"id\":\"$ID_BIZ_FOOD\",\"status\":\"valid\",\"valid\":true}" \
	"$(cat "$OUT")"
ok "... also without the store" env ECERT_DB="$SCRATCH/no-such.db" \
	ecert-verify --trust trust.jsonl use.jsonl
same "... the grant counts one use" 1 \
	"$(sql "SELECT uses FROM grants WHERE id = $G_ICBC")"
same "... audited: the use of the grant" \
	"grant.use|grant $G_ICBC|ok|$ICBC|matter 对公账户开立: 1 license" \
	"$(last_audit)"
same "... and of the license, for the matter" \
	"license.use|$ID_BIZ_FOOD|ok|$ICBC|对公账户开立" \
	"$(ecert-audit log --json --action license.use | tail -n 1 | perl -MJSON::PP -ne '
	    binmode STDOUT, ":utf8"; my $o = JSON::PP->new->utf8->decode($_);
	    print join("|", map { $o->{$_} } qw(action object outcome unit detail)), "\n"')"
same "... the document as ecert-show prints it" \
	"$(ecert-show --json "$ID_BIZ_FOOD")" "$(cat use.jsonl)"
ok "ecert-use | ecert-verify --trust" sh -c '
	ecert-use -k icbc.key --matter 对公账户开立 --holder "$1" --type "$2" |
	ecert-verify --trust trust.jsonl' sh "$USCC_FOOD" "$T_BIZ"
same "... valid" "{\"id\":\"$ID_BIZ_FOOD\",\"status\":\"valid\",\"valid\":true}" \
	"$(cat "$OUT")"
same "... two uses now" 2 "$(sql "SELECT uses FROM grants WHERE id = $G_ICBC")"
ok "--unit naming the key's own unit" ecert-use -k icbc.key --unit "$ICBC" \
	--matter 对公账户开立 --holder "$USCC_FOOD"

# --check (article 15): the photocopy's data, answered yes or no
ok "--check by Chinese label" ecert-use -k icbc.key --matter 对公账户开立 \
	--holder "$USCC_FOOD" --type "$T_BIZ" --check 法定代表人=张汉江 \
	--check 注册资本=伍佰万元整
same "... a match, item by item, by key" \
	"{\"id\":\"$ID_BIZ_FOOD\",\"items\":{\"legal_representative\":true,\"registered_capital\":true},\"match\":true,\"type\":\"$T_BIZ\"}" \
	"$(cat "$OUT")"
check "... without any value" no_license_data "$OUT"
same "... audited as a check" "license.check|$ID_BIZ_FOOD|ok|$ICBC|对公账户开立" \
	"$(ecert-audit log --json --action license.check | tail -n 1 | perl -MJSON::PP -ne '
	    binmode STDOUT, ":utf8"; my $o = JSON::PP->new->utf8->decode($_);
	    print join("|", map { $o->{$_} } qw(action object outcome unit detail)), "\n"')"
ok "--check by key, with the holder's name" ecert-use -k icbc.key \
	--matter 对公账户开立 --holder "$USCC_FOOD" --type "$T_BIZ" \
	--check domicile='湖北省襄阳市樊城区长虹北路16号' \
	--check holder=襄阳汉江食品有限公司 --check established=2019-03-18
same "... a match" \
	"{\"id\":\"$ID_BIZ_FOOD\",\"items\":{\"domicile\":true,\"established\":true,\"holder\":true},\"match\":true,\"type\":\"$T_BIZ\"}" \
	"$(cat "$OUT")"
check "... without any value" no_license_data "$OUT"
must_fail 1 "--check with a value the license does not have: a definite no" \
	ecert-use -k icbc.key \
	--matter 对公账户开立 --holder "$USCC_FOOD" --type "$T_BIZ" \
	--check 法定代表人=李樊城
same "... the answer given all the same: no match" \
	"{\"id\":\"$ID_BIZ_FOOD\",\"items\":{\"legal_representative\":false},\"match\":false,\"type\":\"$T_BIZ\"}" \
	"$(cat "$OUT")"
check "... without the value asked nor the true one" sh -c '
	! grep -q -e 李樊城 "$1"' sh "$OUT"
check "... nor any other" no_license_data "$OUT"
must_fail 1 "--check, one item right and one wrong: exit 1" \
	ecert-use -k icbc.key \
	--matter 对公账户开立 --holder "$USCC_FOOD" --type "$T_BIZ" \
	--check 法定代表人=张汉江 --check 注册资本=壹仟万元整
same "... no match overall, item by item" \
	"{\"id\":\"$ID_BIZ_FOOD\",\"items\":{\"legal_representative\":true,\"registered_capital\":false},\"match\":false,\"type\":\"$T_BIZ\"}" \
	"$(cat "$OUT")"
check "... without any value" no_license_data "$OUT"
same "the checks count as uses too" 7 \
	"$(sql "SELECT uses FROM grants WHERE id = $G_ICBC")"
must_fail 64 "--check without --type: usage" ecert-use -k icbc.key \
	--matter 对公账户开立 --holder "$USCC_FOOD" --check 法定代表人=张汉江
check "... nothing on standard output" test ! -s "$OUT"
before=$(store_digest)
must_fail 65 "--check of an item the type does not have: bad input" \
	ecert-use -k icbc.key --matter 对公账户开立 --holder "$USCC_FOOD" \
	--type "$T_BIZ" --check 投诉举报电话=12315
check "... nothing on standard output" test ! -s "$OUT"
same "... the store is unchanged" "$before" "$(store_digest)"
must_fail 64 "--check without '=': usage" ecert-use -k icbc.key \
	--matter 对公账户开立 --holder "$USCC_FOOD" --type "$T_BIZ" \
	--check 法定代表人
check "... naming the option --check" err_has "--check 法定代表人"
must_fail 64 "no --matter: usage" ecert-use -k icbc.key --holder "$USCC_FOOD"
must_fail 64 "no --holder: usage" ecert-use -k icbc.key --matter 对公账户开立
must_fail 64 "an operand: usage" ecert-use -k icbc.key --matter 对公账户开立 \
	--holder "$USCC_FOOD" "$ID_BIZ_FOOD"
same "... the store is unchanged" "$before" "$(store_digest)"

# every refusal
refused 77 denied "$ICBC" 对公账户开立 "no grant from this holder to this unit" \
	"no grant at all: no permission" \
	ecert-use -k icbc.key --matter 对公账户开立 --holder "$USCC_GULONG"
refused 77 denied "$CCB" 对公账户开立 "no grant from this holder to this unit" \
	"another unit, under the grant to the first bank: no permission" \
	ecert-use -k ccb.key --matter 对公账户开立 --holder "$USCC_FOOD"
refused 77 denied "$CCB" 对公账户开立 "the key is $CCB's" \
	"another unit naming the first bank with --unit: no permission" \
	ecert-use -k ccb.key --unit "$ICBC" --matter 对公账户开立 \
	--holder "$USCC_FOOD"
refused 77 denied "$ICBC" 对公账户开立 "no grant from this holder to this unit" \
	"another holder, under the grant for the first: no permission" \
	ecert-use -k icbc.key --matter 对公账户开立 --holder "$USCC_LONGZHONG"
refused 77 denied "$ICBC" 个人住房贷款 "no grant from this holder to this unit" \
	"another holder, a citizen: no permission" \
	ecert-use -k icbc.key --matter 个人住房贷款 --holder "$CID_ZHANG"
refused 77 denied "$ICBC" 流动资金贷款 "the grant is for another matter" \
	"another matter: no permission" \
	ecert-use -k icbc.key --matter 流动资金贷款 --holder "$USCC_FOOD"
refused 77 denied "$ICBC" 对公账户开立 "the grant does not cover this license type" \
	"another type (--type not covered): no permission" \
	ecert-use -k icbc.key --matter 对公账户开立 --holder "$USCC_FOOD" \
	--type "$T_FOOD"
refused 77 denied "$ICBC" 对公账户开立 "the grant does not cover this license type" \
	"... and --check of another type likewise" \
	ecert-use -k icbc.key --matter 对公账户开立 --holder "$USCC_FOOD" \
	--type "$T_FOOD" --check 投诉举报电话=12315
refused 77 denied "$CCB" 对公账户开立 "no grant from this holder to this unit" \
	"--check by another unit: no permission" \
	ecert-use -k ccb.key --matter 对公账户开立 --holder "$USCC_FOOD" \
	--type "$T_BIZ" --check 法定代表人=张汉江
refused 77 denied "$PLATFORM" 对公账户开立 "is not a using unit" \
	"a unit without the user role: no permission" \
	ecert-use -k "$ADMIN_KEY" --matter 对公账户开立 --holder "$USCC_FOOD"
printf 'wrong passphrase\n' > wrong-pass
_before=$(store_digest)
must_fail 77 "a wrong passphrase: no permission" ecert-use -k icbc.key \
	--passphrase-file wrong-pass --matter 对公账户开立 --holder "$USCC_FOOD"
check "... nothing on standard output" test ! -s "$OUT"
same "... the store is unchanged" "$_before" "$(store_digest)"
same "... audited as denied" "key.open|denied" \
	"$(last_audit | cut -d '|' -f 1,3)"

# the period: before not-before, after not-after
G_FANCHENG=$(grant "$ADMIN_KEY" --holder 襄阳市樊城区鹿门副食商店 \
	--holder-id "$USCC_FANCHENG" --matter 对公账户开立 --grantee "$ICBC" \
	--type "$T_BIZ" --from 2025-07-01 --until 2025-07-31)
refused 77 denied "$ICBC" 对公账户开立 "the grant is not in force yet" \
	"before the grant's start: no permission" \
	ecert-use -k icbc.key --matter 对公账户开立 --holder "$USCC_FANCHENG"
refused 77 denied "$ICBC" 对公账户开立 "the grant is not in force yet" \
	"... one second before" env ECERT_NOW=2025-06-30T23:59:59Z \
	ecert-use -k icbc.key --matter 对公账户开立 --holder "$USCC_FANCHENG"
ok "at its first second: the license" env ECERT_NOW=2025-07-01T00:00:00Z \
	ecert-use -k icbc.key --matter 对公账户开立 --holder "$USCC_FANCHENG"
check "... the shop's 营业执照" out_has "\"id\":\"$ID_BIZ_FANCHENG\""
ok "at its last second: the license" env ECERT_NOW=2025-07-31T23:59:59Z \
	ecert-use -k icbc.key --matter 对公账户开立 --holder "$USCC_FANCHENG"
refused 77 denied "$ICBC" 对公账户开立 "the grant has ended" \
	"one second after its end: no permission" \
	env ECERT_NOW=2025-08-01T00:00:00Z \
	ecert-use -k icbc.key --matter 对公账户开立 --holder "$USCC_FANCHENG"
refused 77 denied "$ICBC" 对公账户开立 "the grant has ended" \
	"... nor a year later" env ECERT_NOW=2026-08-01T00:00:00Z \
	ecert-use -k icbc.key --matter 对公账户开立 --holder "$USCC_FANCHENG"

# uses exhausted
G_GULONG=$(grant "$ADMIN_KEY" --holder 襄阳古隆中文化旅游有限公司 \
	--holder-id "$USCC_GULONG" --matter 对公账户开立 --grantee "$CCB" \
	--type "$T_BIZ" --until 2025-12-31 --uses 1)
ok "a grant for one use: the first" ecert-use -k ccb.key \
	--matter 对公账户开立 --holder "$USCC_GULONG"
check "... the company's 营业执照" out_has "\"id\":\"$ID_BIZ_GULONG\""
refused 77 denied "$CCB" 对公账户开立 "the grant's uses are exhausted" \
	"... the second: no permission" \
	ecert-use -k ccb.key --matter 对公账户开立 --holder "$USCC_GULONG"
same "... one use recorded" "1|1" \
	"$(sql "SELECT uses || '|' || max_uses FROM grants WHERE id = $G_GULONG")"

# a grant of one license, not of its type
G_FOOD2=$(grant "$SAMR_KEY" --holder 襄阳隆中餐饮管理有限公司 \
	--holder-id "$USCC_LONGZHONG" --matter 食品经营许可变更 \
	--grantee "$HCB" --license "$ID_FOOD_2" --until 2025-12-31)
HCB_KEY=$SCRATCH/hcb.key
ecert-unit key -k "$ADMIN_KEY" --unit "$HCB" -o "$HCB_KEY" > /dev/null ||
	bail "cannot make a key for $HCB"
ok "a grant of one license: that license" ecert-use -k "$HCB_KEY" \
	--matter 食品经营许可变更 --holder "$USCC_LONGZHONG"
same "... alone, not the holder's 营业执照" "$ID_FOOD_2" \
	"$(sed 's/.*"document":{.*"id":"\([^"]*\)".*/\1/' "$OUT")"
refused 77 denied "$HCB" 食品经营许可变更 "the grant does not cover this license type" \
	"... --type of another type: no permission" \
	ecert-use -k "$HCB_KEY" --matter 食品经营许可变更 \
	--holder "$USCC_LONGZHONG" --type "$T_BIZ"

# the license is no longer valid: not found (1)
G_WANG=$(grant "$NRB_KEY" --holder 王襄州 --holder-id "$CID_WANG" \
	--matter 个人住房贷款 --grantee "$ICBC" --type "$T_ESTATE" \
	--until 2025-12-31)
ok "a citizen's 不动产权证书 under the bureau's grant" ecert-use -k icbc.key \
	--matter 个人住房贷款 --holder "$CID_WANG"
check "... that license" out_has "\"id\":\"$ID_ESTATE_WANG\""
ecert-revoke -k "$NRB_KEY" --reason 不动产权注销登记 "$ID_ESTATE_WANG" \
	> /dev/null || bail "cannot revoke $ID_ESTATE_WANG"
refused 1 refused "$ICBC" 个人住房贷款 "no valid license of this holder under grant $G_WANG" \
	"... once revoked: not found" \
	ecert-use -k icbc.key --matter 个人住房贷款 --holder "$CID_WANG"

# withdrawn
ok "the holder withdraws the first bank's grant" ecert-grant withdraw \
	-k "$ADMIN_KEY" --reason 持证主体撤回授权 "$G_ICBC"
refused 77 denied "$ICBC" 对公账户开立 "the grant was withdrawn" \
	"a withdrawn grant: no permission" \
	ecert-use -k icbc.key --matter 对公账户开立 --holder "$USCC_FOOD"
refused 77 denied "$ICBC" 对公账户开立 "the grant was withdrawn" \
	"... --check neither" \
	ecert-use -k icbc.key --matter 对公账户开立 --holder "$USCC_FOOD" \
	--type "$T_BIZ" --check 法定代表人=张汉江

# a delegation (委托用证): that agent, that matter, that period
G_AGENT=$(grant "$NRB_KEY" --holder 张汉江 --holder-id "$CID_ZHANG" \
	--matter 不动产抵押登记 --agent 李樊城 --agent-id "$CID_LI" \
	--type "$T_ESTATE" --from 2025-07-01 --until 2025-07-31)
ok "the agent, within the period and for the matter: the license" \
	env ECERT_NOW=2025-07-10T10:00:00Z ecert-use -k icbc.key \
	--agent "$CID_LI" --matter 不动产抵押登记 --holder "$CID_ZHANG"
check "... the holder's 不动产权证书" out_has "\"id\":\"$ID_ESTATE\""
same "... audited as an agent's use" \
	"grant.use|grant $G_AGENT|ok|$ICBC|matter 不动产抵押登记: 1 license (agent)" \
	"$(last_audit)"
refused 77 denied "$ICBC" 不动产抵押登记 "the grant is not in force yet" \
	"the agent before the period: no permission" \
	ecert-use -k icbc.key --agent "$CID_LI" --matter 不动产抵押登记 \
	--holder "$CID_ZHANG"
refused 77 denied "$ICBC" 不动产抵押登记 "outside the delegation's period" \
	"the agent after the period: no permission" \
	env ECERT_NOW=2025-08-01T00:00:00Z ecert-use -k icbc.key \
	--agent "$CID_LI" --matter 不动产抵押登记 --holder "$CID_ZHANG"
refused 77 denied "$ICBC" 房屋买卖合同备案 "the grant is for another matter" \
	"the agent for another matter: no permission" \
	env ECERT_NOW=2025-07-10T10:00:00Z ecert-use -k icbc.key \
	--agent "$CID_LI" --matter 房屋买卖合同备案 --holder "$CID_ZHANG"
refused 77 denied "$ICBC" 不动产抵押登记 "no delegation from this holder to this agent" \
	"another agent: no permission" \
	env ECERT_NOW=2025-07-10T10:00:00Z ecert-use -k icbc.key \
	--agent "$CID_WANG" --matter 不动产抵押登记 --holder "$CID_ZHANG"
refused 77 denied "$ICBC" 不动产抵押登记 "no grant from this holder to this unit" \
	"the unit without the agent: no permission" \
	env ECERT_NOW=2025-07-10T10:00:00Z ecert-use -k icbc.key \
	--matter 不动产抵押登记 --holder "$CID_ZHANG"

# a grant row altered with sqlite3 grants nothing
G_LONGZHONG=$(grant "$ADMIN_KEY" --holder 襄阳隆中餐饮管理有限公司 \
	--holder-id "$USCC_LONGZHONG" --matter 对公账户开立 --grantee "$CCB" \
	--type "$T_BIZ" --until 2025-07-31)
ok "the grant to the construction bank works" ecert-use -k ccb.key \
	--matter 对公账户开立 --holder "$USCC_LONGZHONG"
sql "UPDATE grants SET matter = '流动资金贷款' WHERE id = $G_LONGZHONG"
refused 77 denied "$CCB" 流动资金贷款 "the grant's signature does not match it" \
	"its matter changed with sqlite3: no permission" \
	ecert-use -k ccb.key --matter 流动资金贷款 --holder "$USCC_LONGZHONG"
refused 77 denied "$CCB" 对公账户开立 "the grant's signature does not match it" \
	"... nor for the matter it had" \
	ecert-use -k ccb.key --matter 对公账户开立 --holder "$USCC_LONGZHONG"
sql "UPDATE grants SET matter = '对公账户开立', not_after = '2026-12-31T23:59:59Z' WHERE id = $G_LONGZHONG"
refused 77 denied "$CCB" 对公账户开立 "the grant's signature does not match it" \
	"its end moved with sqlite3: no permission" \
	env ECERT_NOW=2025-09-01T00:00:00Z \
	ecert-use -k ccb.key --matter 对公账户开立 --holder "$USCC_LONGZHONG"
sql "UPDATE grants SET not_after = '2025-07-31T23:59:59Z', grantee = '$ICBC' WHERE id = $G_LONGZHONG"
refused 77 denied "$ICBC" 对公账户开立 "the grant's signature does not match it" \
	"its grantee changed with sqlite3: no permission" \
	ecert-use -k icbc.key --matter 对公账户开立 --holder "$USCC_LONGZHONG"
sql "UPDATE grants SET grantee = '$CCB', types = '[\"$T_BIZ\",\"$T_FOOD\"]' WHERE id = $G_LONGZHONG"
refused 77 denied "$CCB" 对公账户开立 "the grant's signature does not match it" \
	"a type added with sqlite3: no permission" \
	ecert-use -k ccb.key --matter 对公账户开立 --holder "$USCC_LONGZHONG" \
	--type "$T_FOOD"
sql "UPDATE grants SET types = '[\"$T_BIZ\"]' WHERE id = $G_LONGZHONG"
ok "... restored exactly, it matches its signature again" ecert-use \
	-k ccb.key --matter 对公账户开立 --holder "$USCC_LONGZHONG"

# What the signature does not cover: the withdrawal, the count of uses and
# the row's number.  A withdrawn or used-up grant must stay so.
sql "UPDATE grants SET withdrawn_at = NULL, withdrawn_by = NULL, withdrawn_reason = NULL WHERE id = $G_ICBC"
must_fail 77 "a withdrawal undone with sqlite3: no permission" \
	ecert-use -k icbc.key --matter 对公账户开立 --holder "$USCC_FOOD"
check "... nothing on standard output" test ! -s "$OUT"
sql "UPDATE grants SET uses = 0 WHERE id = $G_GULONG"
must_fail 77 "a count of uses reset with sqlite3: no permission" \
	ecert-use -k ccb.key --matter 对公账户开立 --holder "$USCC_GULONG"
check "... nothing on standard output" test ! -s "$OUT"
sql "UPDATE grants SET uses = 1 WHERE id = $G_GULONG"
sql "INSERT INTO grants(kind, grantor, holder_name, holder_hash, grantee,
	agent_name, agent_hash, agent_sealed, types, licenses, matter,
	not_before, not_after, max_uses, created_at, os_user, key_id, signature)
	SELECT kind, grantor, holder_name, holder_hash, grantee, agent_name,
	agent_hash, agent_sealed, types, licenses, matter, not_before, not_after,
	max_uses, created_at, os_user, key_id, signature FROM grants
	WHERE id = $G_GULONG"
must_fail 77 "a used-up grant copied into a new row with sqlite3: no permission" \
	ecert-use -k ccb.key --matter 对公账户开立 --holder "$USCC_GULONG"
check "... nothing on standard output" test ! -s "$OUT"

# The reason given is that of the grant for the matter asked, not of an
# older grant for another one.
grant "$ADMIN_KEY" --holder 襄阳市樊城区鹿门副食商店 --holder-id "$USCC_FANCHENG" \
	--matter 流动资金贷款 --grantee "$CCB" --type "$T_BIZ" \
	--until 2025-12-31 > /dev/null
grant "$ADMIN_KEY" --holder 襄阳市樊城区鹿门副食商店 \
	--holder-id "$USCC_FANCHENG" --matter 对公账户开立 --grantee "$CCB" \
	--type "$T_BIZ" --until 2025-12-31 --uses 1 > /dev/null
ok "two grants to one bank: the one for the matter, once" ecert-use \
	-k ccb.key --matter 对公账户开立 --holder "$USCC_FANCHENG"
must_fail 77 "... twice: no permission" ecert-use -k ccb.key \
	--matter 对公账户开立 --holder "$USCC_FANCHENG"
check "... because its uses are exhausted, not because of the other grant" \
	err_has "the grant's uses are exhausted"

ok "the audit chain is intact" ecert-audit verify
