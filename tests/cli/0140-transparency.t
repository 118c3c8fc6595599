#!/bin/sh
# The transparency log (article 23): signed C2SP checkpoints of the audit
# entries' RFC 9162 Merkle tree, and the insider who cuts, empties or
# rewrites the log with sqlite3 (and with the store key file) or swaps a
# stored checkpoint for an older one.  The checkpoint's signature, the
# tree and the proofs are checked by an independent Python implementation.
. "$(dirname "$0")/lib.sh"

plan 90

# tlog_py CMD ARG...: RFC 9162 and signed-note in Python, no ecert code:
#   sig CHECKPOINT PUBFILE     the Ed25519 signature of the note text
#   root CHECKPOINT DB         the first SIZE entries hash to its root
#   inclusion PROOF DB         a tlog-proof against the log's leaves
#   consistency PROOF DB       an ecert consistency proof, the same
#   rechain DB KEYFILE SEQ TEXT  rewrite entry SEQ's detail and every MAC
tlog_py() {
	/usr/bin/python3 - "$@" <<'PY'
import base64, hashlib, json, sqlite3, sys
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

def lh(b): return hashlib.sha256(b"\x00" + b).digest()
def nh(l, r): return hashlib.sha256(b"\x01" + l + r).digest()
def split(n):
    k = 1
    while k * 2 < n: k *= 2
    return k
def mth(d):
    if not d: return hashlib.sha256(b"").digest()
    if len(d) == 1: return d[0]
    k = split(len(d))
    return nh(mth(d[:k]), mth(d[k:]))
def path(m, d):
    if len(d) <= 1: return []
    k = split(len(d))
    if m < k: return path(m, d[:k]) + [mth(d[k:])]
    return path(m - k, d[k:]) + [mth(d[:k])]
def subproof(m, d, b):
    if m == len(d): return [] if b else [mth(d)]
    k = split(len(d))
    if m <= k: return subproof(m, d[:k], b) + [mth(d[k:])]
    return subproof(m - k, d[k:], False) + [mth(d[:k])]
def verify_inclusion(index, size, leaf, proof, root):
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0: return False
        if fn & 1 or fn == sn:
            r = nh(p, r)
            while not fn & 1 and fn != 0: fn >>= 1; sn >>= 1
        else:
            r = nh(r, p)
        fn >>= 1; sn >>= 1
    return sn == 0 and r == root
def leaves(db):
    con = sqlite3.connect(db)
    rows = con.execute("SELECT seq, time, unit, os_user, action, object,"
        " outcome, detail, prev, hash FROM audit ORDER BY seq").fetchall()
    names = ["seq", "time", "unit", "os_user", "action", "object",
        "outcome", "detail", "prev", "hash"]
    return [lh(json.dumps(dict(zip(names, r)), sort_keys=True,
        separators=(",", ":"), ensure_ascii=False).encode()) for r in rows]
def note(text):
    body, _, sigs = text.rpartition("\n\n")
    lines = body.split("\n")
    return body + "\n", lines, sigs
def checkpoint_of(text):
    body, lines, sigs = note(text)
    return int(lines[1]), base64.b64decode(lines[2])

cmd = sys.argv[1]
if cmd == "sig":
    text = open(sys.argv[2], encoding="utf-8").read()
    pk = base64.b64decode(json.load(open(sys.argv[3]))["public_key"])
    body, lines, sigs = note(text)
    name = lines[0]
    kid = hashlib.sha256(name.encode() + b"\n\x01" + pk).digest()[:4]
    for line in sigs.splitlines():
        dash, kname, b64 = line.split(" ")
        raw = base64.b64decode(b64)
        if dash == "\u2014" and kname == name and raw[:4] == kid:
            Ed25519PublicKey.from_public_bytes(pk).verify(raw[4:],
                body.encode())
            print("signature ok: %s %s" % (name, kid.hex()))
            sys.exit(0)
    sys.exit("no signature of key %s" % kid.hex())
elif cmd == "root":
    size, root = checkpoint_of(open(sys.argv[2], encoding="utf-8").read())
    d = leaves(sys.argv[3])
    if len(d) < size: sys.exit("log shorter than the checkpoint")
    if mth(d[:size]) != root: sys.exit("root differs")
    print("root ok: %d entries" % size)
elif cmd == "inclusion":
    text = open(sys.argv[2], encoding="utf-8").read()
    head, _, cp = text.partition("\n\n")
    hl = head.split("\n")
    assert hl[0] == "c2sp.org/tlog-proof@v1" and hl[1].startswith("index ")
    index = int(hl[1][6:])
    proof = [base64.b64decode(h) for h in hl[2:]]
    size, root = checkpoint_of(cp)
    d = leaves(sys.argv[3])[:size]
    if proof != path(index, d): sys.exit("not RFC 9162's PATH")
    if not verify_inclusion(index, size, d[index], proof, root):
        sys.exit("does not verify")
    print("inclusion ok: %d of %d" % (index, size))
elif cmd == "consistency":
    text = open(sys.argv[2], encoding="utf-8").read()
    head, _, cp = text.partition("\n\n")
    hl = head.split("\n")
    assert hl[0] == "ecert-tlog-consistency@v1"
    _, m, oroot = hl[1].split(" ")
    m = int(m)
    proof = [base64.b64decode(h) for h in hl[2:]]
    size, root = checkpoint_of(cp)
    d = leaves(sys.argv[3])[:size]
    if mth(d[:m]) != base64.b64decode(oroot) or mth(d) != root:
        sys.exit("roots differ")
    if proof != subproof(m, d, True): sys.exit("not RFC 9162's PROOF")
    print("consistency ok: %d to %d" % (m, size))
elif cmd == "rechain":
    db, keyfile, seq, text = sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
    key = None
    for line in open(keyfile):
        if line.startswith("audit "): key = bytes.fromhex(line.split()[1])
    con = sqlite3.connect(db)
    con.execute("DROP TRIGGER audit_no_update")
    rows = con.execute("SELECT seq, time, unit, os_user, action, object,"
        " outcome, detail, prev FROM audit WHERE seq >= ? ORDER BY seq",
        (seq,)).fetchall()
    prev = rows[0][8]
    names = ["seq", "time", "unit", "os_user", "action", "object",
        "outcome", "detail", "prev"]
    for r in rows:
        o = dict(zip(names, r))
        o["prev"] = prev
        if o["seq"] == seq: o["detail"] = text
        canon = json.dumps(o, sort_keys=True, separators=(",", ":"),
            ensure_ascii=False).encode()
        h = hashlib.blake2b(b"ecert-audit-v1\x00" + canon, key=key,
            digest_size=32).hexdigest()
        con.execute("UPDATE audit SET detail = ?, prev = ?, hash = ?"
            " WHERE seq = ?", (o["detail"], prev, h, o["seq"]))
        prev = h
    con.commit()
    print("rechained from %d" % seq)
PY
}

sql() {
	sqlite3 "${2:-$ECERT_DB}" "$1"
}

# copy_store NAME: a consistent copy of the store, its key and anchor files.
copy_store() {
	sqlite3 "$ECERT_DB" ".backup $SCRATCH/$1.db" &&
	cp "$ECERT_DB.key" "$SCRATCH/$1.db.key" &&
	cp "$ECERT_DB.anchor" "$SCRATCH/$1.db.anchor"
}

setup_store
PUB=$ADMIN_KEY.pub
issue_biz "$SAMR_KEY" "$USCC_FOOD" 襄阳汉江食品有限公司 > /dev/null &&
issue_biz "$SAMR_KEY" "$USCC_LONGZHONG" 襄阳隆中餐饮管理有限公司 > /dev/null ||
	bail "cannot issue"
T=$SCRATCH

# an unanchored log says so
ok "verify with no checkpoint" ecert-audit verify
check "... intact" out_has "audit chain intact: $(audit_count) entries"
check "... with a warning that nothing anchors it" \
	err_has "ecert-audit: warning: no checkpoint anchors the audit log: a tail cut off cannot be seen"

# checkpoints
must_fail 77 "a checkpoint by a unit that is not the platform" \
	ecert-audit checkpoint -k "$SAMR_KEY"
check "... says why" err_has "unit $SAMR is not the platform: checkpoints are the platform's (article 23)"
same "... audited as denied" "audit.checkpoint||denied" "$(audit_last)"
must_fail 64 "checkpoint needs -k" ecert-audit checkpoint
n1=$(audit_count)
ok "ecert-audit checkpoint -k platform.key -o cp1" \
	ecert-audit checkpoint -k "$ADMIN_KEY" -o "$T/cp1"
same "... the C2SP note text: origin, size, root, time" \
	"ecert.$PLATFORM/audit|$n1|44|time 20" \
	"$(sed -n '1p' "$T/cp1")|$(sed -n '2p' "$T/cp1")|$(sed -n '3p' "$T/cp1" | tr -d '\n' | wc -c)|$(sed -n '4s/\(time 20\).*/\1/p' "$T/cp1")"
check "... then a blank line and one signature line" \
	grep -q "^— ecert\.$PLATFORM/audit [A-Za-z0-9+/]*=*\$" "$T/cp1"
same "... stored" "1|$n1" "$(sql 'SELECT count(*), max(size) FROM audit_checkpoints')"
same "... and audited after the tree it signs" \
	"audit.checkpoint|ecert.$PLATFORM/audit|ok" "$(audit_last)"
ok "python3-cryptography verifies the signature (signed-note, Ed25519)" \
	tlog_py sig "$T/cp1" "$PUB"
ok "python's RFC 9162 tree over the rows gives the same root" \
	tlog_py root "$T/cp1" "$ECERT_DB"
sed '2s/.*/1/' "$T/cp1" > "$T/cp1-forged"
must_fail 1 "... and python refuses a note whose size was changed" \
	tlog_py sig "$T/cp1-forged" "$PUB"

ecert-revoke -k "$SAMR_KEY" --reason 企业申请注销登记 "$ID_BIZ_LONGZHONG" \
	> /dev/null && ecert-show "$ID_BIZ_FOOD" > /dev/null || bail "revoke"
ok "a second checkpoint extends the stored tree" \
	ecert-audit checkpoint -k "$ADMIN_KEY" -o "$T/cp2"
n2=$(sed -n 2p "$T/cp2")
check "... larger" [ "$n2" -gt "$n1" ]
ok "... python agrees with its root" tlog_py root "$T/cp2" "$ECERT_DB"
ok "... and with its signature" tlog_py sig "$T/cp2" "$PUB"
ok "verify checks the log against the stored checkpoints" ecert-audit verify
check "... intact, with no warning" [ "$(cat "$OUT")" = "audit chain intact: $(($(audit_count) - 0)) entries" -a ! -s "$ERR" ]
ok "verify --checkpoint the published one" \
	ecert-audit verify --checkpoint "$T/cp2"
ok "verify --checkpoint an older one: consistent" \
	ecert-audit verify --checkpoint "$T/cp1"
ok "verify --checkpoint --anchor platform.key.pub" \
	ecert-audit verify --checkpoint "$T/cp2" --anchor "$PUB"
must_fail 1 "... pinned to another unit's key: refused" \
	ecert-audit verify --checkpoint "$T/cp2" --anchor "$SAMR_KEY.pub"
check "... the stored checkpoints first" err_has "ecert-audit: checkpoint stored 1: not signed by a platform key of $PLATFORM"
same "... audited" "audit.verify|$T/cp2|refused" "$(audit_last)"
must_fail 64 "prove needs --seq or --from" ecert-audit prove
must_fail 64 "... not both" ecert-audit prove --seq 1 --from 1

# publishing and checking offline
ok "ecert-export --checkpoint" ecert-export --checkpoint -o "$T/pub.cp"
same "... the newest, as signed" "$(cat "$T/cp2")" "$(cat "$T/pub.cp")"
same "... audited" "checkpoint.export|ecert.$PLATFORM/audit|ok" "$(audit_last)"
ecert-export -k "$ADMIN_KEY" --trust -o "$T/trust.json" || bail "trust"
ok "ecert-verify --offline --trust --checkpoint" \
	ecert-verify --offline --trust "$T/trust.json" --checkpoint "$T/pub.cp"
same "... its origin, size and time" \
	"checkpoint $T/pub.cp: ecert.$PLATFORM/audit, $n2 entries, signed at $(sed -n '4s/time //p' "$T/cp2")" \
	"$(cat "$OUT")"
ok "... with --anchor platform.key.pub" ecert-verify --offline \
	--trust "$T/trust.json" --anchor "$PUB" --checkpoint "$T/pub.cp"
must_fail 1 "... a forged size is refused" \
	ecert-verify --offline --trust "$T/trust.json" --checkpoint "$T/cp1-forged"
check "... as not signed by the platform" \
	err_has "checkpoint $T/cp1-forged: not signed by a platform key of $PLATFORM (no valid signature of a known key)"
printf '%s\n' "ecert.$SAMR/audit" "$n2" "$(sed -n 3p "$T/cp2")" \
	"$(sed -n 4p "$T/cp2")" "" "$(sed -n 6p "$T/cp2" | sed "s|$PLATFORM|$SAMR|")" \
	> "$T/cp-samr"
must_fail 1 "... a note naming another unit as the log" \
	ecert-verify --offline --trust "$T/trust.json" --checkpoint "$T/cp-samr"
check "... which has no platform key" err_has "checkpoint $T/cp-samr: not signed by a platform key of $SAMR"

# proofs
seq=$(sql "SELECT seq FROM audit WHERE action = 'license.revoke'")
ok "prove --seq (inclusion, tlog-proof)" ecert-audit prove --seq "$seq" -o "$T/incl"
same "... c2sp.org/tlog-proof@v1, the zero-based index" \
	"c2sp.org/tlog-proof@v1|index $((seq - 1))" \
	"$(sed -n 1p "$T/incl")|$(sed -n 2p "$T/incl")"
same "... then the checkpoint verbatim" "$(cat "$T/cp2")" \
	"$(sed '1,/^$/d' "$T/incl")"
ok "... python: RFC 9162 PATH, and it verifies" \
	tlog_py inclusion "$T/incl" "$ECERT_DB"
ecert-audit log --json --action license.revoke > "$T/entry"
ok "verify-proof with the entry, no store" env ECERT_DB=/nonexistent \
	ecert-audit verify-proof --trust "$T/trust.json" --entry "$T/entry" "$T/incl"
same "... says what it proved" \
	"proof verified: entry $seq is in the log of $n2 entries signed at $(sed -n '4s/time //p' "$T/cp2")" \
	"$(cat "$OUT")"
sed 's/企业申请注销登记/企业申请变更登记/' "$T/entry" > "$T/entry-forged"
must_fail 1 "... an entry whose detail was changed is not in the log" \
	ecert-audit verify-proof --trust "$T/trust.json" --entry "$T/entry-forged" "$T/incl"
check "... says so" err_has "proof $T/incl: entry $seq is not in the log of $n2 entries of that checkpoint"
must_fail 64 "... an inclusion proof needs its entry" \
	ecert-audit verify-proof --trust "$T/trust.json" "$T/incl"
ok "prove --from (consistency between two tree sizes)" \
	ecert-audit prove --from "$n1" --checkpoint "$T/cp2" -o "$T/cons"
ok "... python: RFC 9162 PROOF, same hashes" \
	tlog_py consistency "$T/cons" "$ECERT_DB"
ok "... verify-proof --old cp1" \
	ecert-audit verify-proof --trust "$T/trust.json" --old "$T/cp1" "$T/cons"
must_fail 1 "prove --seq past the checkpoint" ecert-audit prove --seq 100000
check "... says so" err_has "entry 100000 is not in the checkpoint's tree of"

# attack 1: the tail cut off (triggers dropped), checkpoints kept
copy_store cut
sql "DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE seq > $((n2 - 3))" "$T/cut.db"
before=$(store_digest "$T/cut.db")
must_fail 1 "a cut tail: verify fails against the stored checkpoint" \
	ecert-audit -d "$T/cut.db" verify
check "... naming the cut" err_has "ecert-audit: audit log cut: $((n2 - 3)) entries, but checkpoint stored 2 of $(sed -n '4s/time //p' "$T/cp2") holds $n2 (entries $((n2 - 2)) to $n2 are gone)"
same "... audited as a refusal" "audit.verify||refused" "$(audit_last "$T/cut.db")"
same "... nothing else changed" "$before" "$(store_digest "$T/cut.db")"
# ... and the stored checkpoint deleted with it: only the published one sees
copy_store cut2
sql "DROP TRIGGER audit_no_delete; DROP TRIGGER audit_checkpoints_no_delete;
    DELETE FROM audit WHERE seq > $n1; DELETE FROM audit_checkpoints WHERE seq = 2;
    DELETE FROM audit_frontier" "$T/cut2.db"
ok "the tail and the newest checkpoint cut: the store alone cannot tell" \
	ecert-audit -d "$T/cut2.db" verify
must_fail 1 "... the published checkpoint can" \
	ecert-audit -d "$T/cut2.db" verify --checkpoint "$T/pub.cp"
check "... a cut" err_has "ecert-audit: audit log cut: $n1 entries, but checkpoint $T/pub.cp of"
same "... audited with the checkpoint's name" "audit.verify|$T/pub.cp|refused" \
	"$(audit_last "$T/cut2.db")"
must_fail 1 "... and no new checkpoint is made over the cut" \
	ecert-audit -d "$T/cut2.db" checkpoint -k "$ADMIN_KEY"

# attack 2: the log emptied
copy_store empty
sql "DROP TRIGGER audit_no_delete; DELETE FROM audit" "$T/empty.db"
must_fail 1 "an emptied log: verify fails against the stored checkpoints" \
	ecert-audit -d "$T/empty.db" verify
check "... empty, naming the checkpoint" err_has "ecert-audit: audit log empty, but checkpoint stored 2 of"
copy_store empty2
sql "DROP TRIGGER audit_no_delete; DROP TRIGGER audit_checkpoints_no_delete;
    DELETE FROM audit; DELETE FROM audit_checkpoints; DELETE FROM audit_frontier" \
	"$T/empty2.db"
before=$(store_digest "$T/empty2.db")
ok "log and checkpoints emptied: the store alone reports it intact" \
	ecert-audit -d "$T/empty2.db" verify
check "... with 0 entries and a warning" [ "$(cat "$OUT")" = "audit chain intact: 0 entries" ]
check "... that no checkpoint anchors it" err_has "warning: no checkpoint anchors the audit log: an emptied log cannot be told from a new one"
must_fail 1 "... against the published checkpoint: a failure" \
	ecert-audit -d "$T/empty2.db" verify --checkpoint "$T/pub.cp"
check "... precise" err_has "ecert-audit: audit log empty, but checkpoint $T/pub.cp of $(sed -n '4s/time //p' "$T/cp2") holds $n2 entries"
same "... audited as the refusal, the first entry again" "1|audit.verify|$T/pub.cp|refused" \
	"$(sql "SELECT seq || '|' || action || '|' || object || '|' || outcome FROM audit" "$T/empty2.db")"
same "... nothing else changed" "$before" "$(store_digest "$T/empty2.db")"

# attack 3: an entry rewritten by an insider with the store key file too,
# every MAC after it recomputed: the chain verifies, the tree does not
copy_store rewrite
ok "rewriting the revocation's reason with the store key" \
	tlog_py rechain "$T/rewrite.db" "$T/rewrite.db.key" "$seq" 企业申请变更登记
must_fail 1 "verify: the stored checkpoints catch it" \
	ecert-audit -d "$T/rewrite.db" verify
check "... history rewritten" err_has "ecert-audit: audit history rewritten: the first $n2 entries do not hash to the root of checkpoint stored 2 of"
sql "DROP TRIGGER audit_checkpoints_no_delete; DELETE FROM audit_checkpoints;
    DELETE FROM audit_frontier" "$T/rewrite.db"
ok "... with the stored checkpoints deleted too, the chain verifies" \
	ecert-audit -d "$T/rewrite.db" verify
must_fail 1 "... but not against the published checkpoint" \
	ecert-audit -d "$T/rewrite.db" verify --checkpoint "$T/pub.cp"
check "... history rewritten" err_has "ecert-audit: audit history rewritten: the first $n2 entries do not hash to the root of checkpoint $T/pub.cp of"
must_fail 1 "... nor against python's tree" tlog_py root "$T/pub.cp" "$T/rewrite.db"

# attack 4: the newest stored checkpoint replaced by an older one, the log cut to it
copy_store older
sql "DROP TRIGGER audit_checkpoints_no_update; DROP TRIGGER audit_no_delete;
    UPDATE audit_checkpoints SET note = (SELECT note FROM audit_checkpoints WHERE seq = 1),
      size = (SELECT size FROM audit_checkpoints WHERE seq = 1),
      time = (SELECT time FROM audit_checkpoints WHERE seq = 1) WHERE seq = 2;
    DELETE FROM audit WHERE seq > $n1" "$T/older.db"
must_fail 1 "a stored checkpoint replaced by an older one" \
	ecert-audit -d "$T/older.db" verify
check "... goes backwards" err_has "ecert-audit: checkpoint stored 2 goes backwards: $n1 entries at"
copy_store older2
sql "DROP TRIGGER audit_checkpoints_no_update;
    UPDATE audit_checkpoints SET size = 1 WHERE seq = 1" "$T/older2.db"
must_fail 1 "a stored checkpoint's size column changed" \
	ecert-audit -d "$T/older2.db" verify
check "... is not believed" err_has "ecert-audit: checkpoint stored 1: its size and time columns are not those of its signed note"
# a checkpoint signed later over a cut log (an insider with the platform key)
copy_store resign
sql "DROP TRIGGER audit_no_delete; DROP TRIGGER audit_checkpoints_no_delete;
    DELETE FROM audit WHERE seq > $n1; DELETE FROM audit_checkpoints WHERE seq = 2;
    DELETE FROM audit_frontier; DELETE FROM audit_checkpoints" "$T/resign.db"
ECERT_NOW=2099-01-01T00:00:00Z ecert-audit -d "$T/resign.db" checkpoint \
	-k "$ADMIN_KEY" -o "$T/cp-late" > /dev/null 2>&1 || bail "resign"
must_fail 1 "a later checkpoint of a smaller tree goes backwards" \
	ecert-audit verify --checkpoint "$T/cp-late"
check "... said so" err_has "ecert-audit: checkpoint $T/cp-late goes backwards: $n1 entries at 2099-01-01T00:00:00Z, after the stored checkpoint of $n2 entries at"
must_fail 1 "... and no consistency proof joins it to the published one" \
	ecert-audit -d "$T/resign.db" prove --from "$n2" --checkpoint "$T/cp-late"

# A rogue platform key put into `keys` (no key file of the platform's: made
# outside ecert) signs a checkpoint of the true tree: not the anchor's.
ecert-audit checkpoint -k "$ADMIN_KEY" -o "$T/cp-real" > /dev/null 2>&1 ||
	bail "checkpoint"
/usr/bin/python3 - "$T/cp-real" "$T/cp-rogue" "$T/rogue.pub" <<'PY' ||
import base64, hashlib, sys
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives import serialization
text = open(sys.argv[1]).read()
body, sigs = text.split("\n\n", 1)
body += "\n"
name = sigs.split(" ")[1]
k = Ed25519PrivateKey.generate()
pk = k.public_key().public_bytes(serialization.Encoding.Raw,
    serialization.PublicFormat.Raw)
kid = hashlib.sha256(name.encode() + b"\n\x01" + pk).digest()[:4]
sig = base64.b64encode(kid + k.sign(body.encode())).decode()
open(sys.argv[2], "w").write(body + "\n\u2014 " + name + " " + sig + "\n")
open(sys.argv[3], "w").write(base64.b64encode(pk).decode())
PY
	bail "cannot forge the checkpoint"
sql "INSERT INTO keys(key_id, unit, alg, public_key, not_before) VALUES
    ('0123456789abcdef', '$PLATFORM', 'ed25519', '$(cat "$T/rogue.pub")',
    '2020-01-01T00:00:00Z')"
must_fail 1 "a checkpoint signed by a rogue platform key put into keys: refused" \
	ecert-audit verify --checkpoint "$T/cp-rogue"
check "... not a platform key the anchor knows" \
	err_has "checkpoint $T/cp-rogue: not signed by a platform key of $PLATFORM"
ok "... the true checkpoint of the same tree verifies" \
	ecert-audit verify --checkpoint "$T/cp-real"
mv "$ECERT_DB.anchor" "$T/anchor.saved" || bail "cannot move the anchor"
must_fail 74 "... and without the anchor nothing is believed" \
	ecert-audit verify --checkpoint "$T/cp-rogue"
check "... naming the anchor" err_has "anchor $ECERT_DB.anchor: missing"
mv "$T/anchor.saved" "$ECERT_DB.anchor"
