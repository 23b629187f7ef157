#!/usr/bin/env bash
# Test 20: hostile strangers at a node's listen port (issue 11, items 1
# and 2).  tests/tools/stranger holds no member key.
#   (a) 3,000 raw TCP connections held against a node started with
#       systemd's soft descriptor limit (1024): it raises the limit, stays
#       up, i40ctl works, its members' links carry events both ways;
#   (b) the same against a hard limit of 1024 it cannot raise: it sheds
#       the strangers' connections, keeps descriptors for the control
#       socket and its members, and stays up;
#   (c) 3,000 CURVE handshakes with fresh keys cost the main thread
#       < 100 ms of CPU in all and the log < 20 lines.
. "$(dirname "$0")/lib.sh"

STRANGER=$BUILD/testtools/stranger
[ -x "$STRANGER" ] || bail "$STRANGER is not built (make $STRANGER)"
HOLD_SECONDS=${HOLD_SECONDS:-8}

fed_create 3
for i in 2 3; do check "node $i starts" node_start $i; done
ULIMIT_N="-Sn 1024" check "node 1 starts with a soft limit of 1024" \
    node_start 1
LOG=$T/n1/log
alive() { kill -0 "${PID[1]}" 2>/dev/null; }
nofile() { awk '/^Max open files/ {print $4, $5}' "/proc/${PID[1]}/limits"; }
check "node 1 raised its soft limit to the hard one ($(nofile))" \
    test "$(nofile | cut -d' ' -f1)" = "$(ulimit -Hn)"
# The daemon's own control socket: peers asks the running daemon.
ctl_ok() { "$I40CTL" peers -d "$(dir 1)" >/dev/null; }
converged() { roots_equal 1 2 3; }

check "node 2 signs" wait_for 30 publish 2 PRE1
check "before: the three converge" wait_for 30 converged

flood() {
	"$STRANGER" hold --port "${PORT[1]}" --count 3000 \
	    --seconds "$HOLD_SECONDS" >"$T/hold-$1.out" 2>&1 &
	HOLDER=$!
	sleep 5
}

# (a)
flood a
check "(a) node 1 is up while 3000 connections are held" alive
check "(a) i40ctl reaches node 1's control socket" ctl_ok
check "(a) node 1 accepts a write" wait_for 20 publish 1 AAA1
publish 2 AAA2
check "(a) the writes of node 1 and node 2 reach everyone" \
    wait_for 30 converged
wait "$HOLDER"
sed 's/^/# /' "$T/hold-a.out"
check "(a) node 1 is still up" alive
check "(a) node 1 never ran out of descriptors" \
    sh -c "! grep -q 'Too many open files' '$LOG'"

# (b)
node_stop 1
ULIMIT_N="-n 1024" check "(b) node 1 starts with a hard limit of 1024" \
    node_start 1
wait_for 30 converged
# Nodes 2 and 3 redial node 1 after its restart: count from when both
# links are up, so that only an established link going down counts.
up_to_1() { [ "$("$I40CTL" peers --json -d "$(dir $1)" |
    jq -r --arg k "${KEY[1]}" '[.peers[] | select(.key == $k) | .state][0]')" = up ]; }
both_up() { up_to_1 2 && up_to_1 3; }
check "(b) nodes 2 and 3 are linked to node 1 again" wait_for 30 both_up
downs() { cat "$T/n2/log" "$T/n3/log" | grep -c "link down"; }
downs0=$(downs)
flood b
check "(b) node 1 is up while 3000 connections are tried" alive
check "(b) i40ctl reaches node 1's control socket" ctl_ok
check "(b) node 1 accepts a write" wait_for 20 publish 1 BBB1
publish 3 BBB3
check "(b) the writes reach everyone while the strangers try" \
    wait_for 30 converged
wait "$HOLDER"
sed 's/^/# /' "$T/hold-b.out"
check "(b) node 1 is still up" alive
check "(b) no member's link to node 1 went down meanwhile ($(($(downs) - downs0)))" \
    test "$(downs)" = "$downs0"
check "(b) node 1 said it shed strangers' connections" \
    grep -q "connections not yet authenticated" "$LOG"

# (c) node 1 as it runs by default: no limit of its own.
node_stop 1
check "(c) node 1 starts again" node_start 1
cpu() { awk '{print $14 + $15}' "/proc/${PID[1]}/task/${PID[1]}/stat"; }
hz=$(getconf CLK_TCK)
lines0=$(wc -l <"$LOG")
cpu0=$(cpu)
"$STRANGER" handshakes --endpoint "tcp://127.0.0.1:${PORT[1]}" \
    --server-pub "${TKEY[1]}" --count 3000 >"$T/hs.out" 2>&1
rc=$?
sed 's/^/# /' "$T/hs.out"
check "(c) 3000 fresh keys are all refused" test $rc = 0
sleep 1
cpu1=$(cpu)
lines1=$(wc -l <"$LOG")
ms=$(( (cpu1 - cpu0) * 1000 / hz ))
echo "# main thread: $ms ms of CPU for 3000 handshakes; $((lines1 - lines0)) log lines"
check "(c) the main thread spent < 100 ms on them ($ms ms)" test "$ms" -lt 100
check "(c) the log grew by < 20 lines ($((lines1 - lines0)))" \
    test $((lines1 - lines0)) -lt 20
check "(c) node 1 is still up" alive

for i in 1 2 3; do node_stop $i; done
done_testing
