#!/bin/sh
# The whole life of one license, in a throw-away store: make demo.
# usage: demo.sh BINDIR SHAREDIR [ed25519|sm2]
# With sm2 (make demo ALG=sm2) the platform and the issuer seal with SM2
# and SM3 (国密, article 20) instead of Ed25519.
set -eu
bin=${1:?bindir}
share=${2:?sharedir}
alg=${3:-ed25519}
PATH=$bin:$PATH
export PATH
demo=$(mktemp -d "${TMPDIR:-/tmp}/ecert-demo.XXXXXX")
trap 'rm -rf "$demo"' EXIT
cd "$demo"
export ECERT_DB="$demo/ecert.db"
say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
run() { say "$*"; "$@"; }

printf 'demo passphrase 演示\n' > pass
chmod 600 pass
export ECERT_PASSPHRASE_FILE="$demo/pass"

run ecert-init --code 11420600MB00000016 --name 襄阳市行政审批局 -o platform.key --alg "$alg"
while IFS='	' read -r code name roles; do
	run ecert-unit add -k platform.key --code "$code" --name "$name" --role "$roles"
done < "$share/catalog/units.tsv"
run ecert-unit key -k platform.key --unit 11420600MB1234567T -o samr.key --alg "$alg"
run ecert-unit export --unit 11420600MB1234567T
run ecert-unit list --table
run ecert-catalog load -k platform.key "$share"/catalog/*.yaml
run ecert-catalog list --table

say "ecert-issue -k samr.key -t 11100000000013338W011 -f number=... -f holder=襄阳汉江食品有限公司 ..."
id=$(ecert-issue -k samr.key -t 11100000000013338W011 \
	-f number=91420600MA49ABCD1A \
	-f holder=襄阳汉江食品有限公司 \
	-f holder_id=91420600MA49ABCD1A \
	-f 类型='有限责任公司（自然人投资或控股）' \
	-f 法定代表人=张汉江 \
	-f 注册资本=伍佰万元整 \
	-f 成立日期=2019-03-18 \
	-f 住所='湖北省襄阳市樊城区长虹北路16号' \
	-f 经营范围='食品生产；食品销售；农副产品加工' --json |
	sed 's/.*"id":"\([^"]*\)".*/\1/')
echo "$id"
run ecert-show "$id"
run ecert-verify "$id"

say "ecert-show -k platform.key --qr $id    # 扫码亮证: a presentation valid 5 minutes"
ecert-show -k platform.key --qr "$id"
ecert-show -k platform.key --token "$id" > token.txt
say "ecert-unit export --trust -k platform.key > trust.json"
ecert-unit export --trust -k platform.key > trust.json
run ecert-export -k platform.key --status -o status.json
say "ecert-verify --offline --trust trust.json --status status.json < token.txt"
ecert-verify --offline --trust trust.json --status status.json < token.txt
say "ecert-query --holder 襄阳汉江食品有限公司 | ecert-revoke -k samr.key --reason '企业申请注销登记'"
ecert-query --holder 襄阳汉江食品有限公司 | ecert-revoke -k samr.key --reason '企业申请注销登记'
say "ecert-verify $id    # now refused"
if ecert-verify "$id"; then echo "demo: a revoked license verified" >&2; exit 1; fi
run ecert-export -k platform.key --status -o status.json
say "ecert-verify --offline --trust trust.json --status status.json < token.txt    # refused too"
if ecert-verify --offline --trust trust.json --status status.json < token.txt; then
	echo "demo: a revoked license verified offline" >&2; exit 1
fi
# a signed checkpoint of the audit log (article 23), which the check below
# holds the log to; checkpoints are signed with Ed25519 platform keys only
if [ "$alg" = ed25519 ]; then
	run ecert-audit checkpoint -k platform.key -o checkpoint.txt
	cat checkpoint.txt
fi
run ecert-audit log --table
run ecert-audit verify
