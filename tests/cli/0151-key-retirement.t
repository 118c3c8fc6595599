#!/bin/sh
# A key's retirement (article 23): when a unit rotates its key, the old
# key's not_after is signed by the retiring key itself and audited as
# key.retire.  An insider with sqlite3 who changes, clears or replays a
# retirement, to bring an old (perhaps leaked) key file back to life or to
# widen the window in which it signs, is caught: the key is believed no
# more, its licenses do not verify, its file opens nothing, each refusal
# says why and is audited as fact.tampered.
. "$(dirname "$0")/lib.sh"

plan 39

setup_store
issue_biz "$SAMR_KEY" "$USCC_FOOD" 襄阳汉江食品有限公司 > /dev/null ||
	bail "cannot issue"
K1=$(sqlite3 "$ECERT_DB" "SELECT key_id FROM keys WHERE unit = '$SAMR'")

sql() {
	sqlite3 "$ECERT_DB" "$1"
}

# tampered_audit OBJECT WHY: the last fact.tampered entry of OBJECT
tampered_audit() {
	same "... audited as tampering with $1, naming why" "tampered|$2" \
	    "$(sql "SELECT outcome || '|' || detail FROM audit WHERE action =
	    'fact.tampered' AND object = '$1' ORDER BY seq DESC LIMIT 1")"
}

# the rotation: the old key's retirement signed by itself
ok "the market regulator rotates its own key" \
	ecert-unit rotate -k "$SAMR_KEY" -o samr2.key
K2=$(cat "$OUT")
NA1=$(sql "SELECT not_after FROM keys WHERE key_id = '$K1'")
same "... the old key's retirement is signed by the old key itself" \
	"$K1|1" "$(sql "SELECT retire_key || '|' || (length(retire_sig) = 88)
	    FROM keys WHERE key_id = '$K1'")"
same "... and audited as key.retire with its date" "key.retire|$K1|ok|$NA1" \
	"$(sql "SELECT action || '|' || object || '|' || outcome || '|' ||
	    detail FROM audit WHERE action = 'key.retire'")"
/usr/bin/python3 - "$ECERT_DB" "$K1" > retire.check <<'PY'
import base64, json, sqlite3, sys
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
con = sqlite3.connect(sys.argv[1])
unit, pub, na, sig = con.execute("SELECT unit, public_key, not_after,"
    " retire_sig FROM keys WHERE key_id = ?", (sys.argv[2],)).fetchone()
m = json.dumps({"table": "keys", "retire": sys.argv[2], "unit": unit,
    "not_after": na}, sort_keys=True, separators=(",", ":"))
Ed25519PublicKey.from_public_bytes(base64.b64decode(pub)).verify(
    base64.b64decode(sig), b"ecert-fact-v1\0" + m.encode())
print("ok")
PY
same "... a signature Python's cryptography verifies over what ecert(5) says" \
	ok "$(cat retire.check)"
issue_biz samr2.key "$USCC_LONGZHONG" 襄阳隆中餐饮管理有限公司 > /dev/null ||
	bail "cannot issue with the new key"
ok "the license the old key sealed still verifies" ecert-verify "$ID_BIZ_FOOD"
must_fail 77 "the old key file issues nothing" issue_biz "$SAMR_KEY" \
	"$USCC_FANCHENG" 襄阳市樊城区鹿门副食商店
check "... it is retired" err_has "retired on $NA1"
SAVED=$(sql "SELECT quote(not_after) || ',' || quote(retire_key) || ',' ||
    quote(retire_sig) FROM keys WHERE key_id = '$K1'")
put_back() {
	sql "UPDATE keys SET (not_after, retire_key, retire_sig) = ($SAVED)
	    WHERE key_id = '$K1'"
}

# 1. The retirement moved later, to widen the old key's window.
sql "UPDATE keys SET not_after = '2099-12-31T00:00:00Z' WHERE key_id = '$K1'"
before=$(store_digest)
must_fail 1 "not_after moved later: ecert-verify refuses the old key's license" \
	ecert-verify "$ID_BIZ_FOOD"
check "... as invalid: the key is not believed" \
	out_has '"status":"invalid","valid":false'
check "... signed with a key the store does not vouch for" \
	out_has "signed with unknown key $K1"
tampered_audit "$K1" "key $K1: the store says it was retired on 2099-12-31T00:00:00Z, the audit log on $NA1"
same "... the store unchanged but for the audit" "$before" "$(store_digest)"
ok "... the trust list exported" sh -c \
	'ecert-unit export --trust -k "$1" > trust.json' sh "$ADMIN_KEY"
check "... leaves the key out, so offline verifiers refuse it too" \
	sh -c '! grep -q "$1" trust.json' sh "$K1"
put_back
ok "the retirement put back: the license verifies again" \
	ecert-verify "$ID_BIZ_FOOD"

# 2. The retirement cleared, to bring the old key file back to life.
sql "UPDATE keys SET not_after = NULL, retire_key = NULL, retire_sig = NULL
    WHERE key_id = '$K1'"
before=$(store_digest)
must_fail 1 "not_after cleared: the old key file issues nothing" \
	issue_biz "$SAMR_KEY" "$USCC_FANCHENG" 襄阳市樊城区鹿门副食商店
check "... saying the key is tampered and why" \
	err_has "key $SAMR_KEY: tampered: key $K1: the audit log records its retirement on $NA1, the store says it is current"
check "... nothing on standard output" test ! -s "$OUT"
same "... the store unchanged but for the audit" "$before" "$(store_digest)"
same "... the refusal audited" "key.open|$K1|denied" "$(audit_last)"
tampered_audit "$K1" "key $K1: the audit log records its retirement on $NA1, the store says it is current"
must_fail 1 "... and ecert-verify refuses the old key's license" \
	ecert-verify "$ID_BIZ_FOOD"
check "... as invalid" out_has '"status":"invalid","valid":false'
must_fail 1 "... and the new key's license: the old key vouched for the new" \
	ecert-verify "$ID_BIZ_LONGZHONG"
sql "PRAGMA wal_checkpoint(TRUNCATE)" > /dev/null
cp "$ECERT_DB" copy.db && cp "$ECERT_DB.key" copy.db.key &&
cp "$ECERT_DB.anchor" copy.db.anchor || bail "cannot copy the store"
sqlite3 copy.db "DROP TRIGGER IF EXISTS audit_no_delete;
    DELETE FROM audit WHERE action = 'key.retire'" ||
	bail "cannot delete the audit entry"
must_fail 1 "... with the key.retire entry deleted too: ecert-audit verify fails" \
	ecert-audit -d copy.db verify
put_back
ok "the retirement put back: the new key's license verifies again" \
	ecert-verify "$ID_BIZ_LONGZHONG"

# 3. An older retirement replayed onto a newer key, a newer onto an older.
sleep 1
ok "the market regulator rotates again" \
	ecert-unit rotate -k samr2.key -o samr3.key
NA2=$(sql "SELECT not_after FROM keys WHERE key_id = '$K2'")
same "the second rotation signs the second key's retirement with it" "$K2" \
	"$(sql "SELECT retire_key FROM keys WHERE key_id = '$K2'")"
SAVED2=$(sql "SELECT quote(not_after) || ',' || quote(retire_key) || ',' ||
    quote(retire_sig) FROM keys WHERE key_id = '$K2'")
sql "UPDATE keys SET (not_after, retire_key, retire_sig) = (SELECT not_after,
    retire_key, retire_sig FROM keys WHERE key_id = '$K1') WHERE key_id = '$K2'"
before=$(store_digest)
must_fail 1 "the first key's older retirement replayed onto the second: refused" \
	ecert-verify "$ID_BIZ_LONGZHONG"
check "... as invalid" out_has '"status":"invalid","valid":false'
tampered_audit "$K2" "key $K2: the store says it was retired on $NA1, the audit log on $NA2"
same "... the store unchanged but for the audit" "$before" "$(store_digest)"
sql "UPDATE keys SET (not_after, retire_key, retire_sig) = ($SAVED2)
    WHERE key_id = '$K2'"
ok "... put back, the second key's license verifies" \
	ecert-verify "$ID_BIZ_LONGZHONG"
sql "UPDATE keys SET (not_after, retire_key, retire_sig) = ($SAVED2)
    WHERE key_id = '$K1'"
must_fail 1 "the second key's newer retirement replayed onto the first: refused" \
	ecert-verify "$ID_BIZ_FOOD"
check "... as invalid" out_has '"status":"invalid","valid":false'
tampered_audit "$K1" "key $K1: the store says it was retired on $NA2, the audit log on $NA1"
sql "UPDATE keys SET not_after = '$NA1' WHERE key_id = '$K1'"
must_fail 1 "... and with the date put back, the other key's signature: refused" \
	ecert-verify "$ID_BIZ_FOOD"
tampered_audit "$K1" "key $K1: its retirement on $NA1 is not signed by the key, its unit or the platform"
put_back
ok "all put back: the first key's license verifies" ecert-verify "$ID_BIZ_FOOD"
