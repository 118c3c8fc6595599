#!/bin/sh
# A gate never says yes to nothing: ecert-verify, in every form, exits 0
# only when it verified at least one license and all were valid; an
# empty scan or an empty list is a definite no (1) with a message.  Batch
# readers say on stderr how many records they took from standard input.
# With --trust alone, tokens are checked all but their status, and every
# answer says so.
. "$(dirname "$0")/lib.sh"
plan 41

setup_store
issue_biz "$SAMR_KEY" "$USCC_FOOD" 襄阳汉江食品有限公司 > /dev/null &&
issue_biz "$SAMR_KEY" "$USCC_LONGZHONG" 襄阳隆中餐饮管理有限公司 > /dev/null &&
ecert-unit export --trust -k "$ADMIN_KEY" > trust.json &&
ecert-export -k "$ADMIN_KEY" --status -o status.json &&
ecert-show -k "$ADMIN_KEY" --token "$ID_BIZ_FOOD" > token.txt &&
ecert-show --json "$ID_BIZ_FOOD" > doc.jsonl ||
	bail "cannot make the licenses, lists and token"
NOTHING="nothing to verify: no identifier, document or token was given or read"

# the store form
before=$(store_digest)
must_fail 1 "verify with nothing on stdin: a definite no" ecert-verify < /dev/null
check "... saying there was nothing" err_has "$NOTHING"
check "... answering nothing" test ! -s "$OUT"
must_fail 1 "verify with blank lines only: no" sh -c 'printf "\n\n\n" | ecert-verify'
check "... the same message" err_has "$NOTHING"
same "... the store unchanged" "$before" "$(store_digest)"
ok "verify with one valid identifier on stdin" \
	sh -c 'echo "$1" | ecert-verify' sh "$ID_BIZ_FOOD"
check "... counted on stderr" err_has "1 record read from standard input: 1 valid, 0 rejected"

# the offline form: a scanner that read nothing
must_fail 1 "offline, an empty scan (zbarimg read nothing): no" \
	sh -c ': | ecert-verify --offline --trust trust.json --status status.json'
check "... saying there was nothing" err_has "$NOTHING"
check "... answering nothing" test ! -s "$OUT"
: > empty.txt
must_fail 1 "offline, an empty file: no" \
	ecert-verify --offline --trust trust.json --status status.json empty.txt
check "... the same message" err_has "$NOTHING"
ok "offline, the token scanned" \
	ecert-verify --offline --trust trust.json --status status.json token.txt
check "... valid" out_has '"valid":true'

# signed documents
must_fail 1 "--trust, no document on stdin: no" ecert-verify --trust trust.json < /dev/null
check "... the same message" err_has "$NOTHING"
ok "--trust, a document" ecert-verify --trust trust.json doc.jsonl

# --trust alone and a token: checked, but not its status, and said so
ok "--trust alone checks a token (no status list)" \
	ecert-verify --trust trust.json --json "$(cat token.txt)"
check "... valid, with status_checked false" \
	out_has '"status":"valid","status_checked":false,"valid":true'
check "... and a warning that the status was not checked" \
	err_has "$ID_BIZ_FOOD: status not checked (no --status list): a revoked or suspended license passes"
ecert-revoke -k "$SAMR_KEY" --reason 企业申请注销登记 "$ID_BIZ_FOOD" \
	> /dev/null 2>&1 || bail "cannot revoke"
ok "... so a revoked license's token passes without the list, as documented" \
	ecert-verify --trust trust.json "$(cat token.txt)"
check "... with the warning" err_has "status not checked"
ecert-export -k "$ADMIN_KEY" --status -o status2.json || bail "status"
must_fail 1 "... and is refused with the new status list" \
	ecert-verify --offline --trust trust.json --status status2.json token.txt
check "... revoked" out_has '"status":"revoked"'
must_fail 64 "--status without --trust is still a usage error" \
	ecert-verify --status status.json token.txt

# ecert-use --check: covered in 0061 (a mismatch is 1)

# batch readers say how many records they took
before=$(store_digest)
ok "ecert-issue < /dev/null" ecert-issue -k "$SAMR_KEY" < /dev/null
check "... says it read no records" \
	err_has "ecert-issue: no records read from standard input: nothing issued"
same "... and changed nothing" "$before" "$(store_digest)"
must_fail 65 "ecert-issue with one good record and one bad" sh -c '
	{ printf "%s\n" "{\"type\":\"$1\",\"number\":\"$2\",\"holder\":\"襄阳市樊城区鹿门副食商店\",\"holder_id\":\"$2\",\"类型\":\"个体工商户\",\"法定代表人\":\"李樊城\",\"成立日期\":\"2018-05-02\",\"住所\":\"湖北省襄阳市樊城区鹿门路8号\",\"经营范围\":\"副食品零售\"}"
	  echo "{\"type\":\"$1\"}"; } | ecert-issue -k "$3"' sh "$T_BIZ" \
	"$USCC_FANCHENG" "$SAMR_KEY"
check "... counts them" \
	err_has "ecert-issue: 2 records read from standard input: 1 issued, 1 rejected"
ok "ecert-revoke < /dev/null" ecert-revoke -k "$SAMR_KEY" --reason 测试 < /dev/null
check "... says it read no records" \
	err_has "ecert-revoke: no records read from standard input: nothing revoked"
ok "ecert-revoke --suspend from stdin" sh -c 'echo "$1" |
	ecert-revoke -k "$2" --suspend --reason 责令停业整顿' sh "$ID_BIZ_LONGZHONG" "$SAMR_KEY"
check "... counts it" \
	err_has "1 record read from standard input: 1 suspended, 0 rejected"
ok "ecert-show < /dev/null" ecert-show < /dev/null
check "... says it read no records" \
	err_has "ecert-show: no records read from standard input: nothing shown"
ok "ecert-amend < /dev/null" ecert-amend -k "$SAMR_KEY" --reason 更正 < /dev/null
check "... says it read no records" \
	err_has "ecert-amend: no records read from standard input: nothing amended"
ok "ecert-issue --approve < /dev/null" ecert-issue -k "$SAMR_KEY" --approve < /dev/null
check "... says it read no records" \
	err_has "ecert-issue: no records read from standard input: nothing signed"
