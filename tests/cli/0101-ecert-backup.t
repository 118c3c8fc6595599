#!/bin/sh
# ecert-backup: a consistent backup of a live store (article 20: 数据备份
# 恢复制度), its key kept apart and sealed when asked, a signed manifest;
# verify finds every tampering; restore goes into a new path only and the
# restored store verifies; a backup taken while an import runs holds every
# batch acknowledged before it began, and no half of one.
. "$(dirname "$0")/lib.sh"

plan 112

ECERT_NOW=2025-06-30T09:00:00Z
export ECERT_NOW
setup_store
issue_biz "$SAMR_KEY" "$USCC_FOOD" 襄阳汉江食品有限公司 > /dev/null &&
issue_biz "$SAMR_KEY" "$USCC_LONGZHONG" 襄阳隆中餐饮管理有限公司 > /dev/null &&
issue_biz "$SAMR_KEY" "$USCC_FANCHENG" 襄阳市樊城区鹿门副食商店 > /dev/null &&
issue_estate "$NRB_KEY" '鄂(2025)襄阳市不动产权第0012345号' 张汉江 \
	"$CID_ZHANG" > /dev/null &&
ecert-revoke -k "$SAMR_KEY" --reason '营业执照已注销' "$ID_BIZ_FANCHENG" \
	> /dev/null &&
ecert-dispute file -k "$ADMIN_KEY" --by holder --item 住所 \
	--reason '住所门牌号应为长虹北路18号' "$ID_BIZ_FOOD" > /dev/null ||
	bail "cannot fill the store"
printf '备份口令 汉江之滨\n' > seal.pass

sql() {
	sqlite3 "${2:-$ECERT_DB}" "$1"
}
# manifest FILE PATH: a value of the manifest (json_field's PATH)
manifest() {
	tr -d '\n' < "$1.manifest" | json_field "$2"
}
# copy FROM TO: a backup with its key copy and manifest
copy() {
	cp "$1" "$2" && cp "$1.key" "$2.key" && cp "$1.manifest" "$2.manifest"
}
check_result() {	# CHECK: "true" or "false" from verify's JSON Lines in $OUT
	grep "\"check\":\"$1\"" "$OUT" | json_field ok
}

#
# create
#
licenses=$(sql 'SELECT count(*) FROM licenses')
ok "the platform backs up the store" ecert-backup create -k "$ADMIN_KEY" \
	-o backup.db --json
same "... saying where" "backup.db	backup.db.manifest	backup.db.key	false" \
	"$(json_field backup manifest key key_sealed < "$OUT")"
check "... the backup, its manifest, its key copy" \
	test -s backup.db -a -s backup.db.manifest -a -s backup.db.key
same "... the key copy readable by its owner only" 600 \
	"$(file_mode backup.db.key)"
check "... the key copy is the store's key" cmp backup.db.key "$ECERT_DB.key"
same "... a copy on its own: no write-ahead log" "delete" \
	"$(sql 'PRAGMA journal_mode' backup.db)"
check "... and nothing beside it" test ! -e backup.db-wal -a ! -e backup.db-shm
same "... the manifest counts the licenses" "$licenses" \
	"$(manifest backup.db counts.licenses)"
same "... and the events, grants and disputes" \
	"$(sql 'SELECT count(*) FROM license_events') 0 1" \
	"$(manifest backup.db counts.license_events) $(manifest backup.db counts.grants) $(manifest backup.db counts.disputes)"
same "... the audit head: the backup's own record that it began" \
	"$(sql "SELECT seq || ' ' || hash FROM audit WHERE action = 'store.backup' AND outcome = 'started'")" \
	"$(manifest backup.db audit_head.seq) $(manifest backup.db audit_head.hash)"
same "... the file's digest (BLAKE2b-256, as b2sum -l 256)" "$(b2sum -l 256 backup.db | cut -d ' ' -f 1)" \
	"$(manifest backup.db blake2b)"
same "... signed with the platform's key" \
	"$(sql "SELECT key_id FROM keys WHERE unit = '$PLATFORM'")" \
	"$(manifest backup.db key_id)"
same "... audited: begun, then done" "store.backup|backup.db|started
store.backup|backup.db|ok" \
	"$(sql "SELECT action || '|' || object || '|' || outcome FROM audit ORDER BY seq DESC LIMIT 2" | sort -r)"
same "... the copy holds the started entry, not the done one" \
	"store.backup|started" \
	"$(sql "SELECT action || '|' || outcome FROM audit ORDER BY seq DESC LIMIT 1" backup.db)"

before=$(store_digest)
must_fail 77 "an issuing department may not back up" ecert-backup create \
	-k "$SAMR_KEY" -o samr.db
check "... saying why" err_has "is not the platform"
check "... no file made" test ! -e samr.db -a ! -e samr.db.key -a ! -e samr.db.manifest
same "... the refusal audited" "store.backup|samr.db|denied" "$(audit_last)"
same "... the store unchanged" "$before" "$(store_digest)"
must_fail 74 "a backup never replaces another" ecert-backup create \
	-k "$ADMIN_KEY" -o backup.db
check "... saying so" err_has "backup.db already exists"
same "... the first backup untouched" "$(manifest backup.db blake2b)" \
	"$(b2sum -l 256 backup.db | cut -d ' ' -f 1)"
same "... the refusal audited, no copy begun" "store.backup|backup.db|failed" \
	"$(audit_last)"
touch other.db.key
must_fail 74 "... nor another's key copy" ecert-backup create \
	-k "$ADMIN_KEY" -o other.db
check "... no backup made" test ! -e other.db
must_fail 64 "--key-out the store's own key file: usage" ecert-backup create \
	-k "$ADMIN_KEY" -o x.db --key-out "$ECERT_DB.key"
must_fail 64 "create without -o: usage" ecert-backup create -k "$ADMIN_KEY"
must_fail 64 "--seal-passphrase-file without --seal: usage" ecert-backup \
	create -k "$ADMIN_KEY" -o x.db --seal-passphrase-file seal.pass
must_fail 64 "no verb: usage" ecert-backup
check "... the usage on standard error" err_has "usage: ecert-backup create"
ok "--help: the usage on standard output" ecert-backup --help
check "... there" out_has "ecert-backup restore -k platformkey"
must_fail 64 "an unknown verb: usage" ecert-backup copy backup.db

#
# sealed key copy
#
mkdir keys
ok "--seal: the key copy sealed with a passphrase, kept in a folder apart" \
	ecert-backup create -k "$ADMIN_KEY" -o sealed.db \
	--key-out keys/sealed.key --seal --seal-passphrase-file seal.pass --json
same "... kept apart, as asked" "keys/sealed.key	true" \
	"$(json_field key key_sealed < "$OUT")"
same "... a sealed file" "ecert-sealed-store-key-v1" "$(head -n 1 keys/sealed.key)"
check "... holding none of the store's keys in clear" sh -c '
	for k in $(sed -n "s/^[a-z]* //p" "$1"); do
		! grep -q "$k" "$2" || exit 1
	done' sh "$ECERT_DB.key" keys/sealed.key
same "... mode 600" 600 "$(file_mode keys/sealed.key)"
ok "verify opens it with the passphrase" ecert-backup verify \
	--backup-key keys/sealed.key --seal-passphrase-file seal.pass sealed.db
printf 'not the passphrase\n' > wrong.pass
must_fail 77 "... not with another" ecert-backup verify \
	--backup-key keys/sealed.key --seal-passphrase-file wrong.pass sealed.db
check "... saying so" err_has "wrong passphrase or altered key file"

#
# verify
#
ok "verify: the backup is sound" ecert-backup verify --json backup.db
same "... six checks, all passed" \
	"digest true
manifest true
integrity true
audit true
signatures true
counts true" "$(json_field check ok < "$OUT" | tr '\t' ' ')"
same "... every license's signature checked" "$licenses	false" \
	"$(grep '"check":"signatures"' "$OUT" | json_field checked sample)"
ok "--sample 2: two licenses at random" ecert-backup verify --sample 2 \
	--json backup.db
same "... two checked" "2	true" \
	"$(grep '"check":"signatures"' "$OUT" | json_field checked sample)"
ok "--table" ecert-backup verify --table backup.db
check "... headed" grep -q '^CHECK  *RESULT  *DETAIL$' "$OUT"
same "... six ok" 6 "$(grep -c '^[a-z]*  *ok  ' "$OUT")"
check "verify changes nothing: the digest stays" test \
	"$(b2sum -l 256 backup.db | cut -d ' ' -f 1)" = "$(manifest backup.db blake2b)"
check "... nothing written beside the backup" test ! -e backup.db-journal \
	-a ! -e backup.db-wal
must_fail 64 "verify without a file: usage" ecert-backup verify
must_fail 64 "--sample 0: usage" ecert-backup verify --sample 0 backup.db

# the attacker changes the backup with sqlite3
copy backup.db t1.db
sql "UPDATE licenses SET holder_name = '李樊城' WHERE id = '$ID_BIZ_FOOD'" t1.db
must_fail 1 "a holder's name changed in the backup: no" ecert-backup verify \
	--json t1.db
same "... the digest and that license's signature fail, the rest hold" \
	"false false true true true true" \
	"$(for c in digest signatures manifest integrity audit counts; do check_result $c; done | tr '\n' ' ' | sed 's/ $//')"
same "... naming the license and what changed" \
	"$ID_BIZ_FOOD: store row altered: holder differs from the signed document" \
	"$(grep '"check":"signatures"' "$OUT" | json_field first_bad)"
check "... 2 checks failed, on standard error" err_has "backup t1.db: 2 checks failed"

copy backup.db t2.db
sql "INSERT INTO audit(seq, time, unit, os_user, action, object, outcome, detail, prev, hash) SELECT seq + 1, time, unit, os_user, 'license.show', 'x', 'ok', '', hash, hash FROM audit ORDER BY seq DESC LIMIT 1" t2.db
must_fail 1 "an audit entry forged into the backup: no" ecert-backup verify \
	--json t2.db
same "... the audit chain and the counts fail" "false false" \
	"$(check_result audit) $(check_result counts)"
same "... naming the entry" \
	"entry $(($(manifest backup.db audit_head.seq) + 1)): altered" \
	"$(grep '"check":"audit"' "$OUT" | json_field why)"

copy backup.db t3.db
perl -0pi -e 's/("licenses": )\d+/${1}999/' t3.db.manifest
must_fail 1 "the manifest's count changed: no" ecert-backup verify --json t3.db
same "... its signature and the counts fail" "false false" \
	"$(check_result manifest) $(check_result counts)"

copy backup.db t4.db
sql "DROP TRIGGER licenses_no_delete; DELETE FROM licenses WHERE id = '$ID_BIZ_LONGZHONG'" t4.db
must_fail 1 "a license deleted from the backup: no" ecert-backup verify \
	--json t4.db
same "... counts: one license fewer than the manifest" \
	"licenses: $((licenses - 1)) in the backup, $licenses in the manifest" \
	"$(grep '"check":"counts"' "$OUT" | json_field why)"

copy backup.db t5.db
cp "$ECERT_DB.key" t5.db.key
printf 'ecert-store-key-v1\nindex %s\ndata %s\naudit %s\n' \
	"$(printf '%064d' 1)" "$(printf '%064d' 2)" "$(printf '%064d' 3)" > t5.db.key
must_fail 65 "another store's key copy: bad input" ecert-backup verify t5.db
check "... saying so" err_has "t5.db.key: does not belong to backup t5.db"
cp backup.db t6.db
must_fail 74 "a backup without its manifest: I/O" ecert-backup verify t6.db
check "... naming it" err_has "manifest t6.db.manifest"
must_fail 74 "no such backup" ecert-backup verify nothing.db

#
# restore
#
before=$(store_digest)
must_fail 74 "restore over the live store: refused" ecert-backup restore \
	-k "$ADMIN_KEY" -o "$ECERT_DB" backup.db
check "... saying so" err_has "already exists; a backup is restored into a new path only"
same "... the live store unchanged" "$before" "$(store_digest)"
touch taken.db.key
must_fail 74 "restore where a key file lies: refused" ecert-backup restore \
	-k "$ADMIN_KEY" -o taken.db backup.db
check "... no store made" test ! -e taken.db
must_fail 1 "restore a tampered backup: refused" ecert-backup restore \
	-k "$ADMIN_KEY" -o r1.db t1.db
check "... saying so" err_has "backup t1.db does not verify; nothing restored"
check "... the failed checks on standard error" err_has '"check":"signatures"'
check "... nothing made" test ! -e r1.db -a ! -e r1.db.key
must_fail 77 "restore by an issuing department: refused" ecert-backup restore \
	-k "$SAMR_KEY" -o r2.db backup.db
check "... saying why" err_has "is not the platform"
check "... nothing made, nothing left behind" sh -c \
	'! ls r2.db* backup.db.tmp* 2> /dev/null | grep -q .'
must_fail 64 "restore without -o: usage" ecert-backup restore -k "$ADMIN_KEY" \
	backup.db

ok "restore into a new path" ecert-backup restore -k "$ADMIN_KEY" \
	-o restored.db backup.db --json
same "... saying what" "restored.db	restored.db.key	backup.db" \
	"$(json_field restored store_key from < "$OUT")"
same "... its key file mode 600" 600 "$(file_mode restored.db.key)"
ok "... the restored store's audit chain verifies" ecert-audit verify \
	-d restored.db
same "... one entry more than the backup: the restore" \
	"$(($(manifest backup.db counts.audit) + 1)) store.restore|backup.db|ok|$PLATFORM" \
	"$(sql "SELECT seq, action || '|' || object || '|' || outcome || '|' || unit FROM audit ORDER BY seq DESC LIMIT 1" restored.db | sed 's/|/ /')"
same "... every license" "$licenses" "$(sql 'SELECT count(*) FROM licenses' restored.db)"
ok "... a license verifies in it" ecert-verify -d restored.db "$ID_BIZ_FOOD"
must_fail 1 "... the revoked one stays revoked" ecert-verify -d restored.db \
	"$ID_BIZ_FANCHENG"
ok "... and a new license can be issued into it" env ECERT_DB=restored.db \
	sh -c '. "$1"; issue_biz "$2" "$3" 襄阳古隆中文化旅游有限公司' sh \
	"$TESTDIR/lib.sh" "$SAMR_KEY" "$USCC_GULONG"
ok "a sealed backup restores with its passphrase" ecert-backup restore \
	-k "$ADMIN_KEY" -o restored2.db --backup-key keys/sealed.key \
	--seal-passphrase-file seal.pass sealed.db
ok "... and verifies" ecert-audit verify -d restored2.db
ok "restore with the new store's key file apart (--key-out)" ecert-backup \
	restore -k "$ADMIN_KEY" -o restored3.db --key-out keys/restored3.key \
	backup.db
check "... there, and not beside the store" \
	test -s keys/restored3.key -a ! -e restored3.db.key
ok "... the store opens with it" ecert-audit verify -d restored3.db \
	--store-key keys/restored3.key

#
# a backup while an import runs
#
"$ECERT_TESTBIN/ecert-gen" -n 20000 -b 0 -f 7000000 > import.jsonl ||
	bail "cannot generate records"
base=$(sql "SELECT count(*) FROM licenses WHERE type = '$T_BIZ'")
# the generated issue dates run to the end of 2025
ECERT_TODAY=2026-06-30 ecert-import -k "$SAMR_KEY" -t "$T_BIZ" --batch 100 \
	--jobs 1 import.jsonl > import.out 2> import.err &
import_pid=$!
i=0
while [ "$(sql "SELECT count(*) FROM licenses WHERE type = '$T_BIZ'")" -lt \
    $((base + 1000)) ] && [ $i -lt 600 ]; do
	sleep 0.1
	i=$((i + 1))
done
# everything committed so far has been acknowledged to the importer
sql "SELECT id FROM licenses ORDER BY id" > acked.txt
ok "a backup while the import writes" ecert-backup create -k "$ADMIN_KEY" \
	-o live.db
running=no
kill -0 "$import_pid" 2> /dev/null && running=yes
wait "$import_pid"
import_status=$?
same "... the import was still running when the backup was done" yes "$running"
same "... and finished well" "0 20000" \
	"$import_status $(json_field imported < import.out)"
ok "... the backup verifies: every signature" ecert-backup verify live.db
ok "... it restores" ecert-backup restore -k "$ADMIN_KEY" -o live-restored.db \
	live.db
sql "SELECT id FROM licenses ORDER BY id" live-restored.db > restored.txt
same "... every license acknowledged before the backup began is there" "" \
	"$(comm -23 acked.txt restored.txt | head -n 3)"
got=$(($(wc -l < restored.txt) - $(wc -l < acked.txt)))
check "... and not all the import's ($(wc -l < acked.txt) acknowledged, $got more)" \
	test "$(wc -l < restored.txt)" -lt "$(sql 'SELECT count(*) FROM licenses')"
same "... whole batches only: its licenses are those its audited batches say" \
	"$(sql "SELECT count(*) FROM licenses WHERE type = '$T_BIZ'" live-restored.db)" \
	"$(($(sql "SELECT coalesce(sum(json_extract(detail, '\$.imported')), 0) FROM audit WHERE action = 'license.import'" live-restored.db) + base))"
ok "... its audit chain verifies" ecert-audit verify -d live-restored.db
held=$(($(sql "SELECT count(*) FROM licenses WHERE type = '$T_BIZ'" \
	live-restored.db) - base))
ok "... and the import runs on in it to the end" env ECERT_TODAY=2026-06-30 \
	ecert-import -d live-restored.db -k "$SAMR_KEY" -t "$T_BIZ" import.jsonl
same "... the rest imported, what the backup held present" \
	"$((20000 - held)) 20000" \
	"$(json_field imported < "$OUT" | head -n 1) $(json_field records < "$OUT")"

#
# the crontab's backup job, as cron runs it
#
ROOT=$SCRATCH/root
mkdir -p "$ROOT/srv/ecert" "$ROOT/srv/backup/ecert" "$ROOT/etc/ecert/backup"
sqlite3 "$ECERT_DB" ".backup '$ROOT/srv/ecert/ecert.db'" &&
cp "$ECERT_DB.key" "$ROOT/etc/ecert/ecert.db.key" &&
cp "$ECERT_DB.anchor" "$ROOT/srv/ecert/ecert.db.anchor" &&
cp "$ADMIN_KEY" "$ROOT/etc/ecert/platform.key" &&
cp "$ECERT_PASSPHRASE_FILE" "$ROOT/etc/ecert/platform.pass" &&
cp seal.pass "$ROOT/etc/ecert/backup.pass" || bail "cannot make the cron root"
to_root() {
	sed -e "s|/usr/local/bin|$ECERT_BIN|g" -e "s|/srv/|$ROOT/srv/|g" \
	    -e "s|/etc/ecert/|$ROOT/etc/ecert/|g"
}
CRONTAB=$ECERT_SHARE/examples/crontab
job=$(grep 'ecert-backup create' "$CRONTAB" | sed -E 's/^([^[:space:]]+[[:space:]]+){5}//' | to_root)
check "the crontab backs up the store" test -n "$job"
ok "... the job runs as written" env -i HOME="$SCRATCH" LOGNAME=ecert \
	$(grep '^[A-Z_][A-Z0-9_]*=' "$CRONTAB" | to_root) /bin/sh -c "$job"
check "... silent when the backup is sound" test ! -s "$OUT" -a ! -s "$ERR"
day=$(date +%F)
check "... the backup of the day, checked" \
	test -s "$ROOT/srv/backup/ecert/ecert-$day.db" -a -s "$ROOT/srv/backup/ecert/ecert-$day.db.manifest"
same "... its key copy apart, sealed" "ecert-sealed-store-key-v1" \
	"$(head -n 1 "$ROOT/etc/ecert/backup/ecert-$day.db.key")"
