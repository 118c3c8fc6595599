#!/bin/sh
# share/examples for ecert-serve: the systemd unit passes systemd-analyze,
# and the nginx TLS front passes `nginx -t` and, running, carries a signed
# request to ecert-serve with its signature intact (RFC 9421 "@path",
# "@query" are not normalized away).
. "$(dirname "$0")/lib.sh"

plan 11

CLIENT=$TESTDIR/rfc9421_client.py
EX=$ECERT_SHARE/examples
command -v nginx > /dev/null || bail "no nginx (Debian package nginx-light)"
scratch

# the unit, with the binary where this build put it
sed "s|/usr/local/bin/ecert-serve|$ECERT_BIN/ecert-serve|" \
	"$EX/ecert-serve.service" > ecert-serve.service
ok "ecert-serve.service: systemd-analyze verify" \
	systemd-analyze verify --man=no ecert-serve.service
check "... with nothing to say" test ! -s "$ERR"
sed 's/^KillSignal=SIGTERM/KillSignal=SIGBOGUS/' ecert-serve.service > bad.service
systemd-analyze verify --man=no bad.service > /dev/null 2> bad.err
check "... which would see a broken one" test -s bad.err

# a throwaway certificate for 127.0.0.1
openssl req -x509 -newkey ed25519 -nodes -days 2 -subj /CN=127.0.0.1 \
	-addext subjectAltName=IP:127.0.0.1 -keyout tls.key -out tls.crt \
	2> /dev/null || bail "openssl cannot make a certificate"
free_port() {
	/usr/bin/python3 -c 'import socket; s = socket.socket();
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

setup_store
/usr/bin/python3 "$CLIENT" keygen samr-sys.pem > samr-sys.pub &&
ecert-serve client add -k "$ADMIN_KEY" --id samr-sys --unit "$SAMR" \
	--public-key "$(cat samr-sys.pub)" > /dev/null &&
issue_biz "$SAMR_KEY" "$USCC_FOOD" 襄阳汉江食品有限公司 > /dev/null ||
	bail "cannot set up"
BACK=$(free_port)
ecert-serve --port "$BACK" --seal "$SAMR_KEY:$SCRATCH/pass" \
	> listen.txt 2> serve.log &
SERVER=$!
trap '_st=$?; kill -9 $SERVER 2>/dev/null;
	[ -f nginx.pid ] && kill "$(cat nginx.pid)" 2>/dev/null;
	(exit $_st); _tap_cleanup' EXIT
for i in $(seq 1 40); do
	[ -s listen.txt ] && break
	sleep 0.25
done
[ -s listen.txt ] || bail "ecert-serve did not start"

# the example, with this test's ports and certificate
HTTPS=$(free_port)
HTTP=$(free_port)
sed -e "s|127.0.0.1:8080|127.0.0.1:$BACK|" \
    -e "s|listen 443 |listen 127.0.0.1:$HTTPS |" \
    -e "s|listen 80;|listen 127.0.0.1:$HTTP;|" \
    -e "s|/etc/ssl/ecert/fullchain.pem|$SCRATCH/tls.crt|" \
    -e "s|/etc/ssl/ecert/privkey.pem|$SCRATCH/tls.key|" \
    "$EX/nginx-ecert-serve.conf" > site.conf
cat > nginx.conf <<NGINX
daemon on;
pid $SCRATCH/nginx.pid;
error_log $SCRATCH/nginx-error.log;
events { worker_connections 64; }
http {
	access_log off;
	client_body_temp_path $SCRATCH/tmp-body;
	proxy_temp_path $SCRATCH/tmp-proxy;
	fastcgi_temp_path $SCRATCH/tmp-fastcgi;
	uwsgi_temp_path $SCRATCH/tmp-uwsgi;
	scgi_temp_path $SCRATCH/tmp-scgi;
	include $SCRATCH/site.conf;
}
NGINX
ok "nginx-ecert-serve.conf: nginx -t" nginx -t -p "$SCRATCH" -c "$SCRATCH/nginx.conf"
sed 's/proxy_pass http:\/\/ecert_serve;/proxy_pass http:\/\/nowhere_upstream;/' \
	site.conf > site.conf.bad
must_fail 1 "... and it would see a broken one" sh -c \
	'sed "s|site.conf|site.conf.bad|" nginx.conf > nginx.bad &&
	nginx -t -p "$1" -c "$1/nginx.bad"' sh "$SCRATCH"
ok "nginx starts with it" nginx -p "$SCRATCH" -c "$SCRATCH/nginx.conf"

ok "GET /healthz through TLS" curl -sS --cacert tls.crt \
	"https://127.0.0.1:$HTTPS/healthz"
same "... ok" '{"ok":true}' "$(cat "$OUT")"
ok "a signed request through the TLS front" /usr/bin/python3 "$CLIENT" \
	--cacert tls.crt --key samr-sys.pem --keyid samr-sys \
	GET "https://127.0.0.1:$HTTPS/v1/licenses/$ID_BIZ_FOOD?fields=all&x=%E8%A5%84"
same "... accepted: the signature survived the proxy" \
	"200	valid" "$(sed -n '1s/^HTTP \([0-9]*\).*/\1/p' "$ERR")	$(json_field status < "$OUT")"
ok "plain HTTP is sent to HTTPS" sh -c 'curl -s -o /dev/null \
	-w "%{http_code} %{redirect_url}" "http://127.0.0.1:$1/v1/trust" |
	grep -q "^301 https://127.0.0.1/v1/trust"' sh "$HTTP"
