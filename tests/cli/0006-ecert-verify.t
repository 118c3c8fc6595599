#!/bin/sh
# ecert-verify: genuine and in force?  By identifier in the store, or a
# signed document against a trust list with no store at all.  A busy store
# is 75, never "invalid".
. "$(dirname "$0")/lib.sh"

plan 77

setup_store
issue_biz "$SAMR_KEY" "$USCC_FOOD" 襄阳汉江食品有限公司 > /dev/null &&
issue_biz "$SAMR_KEY" "$USCC_LONGZHONG" 襄阳隆中餐饮管理有限公司 > /dev/null &&
issue_biz "$SAMR_KEY" "$USCC_FANCHENG" 襄阳市樊城区鹿门副食商店 > /dev/null &&
issue_biz "$SAMR_KEY" "$USCC_GULONG" 襄阳古隆中文化旅游有限公司 > /dev/null &&
issue_food "$SAMR_KEY" JY14206060012345 "$USCC_FOOD" 襄阳汉江食品有限公司 \
	-f issue_date=2024-03-01 > /dev/null &&
issue_food "$SAMR_KEY" JY14206060012347 "$USCC_LONGZHONG" 襄阳隆中餐饮管理有限公司 \
	-f valid_from=2025-07-01 > /dev/null ||
	bail "cannot issue the licenses to verify"

# by identifier
ok "a valid license verifies" ecert-verify "$ID_BIZ_FOOD"
same "... as valid, in JSON through a pipe" \
	"{\"id\":\"$ID_BIZ_FOOD\",\"status\":\"valid\",\"valid\":true}" "$(cat "$OUT")"
same "... and the check is audited" "license.verify|$ID_BIZ_FOOD|valid" \
	"$(audit_last)"
ok "--table prints the identifier and its status" \
	ecert-verify --table "$ID_BIZ_FOOD"
same "... on one line" "$ID_BIZ_FOOD valid" "$(cat "$OUT")"
ok "several, from standard input as ecert-query writes them" \
	sh -c 'ecert-query --type "$1" | ecert-verify' sh "$T_BIZ"
same "... all four valid" 4 "$(grep -c '"status":"valid","valid":true}$' "$OUT")"
must_fail 1 "an identifier not in the store: not found" ecert-verify "$ID_UNKNOWN"
check "... said in JSON" out_has '"status":"not-found","valid":false'
must_fail 1 "... also among valid ones" \
	ecert-verify "$ID_BIZ_FOOD" "$ID_UNKNOWN" "$ID_BIZ_LONGZHONG"
same "... each reported" 3 "$(wc -l < "$OUT")"
must_fail 65 "a malformed identifier is bad input" ecert-verify "$ID_BADCHECK"
must_fail 65 "... and bad input outranks invalid" \
	ecert-verify "$ID_UNKNOWN" "$ID_BADCHECK"
must_fail 1 "a license not yet in force is not valid" ecert-verify "$ID_FOOD_2"
check "... saying from when" err_has "not valid before 2025-07-01"
ok "... and is valid from that day" \
	env ECERT_TODAY=2025-07-01 ecert-verify "$ID_FOOD_2"
ok "a license on its last day is valid" \
	env ECERT_TODAY=2029-02-28 ecert-verify "$ID_FOOD_1"
must_fail 1 "the day after, it has expired" \
	env ECERT_TODAY=2029-03-01 ecert-verify "$ID_FOOD_1"
check "... so the status says" out_has '"status":"expired","valid":false'
check "... and the reason" err_has "expired on 2029-02-28"

# offline: the signed document and a trust list, no store
ecert-unit export > trust.jsonl
ecert-show --json "$ID_BIZ_FOOD" > license.json
grep -v "\"unit\":\"$SAMR\"" trust.jsonl > trust-without-samr.jsonl
ok "a document verifies offline with the right trust list" \
	ecert-verify --trust trust.jsonl < license.json
same "... as valid" "{\"id\":\"$ID_BIZ_FOOD\",\"status\":\"valid\",\"valid\":true}" \
	"$(cat "$OUT")"
ok "... with no store at all" \
	env ECERT_DB="$SCRATCH/no-such.db" ecert-verify --trust trust.jsonl license.json
must_fail 1 "a trust list without the issuer's key: not valid" \
	ecert-verify --trust trust-without-samr.jsonl < license.json
check "... saying which key is missing" err_has "not in the trust list"
sed 's/襄阳汉江食品有限公司/襄阳汉江食品有限公可/' license.json > forged.json
must_fail 1 "one character changed in the holder's name: not valid" \
	ecert-verify --trust trust.jsonl < forged.json
check "... with the reason" out_has '"reason":"signature does not match the document","status":"invalid"'
must_fail 1 "... also when piped from ecert-show" sh -c '
	ecert-show --json "$1" | sed "s/张汉江/张汉口/" |
	ecert-verify --trust trust.jsonl' sh "$ID_BIZ_FOOD"
must_fail 1 "a later end date written in: not valid" sh -c '
	ecert-show --json "$1" | sed "s/\"valid_until\":\"2029-02-28\"/\"valid_until\":\"2039-02-28\"/" |
	ecert-verify --trust trust.jsonl' sh "$ID_FOOD_1"
ok "an expired document offline" env ECERT_TODAY=2029-02-28 sh -c '
	ecert-show --json "$1" | ecert-verify --trust trust.jsonl' sh "$ID_FOOD_1"
must_fail 1 "... is valid on its last day, not the day after" \
	env ECERT_TODAY=2029-03-01 sh -c '
	ecert-show --json "$1" | ecert-verify --trust trust.jsonl' sh "$ID_FOOD_1"
check "... expired" out_has '"status":"expired"'
must_fail 65 "a line that is not JSON is bad input" \
	ecert-verify --trust trust.jsonl "$CLIDATA/food-licenses.jsonl"
must_fail 74 "a trust file that does not exist is an I/O failure" \
	ecert-verify --trust no-such-trust.jsonl license.json

# committed fixtures: a document and its trust list, forged variants
ok "the committed document verifies with its trust list" \
	ecert-verify --trust "$CLIDATA/trust.jsonl" "$CLIDATA/license-good.json"
ok "... and with white space added between its members" \
	ecert-verify --trust "$CLIDATA/trust.jsonl" "$CLIDATA/license-respaced.json"
for forged in forged-holder forged-item forged-until unknown-key; do
	must_fail 1 "license-$forged.json is not valid" \
		ecert-verify --trust "$CLIDATA/trust.jsonl" \
		"$CLIDATA/license-$forged.json"
done
must_fail 1 "a trust list giving the key to another unit: not valid" \
	ecert-verify --trust "$CLIDATA/trust-wrong-unit.jsonl" \
	"$CLIDATA/license-good.json"
check "... saying the key is not the issuer's" err_has "does not belong to the issuer"
must_fail 1 "a key retired before the document was signed: not valid" \
	ecert-verify --trust "$CLIDATA/trust-retired.jsonl" \
	"$CLIDATA/license-good.json"
must_fail 65 "a JSON object that is no signed document is bad input" \
	ecert-verify --trust "$CLIDATA/trust.jsonl" "$CLIDATA/license-unsigned.json"
must_fail 1 "a good and a forged document: not valid" \
	ecert-verify --trust "$CLIDATA/trust.jsonl" "$CLIDATA/license-good.json" \
	"$CLIDATA/license-forged-holder.json"
same "... the good one still reported valid" 1 "$(grep -c '"valid":true' "$OUT")"

# rows altered behind the programs' back
sql() {
	sqlite3 "$ECERT_DB" "$1"
}
sql "UPDATE licenses SET holder_name = '襄阳汉江食品有限公可' WHERE id = '$ID_BIZ_FOOD'"
must_fail 1 "a holder name altered in the store: not valid" ecert-verify "$ID_BIZ_FOOD"
check "... said altered, naming the column" \
	err_has "store row altered: holder differs from the signed document"
sql "UPDATE licenses SET holder_name = '襄阳汉江食品有限公司' WHERE id = '$ID_BIZ_FOOD'"
ok "... and valid again once put back" ecert-verify "$ID_BIZ_FOOD"
sql "UPDATE licenses SET valid_until = '2039-02-28' WHERE id = '$ID_FOOD_1'"
must_fail 1 "an end date altered in the store: not valid" \
	env ECERT_TODAY=2030-01-01 ecert-verify "$ID_FOOD_1"
check "... said altered" err_has "store row altered: valid_until"
sql "UPDATE licenses SET valid_until = '2029-02-28' WHERE id = '$ID_FOOD_1'"
sql "UPDATE licenses SET holder_code = '$USCC_GULONG' WHERE id = '$ID_BIZ_LONGZHONG'"
must_fail 1 "a holder code altered in the store: not valid" \
	ecert-verify "$ID_BIZ_LONGZHONG"
check "... said altered" err_has "store row altered: holder_id"
sql "UPDATE licenses SET holder_code = '$USCC_LONGZHONG' WHERE id = '$ID_BIZ_LONGZHONG'"
# the first byte changed (to 0x01 if it already was 0x00: 1 store in 256)
sql "UPDATE licenses SET document = CASE WHEN substr(document, 1, 1) = X'00' THEN X'01' ELSE X'00' END || substr(document, 2) WHERE id = '$ID_BIZ_GULONG'"
must_fail 1 "a sealed document altered in the store: not valid" \
	ecert-verify "$ID_BIZ_GULONG"
check "... said altered" err_has "altered"
nrb_key_id=$(sed -n 's/^key-id //p' "$NRB_KEY")
sql "UPDATE licenses SET key_id = '$nrb_key_id' WHERE id = '$ID_BIZ_LONGZHONG'"
must_fail 1 "a license credited to another unit's key: not valid" \
	ecert-verify "$ID_BIZ_LONGZHONG"
samr_key_id=$(sed -n 's/^key-id //p' "$SAMR_KEY")
sql "UPDATE licenses SET key_id = '$samr_key_id' WHERE id = '$ID_BIZ_LONGZHONG'"
ok "... valid again once put back" ecert-verify "$ID_BIZ_LONGZHONG"

ok "the market regulator revokes a license" \
	ecert-revoke -k "$SAMR_KEY" --reason 营业执照被吊销 "$ID_BIZ_FANCHENG"
must_fail 1 "a revoked license is not valid" ecert-verify "$ID_BIZ_FANCHENG"
check "... its status revoked" out_has '"status":"revoked","valid":false'
sql "UPDATE licenses SET status = 'valid' WHERE id = '$ID_BIZ_FANCHENG'"
must_fail 1 "set back to valid with sqlite3 it is still not valid" \
	ecert-verify "$ID_BIZ_FANCHENG"
check "... the store disagrees with its signed events" \
	err_has "store says valid, its signed events say revoked"
sql "UPDATE licenses SET status = 'revoked' WHERE id = '$ID_BIZ_FANCHENG'"
sql "UPDATE licenses SET status = 'suspended' WHERE id = '$ID_BIZ_FOOD'"
must_fail 1 "a status set without a signed event: not valid" \
	ecert-verify "$ID_BIZ_FOOD"
check "... said so" err_has "its signed events say valid"
sql "UPDATE licenses SET status = 'valid' WHERE id = '$ID_BIZ_FOOD'"
sqlite3 "$ECERT_DB" "UPDATE license_events SET reason = 'x'" 2> trigger.err
same "the signed events themselves cannot be altered: a trigger refuses" \
	"license events cannot be changed" \
	"$(grep -o 'license events cannot be changed' trigger.err)"

# A busy store is 75, never 1 (nor 0).  A sqlite3 session holds the write
# lock through a fifo until we let it go.  Reading may not need the lock,
# but every look is audited (article 20), and the audit entry cannot be
# written: the look must not happen unaudited.
lock_store() {
	mkfifo "$SCRATCH/lock.fifo"
	sqlite3 "$ECERT_DB" < "$SCRATCH/lock.fifo" > "$SCRATCH/lock.out" 2>&1 &
	locker=$!
	exec 9> "$SCRATCH/lock.fifo"
	echo ".timeout 30000
BEGIN EXCLUSIVE; INSERT INTO meta(name, value) VALUES ('test-lock', 'held');" >&9
	_tries=0
	while sqlite3 -cmd '.timeout 0' "$ECERT_DB" 'BEGIN IMMEDIATE; ROLLBACK;' \
	    > /dev/null 2>&1; do
		_tries=$((_tries + 1))
		[ $_tries -lt 300 ] ||
		    bail "cannot lock the store: $(tr '\n' ' ' < "$SCRATCH/lock.out")"
		sleep 0.1 2>/dev/null || sleep 1
	done
}
unlock_store() {
	echo 'ROLLBACK;' >&9
	exec 9>&-
	wait "$locker"
	rm -f "$SCRATCH/lock.fifo"
}
before=$(store_digest)
audit_before=$(audit_count)
lock_store
ECERT_BUSY_TIMEOUT=100
export ECERT_BUSY_TIMEOUT
must_fail 75 "a valid license in a busy store: busy (its check cannot be audited), not 0" \
	ecert-verify "$ID_BIZ_FOOD"
check "... and no verdict on stdout" test ! -s "$OUT"
must_fail 75 "a revoked license in a busy store: busy, not 1" \
	ecert-verify "$ID_BIZ_FANCHENG"
must_fail 75 "an unknown one: busy, not 1" ecert-verify "$ID_UNKNOWN"
printf '%s\n%s\n' "$ID_BIZ_FOOD" "$ID_FOOD_1" > ids.txt
must_fail 75 "identifiers from standard input: busy" ecert-verify < ids.txt
must_fail 75 "ecert-show: busy" ecert-show "$ID_BIZ_FOOD"
check "... and nothing shown unaudited" test ! -s "$OUT"
must_fail 75 "ecert-query: busy" ecert-query --holder 襄阳汉江食品有限公司
must_fail 75 "ecert-issue: busy" \
	issue_food "$SAMR_KEY" JY14206060099999 "$USCC_GULONG" 襄阳古隆中文化旅游有限公司
ok "offline verification needs no store and is not held up" \
	ecert-verify --trust trust.jsonl license.json
unset ECERT_BUSY_TIMEOUT
unlock_store
same "the busy refusals changed nothing" "$before" "$(store_digest)"
ok "once the lock is gone the license verifies" ecert-verify "$ID_BIZ_FOOD"
