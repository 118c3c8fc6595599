#!/bin/sh
# ecert-use gives a using unit only the items its matter needs (article 12:
# 仅限于……所需): a material of a loaded matter names its license's items,
# the answer carries those (with the number and the holder's name) and
# lists the rest as withheld, and the answer still verifies against the
# trust list, its disclosures checked against the signed core.
. "$(dirname "$0")/lib.sh"

plan 26

ECERT_NOW=2025-06-30T09:00:00Z
export ECERT_NOW
ICBC=91420600717800001A	# 中国工商银行股份有限公司襄阳分行 (user)

setup_store
ecert-unit add -k "$ADMIN_KEY" --code "$ICBC" \
	--name 中国工商银行股份有限公司襄阳分行 --role user > /dev/null &&
ecert-unit key -k "$ADMIN_KEY" --unit "$ICBC" -o icbc.key > /dev/null &&
issue_biz "$SAMR_KEY" "$USCC_FOOD" 襄阳汉江食品有限公司 > /dev/null &&
ecert-unit export > trust.jsonl ||
	bail "cannot set up the unit, the license and the trust list"

matter() {	# FILE CODE ITEMS-LINE
	cat > "$1" <<YAML
# 对公账户开立: the bank needs the company's representative and address.
code: $2
name: 对公账户开立
department: $SAMR
holder: legal
high_frequency: false
materials:
  - key: business_license
    name: 营业执照
    required: true
    licenses: [$T_BIZ]
    exempt: true
$3
YAML
}

# ---- loading: items are checked against the license type ----
matter bad.yaml 11420600MB1234567T-XK-0101 '    items: [法定代表人, 身高]'
before=$(store_digest)
must_fail 65 "a material naming an item its license does not have" \
	ecert-matter load -k "$ADMIN_KEY" bad.yaml
check "... names the file, the line and the item" \
	err_has 'bad.yaml:1'
check "... and the unknown item" err_has '"身高" is not an item'
same "... nothing loaded" "$before" "$(store_digest)"
matter dup.yaml 11420600MB1234567T-XK-0101 '    items: [住所, 住所]'
must_fail 65 "an item named twice" ecert-matter load -k "$ADMIN_KEY" dup.yaml
check "... says so" err_has "duplicate item 住所"
matter empty.yaml 11420600MB1234567T-XK-0101 '    items: []'
must_fail 65 "an empty items list" ecert-matter load -k "$ADMIN_KEY" empty.yaml

matter open.yaml 11420600MB1234567T-XK-0101 \
	'    items: [法定代表人, domicile]'
ok "a material naming its items by label or key" \
	ecert-matter load -k "$ADMIN_KEY" open.yaml
ok "the holder grants the bank that matter" \
	ecert-grant add -k "$ADMIN_KEY" --holder 襄阳汉江食品有限公司 \
	--holder-id "$USCC_FOOD" --matter 11420600MB1234567T-XK-0101 \
	--grantee "$ICBC" --type "$T_BIZ" --until 2025-12-31

# ---- the use ----
ok "ecert-use under the grant" ecert-use -k icbc.key \
	--matter 11420600MB1234567T-XK-0101 --holder "$USCC_FOOD"
cp "$OUT" use.jsonl
same "... the items needed, and no other" \
	"domicile legal_representative" \
	"$(jq -r '.document.items | keys | join(" ")' use.jsonl)"
same "... the number and the holder's name" \
	"$USCC_FOOD 襄阳汉江食品有限公司" \
	"$(jq -r '"\(.document.number) \(.document.holder.name)"' use.jsonl)"
same "... the holder's code withheld too" "null" \
	"$(jq -r '.document.holder.id' use.jsonl)"
same "... the rest listed as withheld" \
	"holder_id issue_date 成立日期 注册资本 类型 经营范围" \
	"$(jq -r '.withheld | sort | join(" ")' use.jsonl | tr ' ' '\n' |
	    sort | tr '\n' ' ' | sed 's/ $//')"
same "... no salt of a withheld item" "!type_name,#,@n,@t,^n,domicile,legal_representative" \
	"$(jq -r '.document.salts | keys | join(",")' use.jsonl)"
check "... no withheld value anywhere in the answer" \
	sh -c '! grep -q -e 伍佰万元整 -e 农副产品加工 use.jsonl'

ok "the answer verifies with the trust list" \
	ecert-verify --trust trust.jsonl use.jsonl
check "... valid" out_has '"valid":true'

jq -c '.document.items.domicile = "湖北省襄阳市襄城区檀溪路1号"' use.jsonl \
	> forged.jsonl
must_fail 1 "an item's value changed: refused" \
	ecert-verify --trust trust.jsonl forged.jsonl
check "... its digest is not in the signed core" \
	out_has "digest is not in the signed core"
jq -c '.document.salts.domicile = "AAAAAAAAAAAAAAAAAAAAAA=="' use.jsonl \
	> salt.jsonl
must_fail 1 "a salt changed: refused" \
	ecert-verify --trust trust.jsonl salt.jsonl
jq -c '.document.valid_until = "2099-12-31"' use.jsonl > dates.jsonl
must_fail 1 "a date changed: refused" \
	ecert-verify --trust trust.jsonl dates.jsonl
check "... not the core's" out_has "are not the core"
jq -c 'del(.withheld)' use.jsonl > whole.jsonl
must_fail 1 "the same answer passed off as the whole document: refused" \
	ecert-verify --trust trust.jsonl whole.jsonl

# ---- a matter whose material names no items: the whole license ----
matter whole.yaml 11420600MB1234567T-XK-0102 ''
ecert-matter load -k "$ADMIN_KEY" whole.yaml > /dev/null 2>&1
ecert-grant add -k "$ADMIN_KEY" --holder 襄阳汉江食品有限公司 \
	--holder-id "$USCC_FOOD" --matter 11420600MB1234567T-XK-0102 \
	--grantee "$ICBC" --type "$T_BIZ" --until 2025-12-31 > /dev/null 2>&1
ok "a material without items: ecert-use" ecert-use -k icbc.key \
	--matter 11420600MB1234567T-XK-0102 --holder "$USCC_FOOD"
same "... gives the whole license" "6 null" \
	"$(jq -r '"\(.document.items | length) \(.withheld)"' "$OUT")"
