#!/bin/sh
# 国密 (article 20): SM2 seals with SM3 beside Ed25519.  SM2 keys made and
# rotated across algorithms, a store that mixes both, every verifier
# (online, --trust, --offline) on both, forged SM2 signatures refused and
# audited, an SM2 platform, and the seals checked by the openssl command
# over the bytes ecert(5) says are signed.
. "$(dirname "$0")/lib.sh"

plan 102

setup_store
HCB_KEY=$SCRATCH/hcb.key

# sm3 < FILE: SM3 hex digest, by openssl
sm3() {
	openssl dgst -sm3 -r | cut -d ' ' -f 1
}

# keyline N FILE: the value of the key file's line N
keyline() {
	sed -n "${1}p" "$2" | cut -d ' ' -f 2-
}

# unhex HEX: the bytes (dash's printf has no \x)
unhex() {
	perl -e 'binmode STDOUT; print pack("H*", $ARGV[0])' "$1"
}

# b64hex B64: the bytes as hex
b64hex() {
	printf '%s' "$1" | base64 -d | od -An -v -tx1 | tr -d ' \n'
}

# flip_last B64: the same bytes with the last one changed
flip_last() {
	_h=$(b64hex "$1")
	_l=${#_h}
	_t=$(printf '%s' "$_h" | cut -c "$((_l - 1))-")
	if [ "$_t" = 00 ]; then _t=01; else _t=00; fi
	unhex "$(printf '%s' "$_h" | cut -c "1-$((_l - 2))")$_t" | base64 -w 0
}

# issue_build NUMBER NAME USCC: a 建筑工程施工许可证 by the housing bureau
issue_build() {
	ecert-issue -k "$HCB_KEY" -t "$T_BUILD" -f number="$1" \
	    -f holder="$2" -f holder_id="$3" \
	    -f 工程名称=襄阳东津新区市民服务中心 \
	    -f 建设地址='襄阳市东津新区汉江北路1号' \
	    -f 建设规模='地上18层，地下2层，建筑面积56000平方米' \
	    -f '合同价格（万元）=32800.00' \
	    -f 勘察单位=湖北省综合勘察研究设计院有限公司 \
	    -f 设计单位=襄阳市建筑设计研究院有限公司 \
	    -f 施工单位=湖北襄阳建工集团有限公司 \
	    -f 施工单位统一社会信用代码="$USCC_FOOD" \
	    -f 施工单位项目负责人=王襄州 \
	    -f "合同工期（日历天）=540"
}

# openssl_check MSG SIG_B64 PUB_B64: openssl's verdict on an ecert SM2
# seal: the 64-byte r||s made DER, the 65-byte point made a
# SubjectPublicKeyInfo, both as ecert(5) shows.
openssl_check() {
	b64hex "$2" > rs.hex
	printf 'asn1=SEQUENCE:sig\n[sig]\nr=INTEGER:0x%s\ns=INTEGER:0x%s\n' \
		"$(cut -c 1-64 rs.hex)" "$(cut -c 65-128 rs.hex)" > sig.cnf
	openssl asn1parse -genconf sig.cnf -noout -out sig.der || return 2
	{ printf '\060\131\060\023\006\007\052\206\110\316\075\002\001\006\010'
	  printf '\052\201\034\317\125\001\202\055\003\102\000'
	  printf '%s' "$3" | base64 -d; } > pub.der
	openssl pkeyutl -verify -pubin -keyform DER -inkey pub.der -rawin \
		-digest sm3 -pkeyopt distid:1234567812345678 -in "$1" \
		-sigfile sig.der
}

# --- keys ---------------------------------------------------------------
ok "the housing bureau gets an SM2 key" \
	ecert-unit key -k "$ADMIN_KEY" --unit "$HCB" -o "$HCB_KEY" --alg sm2
HCB_KID=$(cat "$OUT")
same "... the key file keeps its eleven lines, alg sm2" "11|sm2" \
	"$(wc -l < "$HCB_KEY" | tr -d ' ')|$(keyline 2 "$HCB_KEY")"
same "... mode 0600" 600 "$(file_mode "$HCB_KEY")"
same "... its public key is a 65-byte point 04||x||y" "65|04" \
	"$(keyline 5 "$HCB_KEY" | base64 -d | wc -c | tr -d ' ')|$(keyline 5 "$HCB_KEY" | base64 -d | od -An -N1 -tx1 | tr -d ' ')"
same "... sealed: the 32-byte secret scalar and a 16-byte tag" 48 \
	"$(keyline 11 "$HCB_KEY" | base64 -d | wc -c | tr -d ' ')"
same "... its id is 8 bytes of SM3 of the point" \
	"$(keyline 5 "$HCB_KEY" | base64 -d | sm3 | cut -c 1-16)" "$HCB_KID"
same "... the audit names the algorithm" "key.add|$HCB_KID|ok" "$(audit_last)"
same "... with detail" "$HCB sm2" \
	"$(sqlite3 "$ECERT_DB" 'SELECT detail FROM audit ORDER BY seq DESC LIMIT 1')"
ok "export shows it" ecert-unit export --unit "$HCB"
check "... as sm2 with its public key" grep -q \
	"\"alg\":\"sm2\",\"key_id\":\"$HCB_KID\".*\"public_key\":\"$(keyline 5 "$HCB_KEY")\"" "$OUT"
same "... and the .pub file agrees" "sm2|$HCB_KID" \
	"$(json_field alg key_id < "$HCB_KEY.pub" | tr '\t' '|')"
must_fail 64 "--alg rsa: usage" \
	ecert-unit key -k "$ADMIN_KEY" --unit "$HCB" -o x.key --alg rsa
check "... saying which algorithms there are" \
	err_has "--alg rsa: algorithms are ed25519 and sm2"
check "... no key file written" test ! -e x.key
must_fail 64 "--alg with add: usage" ecert-unit add -k "$ADMIN_KEY" \
	--code "$USCC_OTHER" --name 某单位 --role user --alg sm2
ok "the housing bureau drafts a construction permit with its SM2 key open" \
	issue_build 420600202506300101 襄阳市城市建设投资有限公司 "$USCC_GULONG"
same "... audited as its own" "$HCB" \
	"$(sqlite3 "$ECERT_DB" 'SELECT unit FROM audit ORDER BY seq DESC LIMIT 1')"

# --- rotation ed25519 -> sm2 -> ed25519 ----------------------------------
ok "the market regulator issues with its Ed25519 key" \
	issue_biz "$SAMR_KEY" "$USCC_FOOD" 襄阳汉江食品有限公司
ok "... rotates to SM2" \
	ecert-unit rotate -k "$SAMR_KEY" -o samr-sm2.key --alg sm2
SAMR_SM2_KID=$(cat "$OUT")
ok "... issues with the SM2 key" \
	issue_biz samr-sm2.key "$USCC_LONGZHONG" 襄阳隆中餐饮管理有限公司
ok "... and a food business license" \
	issue_food samr-sm2.key JY14206060012345 "$USCC_FOOD" 襄阳汉江食品有限公司
ok "the old Ed25519 license still verifies online" \
	ecert-verify "$ID_BIZ_FOOD"
ok "the SM2 license verifies online" ecert-verify "$ID_BIZ_LONGZHONG"
same "... audited" "license.verify|$ID_BIZ_LONGZHONG|valid" "$(audit_last)"
ok "ecert-show --json of the SM2 license" ecert-show --json "$ID_BIZ_LONGZHONG"
cp "$OUT" sm2.json
same "... says sm2, the new key, the issuer" "sm2|$SAMR_SM2_KID|$SAMR" \
	"$(json_field signature.alg signature.key_id signature.signer < sm2.json | tr '\t' '|')"
same "... a 64-byte signature" 64 \
	"$(json_field signature.value < sm2.json | base64 -d | wc -c | tr -d ' ')"
ecert-show --json "$ID_BIZ_FOOD" > ed.json
same "the Ed25519 license still says ed25519" ed25519 \
	"$(json_field signature.alg < ed.json)"
ok "the SM2 key suspends its food license (an SM2-signed event)" \
	ecert-revoke -k samr-sm2.key --suspend --reason 停业整顿 "$ID_FOOD_1"
must_fail 1 "... online: suspended, its SM2 event signature checked" \
	ecert-verify "$ID_FOOD_1"
check "... said so" out_has '"status":"suspended"'
ok "... rotates back to Ed25519 (the default)" \
	ecert-unit rotate -k samr-sm2.key -o samr-ed.key
ok "... issues with Ed25519 again" \
	issue_biz samr-ed.key "$USCC_FANCHENG" 襄阳市樊城区鹿门副食商店
must_fail 77 "the retired SM2 key signs nothing more" \
	issue_biz samr-sm2.key "$USCC_GULONG" 襄阳古隆中文化旅游有限公司
check "... said so" err_has "retired on"
ok "after both rotations every license of the three keys verifies online" \
	ecert-verify "$ID_BIZ_FOOD" "$ID_BIZ_LONGZHONG" "$ID_BIZ_FANCHENG"
same "... all three valid" 3 "$(grep -c '"valid":true' "$OUT")"
ok "the Ed25519 key reinstates the license the SM2 key suspended" \
	ecert-revoke -k samr-ed.key --reinstate --reason 整改完成 "$ID_FOOD_1"
ok "... and it verifies: an SM2 and an Ed25519 event in one history" \
	ecert-verify "$ID_FOOD_1"

# --- a mixed store --------------------------------------------------------
ok "the natural resources bureau (Ed25519) issues beside them" \
	issue_estate "$NRB_KEY" '鄂(2025)襄阳市不动产权第0012345号' 张汉江 "$CID_ZHANG"
ID_ESTATE=$(issued_id)
same "the store holds keys of both algorithms" "ed25519|5 sm2|2" \
	"$(sqlite3 "$ECERT_DB" "SELECT alg || '|' || count(*) FROM keys GROUP BY alg ORDER BY alg" | tr '\n' ' ' | sed 's/ $//')"
ok "query | verify: every license of the mixed store" \
	sh -c 'ecert-query --status valid | ecert-verify'
same "... five valid, of four keys, one SM2" 5 "$(grep -c '"valid":true' "$OUT")"

# --- --trust: documents, no store ------------------------------------------
ecert-unit export > trust.jsonl
ok "the SM2 document verifies with the trust file and no store" \
	env ECERT_DB="$SCRATCH/no-such.db" ecert-verify --trust trust.jsonl sm2.json
ok "... so does the Ed25519 one, after two rotations" \
	env ECERT_DB="$SCRATCH/no-such.db" ecert-verify --trust trust.jsonl ed.json
ecert-unit export --trust -k "$ADMIN_KEY" > trust.json
ok "... and with the signed trust list and its anchor" \
	ecert-verify --trust trust.json --anchor "$ADMIN_KEY.pub" sm2.json
sed 's/襄阳隆中餐饮管理有限公司/襄阳隆中餐饮管理有限公可/' sm2.json > forged.json
must_fail 1 "a changed SM2 document: not valid" \
	ecert-verify --trust trust.jsonl forged.json
check "... the signature does not match" \
	err_has "signature does not match the document"
sed 's/"alg":"sm2"/"alg":"ed25519"/' sm2.json > confused.json
must_fail 1 "an SM2 seal relabelled ed25519: not valid" \
	ecert-verify --trust trust.jsonl confused.json
check "... the key says which algorithm" \
	err_has "signature says ed25519, key $SAMR_SM2_KID is sm2"
sed "s/\"alg\":\"sm2\",\"key_id\":\"$SAMR_SM2_KID\"/\"alg\":\"ed25519\",\"key_id\":\"$SAMR_SM2_KID\"/" \
	trust.jsonl > confused.jsonl
must_fail 1 "... nor when the trust file calls the SM2 key ed25519" \
	ecert-verify --trust confused.jsonl sm2.json

# --- --offline: tokens -----------------------------------------------------
ecert-export -k "$ADMIN_KEY" --status -o status.json
ok "the platform presents the SM2 license as a token" \
	ecert-show -k "$ADMIN_KEY" --token "$ID_BIZ_LONGZHONG"
cp "$OUT" sm2-token.txt
check "... under 1000 characters" test "$(wc -c < sm2-token.txt)" -le 1001
ok "... it verifies offline" \
	ecert-verify --offline --trust trust.json --status status.json sm2-token.txt
check "... as valid" out_has '"valid":true'
ecert-show -k "$ADMIN_KEY" --token "$ID_BIZ_FOOD" > ed-token.txt
ok "the Ed25519 license's token verifies offline beside it" \
	ecert-verify --offline --trust trust.json --status status.json ed-token.txt
# flip one base45 character inside the issuer's SM2 signature
tok=$(cat sm2-token.txt)
len=${#tok}
pos=$((len - 150))
c=$(printf '%s' "$tok" | cut -c "$pos")
if [ "$c" = 0 ]; then r=1; else r=0; fi
printf '%s%s%s\n' "$(printf '%s' "$tok" | cut -c "1-$((pos - 1))")" "$r" \
	"$(printf '%s' "$tok" | cut -c "$((pos + 1))-")" > forged-token.txt
must_fail 1 "a token with a changed byte near its end: not valid" \
	ecert-verify --offline --trust trust.json --status status.json forged-token.txt
# format 2: that byte is in a disclosure, which the SM3 digests catch
check "... a digest or signature does not match" \
	sh -c 'grep -q -e "signature does not match" -e "not in the signed core" -e "damaged" "$1"' sh "$ERR"

# --- forged SM2 signatures in the store: refused, audited, nothing changed --
sig=$(sqlite3 "$ECERT_DB" "SELECT signature FROM licenses WHERE id = '$ID_BIZ_LONGZHONG'")
forged=$(flip_last "$sig")
sqlite3 "$ECERT_DB" "UPDATE licenses SET signature = '$forged' WHERE id = '$ID_BIZ_LONGZHONG'"
before=$(store_digest)
n=$(audit_count)
must_fail 1 "a forged SM2 seal in the store: not valid" \
	ecert-verify "$ID_BIZ_LONGZHONG"
check "... the signature does not match" \
	err_has "signature does not match the document"
same "... audited as invalid" "license.verify|$ID_BIZ_LONGZHONG|invalid" \
	"$(audit_last)"
same "... and as tampering (fact.tampered): two audit entries more" \
	$((n + 2)) "$(audit_count)"
same "... and nothing else changed" "$before" "$(store_digest)"
other=$(sqlite3 "$ECERT_DB" "SELECT signature FROM licenses WHERE id = '$ID_FOOD_1'")
sqlite3 "$ECERT_DB" "UPDATE licenses SET signature = '$other' WHERE id = '$ID_BIZ_LONGZHONG'"
must_fail 1 "another license's good SM2 seal: not valid either" \
	ecert-verify "$ID_BIZ_LONGZHONG"
sqlite3 "$ECERT_DB" "UPDATE licenses SET signature = '$sig' WHERE id = '$ID_BIZ_LONGZHONG'"
ok "... the genuine seal put back: valid" ecert-verify "$ID_BIZ_LONGZHONG"
esig=$(sqlite3 "$ECERT_DB" "SELECT signature FROM license_events WHERE license = '$ID_FOOD_1' ORDER BY seq LIMIT 1")
# an insider with a shell drops the trigger that guards the events
sqlite3 "$ECERT_DB" "DROP TRIGGER events_no_change;
    UPDATE license_events SET signature = '$sig' WHERE license = '$ID_FOOD_1' AND signature = '$esig'"
before=$(store_digest)
must_fail 1 "a forged SM2 event signature: not valid" ecert-verify "$ID_FOOD_1"
check "... the event's signature is bad" err_has "bad signature"
same "... audited" "license.verify|$ID_FOOD_1|invalid" "$(audit_last)"
same "... nothing else changed" "$before" "$(store_digest)"
sqlite3 "$ECERT_DB" "UPDATE license_events SET signature = '$esig' WHERE license = '$ID_FOOD_1' AND signature = '$sig'"

# --- grants by an SM2 unit ---------------------------------------------------
ok "the housing bureau makes an SM2-signed grant" ecert-grant add \
	-k "$HCB_KEY" --holder 襄阳市城市建设投资有限公司 \
	--holder-id "$USCC_GULONG" --matter 社会保险登记 --grantee "$HRSS" \
	--type "$T_BUILD" --until 2099-12-31
gid=$(sed 's/[^0-9]//g' "$OUT")
same "... signed with its SM2 key" "$HCB_KID" \
	"$(sqlite3 "$ECERT_DB" "SELECT key_id FROM grants WHERE id = $gid")"
ok "... listed with its signature checked" ecert-grant list --all
check "... signature_ok" grep -q "\"id\":$gid,.*\"signature_ok\":true" "$OUT"
sqlite3 "$ECERT_DB" "UPDATE grants SET signature = '$sig' WHERE id = $gid"
ok "a forged SM2 grant signature is listed" ecert-grant list --all
check "... as not signed" grep -q "\"id\":$gid,.*\"signature_ok\":false" "$OUT"

# --- the openssl cross-check: no ecert ----------------------------------------
# format 2: the seal is over the core (ecert(5)), which the signed form
# carries in base64
{ printf 'ecert-core-v2\000'; jq -r .signature.core sm2.json | base64 -d; } > msg
pub=$(jq -r "select(.key_id == \"$SAMR_SM2_KID\") | .public_key" trust.jsonl)
ok "openssl pkeyutl -verify -rawin -digest sm3 accepts the license's seal" \
	openssl_check msg "$(json_field signature.value < sm2.json)" "$pub"
check "... Signature Verified Successfully" \
	out_has "Signature Verified Successfully"
{ printf 'ecert-core-v2\000'; jq -r .signature.core sm2.json | base64 -d | sed 's/11420600MB1234567T/11420600MB1234567U/'; } > msg2
must_fail 1 "... and refuses the document with one character changed" \
	openssl_check msg2 "$(json_field signature.value < sm2.json)" "$pub"
check "... Signature Verification Failure" \
	out_has "Signature Verification Failure"
must_fail 1 "... and the seal with its last byte changed" \
	openssl_check msg "$(flip_last "$(json_field signature.value < sm2.json)")" "$pub"
must_fail 1 "... without the default distinguishing ID it is another signature" \
	sh -c 'openssl pkeyutl -verify -pubin -keyform DER -inkey pub.der \
	    -rawin -digest sm3 -in msg -sigfile sig.der'

# --- an SM2 platform ----------------------------------------------------------
P2=$SCRATCH/p2.db
ok "ecert-init --alg sm2: an SM2 platform" \
	ecert-init -d "$P2" --code "$PLATFORM" --name 襄阳市行政审批局 \
	-o p2-platform.key --alg sm2
same "... audited with its algorithm" "襄阳市行政审批局 (sm2)" \
	"$(sqlite3 "$P2" 'SELECT detail FROM audit WHERE seq = 1')"
same "... its key is SM2" sm2 "$(keyline 2 p2-platform.key)"
ecert-unit add -d "$P2" -k p2-platform.key --code "$SAMR" \
	--name 襄阳市市场监督管理局 --role issuer,user &&
ecert-unit key -d "$P2" -k p2-platform.key --unit "$SAMR" -o p2-samr.key \
	> /dev/null &&
ecert-catalog load -d "$P2" -k p2-platform.key \
	"$ECERT_SHARE"/catalog/business-license.yaml 2> /dev/null ||
	bail "cannot set up the SM2 platform's store"
ok "an Ed25519 issuer under the SM2 platform issues" \
	env ECERT_DB="$P2" sh -c '. "$1"; issue_biz p2-samr.key "$2" 襄阳汉江食品有限公司' \
	sh "$TESTDIR/lib.sh" "$USCC_FOOD"
ok "the SM2 platform signs the trust list" \
	ecert-unit export -d "$P2" --trust -k p2-platform.key
cp "$OUT" p2-trust.json
same "... with its SM2 key" "sm2|$(keyline 4 p2-platform.key)" \
	"$(jq -r '.key_id as $k | .keys[] | select(.key_id == $k) | .alg + "|" + .key_id' p2-trust.json)"
ok "... and the status list" \
	ecert-export -d "$P2" -k p2-platform.key --status -o p2-status.json
ok "... and presents the license" \
	ecert-show -d "$P2" -k p2-platform.key --token "$ID_BIZ_FOOD"
cp "$OUT" p2-token.txt
ok "offline: the token under the SM2 platform's lists" \
	ecert-verify --offline --trust p2-trust.json --anchor p2-platform.key.pub \
	--status p2-status.json p2-token.txt
check "... valid" out_has '"valid":true'
sed 's/"unit_name":"襄阳市市场监督管理局"/"unit_name":"襄阳市市场监督管理局 "/' \
	p2-trust.json > p2-forged-trust.json
must_fail 1 "a changed SM2-signed trust list: refused" \
	ecert-verify --offline --trust p2-forged-trust.json \
	--status p2-status.json p2-token.txt
check "... the platform signature does not match" \
	err_has "platform signature does not match"
must_fail 1 "the SM2 platform's lists against another platform's anchor" \
	ecert-verify --offline --trust p2-trust.json --anchor "$ADMIN_KEY.pub" \
	--status p2-status.json p2-token.txt
{ printf 'ecert-status-v1\000'; jq -cjS 'del(.signature)' p2-status.json; } > smsg
ok "openssl accepts the SM2 status list's signature too" \
	openssl_check smsg "$(jq -r .signature p2-status.json)" \
	"$(jq -r '.key_id as $k | .keys[] | select(.key_id == $k) | .public_key' p2-trust.json)"
ok "the SM2 platform backs up its store" \
	ecert-backup create -d "$P2" -k p2-platform.key -o p2-backup.db
ok "... and the backup verifies: its manifest's SM2 signature holds" \
	ecert-backup verify --json -d "$P2" p2-backup.db
same "... the manifest check passed" true \
	"$(jq -r 'select(.check == "manifest") | .ok' "$OUT")"
jq -c '.counts.licenses += 1' p2-backup.db.manifest > m && mv m p2-backup.db.manifest
must_fail 1 "... a changed manifest: refused" \
	ecert-backup verify --json -d "$P2" p2-backup.db
same "... the manifest check failed" false \
	"$(jq -r 'select(.check == "manifest") | .ok' "$OUT")"
ok "make demo ALG=sm2 runs the demo with SM2 seals" \
	sh "$ECERT_SHARE/examples/demo.sh" "$ECERT_BIN" "$ECERT_SHARE" sm2
check "... its issuer's key is SM2" out_has '"alg":"sm2"'
