#!/usr/bin/env bash
# Test 22: what the memory of a running node holds of its key (issue 11,
# item 4).  The CURVE secret that libzmq copies around ordinary memory is
# the transport key, derived one way from the seed (docs/protocol.md
# §8.3); the signing scalar, from which signatures can be forged, must be
# nowhere, and the seed only in libsodium's guarded pages (one copy).
# Reading another process's memory needs root (the node is not dumpable).
. "$(dirname "$0")/lib.sh"

MEMSCAN=$BUILD/testtools/memscan
[ -x "$MEMSCAN" ] || bail "$MEMSCAN is not built (make $MEMSCAN)"
[ "$(id -u)" = 0 ] || skip_all "reading a node's memory needs root"

fed_create 2
for i in 1 2; do check "node $i starts" node_start $i; done
check "node 1 signs (its links are up)" wait_for 30 publish 1 KEYMEM1
check "the write reaches node 2" wait_for 30 roots_equal 1 2
"$MEMSCAN" --pid "${PID[1]}" --key "$T/n1/node.key" >"$T/scan.out" 2>&1
check "node 1's memory can be read" test $? = 0
sed 's/^/# /' "$T/scan.out"
n() { awk -v k="$1" '$1 == k { print $2 }' "$T/scan.out"; }
check "the signing scalar is nowhere in node 1's memory ($(n scalar))" \
    test "$(n scalar)" = 0
check "the seed is there once, in the guarded key ($(n seed))" \
    test "$(n seed)" = 1
check "libzmq holds the transport secret (the scan sees it: $(n transport))" \
    test "$(n transport)" -ge 1
for i in 1 2; do node_stop $i; done
done_testing
