#!/bin/sh
# nightly-import.sh: the nightly collection of historical licenses, for cron.
#
# usage: nightly-import.sh [-a archive-dir] [-e encoding] type key dir
#
# Imports every export in dir, *.csv as CSV and *.jsonl as JSON Lines, with
# ecert-import -k key -t type, each file's rejected records kept beside it
# in FILE.rejects, in the export's own format and encoding with its header,
# ready to be fixed and imported again, and why in FILE.rejects.why (both
# removed when there are none).  With -a, a file whose
# every record went in (imported or already present) is moved to
# archive-dir, so it is not read again the next night; a file with
# rejects stays where it is until it is fixed: importing it again only
# adds what is new.  With -e, CSV files are read in that encoding, such as
# GB18030 for spreadsheet exports (JSON Lines are always UTF-8); their
# rejects files keep the records in it, and the reasons are UTF-8.
#
# The report goes to standard output, for cron to mail: one line per file
# with its counts, a total, the records rejected with their reasons, and
# the errors of the files that could not be imported at all.
#
# The store, its key and the passphrase come from the environment, as for
# every ecert program: ECERT_DB, ECERT_STORE_KEY, ECERT_PASSPHRASE_FILE.
#
# Exit status: 0 when every record of every file was imported or already
# present; 65 when records were rejected; 1 when a file could not be
# imported (no permission, a CSV header that names no item, the store
# unavailable); 64 for a usage error.
set -u

prog=${0##*/}
# at most this many rejected records of each file go into the report
report_lines=200

usage() {
	echo "usage: $prog [-a archive-dir] [-e encoding] type key dir" >&2
	exit 64
}

archive='' encoding=''
while getopts a:e: opt; do
	case $opt in
	a) archive=$OPTARG ;;
	e) encoding=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 3 ] || usage
type=$1 key=$2 dir=$3
if [ ! -d "$dir" ]; then
	echo "$prog: $dir: not a directory" >&2
	exit 64
fi
if [ -n "$archive" ] && [ ! -d "$archive" ]; then
	echo "$prog: -a $archive: not a directory" >&2
	exit 64
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/nightly-import.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM HUP

# reasons FILE: the .why file of a rejects file as the report shows it,
# a line per rejected record: its line in the export, and why (UTF-8)
reasons() {
	awk -F '\t' '{ n = $2; sub(/.*:/, "", n); printf "  line %s: %s\n", n, $3 }' "$1"
}

# member NAME: a count from ecert-import's JSON summary
member() {
	sed -n "s/.*\"$1\":\([0-9][0-9]*\).*/\1/p" "$tmp/summary"
}

files=0 records=0 imported=0 present=0 rejected=0 failed=0
: > "$tmp/rejected"
: > "$tmp/failed"

echo "ecert nightly import of $dir, type $type"
echo
for f in "$dir"/*; do
	[ -f "$f" ] || continue
	case $f in
	*.[cC][sS][vV])
		set -- --csv
		[ -n "$encoding" ] && set -- "$@" --encoding "$encoding"
		;;
	*.[jJ][sS][oO][nN][lL])
		set --
		;;
	*)
		continue
		;;
	esac
	name=${f##*/}
	files=$((files + 1))
	status=0
	ecert-import -k "$key" -t "$type" "$@" --rejects "$f.rejects" \
	    --json "$f" > "$tmp/summary" 2> "$tmp/errors" || status=$?
	[ -s "$f.rejects" ] || rm -f "$f.rejects" "$f.rejects.why"
	n=$(member records)
	if [ -z "$n" ]; then
		# ecert-import stopped: its last words say why (the batches
		# before a store error are in; the next run goes on)
		failed=$((failed + 1))
		echo "$name: failed (exit $status)"
		{
			echo "$name (exit $status):"
			tail -n 1 "$tmp/errors" | sed 's/^/  /'
		} >> "$tmp/failed"
		continue
	fi
	i=$(member imported) p=$(member present) r=$(member rejected)
	records=$((records + n)) imported=$((imported + i))
	present=$((present + p)) rejected=$((rejected + r))
	echo "$name: $n records, $i imported, $p present, $r rejected"
	if [ "$r" -gt 0 ] && [ -s "$f.rejects.why" ]; then
		{
			echo "$name ($r rejected, kept in $name.rejects):"
			head -n "$report_lines" "$f.rejects.why" > "$tmp/why"
			reasons "$tmp/why"
			total=$(wc -l < "$f.rejects.why")
			if [ "$total" -gt "$report_lines" ]; then
				echo "  ... $((total - report_lines)) more records"
			fi
		} >> "$tmp/rejected"
	elif [ "$status" -eq 0 ] && [ -n "$archive" ]; then
		mv "$f" "$archive/" ||
		    echo "$prog: cannot move $f to $archive" >&2
	fi
done

if [ "$files" -eq 0 ]; then
	echo "no CSV or JSON Lines files"
	exit 0
fi
echo "total: $files files, $records records, $imported imported," \
    "$present present, $rejected rejected, $failed failed"
if [ -s "$tmp/rejected" ]; then
	echo
	echo "Rejected records:"
	cat "$tmp/rejected"
fi
if [ -s "$tmp/failed" ]; then
	echo
	echo "Files that could not be imported:"
	cat "$tmp/failed"
fi
if [ "$failed" -gt 0 ]; then
	exit 1
fi
if [ "$rejected" -gt 0 ]; then
	exit 65
fi
exit 0
