#!/bin/sh
# No citizen ID number in an identifier or a clear column: a natural
# person's license whose number embeds the holder's ID (as a 残疾人证
# number does) gets a keyed serial, and the store's number column a keyed
# digest; the license still verifies, and the same number is still
# refused twice.
. "$(dirname "$0")/lib.sh"
plan 12

setup_store
NUM="${CID_ZHANG}01"	# as a 残疾人证 number: the ID and two digits
ok "a license whose number carries the holder's ID is issued" \
	issue_estate "$NRB_KEY" "$NUM" 张汉江 "$CID_ZHANG"
ID=$(issued_id)
check "its identifier does not carry the ID" \
	sh -c 'case "$1" in *"$2"*|*"$3"*) exit 1;; esac' sh "$ID" "$CID_ZHANG" \
	"$(printf %s "$CID_ZHANG" | cut -c1-17)"
check "... its serial is the keyed form K and 15 hex digits" \
	sh -c 'printf "%s\n" "$1" | grep -Eq "\.K[0-9A-F]{15}\.001\.[0-9A-Z]$"' sh "$ID"
ok "the store is dumped" sh -c 'sqlite3 "$ECERT_DB" .dump > dump.sql'
check "no clear column, index or audit entry carries the ID" \
	sh -c '! grep -q -F "$1" dump.sql' sh "$CID_ZHANG"
check "... nor the number" sh -c '! grep -q -F "$1" dump.sql' sh "$NUM"
ok "the license verifies from the store" ecert-verify "$ID"
ok "... and shows its number in full" ecert-show --json "$ID"
check "... which the sealed document keeps" out_has "$CID_ZHANG"
BEFORE=$(store_digest)
must_fail 65 "the same number again is refused" \
	issue_estate "$NRB_KEY" "$NUM" 张汉江 "$CID_ZHANG"
same "... and the store is unchanged" "$BEFORE" "$(store_digest)"
ok "a number with no ID in it keeps its plain digest serial" \
	issue_estate "$NRB_KEY" '鄂(2025)襄阳市不动产权第0012398号' 李樊城 "$CID_LI"
