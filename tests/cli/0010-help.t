#!/bin/sh
# --help, --version and `ecert help` for every program: the usage on
# standard output with exit 0 (a usage error stays on stderr with 64),
# one version for all, from the Makefile; `ecert help CMD` shows the
# manual page, found by man(1) or beside the programs; an unknown command
# names the closest one.
. "$(dirname "$0")/lib.sh"

PROGS="ecert ecert-amend ecert-audit ecert-catalog ecert-dispute ecert-expire
ecert-export ecert-grant ecert-import ecert-init ecert-issue ecert-matter
ecert-query ecert-reconcile ecert-revoke ecert-show ecert-unit ecert-use
ecert-verify ecert-report ecert-backup ecert-serve"
plan 36

scratch
VERSION=$(sed -n 's/^VERSION *= *//p' "$TESTDIR/../../Makefile")
n=0 bad_help= bad_h= bad_version= bad_usage= bad_table=
for p in $PROGS; do
	n=$((n + 1))
	# --help: usage on stdout, nothing on stderr, 0
	if "$p" --help > "$OUT" 2> "$ERR" && grep -q "^usage: $p" "$OUT" &&
	    ! [ -s "$ERR" ]; then :; else bad_help="$bad_help $p"; fi
	if "$p" -h > "$OUT" 2> "$ERR" && grep -q "^usage: $p" "$OUT"; then :
	else bad_h="$bad_h $p"; fi
	if [ "$("$p" --version 2>&1)" != "$p $VERSION" ]; then
		bad_version="$bad_version $p"
	fi
	# an unknown option is still a usage error on stderr
	_st=0
	"$p" --no-such-option > "$OUT" 2> "$ERR" || _st=$?
	if [ "$_st" -ne 64 ] || [ -s "$OUT" ] || ! grep -q "usage: $p" "$ERR"
	then bad_usage="$bad_usage $p"; fi
	# the option table, for the completions: --help among its options,
	# and every long option of it listed by --help
	if "$p" --options > "$OUT" 2> "$ERR" &&
	    grep -q "^option	--help	-h	-	none" "$OUT"; then
		for o in $(cut -f 2 "$OUT"); do
			"$p" --help | grep -q -- " $o\( \|$\)" ||
			    bad_table="$bad_table $p:$o"
		done
	else bad_table="$bad_table $p"; fi
done
same "every program of cmd/ is in the list" "$(ls "$TESTDIR"/../../cmd/*.c | wc -l | tr -d ' ')" "$(set -- $PROGS; echo $#)"
same "all $(set -- $PROGS; echo $#) programs were tried" "$(set -- $PROGS; echo $#)" "$n"
same "--help: usage on stdout, exit 0, for every program" "" "$bad_help"
same "-h: the same" "" "$bad_h"
same "--version: the Makefile's VERSION ($VERSION), for every program" \
	"" "$bad_version"
same "an unknown option: usage on stderr, exit 64, for every program" \
	"" "$bad_usage"
same "--options: each program's table, every option of it in --help" \
	"" "$bad_table"
check "the version is a real one" sh -c 'printf "%s\n" "$1" |
	grep -Eq "^[0-9]+\.[0-9]+\.[0-9]+$"' sh "$VERSION"

# --help lists the options with what they do; a usage error stays short
ok "ecert-issue --help" ecert-issue --help
check "... lists -t, --type with its argument and what it is" \
	grep -q -e "^  -t, --type type  *the license type" "$OUT"
check "... and the options every program shares" \
	grep -q -e "^  -d, --db file  *the store" "$OUT"
must_fail 64 "ecert-issue --no-such-option" ecert-issue --no-such-option
check "... the usage and the common options on stderr" err_has "common: "
check "... without the list of options" sh -c '! grep -q "^options:" "$1"' \
	sh "$ERR"

# a verb's --help too
ok "ecert-unit add --help" ecert-unit add --help
check "... prints the usage on stdout" out_has "usage: ecert-unit add"
ok "ecert-audit --help, with no verb" ecert-audit --help
check "... prints the usage on stdout" out_has "usage: ecert-audit log"

# ecert help: the list, and a command's manual page
ok "ecert help lists the commands" ecert help
for c in init unit catalog issue import amend show verify revoke expire \
    query grant use matter dispute reconcile audit export; do
	grep -q "^  $c " "$OUT" || echo "# missing: $c"
done
same "... all $(( $(set -- $PROGS; echo $#) - 1 )), each with what it does" "$(( $(set -- $PROGS; echo $#) - 1 ))" "$(grep -c '^  [a-z]* ' "$OUT")"
# man(1) finds no page here (MANPATH empty): the page beside the programs
mkdir nowhere
ok "ecert help verify shows the manual page" \
	env MANPATH="$SCRATCH/nowhere" MANPAGER=cat PAGER=cat ecert help verify
check "... its NAME section" grep -q "ecert-verify.*verify electronic licenses" "$OUT"
check "... and its EXIT STATUS" grep -q "EXIT STATUS" "$OUT"
ok "ecert help issue, another page" \
	env MANPATH="$SCRATCH/nowhere" MANPAGER=cat PAGER=cat ecert help issue
check "... the right one" grep -q "ecert-issue" "$OUT"
must_fail 64 "ecert help of an unknown command: usage" \
	env MANPATH="$SCRATCH/nowhere" ecert help verfy
check "... naming the closest" err_has "verfy: not an ecert command; did you mean 'verify'?"

# installed layout: bin/ and share/man/man1 beside it
mkdir -p inst/bin inst/share/man/man1
cp "$ECERT_BIN/ecert" inst/bin/
cp "$TESTDIR/../../man/man1/ecert-use.1" inst/share/man/man1/
ok "an installed ecert finds the page in ../share/man" \
	env MANPATH="$SCRATCH/nowhere" MANPAGER=cat PAGER=cat inst/bin/ecert help use
check "... and shows it" grep -q "ecert-use" "$OUT"

# an unknown command names the closest one
must_fail 64 "ecert verfy: unknown command (64)" ecert verfy x
check "... did you mean verify" err_has "ecert: verfy: not an ecert command; did you mean 'verify'?"
must_fail 64 "ecert revok" ecert revok x
check "... did you mean revoke" err_has "did you mean 'revoke'?"
must_fail 64 "ecert with a name close to nothing" ecert xyzzyplugh
check "... names none" sh -c '! grep -q "did you mean" "$1"' sh "$ERR"
ok "ecert --version" ecert --version
