#!/usr/bin/env bash
# Test 3: a node stopped while the others publish, then restarted, catches
# up; a node restored from an old backup of its data directory does not
# sign a second event at a seq it had used (it first fetches its own newer
# events back from a peer).
. "$(dirname "$0")/lib.sh"

fed_create 3
for i in 1 2 3; do
	check "node $i starts" node_start $i
done
check "node 3 publishes" wait_for 20 publish 3 N3-A
check "all converge" wait_for 30 roots_equal 1 2 3

# Back up node 3's data directory while it is stopped (a cold backup).
check "node 3 stops" node_stop 3
cp -a "$(dir 3)" "$T/n3/backup"
check "node 3 starts again" node_start 3
check "node 3 publishes after the backup" wait_for 20 publish 3 N3-B
check "and once more" publish 3 N3-C
seq_before=$(field 3 seq)
check "node 3's own log is at seq 3" test "$seq_before" = 3 ||
    echo "# seq $seq_before"
check "all converge" wait_for 30 roots_equal 1 2 3

# Stopped while the others publish, then restarted: catches up.
check "node 2 stops" node_stop 2
for k in 1 2 3 4 5; do
	publish 1 "N1-$k" || not_ok "node 1 publishes N1-$k"
done
check "node 1 and 3 converge without node 2" wait_for 30 roots_equal 1 3
check "node 2 starts again" node_start 2
check "node 2 catches up" wait_for 30 roots_equal 1 2 3

# Restore node 3 from the old backup: it holds its log only up to seq 1.
check "node 3 stops" node_stop 3
rm -rf "$(dir 3)"
cp -a "$T/n3/backup" "$(dir 3)"
check "the restored node 3 holds its old head (seq 1)" test "$(field 3 seq)" = 1
check "node 3 starts from the backup" node_start 3
check "node 3 signs again only after fetching its own events back" \
    wait_for 30 publish 3 N3-D
check "its new event has seq 4, after the 3 it had signed" \
    test "$(field 3 seq)" = 4
check "all converge: no fork of node 3's log" wait_for 30 roots_equal 1 2 3
check "nobody saw an equivocation" \
    sh -c "! grep -q equivocation \"$T\"/n*/log"
for i in 1 2 3; do
	check "node $i stops cleanly" node_stop $i
done
done_testing
