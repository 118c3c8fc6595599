#!/bin/sh
# ecert-serve: a request replayed across a restart is refused.  The nonces
# seen are kept in memory only; the server refuses what was created before
# it started, accepts no "created" more than 2 s ahead of its clock, and
# starts 3 s after it was launched, so nothing its predecessor accepted can
# be accepted again (articles 9, 13).
. "$(dirname "$0")/lib.sh"

plan 16

CLIENT=$TESTDIR/rfc9421_client.py
setup_store
issue_biz "$SAMR_KEY" "$USCC_FOOD" 襄阳汉江食品有限公司 > /dev/null &&
/usr/bin/python3 "$CLIENT" keygen samr-sys.pem > samr-sys.pub &&
ecert-serve client add -k "$ADMIN_KEY" --id samr-sys --unit "$SAMR" \
	--public-key "$(cat samr-sys.pub)" > /dev/null ||
	bail "cannot set up the store and the client"

SERVER=
trap '_st=$?; [ -n "$SERVER" ] && kill -9 $SERVER 2>/dev/null; (exit $_st);
	_tap_cleanup' EXIT

start() {
	: > listen.txt
	ecert-serve --port 0 --seal "$SAMR_KEY:$SCRATCH/pass" \
	    > listen.txt 2>> serve.log &
	SERVER=$!
	for i in $(seq 1 60); do
		[ -s listen.txt ] && break
		sleep 0.25
	done
	ADDR=$(sed -n 's/^listening //p' listen.txt)
	[ -n "$ADDR" ] || bail "ecert-serve did not start"
}

# get NONCE CREATED: the same signed request each time for the same two
call() {
	/usr/bin/python3 "$CLIENT" --key "$SCRATCH/samr-sys.pem" \
	    --keyid samr-sys --nonce "$1" --created "$2" GET \
	    "http://$ADDR/v1/licenses/$ID_BIZ_FOOD"
}

auth_refusals() {
	sqlite3 "$ECERT_DB" "SELECT count(*) FROM audit WHERE
	    action = 'serve.auth' AND outcome = 'refused'"
}

launched=$(date +%s)
start
ready=$(date +%s)
check "the server waits 3 s after launch before it listens" \
	test $((ready - launched)) -ge 3

now=$(date +%s)
ok "a request, created now" call restart-nonce-1 "$now"
check "... answered with the license" out_has '"document"'
ahead=$(($(date +%s) + 2))
ok "a request created 2 s ahead (the clock skew allowed)" \
	call restart-nonce-2 "$ahead"
must_fail 77 "created 4 s ahead: refused" call restart-nonce-3 \
	"$(($(date +%s) + 4))"
check "... as from the future" out_has "s in the future"

# kill -9: no chance to write anything down, then a quick restart
kill -9 $SERVER
wait $SERVER 2> /dev/null
start
before=$(store_digest)
n=$(auth_refusals)
must_fail 77 "after a restart, the first request replayed: refused" \
	call restart-nonce-1 "$now"
check "... 401, created before the server started" \
	out_has "is before the server started"
check "... no license data" sh -c '! grep -q 襄阳汉江食品有限公司 "$1"' sh "$OUT"
must_fail 77 "the request created 2 s ahead, replayed: refused" \
	call restart-nonce-2 "$ahead"
check "... as created before the server started" \
	out_has "is before the server started"
same "... both audited as serve.auth refusals" $((n + 2)) "$(auth_refusals)"
check "... naming the replay" sh -c 'sqlite3 "$1" "SELECT detail FROM audit
	WHERE action = '"'serve.auth'"' ORDER BY seq DESC LIMIT 1" |
	grep -q "replay: created"' sh "$ECERT_DB"
same "... the store otherwise unchanged" "$before" "$(store_digest)"
ok "a request signed afresh is served" call restart-nonce-4 "$(date +%s)"
kill -TERM $SERVER
wait $SERVER
same "SIGTERM: 0" 0 "$?"
