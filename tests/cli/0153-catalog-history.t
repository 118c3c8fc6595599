#!/bin/sh
# The catalog's past versions (article 23): each version of a license type
# kept in license_type_history is signed by the platform like the entry,
# and its catalog.load audit entry names it.  `ecert-catalog history`
# reads them checked; an insider with sqlite3 who edits, strips, removes
# or replays a past version is refused, told why, and audited.
. "$(dirname "$0")/lib.sh"

plan 28

setup_store
sed 's/^description: .*/description: 市场主体登记机关依法核发的营业执照（2026年版）。/' \
	"$ECERT_SHARE/catalog/business-license.yaml" > biz-v2.yaml
ok "the platform loads a second version of the 营业执照" \
	ecert-catalog load -k "$ADMIN_KEY" biz-v2.yaml
same "... audited, naming the version" "catalog.load|$T_BIZ|ok|issuer $SAMR version 2" \
	"$(sqlite3 "$ECERT_DB" "SELECT action || '|' || object || '|' || outcome
	    || '|' || detail FROM audit ORDER BY seq DESC LIMIT 1")"
ok "ecert-catalog history" ecert-catalog history "$T_BIZ"
same "... two versions, both signed by the platform" "1 true
2 true" "$(json_field version signed < "$OUT" | tr '\t' ' ')"
check "... the second is the new text" sh -c \
	'tail -n 1 "$1" | grep -q "（2026年版）"' sh "$OUT"
same "... the rows carry the platform's signature" 2 \
	"$(sqlite3 "$ECERT_DB" "SELECT count(*) FROM license_type_history
	    WHERE code = '$T_BIZ' AND sig_key = (SELECT key_id FROM keys
	    WHERE unit = '$PLATFORM') AND length(sig) = 88")"

sql() {
	sqlite3 "$ECERT_DB" "$1"
}

# refused WHAT WHY: ecert-catalog history exits 1 saying WHY, the store
# unchanged, the tampering audited
refused() {
	before=$(store_digest)
	must_fail 1 "$1: ecert-catalog history refuses" \
		ecert-catalog history "$T_BIZ"
	check "... saying why" err_has "ecert-catalog: $T_BIZ: tampering: $2"
	check "... nothing on standard output" test ! -s "$OUT"
	same "... audited as tampering" "fact.tampered|$T_BIZ|tampered|$2" \
		"$(sql "SELECT action || '|' || object || '|' || outcome || '|' ||
		    detail FROM audit ORDER BY seq DESC LIMIT 1")"
	same "... the store unchanged but for the audit" "$before" \
		"$(store_digest)"
}
SAVED=$(sql "SELECT quote(definition) || ',' || quote(loaded_at) || ',' ||
    quote(loaded_by) || ',' || quote(sig_key) || ',' || quote(sig)
    FROM license_type_history WHERE code = '$T_BIZ' AND version = 1")
put_back() {
	sql "INSERT OR REPLACE INTO license_type_history(code, version,
	    definition, loaded_at, loaded_by, sig_key, sig) VALUES ('$T_BIZ', 1,
	    $SAVED)"
}

# 1. a past version's text edited
sql "UPDATE license_type_history SET definition = replace(definition,
    '营业执照', '营业执照（已废止）') WHERE code = '$T_BIZ' AND version = 1"
refused "version 1 edited" "history: version 1 is not as the platform signed it"

# 2. edited, its signature stripped, to pass as a row from before schema 10
sql "UPDATE license_type_history SET sig_key = NULL, sig = NULL
    WHERE code = '$T_BIZ' AND version = 1"
refused "version 1 edited and unsigned" \
	"history: version 1 is not as the platform signed it"
put_back
ok "put back, the history reads again" ecert-catalog history "$T_BIZ"

# 3. the newer version replayed as the older
sql "UPDATE license_type_history SET (definition, loaded_at, sig_key, sig) =
    (SELECT definition, loaded_at, sig_key, sig FROM license_type_history
    WHERE code = '$T_BIZ' AND version = 2) WHERE code = '$T_BIZ' AND
    version = 1"
refused "version 2 copied over version 1" \
	"history: version 1 is not as the platform signed it"
put_back

# 4. a past version removed
sql "DELETE FROM license_type_history WHERE code = '$T_BIZ' AND version = 1"
refused "version 1 removed" \
	"history: version 2 follows version 0: one removed or renumbered"
put_back
ok "put back, the history reads again" ecert-catalog history "$T_BIZ"
