#!/bin/sh
# Where the trust anchor lives (article 23): beside the store it protects
# nothing from whoever may write that folder.  ecert-init and every
# program opening the store warn (and go on) when the anchor file or its
# folder is writable by group or others, or when it sits beside a store
# that group or others may write; an anchor kept apart (ECERT_ANCHOR) in
# a folder only its owner writes draws no warning.
. "$(dirname "$0")/lib.sh"

plan 14

scratch
printf '襄阳测试口令 correct horse\n' > pass
ECERT_PASSPHRASE_FILE=$SCRATCH/pass
export ECERT_PASSPHRASE_FILE
W="warning: anchor"

mkdir -m 700 private
ok "a store in a folder only its owner writes" \
	ecert-init -d private/ecert.db --code "$PLATFORM" --name 襄阳市行政审批局 \
	-o private/platform.key
check "... no warning" sh -c '! grep -q "$1" "$2"' sh "$W" "$ERR"

mkdir shared && chmod 775 shared
ok "a store in a folder its group may write: ecert-init makes it" \
	ecert-init -d shared/ecert.db --code "$PLATFORM" --name 襄阳市行政审批局 \
	-o private/platform2.key
check "... warning that the anchor's folder is writable" \
	err_has "ecert-init: $W shared/ecert.db.anchor: its folder is writable by group or others; whoever writes it can replace the platform's key: keep it where the store's writers cannot write (ECERT_ANCHOR, ecert(7))"
must_fail 1 "... and ecert-verify, opening it, warns too" \
	ecert-verify -d shared/ecert.db "$ID_UNKNOWN"
check "... the same warning" \
	err_has "ecert-verify: $W shared/ecert.db.anchor: its folder is writable"
mkdir -m 755 anchors && cp shared/ecert.db.anchor anchors/xy.anchor &&
	chmod 644 anchors/xy.anchor || bail "cannot copy the anchor"
must_fail 1 "the anchor kept apart with ECERT_ANCHOR: verifies as before" \
	env ECERT_ANCHOR="$SCRATCH/anchors/xy.anchor" \
	ecert-verify -d shared/ecert.db "$ID_UNKNOWN"
check "... and no warning" sh -c '! grep -q "$1" "$2"' sh "$W" "$ERR"
chmod 666 anchors/xy.anchor
must_fail 1 "the anchor file writable by others" \
	env ECERT_ANCHOR="$SCRATCH/anchors/xy.anchor" \
	ecert-verify -d shared/ecert.db "$ID_UNKNOWN"
check "... warns so" \
	err_has "$W $SCRATCH/anchors/xy.anchor: the file is writable by group or others"
chmod 755 shared && chmod 664 shared/ecert.db
must_fail 1 "the anchor beside a store its group may write" \
	ecert-verify -d shared/ecert.db "$ID_UNKNOWN"
check "... warns so" \
	err_has "$W shared/ecert.db.anchor: it sits beside a store that group or others may write"
chmod 644 shared/ecert.db
must_fail 1 "the store and its folder kept to the owner: the verdict as before" \
	ecert-verify -d shared/ecert.db "$ID_UNKNOWN"
check "... and no warning" sh -c '! grep -q "$1" "$2"' sh "$W" "$ERR"
