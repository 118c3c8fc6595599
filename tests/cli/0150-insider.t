#!/bin/sh
# An insider with write access to the store file (sqlite3, no key) tries to
# change the facts that decide validity (article 23, 滥用职权、徇私舞弊):
# status events and the status column, documents, grant states.  Each
# attempt is refused, says why, is audited as tampering, and nothing is
# ever printed as valid (有效).
. "$(dirname "$0")/lib.sh"

plan 97

setup_store
issue_biz "$SAMR_KEY" "$USCC_FOOD" 襄阳汉江食品有限公司 > /dev/null &&
issue_biz "$SAMR_KEY" "$USCC_LONGZHONG" 襄阳隆中餐饮管理有限公司 > /dev/null &&
issue_biz "$SAMR_KEY" "$USCC_FANCHENG" 襄阳市樊城区鹿门副食商店 > /dev/null &&
issue_biz "$SAMR_KEY" "$USCC_GULONG" 襄阳古隆中文化旅游有限公司 > /dev/null &&
issue_food "$SAMR_KEY" JY14206060012345 "$USCC_FOOD" 襄阳汉江食品有限公司 \
	> /dev/null &&
issue_food "$SAMR_KEY" JY14206060012347 "$USCC_LONGZHONG" 襄阳隆中餐饮管理有限公司 \
	> /dev/null &&
ecert-unit export --trust -k "$ADMIN_KEY" > trust.json ||
	bail "cannot issue the licenses"
# a copy kept untouched, for the anchor's own attacks (10.)
sqlite3 "$ECERT_DB" "PRAGMA wal_checkpoint(TRUNCATE)" > /dev/null &&
cp "$ECERT_DB" pristine.db && cp "$ECERT_DB.key" pristine.db.key &&
cp "$ECERT_DB.anchor" pristine.db.anchor || bail "cannot copy the store"

sql() {
	sqlite3 "$ECERT_DB" "$1"
}

# tampered ID WHY: the last audit entry records the tampering with ID
tampered_audit() {
	check "... audited as tampering, naming why" sh -c 'sqlite3 "$ECERT_DB" \
	    "SELECT outcome || \"|\" || detail FROM audit WHERE action =
	    \"fact.tampered\" AND object = \"$1\" ORDER BY seq DESC LIMIT 1" |
	    grep -q -F "tampered|" && sqlite3 "$ECERT_DB" "SELECT detail FROM
	    audit WHERE action = \"fact.tampered\" AND object = \"$1\"
	    ORDER BY seq DESC LIMIT 1" | grep -q -F "$2"' sh "$1" "$2"
}

# the hash the next event must name: of the last event's signed message
head_of() {
	sql "SELECT license, time, unit, action, status, reason, prev FROM
	    license_events WHERE license = '$1' ORDER BY seq DESC LIMIT 1" |
	/usr/bin/python3 -c '
import sys, json, hashlib
l, t, u, a, s, r, p = sys.stdin.read().rstrip("\n").split("|")
m = json.dumps({"license": l, "prev": p, "time": t, "unit": u,
    "action": a, "status": s, "reason": r}, sort_keys=True,
    separators=(",", ":"), ensure_ascii=False)
print(hashlib.sha256(m.encode()).hexdigest())'
}

# 1. A revoked license made "expired" by an unsigned event and the column,
# so that it verifies as valid, online and offline once republished.
TOKEN=$(ecert-show -k "$ADMIN_KEY" --token "$ID_BIZ_LONGZHONG") ||
	bail "cannot present the license"
ok "a license is revoked by its issuer" ecert-revoke -k "$SAMR_KEY" \
	--reason 企业申请注销登记 "$ID_BIZ_LONGZHONG"
PREV=$(head_of "$ID_BIZ_LONGZHONG")
sql "INSERT INTO license_events(license, time, unit, os_user, status,
    reason, action, prev) VALUES ('$ID_BIZ_LONGZHONG', '2025-06-30T01:00:00Z',
    '', 'dba', 'expired', 'validity ended 2025-06-29', 'expire', '$PREV');
    UPDATE licenses SET status = 'expired' WHERE id = '$ID_BIZ_LONGZHONG'"
must_fail 1 "an unsigned expiry after the revocation: ecert-verify refuses" \
	ecert-verify "$ID_BIZ_LONGZHONG"
check "... as invalid, not valid" out_has '"status":"invalid","valid":false'
check "... an expiry that does not follow from the signed dates" \
	out_has 'expiry event of 2025-06-30T01:00:00Z does not follow from the signed validity'
tampered_audit "$ID_BIZ_LONGZHONG" "does not follow from the signed validity"
ok "the status list is republished" \
	ecert-export -k "$ADMIN_KEY" --status -o status.json
check "... warning of the tampered license" \
	err_has "$ID_BIZ_LONGZHONG: tampering: expiry event"
must_fail 1 "... and the revoked license's token is refused offline" \
	ecert-verify --offline --trust trust.json --status status.json "$TOKEN"
check "... as revoked" err_has "revoked (status list)"
ok "... while another license's token verifies" sh -c '
	ecert-show -k "$1" --token "$2" > good.txt &&
	ecert-verify --offline --trust trust.json --status status.json good.txt
' sh "$ADMIN_KEY" "$ID_BIZ_GULONG"

# 2. A copy of an old signed reinstate event put in again.
ecert-revoke -k "$SAMR_KEY" --suspend --reason 经营异常 "$ID_BIZ_FOOD" \
	> /dev/null &&
ecert-revoke -k "$SAMR_KEY" --reinstate --reason 移出经营异常名录 \
	"$ID_BIZ_FOOD" > /dev/null &&
ecert-revoke -k "$SAMR_KEY" --reason 吊销营业执照 "$ID_BIZ_FOOD" > /dev/null ||
	bail "cannot change the license"
sql "INSERT INTO license_events(license, time, unit, os_user, status, reason,
    key_id, signature, action, prev) SELECT license, time, unit, os_user,
    status, reason, key_id, signature, action, prev FROM license_events
    WHERE license = '$ID_BIZ_FOOD' AND action = 'reinstate';
    UPDATE licenses SET status = 'valid' WHERE id = '$ID_BIZ_FOOD'"
must_fail 1 "a replayed reinstate event: ecert-verify refuses" \
	ecert-verify "$ID_BIZ_FOOD"
check "... as invalid" out_has '"status":"invalid","valid":false'
check "... the event does not follow the one before it" \
	out_has 'does not follow the one before it: replayed, reordered or one removed'
tampered_audit "$ID_BIZ_FOOD" "replayed"
must_fail 1 "... ecert-show refuses it" ecert-show --text "$ID_BIZ_FOOD"
check "... saying tampering" err_has "$ID_BIZ_FOOD: tampering: status event"
check "... and prints nothing as 有效" sh -c '! grep -q 有效 "$1"' sh "$OUT"

# 3. The trigger dropped and the revoke event deleted: the chain is then
# shorter than the audit log's record of changes.
ecert-revoke -k "$SAMR_KEY" --reason 企业申请注销登记 "$ID_BIZ_FANCHENG" \
	> /dev/null || bail "cannot revoke"
sql "DROP TRIGGER events_no_delete;
    DELETE FROM license_events WHERE license = '$ID_BIZ_FANCHENG';
    UPDATE licenses SET status = 'valid' WHERE id = '$ID_BIZ_FANCHENG'"
must_fail 1 "a deleted revoke event: ecert-verify refuses" \
	ecert-verify "$ID_BIZ_FANCHENG"
check "... the audit log records more changes than the chain" \
	out_has 'the audit log records 1 status change, its signed chain holds 0: an event was removed or added'
tampered_audit "$ID_BIZ_FANCHENG" "an event was removed"
before=$(store_digest)
must_fail 1 "... and its issuer cannot build on the forged state" \
	ecert-revoke -k "$SAMR_KEY" --suspend --reason 再次停用 "$ID_BIZ_FANCHENG"
check "... saying tampering" err_has "tampering: the audit log records 1"
same "... the store unchanged but for the audit" "$before" "$(store_digest)"

# 4. The status column edited: ecert-show --token and ecert-use follow the
# signed events.
ecert-revoke -k "$SAMR_KEY" --suspend --reason 停业整顿 "$ID_FOOD_2" \
	> /dev/null || bail "cannot suspend"
sql "UPDATE licenses SET status = 'valid' WHERE id = '$ID_FOOD_2'"
must_fail 1 "a suspended license made valid in the column: no token" \
	ecert-show -k "$ADMIN_KEY" --token "$ID_FOOD_2"
check "... saying what the signed events say" \
	err_has "store says valid, its signed events say suspended"
check "... nothing on standard output" test ! -s "$OUT"
tampered_audit "$ID_FOOD_2" "its signed events say suspended"
must_fail 1 "... and ecert-verify refuses it" ecert-verify "$ID_FOOD_2"
check "... as invalid" out_has '"status":"invalid","valid":false'

# 5. A document swapped, or edited, under another license's row.
sql "UPDATE licenses SET (document, signature, key_id) = (SELECT document,
    signature, key_id FROM licenses WHERE id = '$ID_BIZ_GULONG')
    WHERE id = '$ID_FOOD_1'"
must_fail 1 "a swapped document: ecert-show refuses" ecert-show --text \
	"$ID_FOOD_1"
check "... the row does not say what the signed document says" \
	err_has "$ID_FOOD_1: tampering: store row altered: identifier differs"
check "... nothing printed as 有效" test ! -s "$OUT"
tampered_audit "$ID_FOOD_1" "identifier differs"
must_fail 1 "the public query of the company lists nothing" ecert-query \
	--public --name 襄阳汉江食品有限公司 --uscc "$USCC_FOOD"
check "... not the swapped license" test ! -s "$OUT"
same "... which is audited as tampering" 1 "$(sql "SELECT count(*) FROM
    audit WHERE action = 'fact.tampered' AND object = '$ID_FOOD_1' AND seq >
    (SELECT max(seq) FROM audit WHERE action = 'license.public-query') - 3")"
sql "UPDATE licenses SET document = substr(document, 1, 40) ||
    x'00' || substr(document, 42) WHERE id = '$ID_BIZ_GULONG'"
must_fail 1 "an edited document: ecert-show refuses" ecert-show --text \
	"$ID_BIZ_GULONG"
check "... as altered" err_has "stored document altered"
tampered_audit "$ID_BIZ_GULONG" "stored document altered"
must_fail 1 "... and ecert-verify refuses" ecert-verify "$ID_BIZ_GULONG"
check "... as invalid" out_has '"status":"invalid","valid":false'

# 6. Grants: a one-use grant used three times by putting its old state
# back, and a withdrawn grant brought back.
ICBC=91420600717800001A
ecert-unit add -k "$ADMIN_KEY" --code "$ICBC" \
	--name 中国工商银行股份有限公司襄阳分行 --role user > /dev/null &&
ecert-unit key -k "$ADMIN_KEY" --unit "$ICBC" -o icbc.key > /dev/null &&
issue_biz "$SAMR_KEY" "$USCC_OTHER" 襄阳樊城测试有限公司 > /dev/null ||
	bail "cannot add the bank"
ecert-grant add -k "$ADMIN_KEY" --holder 襄阳樊城测试有限公司 \
	--holder-id "$USCC_OTHER" --matter 对公账户开立 --grantee "$ICBC" \
	--type "$T_BIZ" --until 2035-12-31 --uses 1 > grant1.out ||
	bail "cannot grant"
G1=$(sql "SELECT max(id) FROM grants")
OLD=$(sql "SELECT uses || ',' || quote(state_key) || ',' ||
    quote(state_sig) || ',' || state_seq FROM grants WHERE id = $G1")
ok "the one-use grant is used once" ecert-use -k icbc.key \
	--matter 对公账户开立 --holder "$USCC_OTHER"
restore_g1() {
	sql "UPDATE grants SET (uses, state_key, state_sig, state_seq) =
	    ($OLD) WHERE id = $G1"
}
restore_g1
before=$(store_digest)
must_fail 77 "its old state put back: the second use is refused" \
	ecert-use -k icbc.key --matter 对公账户开立 --holder "$USCC_OTHER"
check "... saying the state was put back" \
	err_has "refused: the grant's state was put back: it is older than the audit log"
check "... nothing on standard output" test ! -s "$OUT"
same "... the store unchanged but for the audit" "$before" "$(store_digest)"
same "... the refusal audited with why" \
	"license.use|matter 对公账户开立|denied|refused: the grant's state was put back: it is older than the audit log" \
	"$(sql "SELECT action || '|' || object || '|' || outcome || '|' || detail
	    FROM audit ORDER BY seq DESC LIMIT 1")"
same "... and ecert-grant show says the state is older than the log" \
	"its signed state is change 1, the audit log records 2: an old state put back" \
	"$(ecert-grant show "$G1" --json | sed -n 's/.*"tampered":"\([^"]*\)".*/\1/p')"
restore_g1
must_fail 77 "... and a third try too" \
	ecert-use -k icbc.key --matter 对公账户开立 --holder "$USCC_OTHER"
same "... one use in the audit log" 1 "$(sql "SELECT count(*) FROM audit
    WHERE action = 'grant.use' AND object = 'grant $G1'")"
ecert-grant add -k "$ADMIN_KEY" --holder 襄阳樊城测试有限公司 \
	--holder-id "$USCC_OTHER" --matter 对公账户开立 --grantee "$ICBC" \
	--type "$T_BIZ" --until 2035-12-31 > grant2.out || bail "cannot grant"
G2=$(sql "SELECT max(id) FROM grants")
OLD2=$(sql "SELECT quote(state_key) || ',' || quote(state_sig) || ',' ||
    state_seq FROM grants WHERE id = $G2")
ok "a second grant is withdrawn" ecert-grant withdraw -k "$ADMIN_KEY" \
	--reason 持证主体撤回授权 "$G2"
sql "UPDATE grants SET (withdrawn_at, withdrawn_by, withdrawn_reason,
    state_key, state_sig, state_seq) = (NULL, NULL, NULL, $OLD2)
    WHERE id = $G2"
must_fail 77 "the withdrawn grant brought back: refused" \
	ecert-use -k icbc.key --matter 对公账户开立 --holder "$USCC_OTHER"
check "... saying the state was put back" \
	err_has "the grant's state was put back"
same "... ecert-grant show says so" \
	"its signed state is change 1, the audit log records 2: an old state put back" \
	"$(ecert-grant show "$G2" --json | sed -n 's/.*"tampered":"\([^"]*\)".*/\1/p')"
tampered_audit "grant $G2" "an old state put back"
sql "UPDATE grants SET state_seq = 2 WHERE id = $G2"
must_fail 77 "... and with its counter raised by hand: refused" \
	ecert-use -k icbc.key --matter 对公账户开立 --holder "$USCC_OTHER"
same "... its signature no longer matching" false \
	"$(ecert-grant show "$G2" --json | sed -n 's/.*"signature_ok":\([a-z]*\).*/\1/p')"

# 7. The trust anchor: the platform's key pinned beside the store.
check "ecert-init pinned the platform's key beside the store" \
	grep -q '"type":"ecert-anchor","unit":"'"$PLATFORM"'"' "$ECERT_DB.anchor"
same "... readable by all, not writable by others" 644 \
	"$(file_mode "$ECERT_DB.anchor")"

# 8. With the store key file too: a rogue key put into `keys` for an
# issuing unit.  Its key file is made in a scratch store, its row copied.
mkdir rogue &&
ecert-init -d rogue/ecert.db --code "$PLATFORM" --name 襄阳市行政审批局 \
	-o rogue/admin.key > /dev/null 2>&1 &&
ecert-unit add -d rogue/ecert.db -k rogue/admin.key --code "$SAMR" \
	--name 襄阳市市场监督管理局 --role issuer,user > /dev/null 2>&1 &&
ecert-unit key -d rogue/ecert.db -k rogue/admin.key --unit "$SAMR" \
	-o rogue/samr.key > /dev/null 2>&1 || bail "cannot make the rogue key"
ROGUE=$(sqlite3 rogue/ecert.db "SELECT key_id FROM keys WHERE unit = '$SAMR'")
sql "ATTACH '$SCRATCH/rogue/ecert.db' AS r; INSERT INTO keys SELECT * FROM
    r.keys WHERE key_id = '$ROGUE'"
before=$(store_digest)
must_fail 77 "a rogue key in keys: it cannot issue" ecert-issue -k rogue/samr.key \
	-t "$T_BIZ" -f number=91420600MA4ROGUE01 -f holder=襄阳假冒有限公司
check "... it is not registered (not signed by the platform)" \
	err_has "not registered in store"
same "... the store unchanged but for the audit" "$before" "$(store_digest)"
same "... the refusal audited" "key.open|$ROGUE|denied" "$(audit_last)"
ok "the trust list exported" sh -c 'ecert-unit export --trust -k "$1" > trust2.json' \
	sh "$ADMIN_KEY"
check "... does not hold the rogue key" sh -c '! grep -q "$1" trust2.json' sh "$ROGUE"
# a license sealed with the rogue key and the store key file: issued in a
# copy of the store moved away from its anchor, made a legacy store there
# (its signatures wiped) and anchored on the rogue key, its row copied back
sql "PRAGMA wal_checkpoint(TRUNCATE)" > /dev/null
cp "$ECERT_DB" copy.db && cp "$ECERT_DB.key" copy.db.key || bail "cannot copy"
sqlite3 copy.db "UPDATE units SET sig = NULL, sig_key = NULL;
    UPDATE keys SET sig = NULL, sig_key = NULL;
    UPDATE license_types SET sig = NULL, sig_key = NULL;
    UPDATE units SET roles = roles | 1 WHERE code = '$SAMR'" ||
	bail "cannot forge the copy"
ecert-unit anchor -d copy.db -k rogue/samr.key > rogue.out 2>&1 ||
	bail "rogue anchor: $(cat rogue.out)"
ecert-issue -d copy.db -k rogue/samr.key -t "$T_BIZ" \
	-f number=91420600MA4K000153 -f holder=襄阳假冒商贸有限公司 \
	-f holder_id=91420600MA4K000153 \
	-f 类型='有限责任公司（自然人投资或控股）' -f 法定代表人=王襄州 \
	-f 注册资本=伍佰万元整 -f 成立日期=2019-03-18 \
	-f 住所='湖北省襄阳市樊城区长虹北路18号' \
	-f 经营范围='食品销售' > rogue.out 2>&1 || bail "rogue issue: $(cat rogue.out)"
ROGUE_ID=$(sqlite3 copy.db "SELECT id FROM licenses WHERE key_id = '$ROGUE'")
sql "ATTACH '$SCRATCH/copy.db' AS r; INSERT INTO licenses SELECT * FROM
    r.licenses WHERE id = '$ROGUE_ID'"
must_fail 1 "a license sealed with the rogue key: ecert-verify refuses" \
	ecert-verify "$ROGUE_ID"
check "... as invalid" out_has '"status":"invalid","valid":false'
check "... the key is unknown: not signed by the platform" \
	out_has "signed with unknown key $ROGUE"
tampered_audit "$ROGUE_ID" "signed with unknown key $ROGUE"

# 9. A user-only unit given the issuer role, and the type, in the store.
sql "UPDATE units SET roles = 6 WHERE code = '$HRSS';
    UPDATE license_types SET issuer = '$HRSS', definition =
    json_set(definition, '$.issuer', '$HRSS') WHERE code = '$T_FOOD'"
before=$(store_digest)
must_fail 65 "a user-only unit made issuer in units and license_types: no issuing" \
	ecert-issue -k "$HRSS_KEY" -t "$T_FOOD" -f number=JY14206069999999 \
	-f holder=襄阳汉江食品有限公司 -f holder_id="$USCC_FOOD"
check "... the type's entry is not the one the platform signed" \
	err_has "field type: $T_FOOD: not in the catalog"
same "... the store unchanged but for the audit" "$before" "$(store_digest)"
sql "UPDATE license_types SET issuer = '$SAMR', definition =
    json_set(definition, '$.issuer', '$SAMR') WHERE code = '$T_FOOD'"
must_fail 77 "... and with the type put back, the forged role alone" \
	ecert-issue -k "$HRSS_KEY" -t "$T_FOOD" -f number=JY14206069999999 \
	-f holder=襄阳汉江食品有限公司 -f holder_id="$USCC_FOOD"
check "... is not believed" err_has "unit $HRSS may not issue type $T_FOOD"

# 10. The anchor is not on the store's word: without it, nothing is believed.
sql "UPDATE units SET roles = 4 WHERE code = '$HRSS'"
mv "$ECERT_DB.anchor" main.anchor || bail "cannot move the anchor"
must_fail 1 "ecert-unit anchor on a store holding the rogue key: refused" \
	ecert-unit anchor -k "$ADMIN_KEY"
check "... naming the rogue key" err_has "anchor: key $ROGUE: tampered"
check "... no anchor written" test ! -e "$ECERT_DB.anchor"
mv main.anchor "$ECERT_DB.anchor" || bail "cannot put the anchor back"
ECERT_DB=$SCRATCH/pristine.db
export ECERT_DB
ok "with its anchor, a license verifies" ecert-verify "$ID_FOOD_1"
mv "$ECERT_DB.anchor" anchor.saved || bail "cannot move the anchor"
before=$(store_digest)
must_fail 74 "the anchor file deleted: ecert-verify refuses" \
	ecert-verify "$ID_FOOD_1"
check "... naming the missing anchor and how to give it" \
	err_has "anchor $ECERT_DB.anchor: missing; the store's units, keys and catalog are not believed without it (put the platform's anchor file there, or name it with ECERT_ANCHOR)"
check "... and printing nothing as valid" sh -c '! grep -q "valid" "$1"' sh "$OUT"
same "... the store unchanged" "$before" "$(store_digest)"
must_fail 74 "... and so does ecert-issue" ecert-issue -k "$SAMR_KEY" -t "$T_FOOD" \
	-f number=JY14206069999998 -f holder=襄阳汉江食品有限公司 -f holder_id="$USCC_FOOD"
ok "... ECERT_ANCHOR naming the anchor elsewhere: it verifies" \
	env ECERT_ANCHOR="$SCRATCH/anchor.saved" ecert-verify "$ID_FOOD_1"
must_fail 1 "ECERT_ANCHOR naming another platform's anchor: refused" \
	env ECERT_ANCHOR="$SCRATCH/rogue/ecert.db.anchor" ecert-verify "$ID_FOOD_1"
check "... as not valid" sh -c '! grep -q "\"valid\":true" "$1"' sh "$OUT"
sql "UPDATE units SET roles = 6 WHERE code = '$HRSS'"
before=$(store_digest)
must_fail 1 "ecert-unit anchor on a store with an edited unit: refused" \
	ecert-unit anchor -k "$ADMIN_KEY"
check "... naming the edited row" \
	err_has "anchor: unit $HRSS: tampered: not as the platform key"
same "... nothing signed, no anchor written" "$before" "$(store_digest)"
check "... no anchor file" test ! -e "$ECERT_DB.anchor"
sql "UPDATE units SET roles = 4 WHERE code = '$HRSS'"
must_fail 77 "ecert-unit anchor with a key that is not the platform's: refused" \
	ecert-unit anchor -k "$SAMR_KEY"
ok "ecert-unit anchor with the platform's key gives the anchor back" \
	ecert-unit anchor -k "$ADMIN_KEY"
same "... the anchor as it was" "$(cat anchor.saved)" "$(cat "$ECERT_DB.anchor")"
same "... audited" "store.anchor|$(sed 's/.*"key_id":"\([^"]*\)".*/\1/' anchor.saved)|ok" \
	"$(audit_last)"
ok "... and the license verifies again" ecert-verify "$ID_FOOD_1"
must_fail 74 "ecert-unit anchor once more: the store is anchored already" \
	ecert-unit anchor -k "$ADMIN_KEY"
check "... says so" err_has "already there; the store is anchored"
