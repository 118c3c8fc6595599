#!/bin/sh
# ecert-verify from a regular file verifies in groups, one transaction a
# group: every identifier still has its own audit entry, the answers are
# those one at a time gives, and no answer is printed before its entry is
# committed (a jammed audit log: no answer at all, from a file or a pipe).
. "$(dirname "$0")/lib.sh"
plan 26

setup_store
issue_biz "$SAMR_KEY" "$USCC_FOOD" 襄阳汉江食品有限公司 > /dev/null &&
	issue_biz "$SAMR_KEY" "$USCC_LONGZHONG" 襄阳隆中餐饮管理有限公司 > /dev/null &&
	issue_biz "$SAMR_KEY" "$USCC_FANCHENG" 襄阳市樊城区鹿门副食商店 > /dev/null ||
	bail "cannot issue the licenses to verify"
ok "... one of them revoked" \
	ecert-revoke -k "$SAMR_KEY" --reason 吊销营业执照 "$ID_BIZ_FANCHENG"

# 600 lines: more than two groups of 256
: > ids.txt
for i in $(seq 200); do
	printf '%s\n%s\n%s\n' "$ID_BIZ_FOOD" "$ID_BIZ_LONGZHONG" \
	    "$ID_BIZ_FANCHENG" >> ids.txt
done
entries=$(audit_count)
must_fail 1 "600 identifiers from a file (200 of them revoked: 1)" \
	ecert-verify < ids.txt
same "... 600 answers, in input order" "$(cat ids.txt)" \
	"$(sed 's/.*"id":"\([^"]*\)".*/\1/' "$OUT")"
same "... 400 valid, 200 revoked" "400 200" \
	"$(grep -c '"valid":true' "$OUT") $(grep -c '"status":"revoked"' "$OUT")"
same "... 600 audit entries, one for each" $((entries + 600)) "$(audit_count)"
same "... the last of them for the last line" \
	"license.verify $ID_BIZ_FANCHENG revoked" \
	"$(sqlite3 "$ECERT_DB" "SELECT action, object, outcome FROM audit
	    ORDER BY seq DESC LIMIT 1" | tr '|' ' ')"
cp "$OUT" grouped.out
must_fail 1 "the same through a pipe, one at a time" sh -c 'cat ids.txt | ecert-verify'
same "... the same answers" "$(cat grouped.out)" "$(cat "$OUT")"
same "... and 600 more audit entries" $((entries + 1200)) "$(audit_count)"

# from now on every insert into the audit log fails
sqlite3 "$ECERT_DB" "CREATE TRIGGER audit_jammed BEFORE INSERT ON audit
	BEGIN SELECT RAISE(ABORT, 'audit log jammed'); END" ||
	bail "cannot add the trigger"
entries=$(audit_count)
must_fail 74 "from a file, when the verifications cannot be audited" \
	ecert-verify < ids.txt
same "... no answer at all" "" "$(cat "$OUT")"
check "... says why" err_has "no answer given"
must_fail 74 "from a pipe, the same" sh -c 'cat ids.txt | ecert-verify'
same "... no answer at all" "" "$(cat "$OUT")"
sqlite3 "$ECERT_DB" "DROP TRIGGER audit_jammed"

# the log fails at its 300th entry from now: from a file, the groups
# committed before it are answered and recorded, the group it falls in is
# rolled back and unanswered; then through a pipe each line is answered,
# and recorded, until the 300th entry fails
entries=$(audit_count)
sqlite3 "$ECERT_DB" "CREATE TRIGGER audit_full BEFORE INSERT ON audit
	WHEN (SELECT count(*) FROM audit) >= $((entries + 299))
	BEGIN SELECT RAISE(ABORT, 'audit log full'); END" ||
	bail "cannot add the trigger"
must_fail 74 "from a file, the log failing in a later group" \
	ecert-verify < ids.txt
answered=$(wc -l < "$OUT" | tr -d ' ')
same "... as many answers given as entries recorded" "$answered" \
	"$(($(audit_count) - entries))"
check "... some, not those of the group that failed ($answered)" \
	test "$answered" -gt 0 -a "$answered" -lt 299
before=$(audit_count)
must_fail 74 "through a pipe, the log failing at the 300th" \
	sh -c 'cat ids.txt | ecert-verify'
same "... every entry up to the 299th answered" \
	"$((entries + 299 - before)) $((entries + 299))" \
	"$(wc -l < "$OUT" | tr -d ' ') $(audit_count)"
sqlite3 "$ECERT_DB" "DROP TRIGGER audit_full"

# a group is read without the write lock, so its tampering records wait
# for the group's own write: none is lost, none comes twice
sqlite3 "$ECERT_DB" "UPDATE licenses SET holder_name = '襄阳隆中餐饮管理有限公可'
	WHERE id = '$ID_BIZ_LONGZHONG'" || bail "cannot alter the row"
entries=$(audit_count)
must_fail 1 "a row altered, from a file" ecert-verify < ids.txt
same "... its 200 answers say so" 200 \
	"$(grep -c 'store row altered: holder differs' "$ERR")"
same "... 600 entries of license.verify and 200 of fact.tampered" \
	"$((entries + 800)) 200" "$(audit_count) $(sqlite3 "$ECERT_DB" \
	"SELECT count(*) FROM audit WHERE action = 'fact.tampered' AND
	object = '$ID_BIZ_LONGZHONG' AND seq > $entries")"
sqlite3 "$ECERT_DB" "UPDATE licenses SET holder_name = '襄阳隆中餐饮管理有限公司'
	WHERE id = '$ID_BIZ_LONGZHONG'" || bail "cannot restore the row"

# four verifiers from files at once: each reads while the others write
entries=$(audit_count)
for i in 1 2 3 4; do
	ecert-verify < ids.txt > par.$i.out 2> par.$i.err &
done
wait
same "four verifiers at once: 1,600 valid answers, 800 revoked" "1600 800" \
	"$(cat par.*.out | grep -c '"valid":true') $(cat par.*.out |
	grep -c '"status":"revoked"')"
same "... no other complaint (none busy, none failed)" "" \
	"$(cat par.*.err | grep -v ': revoked$' |
	grep -v ': 600 records read from standard input: 400 valid, 200 rejected$')"
same "... 2,400 audit entries" $((entries + 2400)) "$(audit_count)"
ok "the audit chain is intact" ecert-audit verify
