#!/bin/sh
# Stores, their WAL files, store keys and key files are owner-only (0600)
# whatever the umask; a key's public half is 0644, readable by anyone and
# writable by no one else.
. "$(dirname "$0")/lib.sh"

plan 16

scratch
printf '襄阳测试口令 correct horse\n' > pass
chmod 600 pass
ECERT_DB=$SCRATCH/ecert.db
ECERT_PASSPHRASE_FILE=$SCRATCH/pass
export ECERT_DB ECERT_PASSPHRASE_FILE

umask 000
ok "ecert-init under umask 000" ecert-init --code "$PLATFORM" \
	--name 襄阳市行政审批局 -o platform.key
same "... the store is 0600" 600 "$(file_mode ecert.db)"
same "... its key 0600" 600 "$(file_mode ecert.db.key)"
same "... the platform's secret key 0600" 600 "$(file_mode platform.key)"
same "... its public half 0644" 644 "$(file_mode platform.key.pub)"
ok "a unit registered" ecert-unit add -k platform.key --code "$SAMR" \
	--name 襄阳市市场监督管理局 --role issuer,user
ok "a unit's key made under umask 000" ecert-unit key -k platform.key \
	--unit "$SAMR" -o samr.key
same "... its secret key 0600" 600 "$(file_mode samr.key)"
same "... its public half 0644" 644 "$(file_mode samr.key.pub)"
ok "the catalog loaded" ecert-catalog load -k platform.key \
	"$ECERT_SHARE/catalog/food-business-license.yaml"

# a writer that keeps the store open, fed a record at a time: its WAL
# files exist while it waits for the next
mkfifo records
ecert-issue -k samr.key -t "$T_FOOD" < records > issue.out 2> issue.err &
writer=$!
exec 3> records
sed -n 1p "$CLIDATA/food-licenses.jsonl" >&3
n=0
while [ ! -s issue.out ] && [ "$n" -lt 100 ]; do
	sleep 0.1
	n=$((n + 1))
done
check "a record issued, the writer still running" test -s issue.out \
	-a -f ecert.db-wal -a -f ecert.db-shm
same "... its WAL file is 0600" 600 "$(file_mode ecert.db-wal)"
same "... its shared-memory file is 0600" 600 "$(file_mode ecert.db-shm)"
exec 3>&-
wait "$writer"
same "... and it ends well" "0 1" "$? $(wc -l < issue.out | tr -d ' ')"
umask 022

# an existing store is left as its owner set it
chmod 640 ecert.db
ok "a store its owner made 0640" ecert-unit list
same "... stays 0640" 640 "$(file_mode ecert.db)"
