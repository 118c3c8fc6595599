#!/bin/sh
# A change that cannot be audited is not made: loading the catalog, the
# service matters or the holiday calendar fails (74) and loads nothing
# when its audit entry cannot be written, as every other change does.
. "$(dirname "$0")/lib.sh"

plan 18

setup_store --no-catalog

# from now on every insert into the audit log fails
sqlite3 "$ECERT_DB" "CREATE TRIGGER audit_jammed BEFORE INSERT ON audit
	BEGIN SELECT RAISE(ABORT, 'audit log jammed'); END" ||
	bail "cannot add the trigger"
entries=$(audit_count)
before=$(store_digest)

must_fail 74 "the catalog, when its loading cannot be audited" \
	ecert-catalog load -k "$ADMIN_KEY" "$ECERT_SHARE"/catalog/*.yaml
check "... says why" err_has "audit: audit log jammed"
check "... and that nothing was loaded" \
	err_has "not loaded: the change cannot be audited"
same "... no type loaded" 0 \
	"$(sqlite3 "$ECERT_DB" 'SELECT count(*) FROM license_types')"
same "... nothing changed" "$before" "$(store_digest)"
same "... no audit entry either" "$entries" "$(audit_count)"

sqlite3 "$ECERT_DB" "DROP TRIGGER audit_jammed"
ok "with the audit log working again, the catalog loads" \
	ecert-catalog load -k "$ADMIN_KEY" "$ECERT_SHARE"/catalog/*.yaml
same "... audited, a type each" 4 "$(sqlite3 "$ECERT_DB" "SELECT count(*)
	FROM audit WHERE action = 'catalog.load' AND outcome = 'ok'")"

sqlite3 "$ECERT_DB" "CREATE TRIGGER audit_jammed BEFORE INSERT ON audit
	BEGIN SELECT RAISE(ABORT, 'audit log jammed'); END"
entries=$(audit_count)
before=$(store_digest)
must_fail 74 "the service matters, when their loading cannot be audited" \
	ecert-matter load -k "$ADMIN_KEY" "$ECERT_SHARE"/matters/*.yaml
check "... says so" err_has "not loaded: the change cannot be audited"
same "... no matter loaded" 0 \
	"$(sqlite3 "$ECERT_DB" 'SELECT count(*) FROM matters')"
same "... nothing changed" "$before" "$(store_digest)"

cal_before="$(sqlite3 "$ECERT_DB" 'SELECT count(*) FROM holidays') $(sqlite3 \
	"$ECERT_DB" 'SELECT count(*) FROM holiday_years')"
must_fail 74 "the holiday calendar, when its loading cannot be audited" \
	ecert-dispute holidays load -k "$ADMIN_KEY" \
	"$ECERT_SHARE"/holidays/*.txt
check "... says so" err_has "holidays 2025: not loaded: the change cannot be audited"
same "... no year loaded (the calendars ecert-init loaded unchanged)" "$cal_before" \
	"$(sqlite3 "$ECERT_DB" 'SELECT count(*) FROM holidays') $(sqlite3 \
	"$ECERT_DB" 'SELECT count(*) FROM holiday_years')"
same "... nothing changed" "$before" "$(store_digest)"
same "... no audit entry" "$entries" "$(audit_count)"

sqlite3 "$ECERT_DB" "DROP TRIGGER audit_jammed"
ok "the audit chain is intact" ecert-audit verify
