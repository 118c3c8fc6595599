#!/bin/sh
# ecert-expire: the expiry sweep marks valid and suspended licenses whose
# validity ended as expired, lists them as JSON Lines, audits the sweep,
# leaves revoked ones alone, and reads only the licenses due.
. "$(dirname "$0")/lib.sh"

plan 69

setup_store
ECERT_TESTBIN=${ECERT_TESTBIN:-$TESTDIR/../../build/tests}
GEN=$ECERT_TESTBIN/ecert-gen
[ -x "$GEN" ] || bail "no $GEN: make $ECERT_TESTBIN/ecert-gen"

# biz NUMBER NAME [UNTIL]: a historical 营业执照 as a JSON line
biz() {
	printf '{"number":"%s","holder":"%s","holder_id":"%s","issue_date":"2016-03-01",%s"entity_type":"个人独资企业","legal_representative":"张汉江","established":"2016-02-01","domicile":"湖北省襄阳市樊城区长虹北路16号","business_scope":"食品销售"}\n' \
	    "$1" "$2" "$1" "${3:+\"valid_until\":\"$3\",}"
}
{
	biz 91420600MA4F00100X 襄阳一号商贸有限公司 2026-01-15
	biz 91420600MA4F00200K 襄阳二号商贸有限公司 2026-02-28
	biz 91420600MA4F003009 襄阳三号商贸有限公司 2026-03-01
	biz 91420600MA4F00400Y 襄阳四号商贸有限公司 2026-02-01
	biz 91420600MA4F00500L 襄阳五号商贸有限公司 2020-12-31
	biz 91420600MA4F00600A 襄阳六号商贸有限公司
} > licenses.jsonl
ecert-import -k "$SAMR_KEY" -t "$T_BIZ" licenses.jsonl > /dev/null &&
issue_food "$SAMR_KEY" JY14206060012345 "$USCC_FOOD" 襄阳汉江食品有限公司 \
	> /dev/null &&
issue_estate "$NRB_KEY" '鄂(2025)襄阳市不动产权第0012345号' 张汉江 \
	"$CID_ZHANG" > /dev/null ||
	bail "cannot make the licenses to expire"
id_of() {	# NUMBER: the identifier of the license with that number
	sqlite3 "$ECERT_DB" "SELECT id FROM licenses WHERE number = '$1'"
}
ID_A=$(id_of 91420600MA4F00100X)	# until 2026-01-15
ID_B=$(id_of 91420600MA4F00200K)	# until 2026-02-28, suspended
ID_C=$(id_of 91420600MA4F003009)	# until 2026-03-01
ID_D=$(id_of 91420600MA4F00400Y)	# until 2026-02-01, revoked
ID_E=$(id_of 91420600MA4F00500L)	# until 2020-12-31: came in expired
ID_F=$(id_of 91420600MA4F00600A)	# no end
ID_ESTATE=$(id_of '鄂(2025)襄阳市不动产权第0012345号')	# no end
ecert-revoke -k "$SAMR_KEY" --suspend --reason 责令停业整顿 "$ID_B" \
	> /dev/null 2>&1 &&
ecert-revoke -k "$SAMR_KEY" --reason 企业申请注销登记 "$ID_D" \
	> /dev/null 2>&1 || bail "cannot suspend and revoke"

status_of() {
	sqlite3 "$ECERT_DB" "SELECT status FROM licenses WHERE id = '$1'"
}
statuses() {
	for _id in "$ID_A" "$ID_B" "$ID_C" "$ID_D" "$ID_E" "$ID_F" \
	    "$ID_FOOD_1" "$ID_ESTATE"; do
		status_of "$_id"
	done | tr '\n' ' ' | sed 's/ $//'
}
full_digest() {
	sqlite3 "$ECERT_DB" .dump | sha256sum | cut -d ' ' -f 1
}
expire_events() {
	sqlite3 "$ECERT_DB" "SELECT count(*) FROM license_events
	    WHERE status = 'expired'"
}
# The expected output line for a license: its members, canonical.
expected_line() {	# ID NUMBER HOLDER UNTIL
	printf '{"holder":"%s","id":"%s","issuer":"%s","number":"%s","type":"%s","valid_until":"%s"}\n' \
	    "$3" "$1" "$SAMR" "$2" "$T_BIZ" "$4"
}

same "the licenses before the sweeps" \
	"valid suspended valid revoked expired valid valid valid" "$(statuses)"

#
# The query reads the licenses due through the index licenses_due.
#
# (The plan is asked of the library, ecert_expire_sql, not read from
# its source.)
PLAN=$("$ECERT_TESTBIN/ecert-bench-raw" plan "$ECERT_DB" 2026-03-01)
check "the sweep's query has a plan" test -n "$PLAN"
check "its plan uses the index licenses_due" \
	sh -c 'printf "%s\n" "$1" | grep -q "USING INDEX licenses_due"' sh "$PLAN"
check "... and scans no table" \
	sh -c '! printf "%s\n" "$1" | grep -q "SCAN licenses"' sh "$PLAN"
same "the index covers only the valid and suspended licenses" 1 \
	"$(sqlite3 "$ECERT_DB" "SELECT count(*) FROM sqlite_master WHERE name = 'licenses_due' AND sql LIKE '%WHERE status IN (''valid'',''suspended'')%'")"

#
# Refusals.
#
before=$(full_digest)
must_fail 64 "--as-of a date that does not exist (64)" \
	ecert-expire --as-of 2026-02-30
must_fail 64 "--as-of not YYYY-MM-DD (64)" ecert-expire --as-of 20260301
must_fail 64 "an operand (64)" ecert-expire "$ID_A"
must_fail 64 "-k: the sweep signs nothing (64)" ecert-expire -k "$SAMR_KEY"
must_fail 74 "no store (74)" ecert-expire -d "$SCRATCH/no-such.db"
check "... and none is made" test ! -e "$SCRATCH/no-such.db"
same "the store unchanged by the refusals" "$before" "$(full_digest)"

#
# Today, 2025-06-30: nothing due.
#
ok "nothing due today" ecert-expire
same "... prints nothing" "" "$(cat "$OUT")"
same "... the sweep is audited all the same" "license.expire|sweep|ok" \
	"$(audit_last)"

#
# --dry-run changes nothing.
#
before=$(full_digest)
ok "--dry-run --as-of 2026-03-02" ecert-expire --dry-run --as-of 2026-03-02
same "... lists the valid and suspended ones due, by date" \
	"$(expected_line "$ID_A" 91420600MA4F00100X 襄阳一号商贸有限公司 2026-01-15
	expected_line "$ID_B" 91420600MA4F00200K 襄阳二号商贸有限公司 2026-02-28
	expected_line "$ID_C" 91420600MA4F003009 襄阳三号商贸有限公司 2026-03-01)" \
	"$(canonical < "$OUT")"
same "... and changed nothing, not even the audit log" "$before" \
	"$(full_digest)"

#
# The sweep on 2026-03-01: A (ended 2026-01-15) and the suspended B; C is
# in force through its last day.
#
before_events=$(expire_events)
ok "the sweep on 2026-03-01" env ECERT_TODAY=2026-03-01 ecert-expire
same "... writes the two it expired as JSON Lines" \
	"$(expected_line "$ID_A" 91420600MA4F00100X 襄阳一号商贸有限公司 2026-01-15
	expected_line "$ID_B" 91420600MA4F00200K 襄阳二号商贸有限公司 2026-02-28)" \
	"$(canonical < "$OUT")"
same "... one object per line" 2 "$(wc -l < "$OUT" | tr -d ' ')"
same "... A and the suspended B expired; C, the revoked D and the rest as they were" \
	"expired expired valid revoked expired valid valid valid" "$(statuses)"
same "... audited as one license.expire entry" "license.expire|sweep|ok" \
	"$(audit_last)"
same "... with its date and count" "2026-03-01	2" \
	"$(sqlite3 "$ECERT_DB" "SELECT detail FROM audit ORDER BY seq DESC LIMIT 1" |
	json_field as_of expired)"
check "... and a digest of the identifiers" sh -c '
	sqlite3 "$ECERT_DB" "SELECT detail FROM audit ORDER BY seq DESC LIMIT 1" |
	grep -q "\"ids_digest\":\"[0-9a-f]\{64\}\""'
same "... an event for each" $((before_events + 2)) "$(expire_events)"
same "... saying why" "expired|validity ended 2026-01-15" \
	"$(sqlite3 "$ECERT_DB" "SELECT status || '|' || reason FROM license_events WHERE license = '$ID_A' ORDER BY seq DESC LIMIT 1")"

must_fail 1 "ecert-verify A on 2026-03-01: not valid (1)" \
	env ECERT_TODAY=2026-03-01 ecert-verify --json "$ID_A"
same "... expired" "expired	false" "$(json_field status valid < "$OUT")"
must_fail 1 "ecert-verify the once suspended B: not valid (1)" \
	env ECERT_TODAY=2026-03-01 ecert-verify --json "$ID_B"
same "... expired" "expired	false" "$(json_field status valid < "$OUT")"
ok "ecert-verify C on its last day: valid" \
	env ECERT_TODAY=2026-03-01 ecert-verify --json "$ID_C"
must_fail 1 "ecert-verify the revoked D: not valid (1)" \
	env ECERT_TODAY=2026-03-01 ecert-verify --json "$ID_D"
same "... revoked, not expired" revoked "$(json_field status < "$OUT")"

before=$(store_digest)
ok "the same sweep again" env ECERT_TODAY=2026-03-01 ecert-expire
same "... prints nothing" "" "$(cat "$OUT")"
same "... and changes nothing (but the audit)" "$before" "$(store_digest)"

ok "the sweep the next day" env ECERT_TODAY=2026-03-02 ecert-expire
same "... expires C" \
	"$(expected_line "$ID_C" 91420600MA4F003009 襄阳三号商贸有限公司 2026-03-01)" \
	"$(canonical < "$OUT")"

ok "--as-of 2031-01-01" env ECERT_TODAY=2031-01-01 ecert-expire --as-of 2031-01-01
same "... expires the food license (until 2030-06-29) alone" \
	"$ID_FOOD_1" "$(json_field id < "$OUT")"
same "... the revoked D untouched, licenses without end never expire" \
	"expired expired expired revoked expired valid expired valid" \
	"$(statuses)"
same "... D has no expiry event" 0 \
	"$(sqlite3 "$ECERT_DB" "SELECT count(*) FROM license_events WHERE license = '$ID_D' AND status = 'expired'")"
ok "ecert-query --status expired lists them" \
	ecert-query --status expired -o number
same "... all five" "$(printf '%s\n' 91420600MA4F00100X 91420600MA4F00200K \
	91420600MA4F003009 91420600MA4F00500L JY14206060012345 | sort)" \
	"$(sort "$OUT")"
ok "an expired license can still be revoked" \
	ecert-revoke -k "$SAMR_KEY" --reason 企业申请注销登记 "$ID_A"
same "... and is then revoked" revoked "$(status_of "$ID_A")"
ok "... and the audit chain is intact" ecert-audit verify

#
# A busy store: 75, nothing changed.
#
mkfifo hold
sqlite3 "$ECERT_DB" < hold > /dev/null 2>&1 &
holder=$!
exec 3> hold
printf '.timeout 30000\nBEGIN IMMEDIATE;\n' >&3
while sqlite3 -cmd '.timeout 0' "$ECERT_DB" 'BEGIN IMMEDIATE; ROLLBACK;' \
    > /dev/null 2>&1; do
	sleep 0.05 2> /dev/null || :
done
before=$(full_digest)
must_fail 75 "a store busy past ECERT_BUSY_TIMEOUT (75)" \
	env ECERT_BUSY_TIMEOUT=200 ECERT_TODAY=2099-01-01 ecert-expire --as-of 2099-01-01
same "... nothing changed" "$before" "$(full_digest)"
echo 'ROLLBACK;' >&3
exec 3>&-
wait "$holder"

#
# Many licenses, few due: only those are read and marked.
#
"$GEN" -n 3000 -f 500000 -b 0 -d 30 |
	sed 's/"issue_date":"2025-/"issue_date":"2024-/' |
	ecert-import -k "$SAMR_KEY" -t "$T_BIZ" > gen.summary 2> gen.err
same "3000 generated licenses in the store" "3000" \
	"$(json_field imported < gen.summary)"
due=$(sqlite3 "$ECERT_DB" "SELECT count(*) FROM licenses WHERE status IN
	('valid', 'suspended') AND valid_until < '2027-07-01'")
check "... some of them due by 2027-07-01 ($due)" test "$due" -gt 0 -a "$due" -lt 300
sqlite3 "$ECERT_DB" ANALYZE
PLAN=$("$ECERT_TESTBIN/ecert-bench-raw" plan "$ECERT_DB" 2027-07-01)
check "with statistics on 3000 licenses, the plan still uses licenses_due" \
	sh -c 'printf "%s\n" "$1" | grep -q "USING INDEX licenses_due" &&
	! printf "%s\n" "$1" | grep -q "SCAN licenses"' sh "$PLAN"
ok "the sweep as of 2027-07-01" env ECERT_TODAY=2027-07-01 ecert-expire --as-of 2027-07-01
same "... lists exactly those due" "$due" "$(wc -l < "$OUT" | tr -d ' ')"
same "... in order of their end dates" "$(json_field valid_until < "$OUT" | sort)" \
	"$(json_field valid_until < "$OUT")"
same "... and leaves none due" 0 \
	"$(sqlite3 "$ECERT_DB" "SELECT count(*) FROM licenses WHERE status IN
	('valid', 'suspended') AND valid_until < '2027-07-01'")"
ok "... the audit chain intact" ecert-audit verify
before=$(store_digest)
must_fail 64 "a sweep as of a day after today is refused (64)" \
	ecert-expire --as-of 2099-01-01
same "... and expires nothing" "$before" "$(store_digest)"
ok "... but --dry-run shows what will be due" \
	ecert-expire --dry-run --as-of 2099-01-01

# The licenses are listed only once the sweep is committed: a reader at
# the other end of the pipe sees them expired, and a sweep that fails
# lists none (before: each was printed before the commit).
{
	biz 91420600MA4F007000 襄阳七号商贸有限公司 2027-07-10
	biz 91420600MA4F00800M 襄阳八号商贸有限公司 2027-07-11
} > late.jsonl
ecert-import -k "$SAMR_KEY" -t "$T_BIZ" late.jsonl > /dev/null 2>&1 ||
	bail "cannot import the late licenses"
ID_G=$(id_of 91420600MA4F007000)
ID_H=$(id_of 91420600MA4F00800M)
# a sweep whose audit entry cannot be written fails and is rolled back
sqlite3 "$ECERT_DB" "CREATE TRIGGER no_sweep BEFORE INSERT ON audit
	WHEN NEW.action = 'license.expire'
	BEGIN SELECT RAISE(ABORT, 'disk full'); END"
before=$(full_digest)
must_fail 74 "a sweep that cannot be committed fails (74)" \
	env ECERT_TODAY=2027-07-20 ecert-expire --as-of 2027-07-20
check "... and lists no license as expired" test ! -s "$OUT"
check "... saying why" err_has "audit: cannot record the sweep"
same "... the licenses still valid" "valid valid" \
	"$(status_of "$ID_G") $(status_of "$ID_H")"
sqlite3 "$ECERT_DB" "DROP TRIGGER no_sweep"
ok "the sweep piped into ecert-show --text" sh -c '
	ECERT_TODAY=2027-07-20 ecert-expire --as-of 2027-07-20 |
	ecert-show --text > shown.txt'
check "... shows the first as expired, not valid" \
	grep -q "^状态.*(expired)" shown.txt
same "... every license shown as expired" "" \
	"$(grep '^状态' shown.txt | grep -v '(expired)')"
check "... both late licenses among them" \
	sh -c 'grep -q 91420600MA4F007000 shown.txt && grep -q 91420600MA4F00800M shown.txt'
