#!/bin/sh
# 国密 and the transparency log (articles 20, 23): a platform whose key is
# SM2 signs its audit log's checkpoints with SM2 and SM3.  The note's key
# ID (signed-note's hash with the type 0xff and ecert's identifier
# "ecert.sm2-sm3", as ecert(5) says) is recomputed by Python and the
# signature checked by `openssl pkeyutl -verify -rawin -digest sm3`, no
# ecert code; a forged one is refused.
. "$(dirname "$0")/lib.sh"

plan 21

scratch
printf '襄阳测试口令 correct horse\n' > pass
ECERT_DB=$SCRATCH/ecert.db
ECERT_PASSPHRASE_FILE=$SCRATCH/pass
export ECERT_DB ECERT_PASSPHRASE_FILE
ecert-init --code "$PLATFORM" --name 襄阳市行政审批局 --alg sm2 \
	-o platform.key > init.log 2>&1 &&
ecert-unit add -k platform.key --code "$SAMR" --name 襄阳市市场监督管理局 \
	--role issuer,user > /dev/null 2>&1 &&
ecert-unit key -k platform.key --unit "$SAMR" -o samr.key > /dev/null 2>&1 ||
	bail "cannot make the SM2 platform: $(cat init.log)"
PUB=$(sed 's/.*"public_key":"\([^"]*\)".*/\1/' platform.key.pub)
ORIGIN=ecert.$PLATFORM/audit

# b64hex B64: the bytes as hex
b64hex() {
	printf '%s' "$1" | base64 -d | od -An -v -tx1 | tr -d ' \n'
}

# sigline FILE: the base64 of the note's signature line
sigline() {
	sed -n 's/^— [^ ]* //p' "$1"
}

# note_text CHECKPOINT OUT: the signed text, up to the blank line
note_text() {
	awk '/^$/ { exit } { print }' "$1" > "$2"
}

# openssl_note TEXTFILE SIG_B64: openssl's verdict on the note's signature:
# the key ID's 4 bytes cut, the 64-byte r||s made DER, the 65-byte point
# made a SubjectPublicKeyInfo
openssl_note() {
	b64hex "$2" | cut -c 9- > rs.hex
	printf 'asn1=SEQUENCE:sig\n[sig]\nr=INTEGER:0x%s\ns=INTEGER:0x%s\n' \
		"$(cut -c 1-64 rs.hex)" "$(cut -c 65-128 rs.hex)" > sig.cnf
	openssl asn1parse -genconf sig.cnf -noout -out sig.der || return 2
	{ printf '\060\131\060\023\006\007\052\206\110\316\075\002\001\006\010'
	  printf '\052\201\034\317\125\001\202\055\003\102\000'
	  printf '%s' "$PUB" | base64 -d; } > pub.der
	openssl pkeyutl -verify -pubin -keyform DER -inkey pub.der -rawin \
		-digest sm3 -pkeyopt distid:1234567812345678 -in "$1" \
		-sigfile sig.der
}

same "the platform's key is SM2" sm2 \
	"$(sed 's/.*"alg":"\([^"]*\)".*/\1/' platform.key.pub)"
ok "ecert-audit checkpoint by the SM2 platform" \
	ecert-audit checkpoint -k platform.key -o cp1
check "... a signed note, its one signature line named by the origin" \
	grep -q "^— $ORIGIN " cp1
same "... 4 bytes of key ID and the 64 bytes of r||s" 68 \
	"$(sigline cp1 | base64 -d | wc -c | tr -d ' ')"
same "... the key ID is SHA-256(origin, 0x0A, 0xff, \"ecert.sm2-sm3\", key)[:4]" \
	"$(/usr/bin/python3 -c '
import base64, hashlib, sys
h = hashlib.sha256(sys.argv[1].encode() + b"\n\xff" + b"ecert.sm2-sm3" +
    base64.b64decode(sys.argv[2])).hexdigest()
print(h[:8])' "$ORIGIN" "$PUB")" "$(b64hex "$(sigline cp1)" | cut -c 1-8)"
note_text cp1 text1
ok "openssl pkeyutl -verify -rawin -digest sm3 accepts the signature" \
	openssl_note text1 "$(sigline cp1)"
sed '2s/.*/999/' text1 > text1.forged
must_fail 1 "... and refuses it over a text with another tree size" \
	openssl_note text1.forged "$(sigline cp1)"
ok "ecert-audit verify --checkpoint the SM2 checkpoint" \
	ecert-audit verify --checkpoint cp1
ok "... and with --anchor the platform's public key" \
	ecert-audit verify --checkpoint cp1 --anchor platform.key.pub
ok "a second checkpoint extends the tree" \
	ecert-audit checkpoint -k platform.key -o cp2
ok "... the older one is consistent with it" \
	ecert-audit verify --checkpoint cp1
ok "the trust list exported" sh -c \
	'ecert-unit export --trust -k platform.key > trust.json'
ok "ecert-verify --offline --checkpoint, against the trust list" \
	ecert-verify --offline --trust trust.json --checkpoint cp2
check "... names the log and its size" out_has "checkpoint cp2: $ORIGIN,"

# forgeries
sed '2s/.*/1000/' cp2 > forged.cp
must_fail 1 "a checkpoint whose size was changed: refused offline" \
	ecert-verify --offline --trust trust.json --checkpoint forged.cp
check "... not signed by a platform key" \
	err_has "checkpoint forged.cp: not signed by a platform key of $PLATFORM"
must_fail 1 "... and by ecert-audit verify" \
	ecert-audit verify --checkpoint forged.cp
# the same signature given the Ed25519 type's key ID: not the key's
/usr/bin/python3 -c '
import base64, hashlib, sys
o, pub, f = sys.argv[1:4]
lines = open(f, encoding="utf-8").read().split("\n")
for i, l in enumerate(lines):
    if l.startswith("— "):
        name, b = l[2:].split(" ")
        raw = base64.b64decode(b)
        kid = hashlib.sha256(o.encode() + b"\n\x01" +
            base64.b64decode(pub)).digest()[:4]
        lines[i] = "— " + name + " " + base64.b64encode(kid + raw[4:]).decode()
open("typed.cp", "w", encoding="utf-8").write("\n".join(lines))
' "$ORIGIN" "$PUB" cp2
must_fail 1 "the signature under the Ed25519 type's key ID: refused" \
	ecert-verify --offline --trust trust.json --checkpoint typed.cp
check "... no valid signature of a known key" \
	err_has "no valid signature of a known key"
must_fail 77 "a checkpoint by the SM2 issuer, not the platform: refused" \
	ecert-audit checkpoint -k samr.key
check "... says why" err_has "is not the platform"
