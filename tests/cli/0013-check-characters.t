#!/bin/sh
# A bad check character names the one expected, for the unified social
# credit code (GB 32100), the citizen ID number (GB 11643) and the
# license identifier (GB/T 36904): a typing slip is found at once.  The
# refused value itself is not repeated for a holder code (it may be an
# ID number typed in the wrong place, and refusals are audited).
. "$(dirname "$0")/lib.sh"
plan 21

setup_store
before=$(store_digest)
must_fail 65 "a 营业执照 with a wrong check character in the holder's code" \
	issue_biz "$SAMR_KEY" "$USCC_BAD" 襄阳汉江食品有限公司
check "... names the expected one" err_has \
	"field holder_id: not a valid unified social credit code: check character (the 18th) is 'B', but the first 17 give 'A'"
same "... the store unchanged" "$before" "$(store_digest)"
same "... the refusal audited" "license.issue|$T_BIZ|rejected" "$(audit_last)"
must_fail 65 "a code one character short" \
	issue_biz "$SAMR_KEY" 91420600MA49ABCD1 襄阳汉江食品有限公司
check "... says how long it must be" err_has "18 characters expected, 17 given"
must_fail 65 "a code with a letter GB 32100 does not use (I)" \
	issue_biz "$SAMR_KEY" 91420600MA49ABID1A 襄阳汉江食品有限公司
check "... names its place" err_has "character 15 is not one of 0-9 and A-Z without I, O, S, V, Z"
must_fail 65 "a 不动产权证书 with a wrong check character in the citizen ID" \
	issue_estate "$NRB_KEY" '鄂(2025)襄阳市不动产权第0012345号' 张汉江 "$CID_BAD"
check "... names the expected one" err_has \
	"field holder_id: not a valid citizen ID number: check character (the 18th) is '9', but the first 17 give '8'"
check "... without the number itself" sh -c '! grep -q "$1" "$2"' sh "$CID_BAD" "$ERR"
must_fail 65 "a citizen ID with an impossible birth date" \
	issue_estate "$NRB_KEY" '鄂(2025)襄阳市不动产权第0012345号' 张汉江 420602198513320041
check "... says so" err_has "not a valid citizen ID number"
same "... nothing issued" "$before" "$(store_digest)"

ok "a 营业执照 with the right code" issue_biz "$SAMR_KEY" "$USCC_FOOD" 襄阳汉江食品有限公司
must_fail 65 "verify an identifier with a wrong check character" \
	ecert-verify "$ID_BADCHECK"
check "... names the expected one" err_has \
	"not a license identifier (1.2.156.3005.2...): check character (the last) is 'A', but the rest gives 'O'"
must_fail 65 "an identifier with a part missing" \
	ecert-verify 1.2.156.3005.2.11100000000013338W011.11420600MB1234567T.001.O
check "... says which form it must have" err_has "not type.issuer.serial.version.check"
must_fail 65 "a unit with a wrong check character" ecert-unit add -k "$ADMIN_KEY" \
	--code 11420600MB5678901Q --name 襄阳市统计局 --role user
check "... names the expected one" err_has \
	"unit 11420600MB5678901Q: not a valid unified social credit code: check character (the 18th) is 'Q', but the first 17 give 'P'"
