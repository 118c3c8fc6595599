#!/bin/sh
# The README's tour, as a script: run it in an empty folder, with the
# programs on $PATH:  mkdir /tmp/tour && cd /tmp/tour && sh .../tour.sh
# The README shows exactly the lines below `set -e`, and
# tests/cli/0090-tour.t checks that it does and runs them one by one.
set -e

# the shipped catalog, matters and holiday calendars: $ECERT_SHARE, else
# beside the programs (bin/../share/ecert), where `make install` puts them
share=${ECERT_SHARE:-$(dirname "$(command -v ecert-init)")/../share/ecert}
export ECERT_DB=$PWD/city.db ECERT_PASSPHRASE_FILE=$PWD/pass
# a fixed day and time for the tour, Tuesday 10 February 2026, 09:30 in
# Xiangyang, before the Spring Festival (ecert(7)); unset both to work in
# the present
export ECERT_TODAY=2026-02-10 ECERT_NOW=2026-02-10T01:30:00Z
printf '%s\n' '襄阳市电子证照 tour passphrase' > pass
chmod 600 pass

# the store and the platform unit, then the units it registers (article
# 5), then the keys of those that sign or fetch
ecert-init --code 11420600MB00000016 --name 襄阳市行政审批局 -o platform.key
ecert-unit add -k platform.key --code 11420600MB1234567T \
    --name 襄阳市市场监督管理局 --role issuer,user
ecert-unit add -k platform.key --code 11420600MB2345678C \
    --name 襄阳市住房和城乡建设局 --role issuer,user
ecert-unit add -k platform.key --code 11420600MB3456789X \
    --name 襄阳市自然资源和规划局 --role issuer,user
ecert-unit add -k platform.key --code 91420600717800001A \
    --name 中国工商银行股份有限公司襄阳分行 --role user
ecert-unit key -k platform.key --unit 11420600MB1234567T -o samr.key
ecert-unit key -k platform.key --unit 91420600717800001A -o icbc.key

# the catalog of license types (its issuers registered above), the
# service matters (articles 14, 15) and the State Council's holiday
# calendars that objection deadlines are counted in (article 17)
ecert-catalog load -k platform.key "$share"/catalog/*.yaml
ecert-matter load -k platform.key "$share"/matters/*.yaml
ecert-dispute holidays load -k platform.key "$share"/holidays/*.txt

# historical licenses (article 10) from a legacy register: GB18030, CRLF,
# Chinese headers; each record imported, already present or rejected
printf '%s\r\n' \
    证照编号,名称,统一社会信用代码,颁发日期,有效期至,类型,法定代表人,注册资本,成立日期,营业期限,住所,经营范围 \
    91420600MA4D00100Q,襄阳汉水食品有限公司,91420600MA4D00100Q,2015-04-01,2035-03-31,有限责任公司（自然人投资或控股）,张汉江,伍佰万元整,2015-03-18,2015年03月18日至2035年03月31日,湖北省襄阳市樊城区长虹北路16号,食品生产；食品销售 \
    91420600MA4E00400C,襄阳老河口纺织有限公司,91420600MA4E00400C,2016-03-01,2026-02-28,普通合伙企业,罗静,叁佰万元整,2016-01-05,2016年01月05日至2026年02月28日,湖北省襄阳市老河口市光化大道2号,纺织品制造 |
    iconv -f UTF-8 -t GB18030 > yyzz-2015-2025.csv
ecert-import -k samr.key -t 11100000000013338W011 --encoding GB18030 \
    --rejects rejects.txt yyzz-2015-2025.csv
# the department's own register against the store (article 8): equal
ecert-reconcile -k samr.key -t 11100000000013338W011 --encoding GB18030 \
    yyzz-2015-2025.csv
# issue one license from arguments (items by key or Chinese label); with
# --table it prints the identifier alone, as on a terminal
id=$(ecert-issue --table -k samr.key -t 11100000000013338W011 \
    -f number=91420600MA49ABCD1A -f holder=襄阳汉江食品有限公司 \
    -f holder_id=91420600MA49ABCD1A -f 类型='有限责任公司（自然人投资或控股）' \
    -f 法定代表人=张汉江 -f 成立日期=2019-03-18 \
    -f 住所=湖北省襄阳市樊城区长虹北路16号 -f 经营范围=食品销售)
echo "$id"

# pipelines: every reader takes identifiers or JSON Lines with "id"
ecert-query --holder 襄阳汉江食品有限公司 | ecert-show
ecert-query --issuer 11420600MB1234567T --status valid | ecert-verify --json

# verification with no store at all: the signed document and a trust file
ecert-unit export > trust.jsonl
ecert-show --json "$id" | ecert-verify --trust trust.jsonl

# 扫码亮证 (article 16): the platform presents a license as a QR code,
# drawn in the terminal, or written to a file; the printable face
# (article 19) carries the same code
ecert-show -k platform.key --qr "$id"
ecert-show -k platform.key --qr-svg code.svg "$id"
ecert-show -k platform.key --svg face.svg "$id"

# offline verification of what a scanner read, with the signed trust
# list and status list that the platform republishes from cron
ecert-export -k platform.key --trust -o trust.json
ecert-export -k platform.key --status -o status.json
rsvg-convert -z 4 -o photo.png code.svg
zbarimg --raw -q -Sdisable -Sqrcode.enable photo.png |
    ecert-verify --offline --trust trust.json --status status.json

# amendments keep the history (article 8): a new version replaces the old
id=$(ecert-amend --table -k samr.key --reason 法定代表人变更 "$id" -f 法定代表人=李樊城)
ecert-show --history "$id"

# authorized use (article 12): the holder authorizes a bank for one
# matter; the bank fetches, or only checks a photocopy's data
ecert-grant add -k platform.key --holder 襄阳汉江食品有限公司 \
    --holder-id 91420600MA49ABCD1A --grantee 91420600717800001A \
    --matter 对公账户开立 --type 11100000000013338W011 --until 2027-06-30
ecert-use -k icbc.key --matter 对公账户开立 --holder 91420600MA49ABCD1A
ecert-use -k icbc.key --matter 对公账户开立 --holder 91420600MA49ABCD1A \
    --type 11100000000013338W011 --check 法定代表人=李樊城
ecert-query --public --name 襄阳汉江食品有限公司 --uscc 91420600MA49ABCD1A

# service matters (articles 14, 15): what an applicant still must bring
ecert-matter check --matter 11420600MB1234567T-XK-0001 \
    --holder-id 91420600MA49ABCD1A

# an objection (article 17), due in 15 working days: across the Spring
# Festival (15-23 February) and its two Saturdays worked, on 9 March
ecert-dispute file -k platform.key --by holder --item 住所 \
    --reason '门牌号有误' "$id"
ecert-dispute list --table

# review before signing (article 9): a type with `review: true` is stored
# as a draft that another person of the issuing unit approves, e.g.
#   ecert-query --status draft | ecert-issue -k hcb.key --approve

# revocation: the license no longer verifies (exit 1)
ecert-revoke -k samr.key --reason '企业申请注销登记' "$id"
! ecert-verify "$id"

# three weeks later, cron's sweep: the licenses past their date expire
ECERT_TODAY=2026-03-01 ecert-expire | ecert-show --text

# every access and change is in the audit log, a hash chain
ecert-audit log --action license.revoke --table
ecert-audit verify
