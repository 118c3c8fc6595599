#!/bin/sh
# Shell completion made from the programs' option tables (--options): in
# bash, the options of every program, the verbs of those that have them,
# the type, unit and matter codes of the store named on the line (or by
# $ECERT_DB), word lists such as --alg's, file names; `ecert CMD` completes
# as ecert-CMD.  The zsh file is at least valid zsh.  make install puts
# both where bash-completion and zsh look.
. "$(dirname "$0")/lib.sh"

COMP=$ECERT_BIN/../completions/bash/ecert
ZCOMP=$ECERT_BIN/../completions/zsh/_ecert
command -v bash > /dev/null 2>&1 || { echo "1..0 # skip no bash"; exit 0; }

plan 38

# complete WORD ...: what bash offers for the last word, one a line,
# sorted, as bash would after <TAB> (COMP_WORDS, COMP_CWORD, compgen)
complete_words() {
	bash -c '. "$1" || exit 1; shift
	COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"
	COMP_POINT=${#COMP_LINE}
	_ecert "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" \
	    "${COMP_WORDS[COMP_CWORD - 1]}"
	[ ${#COMPREPLY[@]} -eq 0 ] || printf "%s\n" "${COMPREPLY[@]}"' \
	    bash "$COMP" "$@" | LC_ALL=C sort
}
lines() {
	printf '%s\n' "$@" | LC_ALL=C sort
}

setup_store
ecert-matter load -k "$ADMIN_KEY" "$ECERT_SHARE"/matters/*.yaml \
	> /dev/null 2>&1 || bail "cannot load the matters"
# not the store's folder: ./ecert.db must not be what answers
mkdir "$SCRATCH/work" && cd "$SCRATCH/work" || bail "no scratch folder"

check "the bash completion is made at build time" test -s "$COMP"
ok "... and is valid bash" bash -n "$COMP"
ok "... registers a completion for every program" \
	bash -c '. "$1" && complete -p' bash "$COMP"
same "... all $(ls "$TESTDIR"/../../cmd/*.c | wc -l | tr -d ' ') of them, with _ecert" \
	"$(ls "$TESTDIR"/../../cmd/*.c | wc -l | tr -d ' ')" \
	"$(grep -c '^complete -F _ecert \(ecert\|ecert-[a-z]*\)$' "$OUT")"

# options, from each program's table
same "ecert-issue --dr completes to --draft" "--draft" \
	"$(complete_words ecert-issue --dr)"
same "ecert-issue -- offers exactly the long options of its table" \
	"$(ecert-issue --options | cut -f 2 | LC_ALL=C sort)" \
	"$(complete_words ecert-issue -- )"
same "ecert-verify does not offer --key (it takes none)" "" \
	"$(complete_words ecert-verify --ke)"
same "ecert-serve --per completes to --per-address" "--per-address" \
	"$(complete_words ecert-serve --per)"
same "a short option too: ecert-import -t is in ecert-import -" "-t" \
	"$(complete_words ecert-import - | grep -x -- -t)"

# verbs
same "ecert-unit a offers the verbs add and anchor" "$(lines add anchor)" \
	"$(complete_words ecert-unit a)"
same "ecert-audit offers its five verbs" \
	"$(lines checkpoint log prove verify verify-proof)" \
	"$(complete_words ecert-audit '')"
same "ecert-catalog -d x.db li: the verb after an option" "list" \
	"$(complete_words ecert-catalog -d "$ECERT_DB" li)"
same "ecert-unit add --co: options once the verb is there" "--code" \
	"$(complete_words ecert-unit add --co)"
same "ecert-dispute li" "list" "$(complete_words ecert-dispute li)"

# codes from the store
codes=$(ecert-catalog list --json | sed -n 's/^{"code":"\([^"]*\)".*/\1/p' |
	grep '^11100000000013338W' | LC_ALL=C sort)
check "the store has the types 11100000000013338W0.." test -n "$codes"
same "ecert-issue -t 11100000000013338W: the store's type codes" "$codes" \
	"$(complete_words ecert-issue -t 11100000000013338W)"
same "... among them $T_BIZ and $T_FOOD" "$(lines "$T_BIZ" "$T_FOOD")" \
	"$(complete_words ecert-issue -t 11100000000013338W01)"
same "ecert-query --type=111000000000246: --type=value split at =" \
	"$T_BUILD" "$(complete_words ecert-query --type = 111000000000246)"
same "ecert-grant add --type $T_BIZ, a type for grants too" "$T_BIZ" \
	"$(complete_words ecert-grant add --type 11100000000013338W011)"
same "ecert issue -t ...: ecert CMD completes as ecert-CMD" \
	"$(lines "$T_BIZ" "$T_FOOD")" \
	"$(complete_words ecert issue -t 11100000000013338W01)"
same "ecert-query --issuer 11420600MB1: unit codes" \
	"$(lines "$SAMR")" "$(complete_words ecert-query --issuer 11420600MB1)"
same "ecert-unit key --unit 11420600MB: all the store's units" \
	"$(ecert-unit list --json | sed -n 's/^{"code":"\([^"]*\)".*/\1/p' |
	    LC_ALL=C sort)" "$(complete_words ecert-unit key --unit 11420600MB)"
matter=$(ecert-matter list --json | sed -n '1s/^{"code":"\([^"]*\)".*/\1/p')
check "the store has matters" test -n "$matter"
same "ecert-use --matter: matter codes" "$matter" \
	"$(complete_words ecert-use --matter "$matter" | grep -x -- "$matter")"
# the store named on the line, not $ECERT_DB
digest=$(store_digest)
db=$ECERT_DB
same "-d on the line: the codes of that store" "$(lines "$T_BIZ" "$T_FOOD")" \
	"$(unset ECERT_DB; complete_words ecert-issue -d "$db" \
	    -t 11100000000013338W01)"
same "-d naming no store: no codes" "" \
	"$(complete_words ecert-issue -d nowhere.db -t 1110)"
check "... and no store made by asking" test ! -e nowhere.db
same "completing changed nothing in the store" "$digest" "$(store_digest)"

# words and files
same "ecert-init --alg s: the words of --alg" "sm2" \
	"$(complete_words ecert-init --alg s)"
: > platform-copy.key
same "ecert-issue -k plat: a file name" "platform-copy.key" \
	"$(complete_words ecert-issue -k platform-c)"
same "ecert help ver: a command" "verify" "$(complete_words ecert help ver)"
same "ecert rec: the commands" "reconcile" "$(complete_words ecert rec)"

# zsh
if command -v zsh > /dev/null 2>&1; then
	ok "the zsh completion is valid zsh (zsh -n)" zsh -n "$ZCOMP"
	check "... a #compdef line naming every program" sh -c \
	    '[ "$(sed -n "1s/^#compdef //p" "$1" | wc -w)" -eq "$2" ]' sh \
	    "$ZCOMP" "$(ls "$TESTDIR"/../../cmd/*.c | wc -l | tr -d ' ')"
	# its store lookup as _arguments calls it: compadd's options first
	same "... its type codes from the store, as _arguments asks" \
	    "$(ecert-catalog list --json |
	    sed -n 's/^{"code":"\([^"]*\)".*/\1/p' | LC_ALL=C sort)" \
	    "$(zsh -f -c 'compadd() { print -l -- "${(@P)${@[-1]}}"; }
	    eval "$(sed -n "/^_ecert_codes()/,/^}/p" "$1")"
	    words=(ecert-issue -t 1); _ecert_codes -J types -X type type' \
	    zsh "$ZCOMP" | LC_ALL=C sort)"
else
	for i in 1 2 3; do
		echo "ok $((_tap_n + 1)) # skip zsh is not installed"
		_tap_n=$((_tap_n + 1))
	done
fi

# make install: where bash-completion and zsh look
SRC=$(cd "$TESTDIR/../.." && pwd)
BUILDDIR=$(cd "$ECERT_BIN/.." && pwd)
case $BUILDDIR in
"$SRC"/*)
	DEST=$SCRATCH/dest
	ok "make install DESTDIR=... PREFIX=/usr" make -s -C "$SRC" \
	    BUILD="$BUILDDIR" DESTDIR="$DEST" PREFIX=/usr install
	BC=$DEST/usr/share/bash-completion/completions
	check "... bash-completion's ecert and ecert-issue, one file" \
	    test -f "$BC/ecert" -a -L "$BC/ecert-issue" -a \
	    "$(readlink "$BC/ecert-issue")" = ecert
	check "... and zsh's _ecert in vendor-completions" \
	    test -f "$DEST/usr/share/zsh/vendor-completions/_ecert"
	;;
*)
	for i in 1 2 3; do
		echo "ok $((_tap_n + 1)) # skip $ECERT_BIN is not built from $SRC"
		_tap_n=$((_tap_n + 1))
	done
	;;
esac
