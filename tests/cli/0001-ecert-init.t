#!/bin/sh
# ecert-init: a new store, its key file, the platform unit and its key.
. "$(dirname "$0")/lib.sh"

plan 54

scratch
printf '襄阳市行政审批局 初始化口令\n' > pass
chmod 600 pass
ECERT_DB=$SCRATCH/ecert.db
ECERT_PASSPHRASE_FILE=$SCRATCH/pass
export ECERT_DB ECERT_PASSPHRASE_FILE

ok "init creates a store with the platform unit" \
	ecert-init --code "$PLATFORM" --name 襄阳市行政审批局 -o admin.key
check "the store file exists" test -s ecert.db
check "the key file exists" test -s admin.key
check "the public key file exists" test -s admin.key.pub
same "the key file is mode 0600" 600 "$(file_mode admin.key)"
check "the store key file exists beside the store" test -s ecert.db.key
same "the store key file is mode 0600" 600 "$(file_mode ecert.db.key)"
same "the key file is a sealed ecert key of the platform unit" \
	"ecert-secret-key-v1 $PLATFORM" \
	"$(sed -n '1p' admin.key) $(sed -n 's/^unit //p' admin.key)"
key_id=$(sqlite3 ecert.db "SELECT key_id FROM keys WHERE unit = '$PLATFORM'")
same "the public key file names the key registered in the store" \
	"$key_id" "$(sed -n 's/.*"key_id":"\([0-9a-f]*\)".*/\1/p' admin.key.pub)"
ok "the new store lists its one unit" ecert-unit list --json
same "the platform unit is an admin unit with one key" \
	"{\"code\":\"$PLATFORM\",\"keys\":1,\"name\":\"襄阳市行政审批局\",\"roles\":\"admin\"}" \
	"$(cat "$OUT")"
same "the creation is the first audit entry, then the shipped holiday calendars" \
	"1|store.init|$ECERT_DB|ok
2|holidays.load|2025|ok
3|holidays.load|2026|ok" \
	"$(sqlite3 ecert.db "SELECT seq || '|' || action || '|' || object || '|' || outcome FROM audit")"
ok "the audit chain of a new store is intact" ecert-audit verify

# An existing store is never overwritten.
before=$(store_digest)
storekey=$(cksum < ecert.db.key)
must_fail 74 "init refuses an existing store" \
	ecert-init --code "$PLATFORM" --name 襄阳市行政审批局 -o admin2.key
check "... and says so" err_has "already exists"
same "... and the store is unchanged" "$before" "$(store_digest)"
same "... and its key file is unchanged" "$storekey" "$(cksum < ecert.db.key)"
check "... and no second key file is left" test ! -e admin2.key

must_fail 74 "init refuses to overwrite a key file" \
	ecert-init -d other.db --code "$PLATFORM" --name 襄阳市行政审批局 \
	-o admin.key
check "... and makes no store" test ! -e other.db
check "... and no store key file" test ! -e other.db.key

# Bad input and bad usage.
must_fail 65 "init refuses a code with a wrong check character" \
	ecert-init -d bad.db --code 11420600MB00000017 --name 襄阳市行政审批局 \
	-o bad.key
check "... naming the code" err_has "11420600MB00000017"
check "... and makes no store" test ! -e bad.db
check "... and no key file" test ! -e bad.key
must_fail 65 "init refuses a code of 17 characters" \
	ecert-init -d bad.db --code 11420600MB0000001 --name 襄阳市行政审批局 \
	-o bad.key
must_fail 64 "init without -o is a usage error" \
	ecert-init -d bad.db --code "$PLATFORM" --name 襄阳市行政审批局
must_fail 64 "init without --code is a usage error" \
	ecert-init -d bad.db --name 襄阳市行政审批局 -o bad.key
must_fail 64 "init without --name is a usage error" \
	ecert-init -d bad.db --code "$PLATFORM" -o bad.key
must_fail 64 "init with a stray argument is a usage error" \
	ecert-init -d bad.db --code "$PLATFORM" --name 襄阳市行政审批局 \
	-o bad.key extra
must_fail 64 "init with an unknown option is a usage error" \
	ecert-init -d bad.db --code "$PLATFORM" --name 襄阳市行政审批局 \
	-o bad.key --colour
ok "init --help exits 0" ecert-init --help
check "... with the usage on stdout" out_has "usage: ecert-init"
check "... and nothing on stderr" test ! -s "$ERR"
check "none of the refusals left a store behind" test ! -e bad.db

printf '' > empty-pass
must_fail 65 "init refuses an empty passphrase file" \
	ecert-init -d bad.db --code "$PLATFORM" --name 襄阳市行政审批局 \
	-o bad.key --passphrase-file empty-pass
must_fail 74 "init with a missing passphrase file is an I/O failure" \
	ecert-init -d bad.db --code "$PLATFORM" --name 襄阳市行政审批局 \
	-o bad.key --passphrase-file no-such-pass
printf 'short\n' > short-pass
must_fail 64 "init refuses a passphrase of fewer than 8 characters" \
	ecert-init -d short.db --code "$PLATFORM" --name 襄阳市行政审批局 \
	-o short.key --passphrase-file short-pass
check "... and leaves no half-made store behind" test ! -e short.db

# -d, --store-key and the default ./ecert.db
mkdir city keys
ok "init with -d and --store-key" \
	ecert-init -d city/city.db --store-key keys/city.storekey \
	--code "$PLATFORM" --name 襄阳市行政审批局 -o city/admin.key
same "the store key file is where --store-key says, mode 0600" 600 \
	"$(file_mode keys/city.storekey)"
must_fail 74 "the store cannot be opened without its key file" \
	ecert-unit list -d city/city.db
must_fail 74 "nor with the key file of another store" \
	ecert-unit list -d city/city.db --store-key ecert.db.key
check "... which is named as such" err_has "does not belong"
ok "ECERT_STORE_KEY names the store key file" \
	env ECERT_STORE_KEY=keys/city.storekey ecert-unit list -d city/city.db
mkdir plain
ok "without -d or ECERT_DB the store is ./ecert.db" \
	env -u ECERT_DB sh -c 'cd plain && ecert-init --code "$1" --name 襄阳市行政审批局 -o admin.key' \
	sh "$PLATFORM"
check "... in the current folder" test -s plain/ecert.db

# The dispatcher runs the tools beside it.
mkdir viaecert
ok "ecert init runs ecert-init" \
	ecert init -d viaecert/ecert.db --code "$PLATFORM" \
	--name 襄阳市行政审批局 -o viaecert/admin.key
ok "ecert unit list runs ecert-unit" ecert unit list -d viaecert/ecert.db
check "... and lists the platform unit" out_has "\"code\":\"$PLATFORM\""
must_fail 64 "ecert with no command is a usage error" ecert
check "... with the usage on stderr" err_has "usage: ecert"
must_fail 64 "ecert with an unknown command is a usage error" ecert no-such-tool
must_fail 64 "ecert refuses a command that is a path" ecert ../ecert-init
