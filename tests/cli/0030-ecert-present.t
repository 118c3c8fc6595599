#!/bin/sh
# 扫码亮证 (article 16) and offline verification: a token drawn as a QR
# code, read back by a real scanner (zbarimg), verified with no store; and
# every refusal: a changed character, an expired presentation, a license
# revoked after the status list was republished, a key not in the trust
# list, a stale status list, a presentation signed by a non-platform key.
. "$(dirname "$0")/lib.sh"
plan 34

setup_store
issue_biz "$SAMR_KEY" "$USCC_FOOD" 襄阳汉江食品有限公司 > /dev/null
issue_food "$SAMR_KEY" JY14206060012345 "$USCC_LONGZHONG" 襄阳隆中餐饮管理有限公司 > /dev/null
issue_estate "$NRB_KEY" '鄂(2025)襄阳市不动产权第0012398号' 张汉江 "$CID_ZHANG" > /dev/null
ID_ESTATE=$(ecert-query --holder 张汉江 -o id)

ok "the platform presents a license as a token" \
	ecert-show -k "$ADMIN_KEY" --token "$ID_BIZ_FOOD"
TOKEN=$(cat "$OUT")
check "... which starts with EC1: and is base45" \
	sh -c 'printf "%s" "$1" | grep -Eq "^EC1:[0-9A-Z $%*+./:-]+$"' sh "$TOKEN"
check "... and is under 1000 characters" test "${#TOKEN}" -lt 1000
for id in "$ID_FOOD_1" "$ID_ESTATE"; do
	ecert-show -k "$ADMIN_KEY" --token "$id" > tok.txt 2>/dev/null
	check "a token for $(printf '%s' "$id" | cut -d. -f7) is under 1000 characters" \
		sh -c 'test -s tok.txt && test "$(wc -c < tok.txt)" -lt 1001'
done
check "the citizen ID is not in the store files after presenting" \
	sh -c '! grep -q -a -F "$1" "$2"*' sh "$CID_ZHANG" "$ECERT_DB"
must_fail 77 "an issuing unit cannot sign presentations" \
	ecert-show -k "$SAMR_KEY" --token "$ID_BIZ_FOOD"
same "... and the refusal is audited" "license.present|$ID_BIZ_FOOD|denied" \
	"$(audit_last)"

ok "the trust list is exported and signed by the platform" \
	sh -c 'ecert-unit export --trust -k "$1" > trust.json' sh "$ADMIN_KEY"
ok "the status list is exported" ecert-export -k "$ADMIN_KEY" --status -o status.json
must_fail 77 "only the platform exports the status list" \
	ecert-export -k "$SAMR_KEY" --status -o other.json
check "... and writes nothing" test ! -e other.json

# the real client: QR to SVG to PNG, read back by zbarimg
ok "the QR code goes to SVG" ecert-show -k "$ADMIN_KEY" --qr-svg qr.svg "$ID_BIZ_FOOD"
if command -v rsvg-convert > /dev/null && command -v zbarimg > /dev/null; then
	ok "rsvg-convert renders it" rsvg-convert -o qr.png qr.svg
	ok "zbarimg reads it back" sh -c 'zbarimg -q --raw -Sdisable -Sqrcode.enable qr.png > scanned.txt'
	ok "what the scanner read verifies offline" \
		ecert-verify --offline --trust trust.json --status status.json scanned.txt
	out_has '"valid":true'
else
	for i in 1 2 3 4; do echo "ok $((_tap_n + 1)) # skip rsvg-convert or zbarimg missing"; _tap_n=$((_tap_n + 1)); done
fi
ok "the QR code draws in the terminal" ecert-show -k "$ADMIN_KEY" --qr "$ID_BIZ_FOOD"
check "... with half blocks" grep -q '▀' "$OUT"

ok "a token on the command line verifies offline" \
	ecert-verify --offline --trust trust.json --status status.json "$TOKEN"
ok "tokens are read one a line from stdin" \
	sh -c 'printf "%s\n" "$1" "$1" | ecert-verify --offline --trust trust.json --status status.json' sh "$TOKEN"
same "... one answer each" 2 "$(grep -c '"valid":true' "$OUT")"

# one character changed
BAD=$(printf '%s' "$TOKEN" | awk '{ c = substr($0, 40, 1); r = (c == "A") ? "B" : "A";
	print substr($0, 1, 39) r substr($0, 41) }')
must_fail 1 "a token with one character changed is refused" \
	ecert-verify --offline --trust trust.json --status status.json "$BAD"
out_has '"valid":false'
must_fail 65 "a text that is no token is bad input" \
	ecert-verify --offline --trust trust.json --status status.json - <<EOT
not a token
EOT

# an expired presentation: a 10-second one, checked 11 seconds later
ecert-show -k "$ADMIN_KEY" --token --ttl 10 "$ID_BIZ_FOOD" > short.txt
sleep 11
must_fail 1 "an expired presentation is refused" \
	ecert-verify --offline --trust trust.json --status status.json short.txt
err_has "presentation expired"

# revoked after the status list was made: valid on the old list, refused
# on the republished one
ecert-revoke -k "$SAMR_KEY" --reason '企业申请注销登记' "$ID_BIZ_FOOD" > /dev/null
ok "the old status list does not know of the revocation yet" \
	ecert-verify --offline --trust trust.json --status status.json "$TOKEN"
ok "the status list is republished" ecert-export -k "$ADMIN_KEY" --status -o status.json
must_fail 1 "a license revoked after republishing is refused" \
	ecert-verify --offline --trust trust.json --status status.json "$TOKEN"
err_has "revoked or suspended"
must_fail 1 "a revoked license cannot be presented any more" \
	ecert-show -k "$ADMIN_KEY" --token "$ID_BIZ_FOOD"

# a key not in the trust list: a trust list without the issuer's keys
ecert-show -k "$ADMIN_KEY" --token "$ID_FOOD_1" > food.txt
ecert-unit export --unit "$PLATFORM" > platform-only.jsonl
perl -MJSON::PP -ne 'my $o = decode_json($_); $o->{admin} = JSON::PP::true; print encode_json($o), "\n"' \
	platform-only.jsonl > platform-only-admin.jsonl
must_fail 1 "a token whose issuer key is not in the trust list is refused" \
	ecert-verify --offline --trust platform-only-admin.jsonl --status status.json food.txt
err_has "not in the trust list"

# a trust list altered after signing
sed 's/襄阳市市场监督管理局/襄阳市市场监督管理居/' trust.json > forged-trust.json
must_fail 1 "a trust list altered after signing is refused" \
	ecert-verify --offline --trust forged-trust.json --status status.json food.txt

# a stale status list
ok "a status list valid for one hour" ecert-export -k "$ADMIN_KEY" --status --ttl 1 -o short-status.json
must_fail 1 "... is refused once out of date" \
	env ECERT_NOW=2099-01-01T00:00:00Z ecert-verify --offline --trust trust.json \
	--status short-status.json food.txt
must_fail 74 "a status list that does not exist is an I/O failure" \
	ecert-verify --offline --trust trust.json --status nowhere.json food.txt
must_fail 64 "--offline needs both lists" ecert-verify --offline --trust trust.json food.txt
