#!/bin/sh
# The answers of ecert-verify are one set of words for a license in the
# store, a signed document and a token: a license not yet in force is
# "not-yet-valid" in all three (a token used to say "invalid"), expired
# is "expired", and a damaged token is still "invalid".
. "$(dirname "$0")/lib.sh"
plan 16

setup_store
issue_food "$SAMR_KEY" JY14206060012347 "$USCC_LONGZHONG" 襄阳隆中餐饮管理有限公司 \
	-f valid_from=2025-07-01 > /dev/null ||
	bail "cannot issue the license to verify"
ecert-unit export --trust -k "$ADMIN_KEY" > trust.json
ecert-export -k "$ADMIN_KEY" --status -o status.json
ecert-show --json "$ID_FOOD_2" > doc.json
# verify_token DAY ARG ...: offline, with today being DAY
verify_token() {
	_day=$1
	shift
	env ECERT_TODAY="$_day" ecert-verify --offline --trust trust.json \
	    --status status.json "$@"
}

must_fail 1 "in the store, before its first day: not yet valid" \
	ecert-verify "$ID_FOOD_2"
same "... said not-yet-valid" \
	"{\"id\":\"$ID_FOOD_2\",\"reason\":\"not valid before 2025-07-01\",\"status\":\"not-yet-valid\",\"valid\":false}" \
	"$(cat "$OUT")"
must_fail 1 "its signed document, with the trust list alone: the same" \
	ecert-verify --trust trust.json doc.json
same "... the same word" \
	"{\"id\":\"$ID_FOOD_2\",\"reason\":\"not valid before 2025-07-01\",\"status\":\"not-yet-valid\",\"valid\":false}" \
	"$(cat "$OUT")"

ok "on its first day the platform presents it as a token" \
	env ECERT_TODAY=2025-07-01 ecert-show -k "$ADMIN_KEY" --token "$ID_FOOD_2"
TOKEN=$(cat "$OUT")
must_fail 1 "the token, read the day before, is not valid" verify_token 2025-06-30 "$TOKEN"
same "... and is not-yet-valid, as the document, not invalid" \
	"{\"id\":\"$ID_FOOD_2\",\"reason\":\"not valid before 2025-07-01\",\"status\":\"not-yet-valid\",\"valid\":false}" \
	"$(cat "$OUT")"
check "... the reason on standard error" \
	err_has "ecert-verify: $ID_FOOD_2: not valid before 2025-07-01"
must_fail 1 "... on a terminal too" verify_token 2025-06-30 --table "$TOKEN"
same "... one line" "$ID_FOOD_2 not-yet-valid" "$(cat "$OUT")"
ok "from its first day the token is valid" \
	verify_token 2025-07-01 "$TOKEN"
check "... said valid" out_has "\"id\":\"$ID_FOOD_2\",\"status\":\"valid\",\"valid\":true"
must_fail 1 "after its last day the token has expired" \
	verify_token 2035-07-01 "$TOKEN"
check "... said expired" out_has '"status":"expired","valid":false'
BAD=$(printf '%s' "$TOKEN" | sed 's/^\(EC1:.....\)./\1A/;s/^\(EC1:.....\)AA/\1BA/')
must_fail 1 "a damaged token" verify_token 2025-07-01 "$BAD"
check "... is invalid" out_has '"status":"invalid","valid":false'
