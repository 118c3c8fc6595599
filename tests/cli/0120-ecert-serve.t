#!/bin/sh
# ecert-serve: every route over HTTP, called by a system that signs its
# requests as RFC 9421 says with an implementation written apart from the
# server (rfc9421_client.py, python3-cryptography), and every refusal with
# its HTTP status, the exit status it maps from, and its audit entry
# (articles 9, 12, 13, 16, 4(三)).
. "$(dirname "$0")/lib.sh"

plan 198

CLIENT=$TESTDIR/rfc9421_client.py
ICBC=91420600717800001A	# 中国工商银行股份有限公司襄阳分行 (user)

setup_store
ecert-unit add -k "$ADMIN_KEY" --code "$ICBC" \
	--name 中国工商银行股份有限公司襄阳分行 --role user > /dev/null &&
ecert-unit key -k "$ADMIN_KEY" --unit "$ICBC" -o icbc.key > /dev/null &&
issue_food "$SAMR_KEY" JY14206060012345 "$USCC_FOOD" 襄阳汉江食品有限公司 \
	> /dev/null ||
	bail "cannot set up the units"

sql() {
	sqlite3 "$ECERT_DB" "$1"
}

# audit_of ACTION: the last entry of that action, action|object|outcome|unit
audit_of() {
	sql "SELECT action || '|' || object || '|' || outcome || '|' || unit
	    FROM audit WHERE action = '$1' ORDER BY seq DESC LIMIT 1"
}

audit_detail() {
	sql "SELECT detail FROM audit WHERE action = '$1' ORDER BY seq DESC
	    LIMIT 1"
}

# the HTTP status of the last call, from the client's stderr
http() {
	sed -n '1s/^HTTP \([0-9]*\) .*/\1/p' "$ERR"
}

header() {
	sed -n "s/^$1: //p" "$ERR" | tr -d '\r' | head -n 1
}

ok "the client builds RFC 9421's signature base: its B.2.6 vector verifies" \
	/usr/bin/python3 "$CLIENT" selftest

# each calling system's request key, made by the client itself
for c in samr-sys nrb-sys icbc-sys platform-sys old-sys hcb-sys; do
	/usr/bin/python3 "$CLIENT" keygen "$c.pem" > "$c.pub" ||
	    bail "cannot make a request key"
done

# ---- ecert-serve client: the platform registers calling systems ----
ok "client add: the platform registers the market regulator's system" \
	ecert-serve client add -k "$ADMIN_KEY" --id samr-sys --unit "$SAMR" \
	--public-key "$(cat samr-sys.pub)"
same "... said" "samr-sys added" "$(cat "$OUT")"
same "... audited" "client.add|samr-sys|ok|$PLATFORM" "$(audit_of client.add)"
for c in "nrb-sys $NRB" "icbc-sys $ICBC" "platform-sys $PLATFORM" \
    "old-sys $SAMR" "hcb-sys $HCB"; do
	set -- $c
	ecert-serve client add -k "$ADMIN_KEY" --id "$1" --unit "$2" \
	    --public-key "$(cat "$1.pub")" > /dev/null ||
	    bail "cannot register $1"
done
before=$(store_digest)
must_fail 77 "client add by an issuing unit: refused" ecert-serve client add \
	-k "$SAMR_KEY" --id rogue --unit "$SAMR" --public-key "$(cat samr-sys.pub)"
check "... says why" err_has "is not the platform"
same "... audited" "client.add|rogue|denied|$SAMR" "$(audit_of client.add)"
same "... the store unchanged" "$before" "$(store_digest)"
must_fail 1 "client add: the same key twice" ecert-serve client add \
	-k "$ADMIN_KEY" --id other --unit "$SAMR" --public-key "$(cat samr-sys.pub)"
must_fail 65 "client add: a key that is not 32 bytes" ecert-serve client add \
	-k "$ADMIN_KEY" --id short --unit "$SAMR" --public-key AAAA
must_fail 1 "client add: an unknown unit" ecert-serve client add \
	-k "$ADMIN_KEY" --id nobody --unit "$USCC_OTHER" \
	--public-key "$(cat samr-sys.pub)"
ok "client list" ecert-serve client list --json
same "... six clients" 6 "$(wc -l < "$OUT")"
must_fail 64 "client: no verb" ecert-serve client
must_fail 64 "client add without --unit" ecert-serve client add \
	-k "$ADMIN_KEY" --id x --public-key "$(cat samr-sys.pub)"

# ---- the server ----
must_fail 64 "a bad --port" ecert-serve --port 70000
printf 'wrong\n' > wrong.pass
must_fail 77 "a seal with the wrong passphrase: refused at start" \
	ecert-serve --port 0 --seal "$SAMR_KEY:$SCRATCH/wrong.pass"
check "... says which" err_has "--seal $SAMR_KEY"
ecert-serve --port 0 --max-body 65536 --www "$ECERT_SHARE/www" \
	--seal "$SAMR_KEY:$SCRATCH/pass" --seal "$NRB_KEY:$SCRATCH/pass" \
	--seal "$SCRATCH/icbc.key:$SCRATCH/pass" \
	--seal "$ADMIN_KEY:$SCRATCH/pass" > listen.txt 2> serve.log &
SERVER=$!
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
	[ -s listen.txt ] && break
	sleep 0.25
done
ADDR=$(sed -n 's/^listening //p' listen.txt)
[ -n "$ADDR" ] || { cat serve.log; bail "ecert-serve did not start"; }
URL=http://$ADDR
trap '_st=$?; kill -9 $SERVER 2>/dev/null; (exit $_st); _tap_cleanup' EXIT

# call CLIENT METHOD PATH [BODYFILE] [client options ...]
call() {
	_c=$1 _m=$2 _p=$3 _b=
	shift 3
	if [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; then
		_b=$1
		shift
	fi
	/usr/bin/python3 "$CLIENT" --key "$SCRATCH/$_c.pem" --keyid "$_c" "$@" \
	    "$_m" "$URL$_p" ${_b:+"$_b"}
}

anon() {
	/usr/bin/python3 "$CLIENT" "$@"
}

ok "GET /healthz" anon GET "$URL/healthz"
same "... ok" '{"ok":true}' "$(cat "$OUT")"
check "... seals unlocked at start are audited, no secret in the log" \
	sh -c '[ "$(sqlite3 "$1" "SELECT count(*) FROM audit WHERE
	    action = '"'serve.seal'"' AND outcome = '"'ok'"'")" = 4 ] &&
	    ! grep -q -e horse -e PRIVATE "$2"' sh "$ECERT_DB" serve.log

before=$(store_digest)
must_fail 77 "a client of a unit whose seal the server does not hold" \
	call hcb-sys GET "/v1/licenses/$ID_BIZ_FOOD"
same "... 403" 403 "$(http)"
same "... audited" "serve.seal|hcb-sys|denied|$HCB" "$(audit_of serve.seal)"
same "... the store unchanged" "$before" "$(store_digest)"

# ---- POST /v1/licenses: one license (ecert-issue) ----
biz() {	# USCC NAME: a 营业执照 record as JSON
	printf '{"type":"%s","number":"%s","holder":"%s","holder_id":"%s",' \
	    "$T_BIZ" "$1" "$2" "$1"
	printf '"类型":"有限责任公司（自然人投资或控股）","法定代表人":"张汉江",'
	printf '"注册资本":"伍佰万元整","成立日期":"2019-03-18",'
	printf '"住所":"湖北省襄阳市樊城区长虹北路16号",'
	printf '"经营范围":"食品生产；食品销售"}'
}
biz "$USCC_FOOD" 襄阳汉江食品有限公司 > food.json
ok "POST /v1/licenses: the regulator's system issues a 营业执照" \
	call samr-sys POST /v1/licenses food.json
same "... 201" 201 "$(http)"
same "... its identifier, valid" "$ID_BIZ_FOOD	valid" \
	"$(json_field id status < "$OUT")"
ok "... signed with the regulator's seal: ecert-verify says valid" \
	ecert-verify "$ID_BIZ_FOOD"
same "... audited as the regulator's issue" \
	"license.issue|$ID_BIZ_FOOD|ok|$SAMR" "$(audit_of license.issue)"

must_fail 65 "the same license again: refused as ecert-issue does" \
	call samr-sys POST /v1/licenses food.json
same "... 422" 422 "$(http)"
before=$(store_digest)
must_fail 77 "the natural resources bureau issues a 营业执照: wrong unit" \
	call nrb-sys POST /v1/licenses food.json
same "... 403" 403 "$(http)"
same "... audited, denied" "license.issue|$T_BIZ|denied|$NRB" \
	"$(audit_of license.issue)"
same "... the store unchanged" "$before" "$(store_digest)"
printf '{"type":' > broken.json
must_fail 65 "a broken JSON body" call samr-sys POST /v1/licenses broken.json
same "... 422" 422 "$(http)"

# ---- a JSON Lines batch: each line answered (article 4(三)) ----
{
	biz "$USCC_LONGZHONG" 襄阳隆中餐饮管理有限公司; echo
	echo '{"type":"'"$T_BIZ"'","number":"X"}'
	echo
	biz "$USCC_FANCHENG" 襄阳市樊城区鹿门副食商店; echo
} > batch.jsonl
must_fail 65 "a batch with one bad line: the worst exit status" \
	call samr-sys POST /v1/licenses batch.jsonl \
	--content-type application/jsonl
same "... 200: the batch committed" 200 "$(http)"
same "... every line answered, the empty one skipped" \
	"1	$ID_BIZ_LONGZHONG	valid	null
2	null	null	65
4	$ID_BIZ_FANCHENG	valid	null" \
	"$(json_field line id status exit < "$OUT")"
same "... the good lines are in the store" "valid valid" \
	"$(sql "SELECT group_concat(status, ' ') FROM licenses WHERE id IN
	    ('$ID_BIZ_LONGZHONG', '$ID_BIZ_FANCHENG')")"
same "... the bad line audited with its line" \
	"license.issue|samr-sys:2|rejected|$SAMR" \
	"$(sql "SELECT action || '|' || object || '|' || outcome || '|' ||
	    unit FROM audit WHERE object = 'samr-sys:2'")"
same "... one audit entry for the batch's transaction, counting its lines" \
	"license.issue|samr-sys:1-4|partial|2|0|1" \
	"$(sql "SELECT action || '|' || object || '|' || outcome || '|' ||
	    json_extract(detail, '\$.issued') || '|' ||
	    json_extract(detail, '\$.present') || '|' ||
	    json_extract(detail, '\$.rejected') FROM audit
	    WHERE object = 'samr-sys:1-4'")"
same "... with the BLAKE2b digest of its identifiers, as ecert-import's" \
	"$(/usr/bin/python3 -c 'import hashlib, sys
print(hashlib.blake2b("".join(i + "\0" for i in sys.argv[1:]).encode(),
    digest_size=32).hexdigest())' "$ID_BIZ_LONGZHONG" "$ID_BIZ_FANCHENG")" \
	"$(sql "SELECT json_extract(detail, '\$.ids_digest') FROM audit
	    WHERE object = 'samr-sys:1-4'")"
same "... and no entry per license" 0 \
	"$(sql "SELECT count(*) FROM audit WHERE object IN
	    ('$ID_BIZ_LONGZHONG', '$ID_BIZ_FANCHENG')")"
before=$(store_digest)
must_fail 65 "the same batch pushed again" call samr-sys POST /v1/licenses \
	batch.jsonl --content-type application/jsonl
same "... the licenses already in answered present, as ecert-import" \
	"1	$ID_BIZ_LONGZHONG	present	null
2	null	null	65
4	$ID_BIZ_FANCHENG	present	null" \
	"$(json_field line id status exit < "$OUT")"
same "... the store unchanged" "$before" "$(store_digest)"

# ---- GET /v1/licenses/ID (ecert-show; the issuer or the platform) ----
ok "GET a license: its issuer's system" call samr-sys GET \
	"/v1/licenses/$ID_BIZ_FOOD"
cp "$OUT" show.json
same "... audited" "license.show|$ID_BIZ_FOOD|ok|$SAMR" \
	"$(audit_of license.show)"
same "... the document ecert-show prints, and its status" \
	"$(ecert-show --json "$ID_BIZ_FOOD" | canonical)	valid" \
	"$(json_field license < show.json | canonical)	$(json_field status \
	< show.json)"
ok "GET a license: the platform's system" call platform-sys GET \
	"/v1/licenses/$ID_BIZ_FOOD"
must_fail 77 "GET a license of another issuer: refused" call nrb-sys GET \
	"/v1/licenses/$ID_BIZ_FOOD"
same "... 403" 403 "$(http)"
check "... nothing of the license answered" sh -c '! grep -q 张汉江 "$1"' \
	sh "$OUT"
same "... audited, denied" "license.show|$ID_BIZ_FOOD|denied|$NRB" \
	"$(audit_of license.show)"
must_fail 1 "GET a license not in the store: 404" call samr-sys GET \
	"/v1/licenses/$ID_UNKNOWN"
same "... 404" 404 "$(http)"
must_fail 65 "GET a malformed identifier" call samr-sys GET \
	"/v1/licenses/$ID_BADCHECK"
same "... 422" 422 "$(http)"

# ---- suspend, reinstate, revoke, amend (ecert-revoke, ecert-amend) ----
echo '{"reason":"经营异常，暂停使用"}' > suspend.json
ok "suspend" call samr-sys POST "/v1/licenses/$ID_BIZ_FANCHENG/suspend" \
	suspend.json
same "... answered" "$ID_BIZ_FANCHENG	suspended" \
	"$(json_field id status < "$OUT")"
must_fail 1 "... ecert-verify agrees" ecert-verify "$ID_BIZ_FANCHENG"
same "... audited" "license.suspend|$ID_BIZ_FANCHENG|ok|$SAMR" \
	"$(audit_of license.suspend)"
ok "reinstate" call samr-sys POST "/v1/licenses/$ID_BIZ_FANCHENG/reinstate" \
	suspend.json
ok "... valid again" ecert-verify "$ID_BIZ_FANCHENG"
before=$(store_digest)
must_fail 77 "revoke by another unit: refused" call nrb-sys POST \
	"/v1/licenses/$ID_BIZ_FANCHENG/revoke" suspend.json
same "... 403" 403 "$(http)"
same "... audited, denied" "license.revoke|$ID_BIZ_FANCHENG|denied|$NRB" \
	"$(audit_of license.revoke)"
same "... the store unchanged" "$before" "$(store_digest)"
echo '{}' > empty.json
must_fail 64 "revoke without a reason: refused" call samr-sys POST \
	"/v1/licenses/$ID_BIZ_FANCHENG/revoke" empty.json
same "... 400" 400 "$(http)"
same "... audited" "license.revoke|$ID_BIZ_FANCHENG|rejected|$SAMR" \
	"$(audit_of license.revoke)"
same "... the store unchanged" "$before" "$(store_digest)"
must_fail 1 "revoke a license not in the store: 404" call samr-sys POST \
	"/v1/licenses/$ID_UNKNOWN/revoke" suspend.json
same "... 404" 404 "$(http)"
echo '{"reason":"歇业"}' > revoke.json
ok "revoke" call samr-sys POST "/v1/licenses/$ID_BIZ_FANCHENG/revoke" \
	revoke.json
must_fail 1 "suspend a revoked license: a definite no" call samr-sys POST \
	"/v1/licenses/$ID_BIZ_FANCHENG/suspend" suspend.json
same "... 409" 409 "$(http)"
echo '{"reason":"住所变更","changes":{"住所":"湖北省襄阳市襄城区古隆中路1号"}}' \
	> amend.json
ok "amend" call samr-sys POST "/v1/licenses/$ID_BIZ_LONGZHONG/amend" \
	amend.json
same "... 201, a new version superseding the old" \
	"201	$ID_BIZ_LONGZHONG" "$(http)	$(json_field supersedes < "$OUT")"
NEW_LONGZHONG=$(json_field id < "$OUT")
ok "... the new version is valid" ecert-verify "$NEW_LONGZHONG"
same "... the old one superseded" superseded \
	"$(sql "SELECT status FROM licenses WHERE id = '$ID_BIZ_LONGZHONG'")"

# ---- refusals of the caller (401, audited as serve.auth) ----
before=$(store_digest)
must_fail 77 "unsigned: refused" anon POST "$URL/v1/licenses" food.json
same "... 401" 401 "$(http)"
same "... audited" "serve.auth|(unsigned)|refused|" "$(audit_of serve.auth)"
same "... saying what to sign (RFC 9421 Accept-Signature)" \
	'sig1=("@method" "@path" "@query" "content-digest");created;keyid;nonce;alg="ed25519"' \
	"$(header Accept-Signature)"
must_fail 77 "a body changed after signing: refused" call samr-sys POST \
	/v1/licenses food.json --tamper-body
same "... 401" 401 "$(http)"
check "... Content-Digest does not match" out_has "does not match the body"
same "... audited" "serve.auth|samr-sys|refused|" "$(audit_of serve.auth)"
must_fail 77 "a signature over another path: refused" call samr-sys POST \
	/v1/licenses food.json --tamper-path
same "... 401, bad signature" "401	bad signature by client samr-sys" \
	"$(http)	$(json_field error < "$OUT")"
check "... audited with the reason" sh -c \
	'sqlite3 "$1" "SELECT detail FROM audit WHERE action = '"'serve.auth'"'
	    ORDER BY seq DESC LIMIT 1" | grep -q "bad signature"' sh "$ECERT_DB"
must_fail 77 "signed with another client's key: refused" \
	/usr/bin/python3 "$CLIENT" --key nrb-sys.pem --keyid samr-sys \
	POST "$URL/v1/licenses" food.json
same "... 401" 401 "$(http)"
must_fail 77 "an unknown client: refused" \
	/usr/bin/python3 "$CLIENT" --key nrb-sys.pem --keyid ghost-sys \
	GET "$URL/v1/licenses/$ID_BIZ_FOOD"
same "... 401" 401 "$(http)"
same "... audited" "serve.auth|ghost-sys|refused|" "$(audit_of serve.auth)"
# malformed signature headers: refused, never a crash
D='sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:'
long=$(head -c 5000 /dev/zero | tr '\0' 'a')
i=0
for input in 'sig1=("@method"' 'sig1=' '=("@method")' \
    'sig1=("@method" "@path" "@query" "content-digest");created=x' \
    'sig1=("@method" "@path" "@query" "content-digest");created=1;keyid="samr-sys";nonce="abcdefgh"' \
    'sig1=("@method" "@path" "@query" "content-digest" "a" "b" "c" "d" "e")' \
    "sig1=(\"$long\");keyid=\"samr-sys\"" \
    'sig1=("@method" "@path" "@query" "content-digest");created=9999999999999999;keyid="samr-sys";nonce="abcdefgh"' \
    'sig1=("@method" "@path" "@query" "content-digest");keyid="samr\"sys";nonce="abcdefgh";created=1, sig2=()'; do
	i=$((i + 1))
	code=$(curl -s -o /dev/null -w '%{http_code}' -H "Content-Digest: $D" \
	    -H "Signature-Input: $input" -H 'Signature: sig1=:AAAA:' \
	    "$URL/v1/licenses/$ID_BIZ_FOOD")
	same "malformed Signature-Input $i: 401" 401 "$code"
done
ok "... and the server is still there" anon GET "$URL/healthz"
ok "a request sent once" call samr-sys GET "/v1/licenses/$ID_BIZ_FOOD" \
	--nonce replayed-nonce-1
must_fail 77 "... and replayed: refused" call samr-sys GET \
	"/v1/licenses/$ID_BIZ_FOOD" --nonce replayed-nonce-1
same "... 401, nonce already used" 401 "$(http)"
check "... says so" out_has "nonce already used"
must_fail 77 "created ten minutes ago: refused" call samr-sys GET \
	"/v1/licenses/$ID_BIZ_FOOD" --created "$(($(date +%s) - 600))"
check "... as outside the window" out_has "outside 300 s"
must_fail 77 "created in the future: refused" call samr-sys GET \
	"/v1/licenses/$ID_BIZ_FOOD" --created "$(($(date +%s) + 600))"
same "... audited as replay" "replay" \
	"$(audit_detail serve.auth | sed -n 's/.*: \(replay\):.*/\1/p')"
ok "old-sys works before its key is revoked" call old-sys GET \
	"/v1/licenses/$ID_BIZ_FOOD"
ok "client revoke" ecert-serve client revoke -k "$ADMIN_KEY" --id old-sys
same "... audited" "client.revoke|old-sys|ok|$PLATFORM" \
	"$(audit_of client.revoke)"
must_fail 77 "a revoked key: refused" call old-sys GET \
	"/v1/licenses/$ID_BIZ_FOOD"
same "... 401" 401 "$(http)"
check "... as revoked" out_has "key revoked"
must_fail 1 "client revoke twice" ecert-serve client revoke -k "$ADMIN_KEY" \
	--id old-sys
sql "UPDATE serve_clients SET revoked_at = NULL WHERE id = 'old-sys'"
must_fail 77 "a revocation undone with sqlite3: still refused" call old-sys \
	GET "/v1/licenses/$ID_BIZ_FOOD"
check "... the row is not the platform's" out_has "not signed by the platform"
sql "UPDATE serve_clients SET unit = '$PLATFORM' WHERE id = 'nrb-sys'"
must_fail 77 "a client moved to the platform unit with sqlite3: refused" \
	call nrb-sys GET "/v1/licenses/$ID_BIZ_FOOD"
check "... the same way" out_has "not signed by the platform"
sql "UPDATE serve_clients SET unit = '$NRB' WHERE id = 'nrb-sys'"
must_fail 1 "... put back, it is let in again" call nrb-sys GET \
	"/v1/licenses/$ID_UNKNOWN"
same "... 404, not 401" 404 "$(http)"
before=$(store_digest)

# ---- POST /v1/use: a holder's licenses for a matter, under a grant ----
G=$(ecert-grant add -k "$ADMIN_KEY" --table --holder 襄阳汉江食品有限公司 \
	--holder-id "$USCC_FOOD" --matter 对公账户开立 --grantee "$ICBC" \
	--type "$T_BIZ" --until 2099-12-31) || bail "cannot grant"
printf '{"matter":"对公账户开立","holder_id":"%s","reason":"%s"}' \
	"$USCC_FOOD" "开立基本存款账户，核验营业执照" > use.json
ok "POST /v1/use: the bank fetches the 营业执照 for 对公账户开立" \
	call icbc-sys POST /v1/use use.json
same "... the signed document of ecert-show, nothing else" \
	"$(ecert-show --json "$ID_BIZ_FOOD")" \
	"$(json_field licenses < "$OUT" | perl -MJSON::PP -ne '
	    my $j = JSON::PP->new->utf8->canonical;
	    print $j->encode($_), "\n" for @{$j->decode($_)}')"
same "... the use reason audited" \
	"license.use|matter 对公账户开立|reason|$ICBC|用证事由: 开立基本存款账户，核验营业执照" \
	"$(sql "SELECT action || '|' || object || '|' || outcome || '|' ||
	    unit || '|' || detail FROM audit WHERE action = 'license.use'
	    AND outcome = 'reason' ORDER BY seq DESC LIMIT 1")"
same "... and the grant's use, as ecert-use audits it" \
	"grant.use|grant $G|ok|$ICBC" "$(audit_of grant.use)"
before=$(store_digest)
printf '{"matter":"对公账户开立","holder_id":"%s"}' "$USCC_FOOD" > noreason.json
must_fail 64 "no use reason: refused" call icbc-sys POST /v1/use noreason.json
same "... 400" 400 "$(http)"
same "... audited" "license.use|matter 对公账户开立|rejected|$ICBC" \
	"$(audit_of license.use)"
same "... the store unchanged" "$before" "$(store_digest)"
long=$(printf '事%.0s' $(seq 1 201))
printf '{"matter":"对公账户开立","holder_id":"%s","reason":"%s"}' \
	"$USCC_FOOD" "$long" > longreason.json
must_fail 65 "a use reason of 201 characters: refused" call icbc-sys POST \
	/v1/use longreason.json
same "... 422" 422 "$(http)"
printf '{"matter":"对公账户开立","holder_id":"%s","reason":"%s"}' \
	"$USCC_FOOD" "$(printf '事%.0s' $(seq 1 200))" > okreason.json
ok "... 200 characters are enough" call icbc-sys POST /v1/use okreason.json
before=$(store_digest)
printf '{"matter":"对公账户开立","holder_id":"%s","reason":"核验"}' \
	"$USCC_GULONG" > nogrant.json
must_fail 77 "a holder who granted nothing: refused" call icbc-sys POST \
	/v1/use nogrant.json
same "... 403" 403 "$(http)"
same "... audited, denied" "license.use|matter 对公账户开立|denied|$ICBC" \
	"$(audit_of license.use)"
check "... with the use reason" sh -c 'sqlite3 "$1" "SELECT detail FROM audit
	WHERE action = '"'license.use'"' ORDER BY seq DESC LIMIT 1" |
	grep -q "用证事由: 核验"' sh "$ECERT_DB"
same "... the store unchanged" "$before" "$(store_digest)"
printf '{"matter":"对公账户开立","holder_id":"%s","reason":"核验","unit":"%s"}' \
	"$USCC_FOOD" "$SAMR" > otherunit.json
must_fail 77 "naming another unit: refused" call icbc-sys POST /v1/use \
	otherunit.json
must_fail 77 "an issuing-only unit's system uses: refused" call platform-sys \
	POST /v1/use use.json
same "... 403" 403 "$(http)"

# ---- POST /v1/check: the data of a photocopy, answered yes or no ----
printf '{"matter":"对公账户开立","holder_id":"%s","type":"%s","reason":"核对复印件","items":{"法定代表人":"张汉江","注册资本":"壹仟万元整"}}' \
	"$USCC_FOOD" "$T_BIZ" > check.json
ok "POST /v1/check" call icbc-sys POST /v1/check check.json
same "... item by item, nothing disclosed" \
	"valid	false	[{\"id\":\"$ID_BIZ_FOOD\",\"items\":{\"legal_representative\":true,\"registered_capital\":false},\"match\":false,\"type\":\"$T_BIZ\"}]" \
	"$(json_field overall match < "$OUT")	$(json_field licenses < "$OUT" |
	canonical)"
check "... not the registered capital the store holds" sh -c \
	'! grep -q 伍佰万元整 "$1"' sh "$OUT"
ok "suspend it" call samr-sys POST "/v1/licenses/$ID_BIZ_FOOD/suspend" \
	suspend.json
must_fail 1 "check a suspended license" call icbc-sys POST /v1/check \
	check.json
same "... 200, overall suspended" "200	suspended" \
	"$(http)	$(json_field overall < "$OUT")"
ok "reinstate it" call samr-sys POST "/v1/licenses/$ID_BIZ_FOOD/reinstate" \
	suspend.json

# ---- POST /v1/licenses/ID/present: token and QR code (article 16) ----
ok "present: the platform's system" call platform-sys POST \
	"/v1/licenses/$ID_BIZ_FOOD/present"
json_field token < "$OUT" > token.txt
json_field qr_svg < "$OUT" > qr.svg
check "... a token" grep -q '^EC1:' token.txt
check "... and its QR code in SVG" sh -c 'head -c 5 qr.svg | grep -q "<?xml" &&
	grep -q "<svg" qr.svg' 
same "... audited" "license.present|$ID_BIZ_FOOD|ok|$PLATFORM" \
	"$(audit_of license.present)"
must_fail 77 "present by an issuing unit's system: refused" call samr-sys \
	POST "/v1/licenses/$ID_BIZ_FOOD/present"
same "... audited" "license.present|$ID_BIZ_FOOD|denied|$SAMR" \
	"$(audit_of license.present)"

# ---- the signed lists (ETag, Cache-Control) and a token checked with them
ok "GET /v1/trust" anon GET "$URL/v1/trust"
cp "$OUT" trust.jsonl
ETAG=$(header ETag)
check "... an ETag" test -n "$ETAG"
same "... cacheable" "public, max-age=60" "$(header Cache-Control)"
ok "... If-None-Match: 304" anon --if-none-match "$ETAG" GET "$URL/v1/trust"
same "... 304, no body" "304:" "$(http):$(cat "$OUT")"
ok "GET /v1/status" anon GET "$URL/v1/status"
cp "$OUT" status.jsonl
ok "the presented token verifies offline with the served lists" \
	ecert-verify --offline --trust trust.jsonl --status status.jsonl \
	"$(cat token.txt)"

# ---- the public query (article 12), verify by identifier ----
ok "GET /v1/public: name and code" anon GET \
	"$URL/v1/public?name=%E8%A5%84%E9%98%B3%E6%B1%89%E6%B1%9F%E9%A3%9F%E5%93%81%E6%9C%89%E9%99%90%E5%85%AC%E5%8F%B8&uscc=$USCC_FOOD"
same "... the disclosable licenses: 营业执照 and 食品经营许可证" 2 \
	"$(json_field count < "$OUT")"
same "... audited as ecert-query --public does" \
	"license.public-query|$USCC_FOOD|ok|" "$(audit_of license.public-query)"
must_fail 1 "GET /v1/public: a wrong name" anon GET \
	"$URL/v1/public?name=x&uscc=$USCC_FOOD"
same "... 404" 404 "$(http)"
must_fail 65 "GET /v1/public: not a code" anon GET \
	"$URL/v1/public?name=x&uscc=$USCC_BAD"
same "... 422" 422 "$(http)"
must_fail 64 "GET /v1/public: no code" anon GET "$URL/v1/public?name=x"
ok "GET /v1/verify/ID" anon GET "$URL/v1/verify/$ID_BIZ_FOOD"
same "... valid" "valid	true" "$(json_field status valid < "$OUT")"
must_fail 1 "GET /v1/verify/ID of a revoked license" anon GET \
	"$URL/v1/verify/$ID_BIZ_FANCHENG"
same "... 200, revoked" "200	revoked" "$(http)	$(json_field status < "$OUT")"
must_fail 1 "GET /v1/verify/ID unknown: 404" anon GET \
	"$URL/v1/verify/$ID_UNKNOWN"
same "... 404" 404 "$(http)"

# ---- limits ----
head -c 70000 /dev/zero | tr '\0' 'x' > big.json
must_fail 65 "a body over --max-body: refused" call samr-sys POST \
	/v1/licenses big.json
same "... 413" 413 "$(http)"
same "... audited" "serve.request|/v1/licenses|rejected|" \
	"$(audit_of serve.request)"
n=$(audit_count)
must_fail 65 "... also sent in chunks, with no length to refuse it by" \
	call samr-sys POST /v1/licenses big.json --chunked
same "... 413" 413 "$(http)"
same "... audited once" "$((n + 1)) serve.request|/v1/licenses|rejected|" \
	"$(audit_count) $(audit_of serve.request)"
must_fail 64 "an unknown route" call samr-sys GET /v1/nothing
same "... 404" 404 "$(http)"
ok "CLI programs use the store while the server runs" \
	issue_biz "$SAMR_KEY" "$USCC_GULONG" 襄阳古隆中文化旅游有限公司

# ---- SIGTERM: in-flight requests finish, then it stops ----
biz "$USCC_OTHER" 襄阳测试有限公司 > last.json
call samr-sys POST /v1/licenses last.json --half-then half.sent \
	> last.out 2> last.err &
CALL=$!
for i in $(seq 1 100); do
	[ -e half.sent ] && break
	sleep 0.05
done
# half the body is out; the client sends the rest a second later.  A
# connection still in the kernel's accept queue when the signal comes is
# not in flight (it is dropped with the listening socket): wait until the
# server has taken it, which the listening socket's receive queue in
# /proc/net/tcp says (for a socket in state 0A it is the accept queue).
listen_queue() {
	awk -v p=":$(printf '%04X' "${ADDR##*:}")" '$4 == "0A" &&
	    substr($2, length($2) - 4) == p { split($5, q, ":"); print q[2] }' \
	    /proc/net/tcp
}
for i in $(seq 1 100); do
	q=$(listen_queue)
	[ -n "$q" ] && [ "$((0x$q))" -eq 0 ] && break
	sleep 0.05
done
sleep 0.2
kill -TERM $SERVER
wait $CALL
same "... the request in flight was answered" "HTTP 201 exit 0" \
	"$(head -n 1 last.err)"
wait $SERVER
same "SIGTERM: the server stops with 0" 0 "$?"
check "... and says so" grep -q 'ecert-serve: stopped' serve.log
ok "the audit chain holds" ecert-audit verify
check "no sanitizer report from the server" sh -c '! grep -q \
	-e AddressSanitizer -e LeakSanitizer -e "runtime error" "$1"' sh serve.log
