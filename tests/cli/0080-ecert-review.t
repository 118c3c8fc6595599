#!/bin/sh
# ecert-issue --draft, --approve, --reject: review before signing (审核、签发,
# article 9).  A license of a type that needs review, or one drafted with
# --draft, is kept unsigned: it does not verify, is not handed out, shown
# or found.  Another person of the same unit, another operating system
# user than the drafter, approves (signs) or rejects it; both are recorded.
#
# The tests run as root.  The reviewer is the user 65534 (nobody), through
# setpriv(1) or runuser(1); the store, a copy of the unit's key and of the
# passphrase are handed to that user inside the scratch folder only.
# Without either tool, or as another user than root, those points skip.
. "$(dirname "$0")/lib.sh"

plan 116

ECERT_NOW=2025-06-30T09:00:00Z
export ECERT_NOW

setup_store
ecert-unit key -k "$ADMIN_KEY" --unit "$HCB" -o hcb.key > /dev/null 2>&1 ||
	bail "cannot make a key for $HCB"
ecert-unit export > trust.jsonl || bail "cannot export the trust list"
ME=$(id -un)

NUM_B1=420600202506300101	# the permit approved
NUM_B2=420600202506300102	# the permit rejected

# issue_build NUMBER NAME USCC DAYS [ARG ...]: a 建筑工程施工许可证 by the
# housing bureau, items by their Chinese labels.
issue_build() {
	_ib_number=$1 _ib_name=$2 _ib_code=$3 _ib_days=$4
	shift 4
	ecert-issue -k hcb.key -t "$T_BUILD" -f number="$_ib_number" \
	    -f holder="$_ib_name" -f holder_id="$_ib_code" \
	    -f 工程名称=襄阳东津新区市民服务中心 \
	    -f 建设地址='襄阳市东津新区汉江北路1号' \
	    -f 建设规模='地上18层，地下2层，建筑面积56000平方米' \
	    -f '合同价格（万元）=32800.00' \
	    -f 勘察单位=湖北省综合勘察研究设计院有限公司 \
	    -f 设计单位=襄阳市建筑设计研究院有限公司 \
	    -f 施工单位=湖北襄阳建工集团有限公司 \
	    -f 施工单位统一社会信用代码="$USCC_FOOD" \
	    -f 施工单位项目负责人=王襄州 \
	    -f "合同工期（日历天）=$_ib_days" "$@"
}

sql() {
	sqlite3 "$ECERT_DB" "$1"
}

# The stored status, drafter and signature length of a license.
row_of() {
	sql "SELECT status || '|' || ifnull(drafted_by, '') || '|' ||
	    length(signature) FROM licenses WHERE id = '$1'"
}

# The audit entries of ACTION with outcome ok, as
# action|object|outcome|os_user|detail.
audited() {
	sql "SELECT action || '|' || object || '|' || outcome || '|' ||
	    os_user || '|' || detail FROM audit WHERE action = '$1'
	    AND outcome = 'ok' ORDER BY seq"
}

skip() {	# N WHY
	_sk=0
	while [ "$_sk" -lt "$1" ]; do
		_tap_n=$((_tap_n + 1))
		echo "ok $_tap_n # skip $2"
		_sk=$((_sk + 1))
	done
}

#
# Drafts: stored unsigned, and invisible to everyone but their reviewers.
#
ok "a 建筑工程施工许可证 issued without --draft" \
	issue_build "$NUM_B1" 襄阳古隆中文化旅游有限公司 "$USCC_GULONG" 720
ID_B1=$(issued_id)
same "... is stored as a draft, unsigned, with its drafter" "draft|$ME|0" \
	"$(row_of "$ID_B1")"
check "... and ecert-issue says it is a draft, not an issued license" \
	grep -q -i draft "$OUT" "$ERR"
same "... audited as license.draft" "license.draft|$ID_B1|ok" "$(audit_last)"
same "... with no place in the status list" "" \
	"$(sql "SELECT status_index FROM licenses WHERE id = '$ID_B1'")"
must_fail 1 "a draft does not verify" ecert-verify "$ID_B1"
check "... its status is draft, and it is not valid" \
	out_has '"status":"draft","valid":false'
must_fail 1 "a draft cannot be presented (ecert-show --token)" \
	ecert-show -k "$ADMIN_KEY" --token "$ID_B1"
check "... saying why" err_has "is draft; only a valid license can be shown"
check "... and no token is printed" test ! -s "$OUT"
same "... the refusal is audited" "license.present|$ID_B1|refused" \
	"$(audit_last)"
must_fail 1 "the public query does not find a draft" ecert-query --public \
	--name 襄阳古隆中文化旅游有限公司 --uscc "$USCC_GULONG"
check "... nor prints it" sh -c '! grep -q -F "$1" "$2"' sh "$ID_B1" "$OUT"
ecert-grant add -k "$ADMIN_KEY" --holder 襄阳古隆中文化旅游有限公司 \
	--holder-id "$USCC_GULONG" --matter 施工许可证核验 --grantee "$HRSS" \
	--type "$T_BUILD" --until 2025-12-31 > /dev/null 2>&1 ||
	bail "cannot grant the human resources bureau the use of permits"
must_fail 1 "ecert-use does not hand out a draft, even under a grant" \
	ecert-use -k "$HRSS_KEY" --matter 施工许可证核验 --holder "$USCC_GULONG"
check "... nothing on standard output" test ! -s "$OUT"
ok "the reviewer reads the draft as text" ecert-show --text "$ID_B1"
check "... marked 待签发 (draft)" out_has "待签发 (draft)"
check "... with its items" out_has 襄阳东津新区市民服务中心
check "... and no seal or signing time it does not have" \
	sh -c '! grep -q -F "(null)" "$1"' sh "$OUT"
ecert-show --json "$ID_B1" > draft.jsonl 2> /dev/null
must_fail 65 "the draft's JSON is no signed document: --trust refuses it" \
	ecert-verify --trust trust.jsonl draft.jsonl
check "... not valid" out_has '"valid":false'
before=$(store_digest)
must_fail 1 "a draft cannot be revoked" ecert-revoke -k hcb.key \
	--reason 撤回 "$ID_B1"
must_fail 1 "... nor amended" ecert-amend -k hcb.key --reason 更正 "$ID_B1" \
	-f 备注=更正
check "... saying why" err_has "is draft; only a valid license can be amended"
same "... and the store is unchanged" "$before" "$(store_digest)"

ok "--draft on a 营业执照, a type without review" issue_biz "$SAMR_KEY" \
	"$USCC_FANCHENG" 襄阳市樊城区鹿门副食商店 --draft
same "... is a draft too" "$ID_BIZ_FANCHENG" "$(issued_id)"
same "... unsigned" "draft|$ME|0" "$(row_of "$ID_BIZ_FANCHENG")"
must_fail 1 "... which does not verify" ecert-verify "$ID_BIZ_FANCHENG"
check "... as a draft" out_has '"status":"draft","valid":false'
ok "ecert-query --status draft lists the drafts" ecert-query --status draft \
	-o id
same "... both" "$(printf '%s\n' "$ID_B1" "$ID_BIZ_FANCHENG" | sort)" \
	"$(sort "$OUT")"
must_fail 1 "... and a search for valid licenses none" \
	sh -c 'ecert-query --status valid -o id | grep -q .'

#
# Four eyes: the drafter may neither approve nor reject.
#
before=$(store_digest)
n=$(audit_count)
must_fail 77 "the drafter may not approve his own draft" \
	ecert-issue -k hcb.key --approve "$ID_B1"
check "... saying why" \
	err_has "drafted by $ME, who may not also approve or reject it"
check "... nothing on standard output" test ! -s "$OUT"
same "... the store is unchanged but for the audit" "$before" \
	"$(store_digest)"
same "... the refusal is audited as denied" "license.approve|$ID_B1|denied" \
	"$(audit_last)"
same "... one entry" "$((n + 1))" "$(audit_count)"
same "... by the drafter" "$ME" \
	"$(sql 'SELECT os_user FROM audit ORDER BY seq DESC LIMIT 1')"
must_fail 1 "... and it still does not verify" ecert-verify "$ID_B1"
must_fail 77 "the drafter may not reject it either" \
	ecert-issue -k hcb.key --reject "$ID_B1" --reason 撤回
same "... the store is unchanged" "$before" "$(store_digest)"
same "... audited as denied" "license.reject|$ID_B1|denied" "$(audit_last)"
must_fail 77 "a using unit may not approve it" \
	ecert-issue -k "$HRSS_KEY" --approve "$ID_B1"
check "... saying whose it is" \
	err_has "drafted for $HCB; only that unit reviews it"
same "... the store is unchanged" "$before" "$(store_digest)"
must_fail 77 "another issuing unit may not approve it" \
	ecert-issue -k "$SAMR_KEY" --approve "$ID_B1"
same "... the store is unchanged" "$before" "$(store_digest)"
must_fail 64 "--approve with --reject is a usage error" \
	ecert-issue -k hcb.key --approve --reject "$ID_B1" --reason 重复
must_fail 64 "--approve with --reason is a usage error" \
	ecert-issue -k hcb.key --approve --reason 同意 "$ID_B1"
must_fail 64 "--reject without --reason is a usage error" \
	ecert-issue -k hcb.key --reject "$ID_B1"
must_fail 64 "--reject of two drafts at once is a usage error" \
	ecert-issue -k hcb.key --reject --reason 撤回 "$ID_B1" "$ID_BIZ_FANCHENG"
must_fail 64 "--approve with -f is a usage error" \
	ecert-issue -k hcb.key --approve -t "$T_BUILD" -f 备注=x "$ID_B1"
same "... none of these changed the store" "$before" "$(store_digest)"

#
# An import of a type that needs review gives drafts (article 10).
#
cat > build.jsonl <<EOF
{"number":"420600201901150001","holder":"襄阳隆中餐饮管理有限公司","holder_id":"$USCC_LONGZHONG","issue_date":"2019-01-15","工程名称":"隆中景区游客服务中心改造","建设地址":"襄阳市襄城区隆中路","建设规模":"三层，建筑面积4200平方米","合同价格（万元）":"1860.00","勘察单位":"湖北省综合勘察研究设计院有限公司","设计单位":"襄阳市建筑设计研究院有限公司","施工单位":"湖北襄阳建工集团有限公司","施工单位统一社会信用代码":"$USCC_FOOD","施工单位项目负责人":"李樊城","合同工期（日历天）":180}
{"number":"420600201903020002","holder":"襄阳市樊城区鹿门副食商店","holder_id":"$USCC_FANCHENG","issue_date":"2019-03-02","工程名称":"鹿门副食仓储用房","建设地址":"襄阳市樊城区鹿门路18号","建设规模":"一层，建筑面积800平方米","合同价格（万元）":"260.00","勘察单位":"湖北省综合勘察研究设计院有限公司","设计单位":"襄阳市建筑设计研究院有限公司","施工单位":"湖北襄阳建工集团有限公司","施工单位统一社会信用代码":"$USCC_FOOD","施工单位项目负责人":"王襄州","合同工期（日历天）":90}
EOF
ok "ecert-import of permits from JSON Lines" ecert-import -k hcb.key \
	-t "$T_BUILD" build.jsonl
same "... imports both" "2 2 0 0" \
	"$(json_field records imported present rejected < "$OUT" | tr '\t' ' ')"
ID_I1=$(sql "SELECT id FROM licenses WHERE number = '420600201901150001'")
ID_I2=$(sql "SELECT id FROM licenses WHERE number = '420600201903020002'")
same "... as historical drafts, unsigned, with their drafter" \
	"draft|$ME|0|1
draft|$ME|0|1" \
	"$(sql "SELECT status || '|' || drafted_by || '|' || length(signature) ||
	    '|' || historical FROM licenses WHERE id IN ('$ID_I1', '$ID_I2')
	    ORDER BY number")"
must_fail 1 "... which do not verify" ecert-verify "$ID_I1" "$ID_I2"
same "... both as drafts" 2 "$(grep -c '"status":"draft","valid":false' "$OUT")"
ok "importing the same file again" ecert-import -k hcb.key -t "$T_BUILD" \
	build.jsonl
same "... finds both present" "2 0 2 0" \
	"$(json_field records imported present rejected < "$OUT" | tr '\t' ' ')"

#
# Another person of the unit reviews.
#
AS=
OTHER=$(getent passwd 65534 | cut -d : -f 1)
if [ "$(id -u)" -eq 0 ] && [ -n "$OTHER" ]; then
	if command -v setpriv > /dev/null 2>&1; then
		AS="setpriv --reuid=65534 --regid=65534 --clear-groups"
	elif command -v runuser > /dev/null 2>&1; then
		AS="runuser -u $OTHER --"
	fi
fi
# as_other CMD ...: CMD as the other user, with the test's environment.
as_other() {
	$AS env PATH="$PATH" LC_ALL="$LC_ALL" ECERT_DB="$ECERT_DB" \
	    ECERT_TODAY="$ECERT_TODAY" ECERT_NOW="$ECERT_NOW" \
	    ECERT_SHARE="$ECERT_SHARE" ECERT_PASSPHRASE_FILE="$SCRATCH/pass-other" \
	    "$@"
}
if [ -n "$AS" ]; then
	cp hcb.key hcb-other.key && cp "$SAMR_KEY" samr-other.key &&
	cp pass pass-other &&
	chown 65534:65534 "$SCRATCH" "$ECERT_DB"* hcb-other.key \
	    samr-other.key pass-other &&
	as_other ecert-query -o id > /dev/null 2>&1 || AS=
fi

if [ -n "$AS" ]; then
	before=$(store_digest)
	must_fail 77 "another unit may not approve it, even as another person" \
		as_other ecert-issue -k samr-other.key --approve "$ID_B1"
	check "... saying whose it is" \
		err_has "drafted for $HCB; only that unit reviews it"
	same "... the store is unchanged" "$before" "$(store_digest)"
	same "... audited as denied, by that person" \
		"license.approve|$ID_B1|denied|$OTHER" \
		"$(sql "SELECT action || '|' || object || '|' || outcome || '|' ||
		    os_user FROM audit ORDER BY seq DESC LIMIT 1")"

	ok "another clerk of the housing bureau approves the permit" \
		as_other ecert-issue -k hcb-other.key --approve "$ID_B1"
	same "... printing it as signed" "{\"id\":\"$ID_B1\",\"status\":\"signed\"}" \
		"$(cat "$OUT")"
	ok "... then it verifies" ecert-verify "$ID_B1"
	same "... as valid" "{\"id\":\"$ID_B1\",\"status\":\"valid\",\"valid\":true}" \
		"$(cat "$OUT")"
	same "... the audit names both persons" \
		"license.approve|$ID_B1|ok|$OTHER|drafted by $ME, approved by $OTHER" \
		"$(audited license.approve)"
	same "... and so does its signed status event" \
		"valid|$HCB|$OTHER|drafted by $ME, approved by $OTHER" \
		"$(sql "SELECT status || '|' || unit || '|' || os_user || '|' ||
		    reason FROM license_events WHERE license = '$ID_B1'")"
	same "... the drafter is kept, and the review" "valid|$ME|approved" \
		"$(sql "SELECT status || '|' || drafted_by || '|' || review
		    FROM licenses WHERE id = '$ID_B1'")"
	ecert-show --json "$ID_B1" > b1.jsonl 2> /dev/null
	ok "... its document verifies against the trust list" \
		ecert-verify --trust trust.jsonl b1.jsonl
	same "... signed by the housing bureau" "$HCB" \
		"$(json_field signature.signer < b1.jsonl)"
	ok "... it can be presented" ecert-show -k "$ADMIN_KEY" --token "$ID_B1"
	ok "... the public query finds it" ecert-query --public \
		--name 襄阳古隆中文化旅游有限公司 --uscc "$USCC_GULONG"
	check "... by its identifier" out_has "\"id\":\"$ID_B1\""
	ok "... and ecert-use hands it out" ecert-use -k "$HRSS_KEY" \
		--matter 施工许可证核验 --holder "$USCC_GULONG"
	check "... the signed document" out_has "\"id\":\"$ID_B1\""
	ok "ecert-show --history shows who drafted and who approved" \
		ecert-show --history --json "$ID_B1"
	same "... the version, then the approval" \
		"version	valid	$ME	approved	null	null
event	valid	null	null	$OTHER	drafted by $ME, approved by $OTHER" \
		"$(json_field kind status drafted_by review os_user reason < "$OUT")"
	ok "... and as a table" ecert-show --history --table "$ID_B1"
	check "... naming both" out_has "drafted by $ME, approved by $OTHER"
	must_fail 1 "approving it again: no" \
		as_other ecert-issue -k hcb-other.key --approve "$ID_B1"
	check "... it is no draft" err_has "is valid, not a draft"

	# both ends of a pipe run as the reviewer: a root reader opening the
	# store at the same moment could make its -shm file before SQLite
	# hands it to the store's owner, and the reviewer could not open it
	ok "ecert-query --status draft --type ... | ecert-issue --approve" \
		sh -c '$2 env PATH="$PATH" ECERT_DB="$ECERT_DB" \
		    ecert-query --status draft --type "$1" |
		    $2 env PATH="$PATH" ECERT_DB="$ECERT_DB" ECERT_NOW="$ECERT_NOW" \
		    ECERT_TODAY="$ECERT_TODAY" ecert-issue -k samr-other.key \
		    --passphrase-file pass-other --approve' sh "$T_BIZ" "$AS"
	same "... signs the 营业执照 drafted with --draft" \
		"{\"id\":\"$ID_BIZ_FANCHENG\",\"status\":\"signed\"}" "$(cat "$OUT")"
	ok "... which verifies" ecert-verify "$ID_BIZ_FANCHENG"

	ok "ecert-query --status draft | ecert-issue --approve: the imported drafts" \
		sh -c '$1 env PATH="$PATH" ECERT_DB="$ECERT_DB" \
		    ecert-query --status draft |
		    $1 env PATH="$PATH" ECERT_DB="$ECERT_DB" ECERT_NOW="$ECERT_NOW" \
		    ECERT_TODAY="$ECERT_TODAY" ecert-issue -k hcb-other.key \
		    --passphrase-file pass-other --approve' sh "$AS"
	same "... both signed" "{\"id\":\"$ID_I1\",\"status\":\"signed\"}
{\"id\":\"$ID_I2\",\"status\":\"signed\"}" "$(sort "$OUT")"
	ok "... and both verify" ecert-verify "$ID_I1" "$ID_I2"
	same "... no draft is left" "" "$(ecert-query --status draft -o id)"
	ok "importing the file once more after the approval" ecert-import \
		-k hcb.key -t "$T_BUILD" build.jsonl
	same "... still finds both present" "2 0 2 0" \
		"$(json_field records imported present rejected < "$OUT" | tr '\t' ' ')"

	# reject
	ok "a second permit, drafted" issue_build "$NUM_B2" \
		襄阳隆中餐饮管理有限公司 "$USCC_LONGZHONG" 720
	ID_B2=$(issued_id)
	ok "another clerk rejects it, with a reason" as_other ecert-issue \
		-k hcb-other.key --reject "$ID_B2" --reason '合同工期与施工合同不符'
	same "... printing it as rejected" \
		"{\"id\":\"$ID_B2\",\"status\":\"rejected\"}" "$(cat "$OUT")"
	same "... the audit names both persons and the reason" \
		"license.reject|$ID_B2|ok|$OTHER|drafted by $ME, rejected by $OTHER: 合同工期与施工合同不符" \
		"$(audited license.reject)"
	same "... it stays unsigned" "0" \
		"$(sql "SELECT length(signature) FROM licenses WHERE id = '$ID_B2'")"
	must_fail 1 "... it does not verify" ecert-verify "$ID_B2"
	check "... and ecert-verify says it was rejected, not that it awaits review" \
		err_has rejected
	before=$(store_digest)
	must_fail 1 "approving a rejected draft: no" \
		as_other ecert-issue -k hcb-other.key --approve "$ID_B2"
	check "... saying who rejected it and why" \
		err_has "the draft was rejected by $OTHER: 合同工期与施工合同不符"
	same "... the store is unchanged" "$before" "$(store_digest)"
	same "... audited as refused" "license.approve|$ID_B2|refused" \
		"$(audit_last)"
	must_fail 1 "rejecting it again: no" as_other ecert-issue \
		-k hcb-other.key --reject "$ID_B2" --reason 重复
	same "... the store is unchanged" "$before" "$(store_digest)"
	ok "ecert-show --history shows the rejection" \
		ecert-show --history --table "$ID_B2"
	check "... with who rejected it and why" \
		out_has "rejected by $OTHER: 合同工期与施工合同不符"
	check "the rejected draft no longer awaits signing in ecert-query --status draft" \
		sh -c '! ecert-query --status draft -o id | grep -q -F "$1"' \
		sh "$ID_B2"
	ok "the corrected permit can be drafted again under its number" \
		issue_build "$NUM_B2" 襄阳隆中餐饮管理有限公司 "$USCC_LONGZHONG" 730
else
	skip 50 "no other user to review as (needs root and setpriv or runuser)"
fi

#
# The persons are told apart by their accounts, also without a name.
#
U1=47231 U2=47232
if [ "$(id -u)" -eq 0 ] && command -v setpriv > /dev/null 2>&1 &&
    command -v getent > /dev/null 2>&1 &&
    ! getent passwd "$U1" > /dev/null && ! getent passwd "$U2" > /dev/null; then
	cp "$SAMR_KEY" samr-u1.key && cp "$SAMR_KEY" samr-u2.key &&
	cp pass pass-u1 && cp pass pass-u2 &&
	chown "$U1" samr-u1.key pass-u1 && chown "$U2" samr-u2.key pass-u2 &&
	chown "$U1" "$SCRATCH" "$ECERT_DB"* ||
		bail "cannot hand the store to uid $U1"
	ok "uid $U1, which has no name, drafts a 营业执照" \
		setpriv --reuid="$U1" --regid=65534 --clear-groups \
		ecert-issue -k samr-u1.key --passphrase-file pass-u1 --draft \
		-t "$T_BIZ" -f number="$USCC_GULONG" \
		-f holder=襄阳古隆中文化旅游有限公司 -f holder_id="$USCC_GULONG" \
		-f 类型='有限责任公司（自然人投资或控股）' -f 法定代表人=王襄州 \
		-f 注册资本=壹仟万元整 -f 成立日期=2016-08-08 \
		-f 住所='湖北省襄阳市襄城区隆中路1号' -f 经营范围='旅游景区管理；文化活动组织'
	check "... the draft records its drafter, not just \"unknown\"" \
		test "$(sql "SELECT drafted_by FROM licenses WHERE id = '$ID_BIZ_GULONG'")" != unknown
	chown "$U2" "$SCRATCH" "$ECERT_DB"* || bail "cannot hand the store to uid $U2"
	ok "uid $U2, another account without a name, approves it" \
		setpriv --reuid="$U2" --regid=65534 --clear-groups \
		ecert-issue -k samr-u2.key --passphrase-file pass-u2 \
		--approve "$ID_BIZ_GULONG"
	chown 0:0 "$SCRATCH" "$ECERT_DB"*
else
	skip 3 "needs root, setpriv and two uids without a passwd entry"
fi

ok "the audit chain is intact" ecert-audit verify
