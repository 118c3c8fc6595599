#!/bin/sh
# ecert-unit: units, their roles and keys; key rotation; the trust export.
. "$(dirname "$0")/lib.sh"

plan 86

setup_store

HEALTH=11420600MB6789012G	# 襄阳市卫生健康委员会
HOSPITAL=12420600MB01234566	# 襄阳市中心医院

# add and list
ok "the admin adds a using unit" \
	ecert-unit add -k "$ADMIN_KEY" --code "$HEALTH" --name 襄阳市卫生健康委员会 \
	--role user
ok "the admin adds a unit with a public institution's code" \
	ecert-unit add -k "$ADMIN_KEY" --code "$HOSPITAL" --name 襄阳市中心医院 \
	--role user
same "each addition is audited" "unit.add|$HOSPITAL|ok" "$(audit_last)"
ok "list through a pipe" ecert-unit list
same "... writes one JSON line per unit" 7 "$(wc -l < "$OUT")"
same "... each unit with its code, name, roles and current keys" \
	"{\"code\":\"$HEALTH\",\"keys\":0,\"name\":\"襄阳市卫生健康委员会\",\"roles\":\"user\"}" \
	"$(grep "$HEALTH" "$OUT")"
same "... the roles of units.tsv" \
	"{\"code\":\"$SAMR\",\"keys\":1,\"name\":\"襄阳市市场监督管理局\",\"roles\":\"issuer,user\"}" \
	"$(grep "$SAMR" "$OUT")"
ok "list --table" ecert-unit list --table
same "... aligns Chinese names as two columns a character" "\
CODE                NAME                        ROLES        KEYS
11420600MB00000016  襄阳市行政审批局            admin        1
11420600MB1234567T  襄阳市市场监督管理局        issuer,user  1
11420600MB2345678C  襄阳市住房和城乡建设局      issuer,user  0
11420600MB3456789X  襄阳市自然资源和规划局      issuer,user  1
11420600MB4567890G  襄阳市人力资源和社会保障局  user         1
11420600MB6789012G  襄阳市卫生健康委员会        user         0
12420600MB01234566  襄阳市中心医院              user         0" "$(cat "$OUT")"
ok "list --table --json: the last one wins" ecert-unit list --table --json
same "... JSON Lines" 7 \
	"$(grep -c '^{"code":"[0-9A-Z]\{18\}",' "$OUT")"

# Refusals: each exits with its status and changes nothing but the audit.
before=$(store_digest)
must_fail 65 "a code with a wrong check character is bad input" \
	ecert-unit add -k "$ADMIN_KEY" --code 11420600MB7890123X \
	--name 襄阳市教育局 --role user
check "... naming the code" err_has 11420600MB7890123X
same "... and the store is unchanged" "$before" "$(store_digest)"
must_fail 64 "an unknown role is a usage error" \
	ecert-unit add -k "$ADMIN_KEY" --code 11420600MB7890123R \
	--name 襄阳市教育局 --role superuser
check "... naming the roles there are" err_has "admin, issuer, user"
must_fail 64 "an empty role list is a usage error" \
	ecert-unit add -k "$ADMIN_KEY" --code 11420600MB7890123R \
	--name 襄阳市教育局 --role ,
same "... and the store is unchanged" "$before" "$(store_digest)"
must_fail 65 "adding a registered unit again is bad input" \
	ecert-unit add -k "$ADMIN_KEY" --code "$SAMR" --name 襄阳市市场监督管理局 \
	--role admin,issuer,user
check "... saying it is already registered" err_has "already registered"
same "... and the unit keeps its roles" "issuer,user" \
	"$(ecert-unit list | sed -n "s/.*\"code\":\"$SAMR\".*\"roles\":\"\([a-z,]*\)\".*/\1/p")"
same "... and the store is unchanged" "$before" "$(store_digest)"
long=$(printf '襄%.0s' $(seq 101))
must_fail 65 "a name of 101 characters is bad input" \
	ecert-unit add -k "$ADMIN_KEY" --code 11420600MB7890123R --name "$long" \
	--role user
same "... and the store is unchanged" "$before" "$(store_digest)"
must_fail 65 "a name with a line break in it is bad input" \
	ecert-unit add -k "$ADMIN_KEY" --code 11420600MB8901234X \
	--name "$(printf '襄阳市\n教育局')" --role user
same "... and the store is unchanged" "$before" "$(store_digest)"
before=$(store_digest)	# whatever that did, the next refusals start here
must_fail 64 "add without --role is a usage error" \
	ecert-unit add -k "$ADMIN_KEY" --code 11420600MB7890123R --name 襄阳市教育局
must_fail 64 "add without a key is a usage error" \
	env -u ECERT_KEY ecert-unit add --code 11420600MB7890123R \
	--name 襄阳市教育局 --role user
must_fail 64 "an unknown verb is a usage error" ecert-unit remove --code "$SAMR"
must_fail 64 "no verb is a usage error" ecert-unit
check "... with the usage on stderr" err_has "usage: ecert-unit"

audit_before=$(audit_count)
must_fail 77 "a unit that is not admin may not add units" \
	ecert-unit add -k "$SAMR_KEY" --code 11420600MB7890123R \
	--name 襄阳市教育局 --role issuer
same "... and the store is unchanged" "$before" "$(store_digest)"
same "... and the refusal is audited as denied" \
	"unit.add|11420600MB7890123R|denied" "$(audit_last)"
check "... in an entry of its own" test "$(audit_count)" -gt "$audit_before"

printf '不对的口令 wrong passphrase\n' > wrong-pass
must_fail 77 "a wrong passphrase is no permission" \
	ecert-unit add -k "$ADMIN_KEY" --passphrase-file wrong-pass \
	--code 11420600MB7890123R --name 襄阳市教育局 --role user
check "... saying so" err_has "wrong passphrase"
same "... and the store is unchanged" "$before" "$(store_digest)"
same "... and the audit has a denied entry" "key.open|$ADMIN_KEY|denied" \
	"$(audit_last)"
must_fail 77 "the wrong passphrase from ECERT_PASSPHRASE_FILE too" \
	env ECERT_PASSPHRASE_FILE="$SCRATCH/wrong-pass" \
	ecert-unit key -k "$ADMIN_KEY" --unit "$HEALTH" -o health.key
check "... and no key file is made" test ! -e health.key

mkdir other
ok "another store, with its own platform key" \
	ecert-init -d other/ecert.db --code "$PLATFORM" --name 襄阳市行政审批局 \
	-o other/admin.key
must_fail 77 "a key of another store is not registered here" \
	ecert-unit add -k other/admin.key --code 11420600MB7890123R \
	--name 襄阳市教育局 --role user
check "... saying so" err_has "not registered"
same "... and the store is unchanged" "$before" "$(store_digest)"
same "... and the audit has a denied entry" "key.open|denied" \
	"$(sqlite3 "$ECERT_DB" "SELECT action || '|' || outcome FROM audit ORDER BY seq DESC LIMIT 1")"

# key: the admin makes a unit's key; no one else may.
must_fail 77 "a unit that is not admin may not make keys for others" \
	ecert-unit key -k "$SAMR_KEY" --unit "$HEALTH" -o health.key
check "... and no key file is made" test ! -e health.key
same "... and the store is unchanged" "$before" "$(store_digest)"
must_fail 1 "a key for a unit that is not registered: not found" \
	ecert-unit key -k "$ADMIN_KEY" --unit 11420600MB7890123R -o edu.key
check "... and no key file is made" test ! -e edu.key
must_fail 74 "a key file is never overwritten" \
	ecert-unit key -k "$ADMIN_KEY" --unit "$HEALTH" -o "$SAMR_KEY.pub"
same "... and the store is unchanged" "$before" "$(store_digest)"
ok "the admin makes a key for a unit" \
	ecert-unit key -k "$ADMIN_KEY" --unit "$HEALTH" -o health.key
check "... printing its key id" grep -q '^[0-9a-f]\{16\}$' "$OUT"
same "... mode 0600" 600 "$(file_mode health.key)"

# rotate: old signatures stay valid, the old key file opens nothing.
ok "the market regulator issues a business license" \
	issue_biz "$SAMR_KEY" "$USCC_FOOD" 襄阳汉江食品有限公司
same "... with the expected identifier" "$ID_BIZ_FOOD" "$(issued_id)"
ecert-unit export > trust-before.jsonl
ecert-show --json "$ID_BIZ_FOOD" > license.json
old_key=$(sed -n 's/^key-id //p' "$SAMR_KEY")
ok "the market regulator rotates its own key" \
	ecert-unit rotate -k "$SAMR_KEY" -o samr2.key
new_key=$(cat "$OUT")
check "... printing the new key id" test -n "$new_key" -a "$new_key" != "$old_key"
same "... in the new key file" "$new_key" "$(sed -n 's/^key-id //p' samr2.key)"
same "the unit still has one current key" \
	"{\"code\":\"$SAMR\",\"keys\":1,\"name\":\"襄阳市市场监督管理局\",\"roles\":\"issuer,user\"}" \
	"$(ecert-unit list | grep "$SAMR")"
same "the old key is retired, not deleted" 1 \
	"$(sqlite3 "$ECERT_DB" "SELECT count(*) FROM keys WHERE key_id = '$old_key' AND not_after IS NOT NULL")"
ok "a license signed with the old key still verifies" \
	ecert-verify "$ID_BIZ_FOOD"
must_fail 77 "the old key file is refused" \
	issue_biz "$SAMR_KEY" "$USCC_LONGZHONG" 襄阳隆中餐饮管理有限公司
check "... as retired" err_has "retired"
ok "the new key file issues" \
	issue_biz samr2.key "$USCC_LONGZHONG" 襄阳隆中餐饮管理有限公司
ok "... a license that verifies" ecert-verify "$ID_BIZ_LONGZHONG"
same "... signed with the new key" "$new_key" \
	"$(sqlite3 "$ECERT_DB" "SELECT key_id FROM licenses WHERE id = '$ID_BIZ_LONGZHONG'")"
ecert-unit export > trust-after.jsonl
ok "the old license verifies offline with the new trust list" \
	ecert-verify --trust trust-after.jsonl license.json
ok "... and with the one exported before the rotation" \
	ecert-verify --trust trust-before.jsonl license.json
must_fail 77 "a unit may not rotate another unit's key" \
	ecert-unit rotate -k samr2.key --unit "$NRB" -o nrb2.key
check "... and no key file is made" test ! -e nrb2.key
before=$(store_digest)
must_fail 74 "a rotation whose new key file cannot be written fails" \
	ecert-unit rotate -k "$NRB_KEY" -o "$SCRATCH/no-such-folder/nrb2.key"
same "... and the store is unchanged: the old key stays current" "$before" \
	"$(store_digest)"
ok "the natural resources bureau's key still works" \
	ecert-unit rotate -k "$NRB_KEY" -o nrb2.key
ok "... and its rotated key issues its type" \
	issue_estate nrb2.key '鄂(2025)襄阳市不动产权第0000001号' 张汉江 "$CID_ZHANG"

# export: every key, current and retired, as JSON Lines
ok "export" ecert-unit export
json_field key_id unit not_after < "$OUT" > "$SCRATCH/export.tsv"
same "... writes one line per key in the store" \
	"$(sqlite3 "$ECERT_DB" 'SELECT count(*) FROM keys')" "$(wc -l < "$OUT")"
same "... every line a public key with its unit" "$(wc -l < "$OUT")" \
	"$(json_field alg key_id public_key unit < "$OUT" |
	grep -c '^ed25519	[0-9a-f]\{16\}	[A-Za-z0-9+/]\{43\}=	[0-9A-Z]\{18\}$')"
check "... with the retired key and when it was retired" \
	grep -q "^$old_key	$SAMR	20[0-9-]*T[0-9:]*Z\$" "$SCRATCH/export.tsv"
check "... and the current one, not retired" \
	grep -q "^$new_key	$SAMR	null\$" "$SCRATCH/export.tsv"
same "... whose public key is the one in samr2.key.pub" \
	"$(json_field public_key < samr2.key.pub)" \
	"$(json_field key_id public_key < "$OUT" | sed -n "s/^$new_key	//p")"
ok "export --unit" ecert-unit export --unit "$SAMR"
same "... gives that unit's keys, retired and current" 2 "$(wc -l < "$OUT")"
ok "the audit chain is intact after all this" ecert-audit verify
