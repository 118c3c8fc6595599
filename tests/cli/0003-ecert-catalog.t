#!/bin/sh
# ecert-catalog: load (strict, all or nothing), list and show license types.
. "$(dirname "$0")/lib.sh"

plan 105

setup_store --no-catalog
BAD=$DATA/catalog

# load the shipped catalog
ok "the admin loads the shipped catalog" \
	ecert-catalog load -k "$ADMIN_KEY" "$ECERT_SHARE"/catalog/*.yaml
check "... and counts 4 types" err_has "4 types loaded or changed"
same "... each load of a type is audited" 4 \
	"$(sqlite3 "$ECERT_DB" "SELECT count(*) FROM audit WHERE action = 'catalog.load' AND outcome = 'ok'")"
same "... and kept in the history, version 1" 4 \
	"$(sqlite3 "$ECERT_DB" "SELECT count(*) FROM license_type_history WHERE version = 1 AND loaded_by = '$PLATFORM'")"

ok "list through a pipe" ecert-catalog list
same "... is one JSON line per type" "\
{\"code\":\"$T_BIZ\",\"issuer\":\"$SAMR\",\"issuer_name\":\"襄阳市市场监督管理局\",\"name\":\"营业执照\",\"public\":true,\"version\":1}
{\"code\":\"$T_FOOD\",\"issuer\":\"$SAMR\",\"issuer_name\":\"襄阳市市场监督管理局\",\"name\":\"食品经营许可证\",\"public\":true,\"version\":1}
{\"code\":\"$T_ESTATE\",\"issuer\":\"$NRB\",\"issuer_name\":\"襄阳市自然资源和规划局\",\"name\":\"不动产权证书\",\"public\":false,\"version\":1}
{\"code\":\"$T_BUILD\",\"issuer\":\"$HCB\",\"issuer_name\":\"襄阳市住房和城乡建设局\",\"name\":\"建筑工程施工许可证\",\"public\":true,\"version\":1}" \
	"$(cat "$OUT")"
ok "list --table" ecert-catalog list --table
same "... aligns the Chinese names" "\
CODE                   NAME                ISSUER              ISSUER NAME             PUBLIC  VERSION
11100000000013338W011  营业执照            11420600MB1234567T  襄阳市市场监督管理局    yes     1
11100000000013338W012  食品经营许可证      11420600MB1234567T  襄阳市市场监督管理局    yes     1
11100000000013579F001  不动产权证书        11420600MB3456789X  襄阳市自然资源和规划局  no      1
111000000000246809001  建筑工程施工许可证  11420600MB2345678C  襄阳市住房和城乡建设局  yes     1" \
	"$(cat "$OUT")"

ok "show a type" ecert-catalog show "$T_BIZ"
same "... with its Chinese data item labels" "\
11100000000013338W011 营业执照
issuer: 11420600MB1234567T
holder: legal
public: yes
review: no
validity: 0 years

KEY                   LABEL       TYPE    REQUIRED  PUBLIC
entity_type           类型        enum    yes       yes
legal_representative  法定代表人  string  yes       yes
registered_capital    注册资本    string  no        yes
established           成立日期    date    yes       yes
business_term         营业期限    string  no        yes
domicile              住所        string  yes       yes
business_scope        经营范围    text    yes       yes" "$(cat "$OUT")"
ok "show --json" ecert-catalog show --json "$T_ESTATE"
same "... is one line" 1 "$(wc -l < "$OUT")"
check "... of the natural-person type, not public" \
	grep -q "^{\"code\":\"$T_ESTATE\",.*\"holder\":\"natural\",.*\"public\":false," "$OUT"
check "... with its labels" grep -q '"label":"不动产单元号"' "$OUT"
check "... and its enum values" grep -q '"values":\["单独所有","共同共有","按份共有"\]' "$OUT"
ok "show the food license type" ecert-catalog show "$T_FOOD"
check "... valid five years" grep -qx 'validity: 5 years' "$OUT"
check "... labels with full-width brackets" \
	grep -q '^legal_representative  法定代表人（负责人）  string' "$OUT"
must_fail 1 "show an unknown type: not found" ecert-catalog show 11100000000013338W099
must_fail 64 "show without a code is a usage error" ecert-catalog show
must_fail 64 "list with an argument is a usage error" ecert-catalog list "$T_BIZ"
must_fail 64 "an unknown verb is a usage error" ecert-catalog claim "$T_BIZ"
must_fail 64 "load without files is a usage error" \
	ecert-catalog load -k "$ADMIN_KEY"

# Loading the same files again changes nothing.
before=$(store_digest)
loads_before=$(sqlite3 "$ECERT_DB" "SELECT count(*) FROM audit WHERE action = 'catalog.load'")
ok "reload the same files" \
	ecert-catalog load -k "$ADMIN_KEY" "$ECERT_SHARE"/catalog/*.yaml
check "... 0 types changed" err_has "0 types loaded or changed"
same "... and the store is unchanged" "$before" "$(store_digest)"
same "... and no type was audited as loaded" "$loads_before" \
	"$(sqlite3 "$ECERT_DB" "SELECT count(*) FROM audit WHERE action = 'catalog.load'")"

# Malformed YAML: 65, file:line:column, nothing loaded.
# fixture:line of the first fault
for case in \
	bad-alias-bomb:2 bad-alias:5 bad-anchor:3 bad-duplicate-code:12 \
	bad-duplicate-item:14 bad-duplicate-key:6 bad-enum-no-values:11 \
	bad-issuer-uscc:4 bad-reserved-key:11 bad-syntax:12 bad-tag:6 \
	bad-type-code:2 bad-unknown-key:9 bad-utf8:3 bad-wrong-type:6
do
	f=${case%:*}
	line=${case#*:}
	must_fail 65 "$f.yaml is refused as bad input" \
		ecert-catalog load -k "$ADMIN_KEY" "$BAD/$f.yaml"
	check "... at $f.yaml:$line:column" grep -q \
		"^ecert-catalog: .*$f\.yaml:$line:[1-9][0-9]*: ." "$ERR"
	same "... and the store is unchanged" "$before" "$(store_digest)"
done
same "no type came in with them" 4 \
	"$(sqlite3 "$ECERT_DB" 'SELECT count(*) FROM license_types')"

must_fail 65 "a good file with a bad one loads nothing" \
	ecert-catalog load -k "$ADMIN_KEY" "$CLIDATA/catalog-good-extra.yaml" \
	"$BAD/bad-unknown-key.yaml"
same "... and the store is unchanged" "$before" "$(store_digest)"
must_fail 65 "... nor with the bad one first" \
	ecert-catalog load -k "$ADMIN_KEY" "$BAD/bad-tag.yaml" \
	"$CLIDATA/catalog-good-extra.yaml"
must_fail 65 "changed types with a bad file load nothing" \
	ecert-catalog load -k "$ADMIN_KEY" "$BAD/multi-good.yaml" \
	"$BAD/bad-duplicate-item.yaml"
same "... and the store is unchanged" "$before" "$(store_digest)"
must_fail 1 "... the good file's type is not in the catalog" \
	ecert-catalog show 11100000000013338W015
must_fail 65 "a type defined in two files is refused" \
	ecert-catalog load -k "$ADMIN_KEY" "$ECERT_SHARE/catalog/business-license.yaml" \
	"$BAD/multi-good.yaml"
check "... naming both files" grep -q "multi-good.yaml.*business-license.yaml" "$ERR"
same "... and the store is unchanged" "$before" "$(store_digest)"

# Who may load, and for whom.
must_fail 77 "a unit that is not admin may not load the catalog" \
	ecert-catalog load -k "$SAMR_KEY" "$CLIDATA/catalog-good-extra.yaml"
same "... and the store is unchanged" "$before" "$(store_digest)"
same "... and the refusal is audited as denied" \
	"catalog.load|$CLIDATA/catalog-good-extra.yaml|denied" "$(audit_last)"
must_fail 65 "a type whose issuer is not registered is refused" \
	ecert-catalog load -k "$ADMIN_KEY" "$CLIDATA/catalog-unregistered-issuer.yaml"
check "... naming the issuer" err_has "$USCC_OTHER"
same "... and the store is unchanged" "$before" "$(store_digest)"
must_fail 65 "a type whose issuer is a using unit only is refused" \
	ecert-catalog load -k "$ADMIN_KEY" "$CLIDATA/catalog-user-issuer.yaml"
check "... naming the unit" err_has "$HRSS"
same "... and the store is unchanged" "$before" "$(store_digest)"
must_fail 74 "a file that does not exist is an I/O failure" \
	ecert-catalog load -k "$ADMIN_KEY" "$CLIDATA/no-such-catalog.yaml"
same "... and the store is unchanged" "$before" "$(store_digest)"

# Changes: a new version each time, the old ones kept.
ok "a new type loads alone" \
	ecert-catalog load -k "$ADMIN_KEY" "$CLIDATA/catalog-good-extra.yaml"
check "... 1 type" err_has "1 type loaded or changed"
ok "... and shows" ecert-catalog show 11100000000013338W015
check "... with its label" grep -q '^qualification  资质类别及等级  text' "$OUT"
ok "changed definitions load" \
	ecert-catalog load -k "$ADMIN_KEY" "$BAD/multi-good.yaml"
check "... 2 types changed" err_has "2 types loaded or changed"
same "... the changed types are at version 2" "$T_BIZ|2 $T_ESTATE|2" \
	"$(sqlite3 "$ECERT_DB" "SELECT code || '|' || version FROM license_types WHERE version > 1 ORDER BY code" | tr '\n' ' ' | sed 's/ $//')"
ok "the shipped files load again" \
	ecert-catalog load -k "$ADMIN_KEY" "$ECERT_SHARE"/catalog/*.yaml
same "... as version 3 of the changed types" 3 \
	"$(sqlite3 "$ECERT_DB" "SELECT version FROM license_types WHERE code = '$T_BIZ'")"
same "... with every version kept in the history" "1 2 3" \
	"$(sqlite3 "$ECERT_DB" "SELECT version FROM license_type_history WHERE code = '$T_BIZ' ORDER BY version" | tr '\n' ' ' | sed 's/ $//')"
ok "the market regulator issues under the reloaded type" \
	issue_biz "$SAMR_KEY" "$USCC_FOOD" 襄阳汉江食品有限公司
ok "the audit chain is intact" ecert-audit verify
