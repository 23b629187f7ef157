#!/bin/sh
# store_diskfull.t: the store on a full disk (shared/PITFALLS.md, LMDB:
# a full disk shows up as EIO).  On a 4 MiB tmpfs, after a 1 MiB filler
# file, $BUILD/testtools/storefill appends batches until store_append fails,
# which must be I40_E_DISK_FULL (and the next append I40_E_FAILED).  The
# store must then open on the still-full disk with every acknowledged event;
# a new process may still append a little (LMDB reuses the pages the failed
# commit wrote) but must end with I40_E_DISK_FULL.  Once the filler is
# deleted, it must open with every acknowledged event and take more.
# storefill prints its seed: I40_TEST_SEED=N repeats a run's events.
# Needs root (mount); prints a TAP skip otherwise.  POSIX sh.

BUILD=${BUILD:-build}
tool=$BUILD/testtools/storefill

if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP needs root for a tmpfs"
	exit 0
fi
if [ ! -x "$tool" ]; then
	echo "1..1"
	echo "not ok 1 - $tool is missing (make $tool)"
	exit 1
fi

mnt=$(mktemp -d "${TMPDIR:-/tmp}/i40-diskfull-XXXXXX") || exit 1
log=$(mktemp "${TMPDIR:-/tmp}/i40-diskfull-log-XXXXXX") || exit 1
mounted=0
cleanup() {
	cd /
	[ "$mounted" = 1 ] && umount "$mnt"
	rmdir "$mnt" 2>/dev/null
	rm -f "$log"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

if ! mount -t tmpfs -o size=4m,mode=0700 i40-diskfull "$mnt" 2>/dev/null
then
	echo "1..0 # SKIP needs root for a tmpfs (mount -t tmpfs failed)"
	exit 0
fi
mounted=1

echo "1..5"
fail=0
ok() {		# ok N CONDITION-STATUS TEXT
	if [ "$2" = 0 ]; then
		echo "ok $1 - $3"
	else
		echo "not ok $1 - $3"
		fail=1
	fi
}
diag() {
	sed 's/^/# /' "$log"
}
field() {	# field WORD: the value after "WORD " in the log
	sed -n "s/^$1 //p" "$log" | head -n 1
}

dd if=/dev/zero of="$mnt/filler" bs=1048576 count=1 2>/dev/null
ok 1 $? "a 4 MiB tmpfs with a 1 MiB filler file"

"$tool" create "$mnt/store" >"$log" 2>&1
st=$?
diag
stored=$(field stored)
grep -q '^failed I40_E_DISK_FULL: ' "$log" &&
    grep -q '^then I40_E_FAILED: ' "$log" && [ "$st" = 0 ]
ok 2 $? "appending until the disk is full fails with I40_E_DISK_FULL, then I40_E_FAILED (exit $st)"

"$tool" resume "$mnt/store" 100000 >"$log" 2>&1
st=$?
diag
found=$(field found)
[ -n "$stored" ] && [ "$found" = "$stored" ] &&
    grep -q '^failed I40_E_DISK_FULL: ' "$log" && [ "$st" = 3 ]
ok 3 $? "on the full disk the store opens with all $stored events and ends with I40_E_DISK_FULL again (found $found, exit $st)"
stored=$(field stored)

rm -f "$mnt/filler"
"$tool" resume "$mnt/store" >"$log" 2>&1
st=$?
diag
found=$(field found)
[ -n "$stored" ] && [ "$found" = "$stored" ]
ok 4 $? "after freeing 1 MiB the store opens with all $stored acknowledged events (found $found)"

more=$(field stored)
[ "$st" = 0 ] && [ -n "$more" ] && [ -n "$found" ] && [ "$more" -gt "$found" ]
ok 5 $? "and appends more (now $more, exit $st)"

exit $fail
