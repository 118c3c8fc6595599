#!/bin/sh
# ecert-serve's limits: a client that sends its headers too slowly is cut
# off, one address cannot take every connection, and the server answers
# again once they are gone.
. "$(dirname "$0")/lib.sh"

plan 8

setup_store --no-catalog
ecert-serve --port 0 --timeout 2 --per-address 3 --connections 8 \
	> listen.txt 2> serve.log &
SERVER=$!
trap '_st=$?; kill -9 $SERVER 2>/dev/null; (exit $_st); _tap_cleanup' EXIT
for i in $(seq 1 40); do
	[ -s listen.txt ] && break
	sleep 0.25
done
ADDR=$(sed -n 's/^listening //p' listen.txt)
[ -n "$ADDR" ] || bail "ecert-serve did not start"
HOST=${ADDR%:*}
PORT=${ADDR#*:}

# half a request's headers, then silence: how long the server kept the
# connection, in whole seconds, and what it sent
ok "a client that stops half way through its headers" \
	/usr/bin/python3 -c '
import socket, sys, time
s = socket.create_connection((sys.argv[1], int(sys.argv[2])))
s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
t = time.time()
s.settimeout(30)
data = s.recv(100)
print(int(time.time() - t), repr(data[:12]))' "$HOST" "$PORT"
secs=$(cut -d ' ' -f 1 "$OUT")
sent=$(cut -d ' ' -f 2 "$OUT")
check "... is cut off after --timeout (2 s), with no answer" \
	test "$secs" -ge 2 -a "$secs" -le 4 -a "$sent" = "b''"

ok "three idle connections from one address, and a fourth" \
	/usr/bin/python3 -c '
import socket, sys, time
addr = (sys.argv[1], int(sys.argv[2]))
idle = [socket.create_connection(addr) for _ in range(3)]
time.sleep(0.3)
s = socket.create_connection(addr)
s.settimeout(5)
try:
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    data = s.recv(100)
except (ConnectionResetError, BrokenPipeError):
    data = b""
print("fourth:", repr(data[:12]))
time.sleep(2.5)
s = socket.create_connection(addr)
s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
print("later:", s.recv(100).split(b"\r\n")[0].decode())' "$HOST" "$PORT"
same "... the fourth is refused" "fourth: b''" "$(sed -n 1p "$OUT")"
same "... and once the idle ones time out, it answers" "later: HTTP/1.1 200 OK" \
	"$(sed -n 2p "$OUT")"
kill -TERM $SERVER
wait $SERVER
same "SIGTERM with idle connections: stops with 0" 0 "$?"
check "... within the grace" grep -q 'ecert-serve: stopped' serve.log
check "no sanitizer report from the server" sh -c '! grep -q \
	-e AddressSanitizer -e LeakSanitizer -e "runtime error" "$1"' sh serve.log
