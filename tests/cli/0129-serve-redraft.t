#!/bin/sh
# ecert-serve: a number whose draft was rejected is drafted again as the
# next version when it is pushed in a JSON Lines batch, as ecert-issue and
# a single POST draft it (article 9), also when the number carries the
# holder's citizen ID and the store keeps only its keyed digest (a 残疾人证
# number; see 0161).  The reviewer is another operating system user (user
# 65534, as in 0080); without setpriv(1) or runuser(1), or as another user
# than root, those points skip.
. "$(dirname "$0")/lib.sh"

plan 12

CLIENT=$TESTDIR/rfc9421_client.py

skip() {	# N WHY
	_sk=0
	while [ "$_sk" -lt "$1" ]; do
		_tap_n=$((_tap_n + 1))
		echo "ok $_tap_n # skip $2"
		_sk=$((_sk + 1))
	done
}

sql() {
	sqlite3 "$ECERT_DB" "$1"
}

setup_store
sed 's/^review: false$/review: true/' \
	"$ECERT_SHARE/catalog/real-estate-certificate.yaml" > estate.yaml
ok "the 不动产权证书 is loaded again, now reviewed before signing" \
	ecert-catalog load -k "$ADMIN_KEY" estate.yaml
/usr/bin/python3 "$CLIENT" keygen nrb-sys.pem > nrb-sys.pub &&
ecert-serve client add -k "$ADMIN_KEY" --id nrb-sys --unit "$NRB" \
	--public-key "$(cat nrb-sys.pub)" > /dev/null ||
	bail "cannot register the bureau's system"

ecert-serve --port 0 --seal "$NRB_KEY:$SCRATCH/pass" > listen.txt \
	2> serve.log &
SERVER=$!
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
	[ -s listen.txt ] && break
	sleep 0.25
done
ADDR=$(sed -n 's/^listening //p' listen.txt)
[ -n "$ADDR" ] || { cat serve.log; bail "ecert-serve did not start"; }
trap '_st=$?; kill -9 $SERVER 2>/dev/null; (exit $_st); _tap_cleanup' EXIT

# push FILE: FILE as a JSON Lines batch, signed by the bureau's system
push() {
	/usr/bin/python3 "$CLIENT" --key "$SCRATCH/nrb-sys.pem" --keyid nrb-sys \
	    --content-type application/jsonl POST "http://$ADDR/v1/licenses" "$1"
}

NUM="${CID_ZHANG}01"	# as a 残疾人证 number: the ID and two digits
printf '{"type":"%s","number":"%s","holder":"张汉江","holder_id":"%s",' \
	"$T_ESTATE" "$NUM" "$CID_ZHANG" > estate.jsonl
printf '"共有情况":"单独所有","坐落":"襄阳市樊城区人民路2号3栋1单元502室",' \
	>> estate.jsonl
printf '"不动产单元号":"420606001002GB00012F00030012",' >> estate.jsonl
printf '"权利类型":"国有建设用地使用权/房屋所有权",' >> estate.jsonl
printf '"权利性质":"出让/市场化商品房","用途":"城镇住宅用地/住宅",' \
	>> estate.jsonl
printf '"面积":"共有宗地面积12000.00㎡/房屋建筑面积118.56㎡",' >> estate.jsonl
printf '"使用期限":"2008年05月10日起2078年05月09日止"}\n' >> estate.jsonl

ok "a batch of one 不动产权证书 whose number carries the holder's ID" \
	push estate.jsonl
same "... answered as a draft" "1	draft	null" \
	"$(json_field line status exit < "$OUT")"
ID1=$(json_field id < "$OUT")
check "... of version 1" sh -c 'case "$1" in *.001.?) ;; *) exit 1;; esac' \
	sh "$ID1"

AS=
OTHER=$(getent passwd 65534 | cut -d : -f 1)
if [ "$(id -u)" -eq 0 ] && [ -n "$OTHER" ]; then
	if command -v setpriv > /dev/null 2>&1; then
		AS="setpriv --reuid=65534 --regid=65534 --clear-groups"
	elif command -v runuser > /dev/null 2>&1; then
		AS="runuser -u $OTHER --"
	fi
fi
if [ -n "$AS" ]; then
	cp "$NRB_KEY" nrb-other.key && cp pass pass-other &&
	chown 65534:65534 "$SCRATCH" "$ECERT_DB"* nrb-other.key pass-other ||
	AS=
fi
if [ -z "$AS" ]; then
	skip 8 "no other user to review as"
	exit 0
fi

ok "another clerk of the bureau rejects the draft" \
	$AS env PATH="$PATH" LC_ALL="$LC_ALL" ECERT_DB="$ECERT_DB" \
	ECERT_SHARE="$ECERT_SHARE" ECERT_PASSPHRASE_FILE="$SCRATCH/pass-other" \
	ecert-issue -k nrb-other.key --reject "$ID1" --reason 坐落与登记簿不符
same "... printing it as rejected" "{\"id\":\"$ID1\",\"status\":\"rejected\"}" \
	"$(cat "$OUT")"

ok "the same line pushed again" push estate.jsonl
same "... is drafted again, not answered present" "1	draft	null" \
	"$(json_field line status exit < "$OUT")"
ID2=$(json_field id < "$OUT")
check "... as version 2 of the same serial" \
	sh -c '[ "${1%.001.?}" = "${2%.002.?}" ] && [ "$1" != "$2" ]' \
	sh "$ID1" "$ID2"
same "... both versions kept, the first rejected" "1|draft|rejected
2|draft|" \
	"$(sql "SELECT version || '|' || status || '|' ||
	    substr(coalesce(review, ''), 1, 8) FROM licenses
	    WHERE id IN ('$ID1', '$ID2') ORDER BY version")"
same "... the batch audited as issuing one draft" "1|0|0" \
	"$(sql "SELECT json_extract(detail, '\$.drafts') || '|' ||
	    json_extract(detail, '\$.present') || '|' ||
	    json_extract(detail, '\$.rejected') FROM audit
	    WHERE action = 'license.issue' ORDER BY seq DESC LIMIT 1")"
kill $SERVER
wait $SERVER 2> /dev/null
check "the server stopped without a sanitizer report" sh -c '! grep -q \
	-e AddressSanitizer -e LeakSanitizer -e "runtime error" "$1"' sh serve.log
