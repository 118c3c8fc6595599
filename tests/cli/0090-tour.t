#!/bin/sh
# The README's tour is share/examples/tour.sh: the README shows exactly the
# script's lines below `set -e`, and they run as written, one command at a
# time (each its own test, in one shell, as a reader pastes them), and as
# a whole script.
. "$(dirname "$0")/lib.sh"

TOUR=$(cd "$TESTDIR/../../share/examples" && pwd)/tour.sh
README=$TESTDIR/../../README

scratch
# the tour as the README shows it: the indented block after "A short tour"
awk '/^A short tour$/ { on = 1; next }
	on && /^    / { block = 1 }
	on && block && /^[^ ]/ { exit }
	on && block { sub(/^    /, ""); print }' "$README" |
	sed -e :a -e '/^\n*$/{$d;N;ba' -e '}' > readme.tour
# the script's commands: what follows `set -e` and its blank line
sed '1,/^set -e$/d' "$TOUR" | sed '1{/^$/d;}' > script.tour

# the commands one by one: a line, with those continuing it (a trailing
# \ or |, or an open quote), that sh can parse on its own
mkdir steps
n=0 acc=
while IFS= read -r line; do
	if [ -z "$acc" ]; then
		case $line in
		''|'#'*) continue ;;
		esac
		acc=$line
	else
		acc="$acc
$line"
	fi
	case $line in
	*\\|*\|) continue ;;
	esac
	sh -n -c "$acc" 2> /dev/null || continue
	n=$((n + 1))
	printf '%s\n' "$acc" > "steps/$n"
	acc=
done < script.tour
[ -z "$acc" ] || bail "the tour ends inside a command: $acc"

plan $((n + 19))

check "share/examples/tour.sh is executable" test -x "$TOUR"
check "... sh can read it" sh -n "$TOUR"
same "the README's tour is tour.sh's commands, line for line" \
	"$(cat script.tour)" "$(cat readme.tour)"

# Each command, in an empty folder, with the programs of $ECERT_BIN and
# the shipped data of $ECERT_SHARE; its output kept as steps/N.out.
mkdir tour
cd tour
unset ECERT_DB ECERT_PASSPHRASE_FILE ECERT_TODAY ECERT_NOW
i=0
while [ "$i" -lt "$n" ]; do
	i=$((i + 1))
	ok "tour step $i: $(head -n 1 "../steps/$i" | tr -d '\\')" eval "$(cat "../steps/$i")"
	cp "$OUT" "../steps/$i.out"
	cp "$ERR" "../steps/$i.err"
done
cd ..

# step_out PATTERN: the output of the first command matching PATTERN
step_out() {
	_so=$(grep -l -e "$1" steps/[0-9]* | grep -v '\.' |
	    sed 's|steps/||' | sort -n | head -n 1)
	cat "steps/$_so.out"
}
sql() {
	sqlite3 tour/city.db "$1"
}

same "the store was made there, with the passphrase file the tour wrote" \
	"tour/city.db tour/pass" "$(echo tour/city.db tour/pass)"
same "the GB18030 CRLF register imported whole, nothing rejected" \
	"91420600MA4D00100Q|valid
91420600MA4E00400C|expired" \
	"$(sql "SELECT number || '|' || status FROM licenses
	WHERE number LIKE '91420600MA4%00Q' OR number LIKE '91420600MA4%00C'
	ORDER BY number")"
check "... no rejects file with anything in it" test ! -s tour/rejects.txt
same "the department's register reconciles silently" "" \
	"$(step_out 'ecert-reconcile')"
check "the license issued from arguments verifies with a trust file only" \
	grep -q '"valid":true' "steps/$(grep -l 'ecert-verify --trust' steps/[0-9]* |
	    grep -v '\.' | sed 's|steps/||')".out
check "its face was drawn from the shipped template" \
	grep -q 襄阳汉江食品有限公司 tour/face.svg
check "what the scanner read verified offline" \
	grep -q '"status":"valid","valid":true' \
	"steps/$(grep -l zbarimg steps/[0-9]* | grep -v '\.' | sed 's|steps/||').out"
same "the amendment made version 2, revoked at the end" \
	"1|superseded
2|revoked" "$(sql "SELECT version || '|' || status FROM licenses
	WHERE number = '91420600MA49ABCD1A' ORDER BY version")"
same "the bank checked the photocopy's data: a match" "true" \
	"$(step_out '--check 法定代表人' | json_field match)"
same "the matter was loaded before it was checked: the 营业执照 exempt" \
	"business_license|exempt" \
	"$(step_out 'ecert-matter check' | json_field material outcome |
	grep business_license | tr '\t' '|')"
same "the objection is due after the Spring Festival: Monday 9 March 2026" \
	'{"dispute":1,"due":"2026-03-09"}' "$(step_out 'ecert-dispute file')"
same "... as the store has it" "2026-02-10T01:30:00Z|2026-03-09" \
	"$(sql "SELECT filed_at || '|' || due FROM disputes")"
check "the sweep three weeks later expired the textile company's license" \
	grep -q '^证照编号  *91420600MA4E00400C$' \
	"steps/$(grep -l ecert-expire steps/[0-9]* | grep -v '\.' | sed 's|steps/||').out"
same "the audit chain is intact" "audit chain intact" \
	"$(step_out 'ecert-audit verify' | sed 's/: .*//')"

mkdir whole
cd whole
ok "tour.sh runs as a whole script (set -e), in another empty folder" \
	sh "$TOUR"
cd ..
same "... to the same end" "$(sql "SELECT id || '|' || status FROM licenses
	ORDER BY id")" "$(sqlite3 whole/city.db "SELECT id || '|' || status
	FROM licenses ORDER BY id")"
