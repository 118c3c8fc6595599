#!/bin/sh
# ecert-serve: a client that trickles its request one byte every 0.5 s is
# never idle long enough for --timeout, yet is cut off once its headers
# (--header-time) or its body (--body-time) have taken too long in all;
# a client at ordinary speed, kept alive, is not.
. "$(dirname "$0")/lib.sh"

plan 12

setup_store --no-catalog
ecert-serve --port 0 --timeout 15 --header-time 2 --body-time 3 \
	> listen.txt 2> serve.log &
SERVER=$!
trap '_st=$?; kill -9 $SERVER 2>/dev/null; (exit $_st); _tap_cleanup' EXIT
for i in $(seq 1 60); do
	[ -s listen.txt ] && break
	sleep 0.25
done
ADDR=$(sed -n 's/^listening //p' listen.txt)
[ -n "$ADDR" ] || bail "ecert-serve did not start"
HOST=${ADDR%:*}
PORT=${ADDR#*:}

# trickle HEAD: send HEAD at once, then one byte ("a") every 0.5 s for at
# most 12 s; print the seconds until the server cut the connection, or
# "held" when it never did, and what it sent back
cat > trickle.py <<'PY'
import select, socket, sys, time
s = socket.create_connection((sys.argv[1], int(sys.argv[2])))
s.sendall(sys.argv[3].encode().replace(b"|", b"\r\n"))
t = time.time()
got = b""
while time.time() - t < 12:
    try:
        s.send(b"a")
    except OSError:
        break
    r, _, _ = select.select([s], [], [], 0.5)
    if r:
        try:
            got = s.recv(100)
        except OSError:
            got = b""
        if got == b"" or got:
            break
else:
    print("held", repr(got[:12]))
    sys.exit(0)
print("%.1f" % (time.time() - t), repr(got[:12]))
PY

ok "headers trickled one byte every 0.5 s" /usr/bin/python3 trickle.py \
	"$HOST" "$PORT" "GET /healthz HTTP/1.1|Host: x|X-Slow: "
secs=$(cut -d ' ' -f 1 "$OUT")
check "... cut off after --header-time (2 s), not --timeout (15 s)" \
	awk -v s="$secs" 'BEGIN { exit !(s != "held" && s >= 1.8 && s <= 3.5) }'
same "... with no answer" "b''" "$(cut -d ' ' -f 2 "$OUT")"
check "... logged" grep -q 'ecert-serve: 127.0.0.1: request headers not complete within 2 s: connection closed' serve.log

ok "a body trickled one byte every 0.5 s" /usr/bin/python3 trickle.py \
	"$HOST" "$PORT" "POST /v1/verify HTTP/1.1|Host: x|Content-Type: application/json|Content-Length: 1000||"
secs=$(cut -d ' ' -f 1 "$OUT")
check "... cut off after --body-time (3 s)" \
	awk -v s="$secs" 'BEGIN { exit !(s != "held" && s >= 2.8 && s <= 4.5) }'
same "... with no answer" "b''" "$(cut -d ' ' -f 2 "$OUT")"
check "... logged" grep -q 'request body not complete within 3 s' serve.log

# a kept-alive client at ordinary speed: three requests, 1.5 s apart,
# longer in all than --header-time, each quick
ok "a kept-alive connection, three requests 1.5 s apart" \
	/usr/bin/python3 -c '
import http.client, sys, time
c = http.client.HTTPConnection(sys.argv[1], int(sys.argv[2]), timeout=10)
for i in range(3):
    c.request("GET", "/healthz")
    r = c.getresponse()
    print(r.status, r.read().decode().strip())
    time.sleep(1.5)' "$HOST" "$PORT"
same "... all answered" '200 {"ok":true}
200 {"ok":true}
200 {"ok":true}' "$(cat "$OUT")"
kill -TERM $SERVER
wait $SERVER
same "SIGTERM: 0" 0 "$?"
check "no sanitizer report from the server" sh -c '! grep -q \
	-e AddressSanitizer -e LeakSanitizer -e "runtime error" "$1"' sh serve.log
