#!/bin/sh
# ecert-serve: a calling system with an SM2 request key (ecert-serve client
# add --alg sm2) signs its requests as RFC 9421 says with alg "sm2-sm3",
# SM2 with SM3 and GB/T 35276's default identifier, made here by the
# openssl command and no ecert code; a bad SM2 signature is refused with
# 401 and audited (articles 9, 13).
. "$(dirname "$0")/lib.sh"

plan 21

CLIENT=$TESTDIR/rfc9421_client.py
setup_store
issue_biz "$SAMR_KEY" "$USCC_FOOD" 襄阳汉江食品有限公司 > /dev/null &&
openssl genpkey -algorithm SM2 -out sm2-sys.pem 2> /dev/null &&
openssl pkey -in sm2-sys.pem -pubout -outform DER 2> /dev/null |
	tail -c 65 | base64 -w 0 > sm2-sys.pub &&
/usr/bin/python3 "$CLIENT" keygen ed-sys.pem > ed-sys.pub ||
	bail "cannot make the request keys"

sql() {
	sqlite3 "$ECERT_DB" "$1"
}

ok "client add --alg sm2: the market regulator's SM2 system" \
	ecert-serve client add -k "$ADMIN_KEY" --id sm2-sys --unit "$SAMR" \
	--alg sm2 --public-key "$(cat sm2-sys.pub)"
same "... audited with the algorithm" "client.add|sm2-sys|ok|$SAMR sm2" \
	"$(sql "SELECT action || '|' || object || '|' || outcome || '|' ||
	    detail FROM audit ORDER BY seq DESC LIMIT 1")"
ok "client list --json" ecert-serve client list --json
check "... shows alg sm2" out_has '"alg":"sm2","id":"sm2-sys"'
before=$(store_digest)
must_fail 65 "--alg sm2 with a 32-byte Ed25519 key: bad input" \
	ecert-serve client add -k "$ADMIN_KEY" --id sm2-bad --unit "$SAMR" \
	--alg sm2 --public-key "$(cat ed-sys.pub)"
check "... saying what an SM2 key is" err_has "an SM2 point 04||x||y on the curve"
notcurve=$( (printf '\004'; head -c 64 /dev/zero | tr '\0' '\1') | base64 -w 0)
must_fail 65 "--alg sm2 with a point not on the curve: bad input" \
	ecert-serve client add -k "$ADMIN_KEY" --id sm2-bad --unit "$SAMR" \
	--alg sm2 --public-key "$notcurve"
must_fail 64 "--alg rsa: usage" ecert-serve client add -k "$ADMIN_KEY" \
	--id sm2-bad --unit "$SAMR" --alg rsa --public-key "$(cat sm2-sys.pub)"
same "... the store unchanged" "$before" "$(store_digest)"
ecert-serve client add -k "$ADMIN_KEY" --id ed-sys --unit "$SAMR" \
	--public-key "$(cat ed-sys.pub)" > /dev/null || bail "cannot add ed-sys"

ecert-serve --port 0 --seal "$SAMR_KEY:$SCRATCH/pass" > listen.txt \
	2> serve.log &
SERVER=$!
trap '_st=$?; kill -9 $SERVER 2>/dev/null; (exit $_st); _tap_cleanup' EXIT
for i in $(seq 1 60); do
	[ -s listen.txt ] && break
	sleep 0.25
done
ADDR=$(sed -n 's/^listening //p' listen.txt)
[ -n "$ADDR" ] || bail "ecert-serve did not start"
URL=http://$ADDR

ok "a request signed with SM2 by the openssl command: served" \
	/usr/bin/python3 "$CLIENT" --sm2-key sm2-sys.pem --keyid sm2-sys \
	GET "$URL/v1/licenses/$ID_BIZ_FOOD"
check "... the license" out_has 襄阳汉江食品有限公司
check "... signed as alg sm2-sm3" sh -c '
	/usr/bin/python3 "$1" --sm2-key sm2-sys.pem --keyid sm2-sys GET \
	    "$2/healthz" 2>&1 >/dev/null | grep -q "HTTP 200"' sh "$CLIENT" "$URL"

before=$(store_digest)
n=$(sql "SELECT count(*) FROM audit WHERE action = 'serve.auth'")
must_fail 77 "a bad SM2 signature (one bit flipped): refused" \
	/usr/bin/python3 "$CLIENT" --sm2-key sm2-sys.pem --keyid sm2-sys \
	--tamper-sig GET "$URL/v1/licenses/$ID_BIZ_FOOD"
check "... 401" sh -c 'head -n 1 "$1" | grep -q "^HTTP 401 "' sh "$ERR"
check "... bad signature" out_has "bad signature by client sm2-sys"
check "... no license data" sh -c '! grep -q 襄阳汉江食品有限公司 "$1"' sh "$OUT"
same "... audited" "$((n + 1))|serve.auth|sm2-sys|refused" \
	"$(sql "SELECT (SELECT count(*) FROM audit WHERE action = 'serve.auth')
	    || '|' || action || '|' || object || '|' || outcome FROM audit
	    WHERE action = 'serve.auth' ORDER BY seq DESC LIMIT 1")"
check "... naming the signature" sh -c 'sqlite3 "$1" "SELECT detail FROM
	audit ORDER BY seq DESC LIMIT 1" | grep -q "bad signature by client sm2-sys"' \
	sh "$ECERT_DB"
same "... the store otherwise unchanged" "$before" "$(store_digest)"

must_fail 77 "an Ed25519 signature under the SM2 client's id: refused" \
	/usr/bin/python3 "$CLIENT" --key ed-sys.pem --keyid sm2-sys \
	GET "$URL/v1/licenses/$ID_BIZ_FOOD"
check "... the algorithm is the key's" \
	out_has "alg ed25519, but client sm2-sys's key is sm2-sm3"
