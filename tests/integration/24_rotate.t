#!/usr/bin/env bash
# Test 24 (issue 12, test 5): key rotation on a running node, as
# docs/joining.md "Rotating a key" says.  Node 2 rotates with
# `i40ctl key rotate` and keeps writing without a restart; the peers verify
# its new key and pin its new CURVE key; the old key is refused for CURVE
# (ZAP) and a node started with it refuses to sign; a node that fetches the
# whole history afresh verifies both sides of the rotation; every root is
# equal.  A second rotation, to a key file the operator made, works alike.
# A third, while the peers are down and with a crash before they return,
# keeps the old CURVE key until a peer holds the rotation; a stranger's
# ERROR 400 on a peer's endpoint does not move it.
. "$(dirname "$0")/lib.sh"

RAWPEER=$BUILD/testtools/rawpeer
[ -x "$RAWPEER" ] || bail "$RAWPEER is not built (make $RAWPEER)"
G=$T/genesis.i40

fed_create 3
# Node 2 has two key files, as an operator who keeps the key outside the
# data directory has: [node] key and the copy init made; both move.
sed -i "/^datadir/a key = $T/n2/node.key" "$(conf 2)"
for i in 1 2 3; do
	check "node $i starts" node_start $i
done
check "node 2 publishes before the rotation" wait_for 20 publish 2 R2-A
check "all converge" wait_for 30 roots_equal 1 2 3
K2=$T/n2/node.key
cp "$K2" "$T/old.key"
old_key=$("$I40CTL" keygen --public -k "$T/old.key" --json | jq -r .key)

up() { [ "$("$I40CTL" peers --json -d "$(dir $1)" |
    jq -r "[.peers[] | select(.key == \"$2\") | .state][0]")" = up ]; }
log_has() { grep -q -- "$2" "$T/n$1/log"; }

# The rotation, on the running node.
out=$("$I40CTL" key rotate -d "$(dir 2)" --json)
rc=$?
check "i40ctl key rotate answers with the rotation's seq, and exits 0" \
    test "$(echo "$out" | jq -r .seq)" = 2 -a $rc = 0 || echo "# $out"
new_key=$("$I40CTL" keygen --public -k "$K2" --json | jq -r .key)
check "the key file now holds another key" test "$new_key" != "$old_key"
check "... mode 0600" test "$(stat -c %a "$K2")" = 600
check "the data directory's copy moved with it" cmp -s "$K2" "$(dir 2)/node.key"
check "no KEY.next is left" sh -c "! ls '$T'/n2/*.next '$(dir 2)'/*.next 2>/dev/null"
check "node 2 logs the rotation" log_has 2 "key rotated (seq 2): signing with"
check "node 2 writes on at once, signed with the new key" publish 2 R2-B
check "node 2's author is still its identity key" \
    test "$(field 2 key)" = "$old_key"
check "node 2's CURVE key moves after the grace" \
    wait_for 15 log_has 2 "transport key moved to the rotated key"
for i in 1 3; do
	check "node $i logs that node 2 rotated its key" \
	    wait_for 20 log_has $i "peer u2.example.se .* rotated its key"
	check "node $i's link to node 2 is up again (new CURVE key)" \
	    wait_for 40 up $i "$old_key"
	check "node 2's link to node $i is up again" \
	    wait_for 40 up 2 "${KEY[$i]}"
done
check "all converge after the rotation" wait_for 30 roots_equal 1 2 3
check "node 1 holds node 2's event after the rotation" \
    test "$("$I40CTL" status --json -d "$(dir 1)" |
    jq -r ".heads[] | select(.author == \"$old_key\") | .seq")" = 3

# The old key: refused for CURVE by the peers.
"$RAWPEER" hello --key "$T/old.key" --server-pub "${KEY[1]}" \
    --endpoint "tcp://127.0.0.1:${PORT[1]}" --genesis "$G" --wait 3 \
    >"$T/old.out" 2>&1
rc=$?
check "a CURVE client with node 2's old key gets no reply" test $rc = 3
check "... ZAP refuses it (HANDSHAKE_FAILED_AUTH)" \
    grep -q "monitor: HANDSHAKE_FAILED_AUTH (400)" "$T/old.out"
ckey=$(sed -n 's/^# client CURVE key: //p' "$T/old.out")
check "... node 1 logs the refusal of the old CURVE key" \
    wait_for 5 grep -qF "CURVE key $ckey is no current" "$T/n1/log"

# The old key cannot sign node 2's log any more: a copy of node 2 started
# with it (a stale key file, or a thief's) refuses to start.
check "node 2 stops" node_stop 2
cp -a "$(dir 2)" "$T/stale"
rm -f "$T/stale/node.key"
cp "$T/old.key" "$T/stale/node.key"
chmod 600 "$T/stale/node.key"
sed -e "s#$(dir 2)#$T/stale#" -e "s#^key = .*#key = $T/stale/node.key#" \
    "$(conf 2)" >"$T/stale.conf"
"$I40D" -c "$T/stale.conf" >"$T/stale.log" 2>&1 &
spid=$!
check "a node with the replaced key does not run" \
    wait_for 10 sh -c "! kill -0 $spid"
check "... and says its key was replaced by a rotation" \
    grep -q "was replaced by a key rotation" "$T/stale.log"
check "node 2 starts again with the new key" node_start 2

# A second rotation, to a key file the operator made.
"$I40CTL" keygen -o "$T/next.key" >/dev/null
# (once node 2 signs again: before, a rotation is refused for that)
refused_old() {
	! "$I40CTL" key rotate -d "$(dir 2)" --new-key "$T/old.key" \
	    2>"$T/again.err" && grep -q "key of this federation" "$T/again.err"
}
check "--new-key FILE: a key of the federation is refused, saying so" \
    wait_for 20 refused_old
check "--new-key FILE rotates to that key" \
    wait_for 20 quiet "$I40CTL" key rotate -d "$(dir 2)" --new-key "$T/next.key"
check "the key file is that key" cmp -s "$K2" "$T/next.key"
check "node 2 writes with it" publish 2 R2-C
check "all converge after the second rotation" wait_for 40 roots_equal 1 2 3

# The name the daemon writes the next key to is not a --new-key.
"$I40CTL" keygen -o "$K2.next" >/dev/null
check "--new-key KEY.next is refused" \
    sh -c "! '$I40CTL' key rotate -d '$(dir 2)' --new-key '$K2.next' \
    2>'$T/next.err'"
check "... saying it is the daemon's name for the next key" \
    grep -q "is the name the daemon writes the next key to" "$T/next.err"
check "... and the operator's file is still there" test -s "$K2.next"
rm -f "$K2.next"

# A rotation while every peer is down: the CURVE key must not move before
# a peer holds the rotation, not even across a crash, or no peer would
# know the node's new key and none would accept its old one.
check "node 1 stops" node_stop 1
check "node 3 stops" node_stop 3
# A stranger on node 1's endpoint answers every CURVE HELLO with ERROR
# 400, as a ZAP refusal reads: without the server's key, it proves nothing.
"$BUILD/testtools/zaperror" "${PORT[1]}" 9 >"$T/zaperror.out" 2>&1 &
zpid=$!
check "node 2 rotates with its peers down" \
    quiet "$I40CTL" key rotate -d "$(dir 2)"
check "node 2 keeps the old key as KEY.prev (0600)" \
    test "$(stat -c %a "$K2.prev" 2>/dev/null)" = 600
sleep 6
moves() { [ "$(grep -c "transport key moved to the rotated key" "$T/n2/log")" = "$1" ]; }
check "... and its CURVE key has not moved after 6 s" moves 2
check "... though a stranger on node 1's endpoint refused its key" \
    log_has 2 "peer u1.example.se .* refused this node's key"
check "a second rotation waits for the first to reach a peer" \
    sh -c "! '$I40CTL' key rotate -d '$(dir 2)' 2>'$T/twice.err'"
check "... saying why" grep -q "has not moved the CURVE key yet" "$T/twice.err"
wait $zpid
check "... the old key and, once, the new one" \
    grep -Eq "answered ([2-9]|[1-9][0-9]) HELLO" "$T/zaperror.out"
node_kill 2
check "node 2, killed, starts again" node_start 2
check "... keeping the previous CURVE key" \
    wait_for 10 log_has 2 "has not reached a peer yet: CURVE keeps the previous key"
for i in 1 3; do
	check "node $i starts" node_start $i
done
check "node 2's CURVE key moves once a peer holds the rotation" \
    wait_for 30 moves 3
check "... and KEY.prev is gone" test ! -e "$K2.prev"
check "node 2 writes after the third rotation" wait_for 20 publish 2 R2-D
check "all converge after the third rotation" wait_for 60 roots_equal 1 2 3

# The whole history verifies afresh: node 3 starts from the genesis.
check "node 3 stops" node_stop 3
rm -rf "$(dir 3)"
"$I40CTL" init -d "$(dir 3)" -g "$G" -k "$T/n3/node.key" >/dev/null
check "node 3 starts from an empty store" node_start 3
check "it fetches and verifies node 2's log across both rotations" \
    wait_for 40 roots_equal 1 2 3
check "nobody refused an event of node 2" \
    sh -c "! grep -q 'refused.*u2.example.se\|WRONG_KEY' '$T'/n1/log '$T'/n3/log"

for i in 1 2 3; do
	check "node $i stops cleanly" node_stop $i
done
if [ $FAILED -ne 0 ]; then
	for i in 1 2 3; do
		echo "# --- node $i's log:"
		tail -40 "$T/n$i/log" | sed 's/^/#   /'
	done
	sed 's/^/# rawpeer: /' "$T/old.out"
fi
done_testing
