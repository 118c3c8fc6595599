#!/bin/sh
# ecert-serve killed with SIGKILL in the middle of a push: no acknowledged
# license is lost and no half license is written: what landed of the
# batch is the transactions that committed, each with its audit entry,
# and the same batch pushed again lands whole, the lines already in
# answered "present" (article 4(三)).
. "$(dirname "$0")/lib.sh"

plan 17

CLIENT=$TESTDIR/rfc9421_client.py
ECERT_TESTBIN=${ECERT_TESTBIN:-$TESTDIR/../../build/tests}
GEN=$ECERT_TESTBIN/ecert-gen
[ -x "$GEN" ] || bail "no $GEN: make $ECERT_TESTBIN/ecert-gen"

setup_store
/usr/bin/python3 "$CLIENT" keygen samr-sys.pem > samr-sys.pub &&
ecert-serve client add -k "$ADMIN_KEY" --id samr-sys --unit "$SAMR" \
	--public-key "$(cat samr-sys.pub)" > /dev/null ||
	bail "cannot register the client"

# records of 营业执照 from the generator, the type added
"$GEN" -n 200 -b 0 -d 0 -s 1 | sed "s/^{/{\"type\":\"$T_BIZ\",/; s/\"issue_date\":\"[^\"]*\",//" > a.jsonl
"$GEN" -n 1000 -f 900000 -b 0 -d 0 -s 3 | sed "s/^{/{\"type\":\"$T_BIZ\",/; s/\"issue_date\":\"[^\"]*\",//" > c.jsonl
"$GEN" -n 6000 -f 500000 -b 0 -d 0 -s 2 |
	sed "s/^{/{\"type\":\"$T_BIZ\",/; s/\"issue_date\":\"[^\"]*\",//" > b.jsonl

SERVER=
start() {
	: > listen.txt
	ecert-serve --port 0 --seal "$SAMR_KEY:$SCRATCH/pass" \
	    --max-body 67108864 > listen.txt 2>> serve.log &
	SERVER=$!
	for i in $(seq 1 40); do
		[ -s listen.txt ] && break
		sleep 0.25
	done
	URL=http://$(sed -n 's/^listening //p' listen.txt)
	[ "$URL" != http:// ] || bail "ecert-serve did not start"
}
trap '_st=$?; [ -n "$SERVER" ] && kill -9 $SERVER 2>/dev/null; (exit $_st);
	_tap_cleanup' EXIT

push() {	# FILE
	/usr/bin/python3 "$CLIENT" --key samr-sys.pem --keyid samr-sys \
	    --content-type application/jsonl POST "$URL/v1/licenses" "$1"
}

count_of() {	# FILE: how many of its numbers are in the store
	sed -n 's/.*"number":"\([^"]*\)".*/\1/p' "$1" > numbers.txt
	sqlite3 "$ECERT_DB" <<-EOF
	CREATE TEMP TABLE n(v TEXT);
	.import numbers.txt n
	SELECT count(*) FROM licenses WHERE number IN (SELECT v FROM n)
	    AND type = '$T_BIZ';
	EOF
}

start
ok "batch A pushed" push a.jsonl
cp "$OUT" a.out
same "... every line acknowledged" 200 \
	"$(grep -c '"status":"valid"' a.out)"

# batch B, killed while it is being written
wal=$(stat -c %s "$ECERT_DB-wal" 2>/dev/null || echo 0)
push b.jsonl > b.out 2> b.err &
PUSH=$!
for i in $(seq 1 400); do
	now=$(stat -c %s "$ECERT_DB-wal" 2>/dev/null || echo 0)
	[ "$now" -gt "$wal" ] && break
	sleep 0.02
done
sleep 0.2
kill -9 $SERVER
wait $SERVER 2> /dev/null
SERVER=
wait $PUSH
check "... batch B was never acknowledged" sh -c '! grep -q "^HTTP" b.err'
check "... the client saw the connection drop" grep -q \
	-e RemoteDisconnected -e ConnectionReset -e BadStatusLine b.err

same "no acknowledged license lost: all of A" 200 "$(count_of a.jsonl)"
landed=$(count_of b.jsonl)
check "... batch B had not all landed when it was killed" test "$landed" -lt 6000
same "what landed of A and B is whole transactions, each audited with its count" \
	"$((200 + landed))" "$(sqlite3 "$ECERT_DB" "SELECT sum(json_extract(detail,
	    '\$.issued')) FROM audit WHERE action = 'license.issue' AND
	    object LIKE 'samr-sys:%-%' AND json_extract(detail, '\$.ids_digest')
	    IS NOT NULL")"
same "the store is whole" ok "$(sqlite3 "$ECERT_DB" 'PRAGMA integrity_check')"
ok "the audit chain holds" ecert-audit verify
ok "every license of A verifies" sh -c 'sed -n "s/.*\"id\":\"\([^\"]*\)\".*/\1/p" \
	"$1" | ecert-verify > /dev/null' sh a.out

start
ecert-issue -k "$SAMR_KEY" < c.jsonl > c.out 2> c.err &
CLI=$!
ok "after a restart, batch B pushed again" push b.jsonl
same "... every line acknowledged: valid, or present when it had landed" \
	"$((6000 - landed)) $landed" \
	"$(grep -c '"status":"valid"' "$OUT") $(grep -c '"status":"present"' "$OUT")"
same "... all of it in the store" 6000 "$(count_of b.jsonl)"
wait $CLI
same "... while ecert-issue wrote 1000 more at the same time" "0 1000" \
	"$? $(count_of c.jsonl)"
check "... with no busy store in sight" sh -c \
	'! grep -q -i -e busy -e locked c.err' sh
kill -TERM $SERVER
wait $SERVER
same "SIGTERM: stops with 0" 0 "$?"
SERVER=
check "no sanitizer report from the server" sh -c '! grep -q \
	-e AddressSanitizer -e LeakSanitizer -e ThreadSanitizer \
	-e "runtime error" "$1"' sh serve.log
