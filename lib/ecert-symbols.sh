#!/bin/sh
# lib/ecert-symbols.sh: the names libecert.so exports, one a line: every
# function and variable that lib/ecert.h declares, nothing else.  With -m,
# the linker version script made of them (make builds the library with it).
# usage: ecert-symbols.sh [-m] ecert.h
set -eu
map=
if [ "${1:-}" = -m ]; then
	map=1
	shift
fi
header=${1:?usage: ecert-symbols.sh [-m] ecert.h}
# Comments and preprocessor lines out, declarations joined into one line
# each; a declaration's name is the ecert_ word before its "(" (functions)
# or its ";" (extern variables).  Function-pointer parameters are not
# ecert_ names, struct tags are never followed by "(" or ";".
names=$(sed -e 's|/\*.*\*/||g' "$header" |
	awk '
	/\/\*/ { incomment = 1 }
	incomment { if ($0 ~ /\*\//) incomment = 0; next }
	/^[ \t]*#/ { cont = ($0 ~ /\\$/); next }
	cont { cont = ($0 ~ /\\$/); next }
	{ printf "%s ", $0 }
	/;/ { printf "\n" }' |
	sed -n -e 's/^[ \t]*extern [^(]*[ *]\(ecert_[a-z0-9_]*\);.*/\1/p' \
	    -e '/^[ \t]*\(typedef\|struct [a-z_]* {\|enum\)/d' \
	    -e 's/^[^(]*[ *]\(ecert_[a-z0-9_]*\)[ \t]*(.*/\1/p' | sort -u)
if [ -z "$map" ]; then
	printf '%s\n' $names
	exit 0
fi
printf '/* made by lib/ecert-symbols.sh from %s: do not edit */\n' "$header"
printf 'LIBECERT_0 {\nglobal:\n'
printf '\t%s;\n' $names
printf 'local:\n\t*;\n};\n'
