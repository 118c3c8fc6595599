#!/bin/sh
# Format 1 still verifies: a store of schema 9 made by the programs before
# format 2 (tests/data/format1, see make.sh there) is migrated forward when
# opened, its licenses verify from the store, their signed documents verify
# with the trust list alone, and their format-1 tokens verify offline
# against the status list the migrated store publishes.
. "$(dirname "$0")/lib.sh"
plan 10

F1=$DATA/format1
scratch
cp "$F1"/ecert.db "$F1"/ecert.db.anchor "$F1"/*.key "$F1"/pass .
chmod 600 ./*.key pass ecert.db.key
ECERT_DB=$SCRATCH/ecert.db
ECERT_PASSPHRASE_FILE=$SCRATCH/pass
ECERT_NOW=2025-06-30T09:00:00Z
export ECERT_DB ECERT_PASSPHRASE_FILE ECERT_NOW
ID_ESTATE=$(sed -n 3p "$F1/ids.txt")

ok "the old store's licenses verify from the store" \
	ecert-verify "$ID_BIZ_FOOD" "$ID_FOOD_1" "$ID_ESTATE"
same "... all three valid" 3 "$(grep -c '"valid":true' "$OUT")"

must_fail 1 "... and does not verify" ecert-verify "$ID_FOOD_2"
ok "format-1 signed documents verify with the trust list" \
	ecert-verify --trust "$F1/trust.json" "$F1/documents.jsonl"
same "... all three" 3 "$(grep -c '"valid":true' "$OUT")"
ok "the migrated store publishes a status list" \
	ecert-export -k platform.key --status -o status.json
ok "a format-1 token of a 营业执照 verifies offline" \
	ecert-verify --offline --trust "$F1/trust.json" --status status.json \
	"$(cat "$F1/biz.token")"
ok "a format-1 token of a 不动产权证书 verifies offline" \
	ecert-verify --offline --trust "$F1/trust.json" --status status.json \
	"$(cat "$F1/estate.token")"
must_fail 1 "a format-1 token of a license revoked since reads revoked" \
	ecert-verify --offline --trust "$F1/trust.json" --status status.json \
	"$(cat "$F1/food2.token")"
err_has "... and says so" "revoked"
ok "the store can still issue after the migration" \
	issue_biz samr.key "$USCC_LONGZHONG" 襄阳隆中餐饮管理有限公司
