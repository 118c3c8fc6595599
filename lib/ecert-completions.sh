#!/bin/sh
# lib/ecert-completions.sh: the bash or zsh completion of every program,
# made from the programs' own option tables (`ecert-X --options`, see
# lib/cmd.c), never written by hand.  Options, their arguments (files,
# words such as ed25519|sm2, and type, unit and matter codes read from the
# store when completing), and the verbs of programs that have them.
# usage: ecert-completions.sh bash|zsh bindir
set -eu
shell=${1:?usage: ecert-completions.sh bash|zsh bindir}
bindir=${2:?usage: ecert-completions.sh bash|zsh bindir}

progs=
for p in "$bindir"/ecert-*; do
	[ -x "$p" ] || continue
	progs="$progs ${p##*/}"
done
[ -n "$progs" ] || { echo "ecert-completions.sh: no programs in $bindir" >&2; exit 1; }
commands=$(for p in $progs; do printf '%s ' "${p#ecert-}"; done)

# table PROG: the program's --options, or a failure that stops the build
table() {
	"$bindir/$1" --options || {
		echo "ecert-completions.sh: $1 --options failed" >&2
		exit 1
	}
}

# 'text' with its single quotes kept, for a shell's single-quoted string
quote() {
	printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"
}

bash_file() {
	cat <<'EOF'
# bash completion for ecert and its programs.  Made by
# lib/ecert-completions.sh from the programs' option tables: do not edit.

# The codes of a store's license types, units or matters: asked of
# ecert-catalog, ecert-unit or ecert-matter, with the line's -d and
# --store-key, when completing.
_ecert_codes() {
	local i db= sk= lister
	for ((i = 1; i < ${#COMP_WORDS[@]} - 1; i++)); do
		case ${COMP_WORDS[i]} in
		-d|--db) db=${COMP_WORDS[i + 1]} ;;
		--store-key) sk=${COMP_WORDS[i + 1]} ;;
		esac
	done
	db=${db/#\~/$HOME}
	sk=${sk/#\~/$HOME}
	case $1 in
	type) lister=ecert-catalog ;;
	unit) lister=ecert-unit ;;
	*) lister=ecert-matter ;;
	esac
	[[ ${COMP_WORDS[0]} == */* ]] && lister=${COMP_WORDS[0]%/*}/$lister
	"$lister" list --json ${db:+-d "$db"} ${sk:+--store-key "$sk"} \
	    2>/dev/null | sed -n 's/^{"code":"\([^"]*\)".*/\1/p'
}

_ecert() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev= prog=${COMP_WORDS[0]##*/}
	local start=1 table var what name letter arg values help
	local opts= verbs= kind= i v
	COMPREPLY=()
	((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
	# --opt=value, split by COMP_WORDBREAKS
	if [[ $prev == = ]] && ((COMP_CWORD > 1)); then
		prev=${COMP_WORDS[COMP_CWORD - 2]}
	elif [[ $cur == = ]]; then
		prev=${COMP_WORDS[COMP_CWORD - 1]}
		cur=
	fi
	if [[ $prog == ecert ]]; then
		if ((COMP_CWORD == 1)); then
			COMPREPLY=($(compgen -W "help $_ecert_commands" -- "$cur"))
			return
		fi
		if [[ ${COMP_WORDS[1]} == help ]]; then
			((COMP_CWORD == 2)) &&
			    COMPREPLY=($(compgen -W "$_ecert_commands" -- "$cur"))
			return
		fi
		prog=ecert-${COMP_WORDS[1]}
		start=2
	fi
	var=_ecert_table_${prog//-/_}
	table=${!var-}
	[[ -n $table ]] || return 0
	while IFS=$'\t' read -r what name letter arg values help; do
		case $what in
		verb) verbs+=" $name" ;;
		option)
			opts+=" $name"
			[[ $letter != - ]] && opts+=" $letter"
			if [[ $arg != - && -n $prev &&
			    ($prev == "$name" || $prev == "$letter") ]]; then
				kind=$values
			fi
			;;
		esac
	done <<<"$table"
	case $kind in
	'') ;;
	file) COMPREPLY=($(compgen -f -- "$cur")); compopt -o filenames 2>/dev/null; return ;;
	dir) COMPREPLY=($(compgen -d -- "$cur")); compopt -o filenames 2>/dev/null; return ;;
	type|unit|matter) COMPREPLY=($(compgen -W "$(_ecert_codes "$kind")" -- "$cur")); return ;;
	words:*) v=${kind#words:}; COMPREPLY=($(compgen -W "${v//|/ }" -- "$cur")); return ;;
	*) return ;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
		return
	fi
	if [[ -n $verbs ]]; then
		for ((i = start; i < COMP_CWORD; i++)); do
			for v in $verbs; do
				[[ ${COMP_WORDS[i]} == "$v" ]] && break 2
			done
		done
		if ((i == COMP_CWORD)); then
			COMPREPLY=($(compgen -W "$verbs" -- "$cur"))
			return
		fi
	fi
	COMPREPLY=($(compgen -f -- "$cur"))
	compopt -o filenames 2>/dev/null
	return 0
}

EOF
	printf '_ecert_commands=%s\n' "$(quote "$commands")"
	for p in $progs; do
		v=$(printf '%s' "$p" | tr - _)
		t=$(table "$p" | cut -f 1-5)
		printf '_ecert_table_%s=%s\n' "$v" "$(quote "$t")"
	done
	printf 'complete -F _ecert ecert%s\n' "$progs"
}

# zsh: one _arguments spec a line, '-t+[help]:type:action'
zsh_specs() {
	table "$1" | awk -F '\t' '
	function esc(s) {
		gsub(/\\/, "\\\\", s); gsub(/\[/, "\\[", s)
		gsub(/\]/, "\\]", s); gsub(/:/, "\\:", s)
		gsub(/'\''/, "'\''\\'\'''\''", s)
		return s
	}
	function action(v, w) {
		if (v == "file") return "_files"
		if (v == "dir") return "_files -/"
		if (v == "type" || v == "unit" || v == "matter")
			return "_ecert_codes " v
		if (v ~ /^words:/) {
			w = substr(v, 7); gsub(/\|/, " ", w)
			return "(" w ")"
		}
		return " "
	}
	$1 == "verb" { verbs = verbs " " $2; next }
	$1 == "option" {
		h = "[" esc($6) "]"
		if ($4 == "-") {
			printf "\t    '\''%s%s'\'' \\\n", $2, h
			if ($3 != "-")
				printf "\t    '\''%s%s'\'' \\\n", $3, h
		} else {
			a = ":" esc($4) ":" action($5)
			printf "\t    '\''%s=%s%s'\'' \\\n", $2, h, a
			if ($3 != "-")
				printf "\t    '\''%s+%s%s'\'' \\\n", $3, h, a
		}
	}
	END {
		if (verbs != "")
			printf "\t    '\''1:verb:(%s)'\'' \\\n", substr(verbs, 2)
		printf "\t    '\''*:file:_files'\''\n"
	}'
}

zsh_file() {
	printf '#compdef ecert%s\n' "$progs"
	cat <<'EOF'
# zsh completion for ecert and its programs.  Made by
# lib/ecert-completions.sh from the programs' option tables: do not edit.

# The codes of a store's license types, units or matters, with the
# line's -d and --store-key.  _arguments puts compadd's options (the
# description) before the last argument, the kind.
_ecert_codes() {
	local lister db= sk= i
	local -a codes
	case ${@[-1]} in
	type) lister=ecert-catalog ;;
	unit) lister=ecert-unit ;;
	*) lister=ecert-matter ;;
	esac
	[[ $words[1] == */* ]] && lister=${words[1]:h}/$lister
	i=${words[(I)(-d|--db)]}
	(( i )) && db=${~words[i+1]}
	i=${words[(I)--store-key]}
	(( i )) && sk=${~words[i+1]}
	codes=(${(f)"$($lister list --json ${db:+-d $db} ${sk:+--store-key $sk} \
	    2>/dev/null | sed -n 's/^{"code":"\([^"]*\)".*/\1/p')"})
	compadd "${@[1,-2]}" -a codes
}
EOF
	for p in $progs; do
		printf '\n_ecert_%s() {\n\t_arguments -s -S \\\n' "$(printf '%s' "$p" | tr - _)"
		zsh_specs "$p"
		printf '}\n'
	done
	printf '\n_ecert_commands=(%s)\n' "$commands"
	cat <<'EOF'

_ecert() {
	local prog=${service:t}
	if [[ $prog == ecert ]]; then
		if (( CURRENT == 2 )); then
			compadd help $_ecert_commands
			return
		fi
		if [[ $words[2] == help ]]; then
			(( CURRENT == 3 )) && compadd $_ecert_commands
			return
		fi
		prog=ecert-$words[2]
		shift words
		(( CURRENT-- ))
	fi
	(( $+functions[_ecert_${prog//-/_}] )) && _ecert_${prog//-/_}
}

_ecert "$@"
EOF
}

case $shell in
bash) bash_file ;;
zsh) zsh_file ;;
*) echo "usage: ecert-completions.sh bash|zsh bindir" >&2; exit 64 ;;
esac
