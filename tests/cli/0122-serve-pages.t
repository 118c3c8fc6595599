#!/bin/sh
# ecert-serve's public pages in headless Chromium: the public query
# (article 12) and scan-to-verify in the browser with WebCrypto Ed25519
# against the published trust and status lists, with no call to the
# store (article 16).
. "$(dirname "$0")/lib.sh"

plan 30

CLIENT=$TESTDIR/rfc9421_client.py
command -v chromium > /dev/null || bail "no chromium (Debian package chromium)"

setup_store
/usr/bin/python3 "$CLIENT" keygen app.pem > app.pub &&
ecert-serve client add -k "$ADMIN_KEY" --id holder-app --unit "$PLATFORM" \
	--public-key "$(cat app.pub)" > /dev/null &&
issue_biz "$SAMR_KEY" "$USCC_FOOD" 襄阳汉江食品有限公司 > /dev/null ||
	bail "cannot set up"

# the browser's clock is the real one: so is the server's "today"
ECERT_TODAY=$(date +%Y-%m-%d)
export ECERT_TODAY

ecert-serve --port 0 --www "$ECERT_SHARE/www" --list-seconds 1 \
	--seal "$ADMIN_KEY:$SCRATCH/pass" > listen.txt 2> serve.log &
SERVER=$!
trap '_st=$?; kill -9 $SERVER 2>/dev/null; (exit $_st); _tap_cleanup' EXIT
for i in $(seq 1 40); do
	[ -s listen.txt ] && break
	sleep 0.25
done
URL=http://$(sed -n 's/^listening //p' listen.txt)
[ "$URL" != http:// ] || bail "ecert-serve did not start"

browse() {	# URL: the page's DOM once its script has run
	_profile=$(mktemp -d "$SCRATCH/chromium.XXXXXX")
	chromium --headless --no-sandbox --disable-gpu --disable-quic \
	    --no-first-run --disable-background-networking \
	    --disable-component-update --disable-sync \
	    --user-data-dir="$_profile" --virtual-time-budget=15000 \
	    --dump-dom "$1" 2> chromium.err
}

verdict() {
	sed -n 's/.*id="result" class="verdict" data-verdict="\([a-z-]*\)".*/\1/p' \
	    "$OUT" | head -n 1
}

# encodeURIComponent, for a token in a URL's fragment
uri() {
	perl -MURI::Escape -e 'print uri_escape($ARGV[0])' "$1" 2>/dev/null ||
	    /usr/bin/python3 -c 'import sys, urllib.parse;
print(urllib.parse.quote(sys.argv[1], safe=""), end="")' "$1"
}

echo '{"ttl":10}' > short.json
ok "a token that lives ten seconds" /usr/bin/python3 "$CLIENT" --key app.pem \
	--keyid holder-app POST "$URL/v1/licenses/$ID_BIZ_FOOD/present" short.json
SHORT=$(json_field token < "$OUT")
SHORT_AT=$(date +%s)
ok "the holder's app gets a token" /usr/bin/python3 "$CLIENT" --key app.pem \
	--keyid holder-app POST "$URL/v1/licenses/$ID_BIZ_FOOD/present"
TOKEN=$(json_field token < "$OUT")
check "... EC1:" test "${TOKEN#EC1:}" != "$TOKEN"

ok "verify.html with the scanned token" browse \
	"$URL/verify.html#$(uri "$TOKEN")"
same "... valid" valid "$(verdict)"
check "... shows the holder" out_has 襄阳汉江食品有限公司
check "... and the issuer by name" out_has 襄阳市市场监督管理局
check "... and the date of establishment, a public item disclosed" out_has 2019-03-18
check "... under the catalog's label 成立日期, not its key (labels.js)" \
	sh -c 'grep -q "<th title=\"established\">成立日期</th>" "$1" &&
	    ! grep -q "<th>established</th>" "$1"' sh "$OUT"
before=$(sqlite3 "$ECERT_DB" "SELECT count(*) FROM audit
	WHERE action LIKE 'license.%'")

# the labels the page fetches: the catalog's, public, cacheable
ok "GET /v1/catalog/labels" /usr/bin/python3 "$CLIENT" GET \
	"$URL/v1/catalog/labels"
check "... the 营业执照's items by key" sh -c '/usr/bin/python3 -c "
import json, sys
t = json.load(open(sys.argv[1]))[sys.argv[2]]
assert t[\"name\"] == \"营业执照\", t
assert t[\"items\"][\"legal_representative\"] == \"法定代表人\", t
assert t[\"items\"][\"registered_capital\"] == \"注册资本\", t" "$1" "$2"' \
	sh "$OUT" "$T_BIZ"
etag=$(sed -n 's/^ETag: //p' "$ERR" | tr -d '\r')
check "... with an ETag and Cache-Control public" sh -c \
	'test -n "$1" && grep -q "^Cache-Control: public, max-age=1" "$2"' \
	sh "$etag" "$ERR"
must_fail 0 "... and 304 for that ETag" /usr/bin/python3 "$CLIENT" \
	--if-none-match "$etag" GET "$URL/v1/catalog/labels"
check "... 304, no body" sh -c 'head -n 1 "$1" | grep -q "^HTTP 304 " &&
	test ! -s "$2"' sh "$ERR" "$OUT"

# one character of the holder's data changed: the issuer's seal breaks
# (format 2: the name is a disclosure; decoded, changed, encoded again)
BAD=$(/usr/bin/python3 -c '
import sys
B45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
def dec(s):
    out = bytearray()
    for i in range(0, len(s), 3):
        c = s[i:i+3]
        v = sum(B45.index(ch) * 45 ** k for k, ch in enumerate(c))
        out += v.to_bytes(2 if len(c) == 3 else 1, "big")
    return bytes(out)
def enc(b):
    out = ""
    for i in range(0, len(b), 2):
        v = int.from_bytes(b[i:i+2], "big")
        for _ in range(3 if len(b[i:i+2]) == 2 else 2):
            out += B45[v % 45]; v //= 45
    return out
b = dec(sys.argv[1][4:])
old = "汉江食品".encode()
assert old in b
print("EC1:" + enc(b.replace(old, "汉水食品".encode())), end="")' "$TOKEN")
ok "verify.html with a forged token" browse "$URL/verify.html#$(uri "$BAD")"
same "... invalid" invalid "$(verdict)"
check "... because a signature does not match" sh -c \
	'grep -q -e "签章不符" -e "签名不符" "$1"' sh "$OUT"
same "... the pages never called the store for a license" "$before" \
	"$(sqlite3 "$ECERT_DB" "SELECT count(*) FROM audit
	    WHERE action LIKE 'license.%'")"

while [ $(($(date +%s) - SHORT_AT)) -le 11 ]; do
	sleep 1
done
ok "verify.html with the short-lived token, later" browse \
	"$URL/verify.html#$(uri "$SHORT")"
same "... expired" expired "$(verdict)"

ecert-revoke -k "$SAMR_KEY" --reason 歇业 "$ID_BIZ_FOOD" > /dev/null ||
	bail "cannot revoke"
sleep 1.2
ok "verify.html after the revocation, with the new status list" browse \
	"$URL/verify.html#$(uri "$TOKEN")"
same "... revoked" revoked "$(verdict)"

issue_biz "$SAMR_KEY" "$USCC_LONGZHONG" 襄阳隆中餐饮管理有限公司 > /dev/null
ok "index.html: the public query" browse \
	"$URL/index.html?name=$(uri 襄阳隆中餐饮管理有限公司)&uscc=$USCC_LONGZHONG"
check "... finds the 营业执照" sh -c 'grep -q "找到 1 个可公开的电子证照" "$1" &&
	grep -q "<h2>营业执照</h2>" "$1"' sh "$OUT"
ok "index.html: a company with nothing to disclose" browse \
	"$URL/index.html?name=$(uri 襄阳古隆中文化旅游有限公司)&uscc=$USCC_GULONG"
same "... said so" not-found "$(verdict)"
ok "index.html: a wrong code" browse \
	"$URL/index.html?name=x&uscc=$USCC_BAD"
same "... said so" invalid "$(verdict)"
kill -TERM $SERVER
wait $SERVER
same "SIGTERM: stops with 0" 0 "$?"
check "no sanitizer report from the server" sh -c '! grep -q \
	-e AddressSanitizer -e LeakSanitizer -e "runtime error" "$1"' sh serve.log
