#!/bin/sh
# Format 2 (ecert(5)): one issuer signature over a core of salted digests;
# a token shows only the items chosen.  A disclosure with a wrong salt or
# a wrong value is refused; a withheld item, the citizen ID number above
# all, cannot be read or tried from the token; a superseded version reads
# superseded offline, a suspended one suspended.
. "$(dirname "$0")/lib.sh"
plan 33

setup_store
cat > tok.py <<'PY'
import sys, hashlib
B45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
def dec(s):
    out = bytearray()
    for i in range(0, len(s), 3):
        c = s[i:i+3]
        v = sum(B45.index(ch) * 45 ** k for k, ch in enumerate(c))
        out += v.to_bytes(2 if len(c) == 3 else 1, "big")
    return bytes(out)
def enc(b):
    out = ""
    for i in range(0, len(b), 2):
        c = b[i:i+2]
        v = int.from_bytes(c, "big")
        n = 3 if len(c) == 2 else 2
        for _ in range(n):
            out += B45[v % 45]; v //= 45
    return out
tok = sys.stdin.read().strip()
b = dec(tok[4:])
what = sys.argv[1]
if what == "hex":
    print(b.hex()); sys.exit(0)
# the first disclosure: after the core and the 64-byte signature
at = 20
for _ in range(3): at += 1 + b[at]
at += 1 + b[at] * 16 + 64
assert b[at] >= 1
d = at + 1
b = bytearray(b)
if what == "salt":
    b[d] ^= 1
elif what == "value":
    pn = b[d + 16]
    v = d + 17 + pn + 2
    b[v + 1] = ord("Z") if b[v + 1] != ord("Z") else ord("Y")
print("EC1:" + enc(bytes(b)))
PY
# the digests an attacker would try for a value without a salt
cat > guess.py <<'PY'
import sys, hashlib
hexb = sys.stdin.read().strip()
for v in sys.argv[1:]:
    for m in (v.encode(), ('"%s"' % v).encode(), b"\0" * 16 + b"\2@i" + ('"%s"' % v).encode()):
        for h in (hashlib.sha256(m).digest(), hashlib.blake2b(m).digest()):
            if h[:16].hex() in hexb or h[:8].hex() in hexb:
                print("found", v); sys.exit(1)
PY

issue_biz "$SAMR_KEY" "$USCC_FOOD" 襄阳汉江食品有限公司 > /dev/null
issue_estate "$NRB_KEY" '鄂(2025)襄阳市不动产权第0012398号' 张汉江 "$CID_ZHANG" > /dev/null
ID_ESTATE=$(ecert-query --holder 张汉江 -o id)
ecert-unit export --trust -k "$ADMIN_KEY" > trust.json
ecert-export -k "$ADMIN_KEY" --status -o status.json

ok "the stored document is format 2 with a salt per item" \
	sh -c 'ecert-show --json "$1" > estate.json' sh "$ID_ESTATE"
same "... 15 items, 15 salts of 128 bits" "2 15 24" \
	"$(jq -r '[.document.format, (.document.salts | length), (.document.salts | [.[] | length] | unique | .[0])] | join(" ")' estate.json)"
same "... every salt different" 15 \
	"$(jq -r '.document.salts[]' estate.json | sort -u | wc -l | tr -d ' ')"
ok "... and it verifies with the trust list alone" \
	ecert-verify --trust trust.json estate.json
sed "s/单独所有/共同共有/" estate.json > forged.json
must_fail 1 "a stored document with one item changed does not" \
	ecert-verify --trust trust.json forged.json
check "... its signature does not match" err_has "signature does not match"

ok "a token of a natural person's license" \
	ecert-show -k "$ADMIN_KEY" --token "$ID_ESTATE"
cp "$OUT" estate.tok
check "... is at most 1000 characters" test "$(wc -c < estate.tok)" -le 1001
ok "... verifies offline" \
	ecert-verify --offline --trust trust.json --status status.json estate.tok
same "... showing the holder's name and the number" \
	"张汉江|鄂(2025)襄阳市不动产权第0012398号" \
	"$(sed -n 2p "$OUT" | json_field disclosed.holder disclosed.number | tr '\t' '|')"
check "... and not the ID number" sh -c '! grep -q -F "$1" "$2"' sh "$CID_ZHANG" "$OUT"
same "... saying 13 items were withheld" 13 \
	"$(sed -n 2p "$OUT" | json_field withheld)"
python3 tok.py hex < estate.tok > estate.hex
check "the ID number is not in the token's bytes" \
	sh -c '! grep -q "$(printf %s "$1" | od -An -tx1 | tr -d " \n")" "$2"' sh "$CID_ZHANG" estate.hex
ok "... nor an unsalted digest of it or of a withheld item" \
	sh -c 'python3 guess.py "$1" 单独所有 "420606001002GB00012F00030012" < estate.hex' sh "$CID_ZHANG"

ok "--disclose by label and by key" \
	ecert-show -k "$ADMIN_KEY" --token --disclose 共有情况,holder_id "$ID_ESTATE"
cp "$OUT" named.tok
ok "... verifies offline, as JSON" \
	ecert-verify --offline --json --trust trust.json --status status.json named.tok
same "... those items disclosed, the rest withheld" "单独所有|$CID_ZHANG|13" \
	"$(sed -n 2p "$OUT" | json_field disclosed.co_ownership disclosed.holder_id withheld | tr '\t' '|')"
must_fail 65 "--disclose of an item the type has not" \
	ecert-show -k "$ADMIN_KEY" --token --disclose 注册资本 "$ID_ESTATE"
check "... says so" err_has "注册资本: not an item of type"

python3 tok.py salt < named.tok > badsalt.tok
must_fail 1 "a disclosure with a wrong salt is refused" \
	ecert-verify --offline --trust trust.json --status status.json badsalt.tok
check "... its digest is not in the signed core" err_has "not in the signed core"
python3 tok.py value < named.tok > badvalue.tok
must_fail 1 "a disclosure with a wrong value is refused" \
	ecert-verify --offline --trust trust.json --status status.json badvalue.tok
check "... its digest is not in the signed core" err_has "not in the signed core"

# status per version: the old version's token reads superseded
ecert-show -k "$ADMIN_KEY" --ttl 86400 --token "$ID_BIZ_FOOD" > v1.tok
ok "a 营业执照 is amended" ecert-amend -k "$SAMR_KEY" "$ID_BIZ_FOOD" \
	-f 法定代表人=李樊城 --reason 法定代表人变更登记
ok "the status list is republished" ecert-export -k "$ADMIN_KEY" --status -o status.json
check "... compressed: far under the 4 MiB of its two-bit places" \
	test "$(wc -c < status.json)" -lt 100000
must_fail 1 "the old version's token reads superseded offline" \
	ecert-verify --offline --trust trust.json --status status.json v1.tok
same "... superseded" "$ID_BIZ_FOOD|superseded" "$(json_field id status < "$OUT" | tr '\t' '|')"
ecert-revoke -k "$NRB_KEY" --suspend --reason 查封登记 "$ID_ESTATE" > /dev/null
ecert-export -k "$ADMIN_KEY" --status -o status.json
must_fail 1 "a suspended license's token reads suspended" \
	ecert-verify --offline --trust trust.json --status status.json estate.tok
same "... suspended" "$ID_ESTATE|suspended" "$(json_field id status < "$OUT" | tr '\t' '|')"

# the longest values the catalog allows (营业执照: the longest 类型, 法定代表人 and 注册资本 50
# characters, 住所 200, 经营范围 2000): the token stays under 1000
# characters, the items that do not fit withheld and counted
L50=$(printf '襄%.0s' $(seq 50)) L200=$(printf '阳%.0s' $(seq 200))
L2000=$(printf '樊%.0s' $(seq 2000))
ecert-issue -k "$SAMR_KEY" -t "$T_BIZ" -f number="$USCC_GULONG" \
	-f holder=襄阳古隆中文化旅游有限公司 -f holder_id="$USCC_GULONG" \
	-f 类型='股份有限公司（非上市、自然人投资或控股）' -f 法定代表人="$L50" -f 注册资本="$L50" \
	-f 成立日期=2019-03-18 -f 住所="$L200" -f 经营范围="$L2000" \
	> /dev/null 2> long.err || sed "s/^/# /" long.err
ok "a token of a license with the longest values" \
	ecert-show -k "$ADMIN_KEY" --token "$ID_BIZ_GULONG"
cp "$OUT" long.tok
check "... is under 1000 characters" test "$(wc -c < long.tok)" -le 1000
ok "... and verifies offline, what did not fit withheld" \
	ecert-verify --offline --trust trust.json --status status.json long.tok
