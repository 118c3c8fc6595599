#!/bin/sh
# tests/data/format1/make.sh: how the format-1 fixtures in this folder were
# made, with the programs of commit 580c374 (before format 2):
#   ECERT_BIN=/path/to/old/build/bin sh tests/data/format1/make.sh OUTDIR
# A store (schema 9) with its keys, its anchor, the licenses' signed documents, tokens,
# and the trust list (the status list, 2.8 MB, is left out: the test
# exports one from the migrated store), all
# made at ECERT_NOW=2025-06-30T08:00:00Z; 0160-format1.t verifies them.
set -eu
OUTDIR=$(cd "$1" && pwd)
. "$(dirname "$0")/../../cli/lib.sh"
ECERT_NOW=2025-06-30T08:00:00Z
export ECERT_NOW
setup_store
issue_biz "$SAMR_KEY" "$USCC_FOOD" 襄阳汉江食品有限公司 > /dev/null
issue_food "$SAMR_KEY" JY14206060012345 "$USCC_LONGZHONG" 襄阳隆中餐饮管理有限公司 > /dev/null
issue_estate "$NRB_KEY" '鄂(2025)襄阳市不动产权第0012398号' 张汉江 "$CID_ZHANG" > /dev/null
issue_food "$SAMR_KEY" JY14206060012347 "$USCC_GULONG" 襄阳古隆中文化旅游有限公司 > /dev/null
ID_ESTATE=$(ecert-query --holder 张汉江 -o id)
ecert-show -k "$ADMIN_KEY" --ttl 31536000 --token "$ID_BIZ_FOOD" > "$OUTDIR/biz.token"
ecert-show -k "$ADMIN_KEY" --ttl 31536000 --token "$ID_ESTATE" > "$OUTDIR/estate.token"
ecert-show -k "$ADMIN_KEY" --ttl 31536000 --token "$ID_FOOD_2" > "$OUTDIR/food2.token"
ecert-revoke -k "$SAMR_KEY" --reason '测试：吊销' "$ID_FOOD_2" > /dev/null
for id in "$ID_BIZ_FOOD" "$ID_FOOD_1" "$ID_ESTATE"; do
	ecert-show --json "$id"
done > "$OUTDIR/documents.jsonl"
ecert-unit export --trust -k "$ADMIN_KEY" > "$OUTDIR/trust.json"

printf '%s\n' "$ID_BIZ_FOOD" "$ID_FOOD_1" "$ID_ESTATE" "$ID_FOOD_2" > "$OUTDIR/ids.txt"
sqlite3 "$ECERT_DB" 'PRAGMA wal_checkpoint(TRUNCATE);' > /dev/null
cp "$ECERT_DB" "$OUTDIR/ecert.db"
cp "$ECERT_DB.anchor" "$OUTDIR/ecert.db.anchor"
for f in "$SCRATCH"/*.key "$SCRATCH"/pass; do cp "$f" "$OUTDIR/"; done

