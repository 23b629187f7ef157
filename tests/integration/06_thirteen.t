#!/usr/bin/env bash
# Test 6: thirteen nodes, the size of the real federation, in a full mesh:
# each publishes modules and records completions, and all converge.
. "$(dirname "$0")/lib.sh"

N=13
fed_create $N
for i in $(seq 1 $N); do
	node_start $i || not_ok "node $i starts"
done
check "all $N nodes started" test "$(ls "$T"/n*/data/control.sock | wc -l)" = $N
for i in $(seq 1 $N); do
	wait_for 30 publish $i "U$i-M1" || not_ok "node $i publishes"
	quiet "$I40CTL" completion record -d "$(dir $i)" \
	    --learner "$(printf '%032x' $i)" --module "U$i-M1" --grade VG \
	    --scale UVG --examiner "Examiner $i" --exam-date 2026-11-20 \
	    --decision-date 2026-11-24 || not_ok "node $i records"
done
ok "every node published a module and recorded a completion"
start=$(date +%s.%N)
check "all $N nodes reach the same roots" wait_for 60 roots_equal $(seq 1 $N)
echo "# converged $(awk -v a="$start" -v b="$(date +%s.%N)" "BEGIN { printf \"%.2f\", b - a }") s after the last write"
check "each holds 27 events (genesis, 13 modules, 13 completions)" \
    test "$(field 7 events)" = 27
c1=$("$I40CTL" catalog --json -d "$(dir 1)")
same=1
for i in $(seq 2 $N); do
	[ "$("$I40CTL" catalog --json -d "$(dir $i)")" = "$c1" ] || same=0
done
check "catalog --json is identical on all $N" test $same = 1
for i in $(seq 1 $N); do
	node_stop $i || not_ok "node $i stops cleanly"
done
ok "all $N stopped"
done_testing
