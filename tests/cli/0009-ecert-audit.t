#!/bin/sh
# ecert-audit: the hash-chained audit log; its filters, and verify naming
# the first entry altered, removed or reordered.
. "$(dirname "$0")/lib.sh"

plan 58

setup_store
issue_biz "$SAMR_KEY" "$USCC_FOOD" 襄阳汉江食品有限公司 > /dev/null &&
issue_biz "$SAMR_KEY" "$USCC_LONGZHONG" 襄阳隆中餐饮管理有限公司 > /dev/null &&
ecert-show "$ID_BIZ_FOOD" > /dev/null &&
ecert-verify "$ID_BIZ_FOOD" > /dev/null &&
ecert-revoke -k "$SAMR_KEY" --reason 企业申请注销登记 "$ID_BIZ_LONGZHONG" \
	> /dev/null || bail "cannot fill the audit log"
printf '错误的口令 wrong one\n' > wrong-pass
ecert-revoke -k "$SAMR_KEY" --passphrase-file wrong-pass --reason 注销 \
	"$ID_BIZ_FOOD" 2> /dev/null
[ $? -eq 77 ] || bail "a wrong passphrase was not refused"
total=$(audit_count)
me=$(id -un)

sql() {
	sqlite3 "${2:-$ECERT_DB}" "$1"
}

# log and its filters
ok "log through a pipe" ecert-audit log
same "... one JSON line per entry" "$total" "$(grep -c '^{.*}$' "$OUT")"
same "... in canonical form" "$(canonical < "$OUT")" "$(cat "$OUT")"
same "... the first is the store's creation, chained to nothing" \
	"{\"action\":\"store.init\",\"detail\":\"襄阳市行政审批局\",\"hash\":\"\",\"object\":\"$ECERT_DB\",\"os_user\":\"$me\",\"outcome\":\"ok\",\"prev\":\"0000000000000000000000000000000000000000000000000000000000000000\",\"seq\":1,\"time\":\"\",\"unit\":\"$PLATFORM\"}" \
	"$(sed -n '1s/"\(hash\|time\)":"[^"]*"/"\1":""/gp' "$OUT")"
same "... each entry carries the hash of the one before" "" \
	"$(sed 's/.*"hash":"\([0-9a-f]*\)".*"prev":"\([0-9a-f]*\)".*/\1 \2/' "$OUT" |
	awk 'NR > 1 && $2 != prev { print NR } { prev = $1 }')"
ok "--action" ecert-audit log --action unit.add
same "... the four units of units.tsv" \
	"$SAMR $HCB $NRB $HRSS" \
	"$(sed 's/.*"object":"\([^"]*\)".*/\1/' "$OUT" | tr '\n' ' ' | sed 's/ $//')"
ok "--object" ecert-audit log --object "$ID_BIZ_LONGZHONG"
same "... the license's issue and revocation" "license.issue|ok license.revoke|ok" \
	"$(sed 's/.*"action":"\([^"]*\)".*"outcome":"\([^"]*\)".*/\1|\2/' "$OUT" | tr '\n' ' ' | sed 's/ $//')"
ok "--unit" ecert-audit log --unit "$SAMR" --action license.issue
same "... the market regulator's issues" 2 "$(wc -l < "$OUT")"
ok "the refusal of a wrong passphrase is in the log" \
	ecert-audit log --action key.open
check "... as denied" grep -q "\"object\":\"$SAMR_KEY\",\"os_user\":\"$me\",\"outcome\":\"denied\"" "$OUT"
ok "--since a day long past" ecert-audit log --since 2000-01-01
same "... everything" "$total" "$(wc -l < "$OUT")"
ok "--until a day long past" ecert-audit log --until 2000-01-01
same "... nothing" "" "$(cat "$OUT")"
first=$(sql "SELECT time FROM audit WHERE seq = 1")
ok "--since and --until the first entry's time" \
	ecert-audit log --since "$first" --until "$first" --action store.init
same "... that entry" 1 "$(wc -l < "$OUT")"
ok "--table" ecert-audit log --table --action license.revoke
same "... a header and the entry" 2 "$(wc -l < "$OUT")"
check "... with the reason in Chinese" grep -q "^[1-9][0-9]*  *20[0-9-]*T[0-9:]*Z  $SAMR  $me  *license.revoke  $ID_BIZ_LONGZHONG  ok  *企业申请注销登记\$" "$OUT"
check "... under the headers" grep -q '^SEQ  *TIME  *UNIT  *USER  *ACTION  *OBJECT  *OUTCOME  *DETAIL$' "$OUT"
must_fail 64 "an unknown verb is a usage error" ecert-audit forge
must_fail 64 "a stray argument is a usage error" ecert-audit verify now

# verify
ok "verify an untouched chain" ecert-audit verify
same "... counting every entry" "audit chain intact: $total entries" "$(cat "$OUT")"

# tampering with sqlite3
sqlite3 "$ECERT_DB" "UPDATE audit SET detail = '' WHERE seq = 5" 2> update.err
same "a plain UPDATE of an entry is refused by a trigger" \
	"audit entries cannot be changed" \
	"$(grep -o 'audit entries cannot be changed' update.err)"
sqlite3 "$ECERT_DB" "DELETE FROM audit WHERE seq = 5" 2> delete.err
same "... and so is a DELETE" "audit entries cannot be deleted" \
	"$(grep -o 'audit entries cannot be deleted' delete.err)"
ok "... so the chain is still intact" ecert-audit verify
seq_revoke=$(sql "SELECT seq FROM audit WHERE action = 'license.revoke'")
detail=$(sql "SELECT detail FROM audit WHERE seq = $seq_revoke")
sql "DROP TRIGGER audit_no_update; UPDATE audit SET detail = '依法注销' WHERE seq = $seq_revoke"
must_fail 1 "one entry's detail altered: broken" ecert-audit verify
check "... naming that entry" err_has "audit chain broken at entry $seq_revoke: entry $seq_revoke: altered"
check "... and no claim on stdout" test ! -s "$OUT"
sql "UPDATE audit SET detail = '$detail' WHERE seq = $seq_revoke"
ok "put back as it was, it is intact again" ecert-audit verify
seq_denied=$(sql "SELECT seq FROM audit WHERE action = 'key.open' AND outcome = 'denied'")
sql "UPDATE audit SET outcome = 'ok' WHERE seq = $seq_denied"
must_fail 1 "a refusal turned into success: broken" ecert-audit verify
check "... naming that entry" err_has "audit chain broken at entry $seq_denied:"
sql "UPDATE audit SET outcome = 'denied' WHERE seq = $seq_denied"
sql "UPDATE audit SET unit = '$HRSS' WHERE seq = 2"
must_fail 1 "an entry credited to another unit: broken" ecert-audit verify
check "... naming entry 2" err_has "audit chain broken at entry 2:"
sql "UPDATE audit SET unit = '$PLATFORM' WHERE seq = 2"
ok "put back, intact" ecert-audit verify

# In fresh stores: an entry removed, entries reordered.
# small_store DIR: a store with the units of units.tsv: 7 entries (the
# creation, the two holiday calendars ecert-init loads, four units).
small_store() {
	mkdir "$1" &&
	ecert-init -d "$1/ecert.db" --code "$PLATFORM" --name 襄阳市行政审批局 \
	    -o "$1/admin.key" &&
	while IFS='	' read -r code name roles; do
		ecert-unit add -d "$1/ecert.db" -k "$1/admin.key" --code "$code" \
		    --name "$name" --role "$roles" || return 1
	done < "$ECERT_SHARE/catalog/units.tsv"
}
ok "a fresh store" small_store removed
same "... with seven entries" 7 "$(audit_count removed/ecert.db)"
sql "DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE seq = 3" removed/ecert.db
must_fail 1 "a middle entry deleted: broken" ecert-audit verify -d removed/ecert.db
check "... naming the entry removed" err_has "audit chain broken at entry 3: entry 3 removed"
sql "DROP TRIGGER audit_no_update; UPDATE audit SET seq = seq - 1 WHERE seq > 3" \
	removed/ecert.db
must_fail 1 "... and the rest renumbered to hide it: still broken" \
	ecert-audit verify -d removed/ecert.db
check "... at the entry that took its place" err_has "audit chain broken at entry 3:"

ok "another fresh store" small_store swapped
sql "DROP TRIGGER audit_no_update;
	UPDATE audit SET seq = -5 WHERE seq = 5;
	UPDATE audit SET seq = 5 WHERE seq = 6;
	UPDATE audit SET seq = 6 WHERE seq = -5" swapped/ecert.db
same "... two entries' seq swapped" "unit.add|$NRB unit.add|$HCB" \
	"$(sql "SELECT action || '|' || object FROM audit WHERE seq IN (5, 6) ORDER BY seq" swapped/ecert.db | tr '\n' ' ' | sed 's/ $//')"
must_fail 1 "two entries swapped: broken" ecert-audit verify -d swapped/ecert.db
check "... naming the first of them" err_has "audit chain broken at entry 5:"

ok "a third fresh store" small_store first
sql "DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE seq = 1" first/ecert.db
must_fail 1 "the first entry deleted: broken" ecert-audit verify -d first/ecert.db
check "... naming it" err_has "audit chain broken at entry 1: entry 1 removed"
must_fail 74 "the chain cannot be checked without the store's key file" \
	ecert-audit verify -d first/ecert.db --store-key "$ECERT_DB.key"

# An action no program records is a usage error listing the actions, not
# an empty answer (before: exit 0 and nothing printed).
must_fail 64 "--action with a misspelt action: usage (64)" \
	ecert-audit log --action license.revok
check "... naming it" err_has "--action license.revok: not an action; the actions are:"
check "... listing the actions" err_has "license.revoke license.suspend license.reinstate"
check "... and printing no entry" test ! -s "$OUT"
tr ' ' '\n' < "$ERR" | grep '^[a-z]*\.[a-z]*$' | sort > listed.txt
same "every action in this store's log is among those listed" "" \
	"$(sql "SELECT DISTINCT action FROM audit" | sort | comm -23 - listed.txt)"
