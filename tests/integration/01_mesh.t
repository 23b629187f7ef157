#!/usr/bin/env bash
# Test 1: three nodes in a full mesh each publish modules and record
# completions; all reach the same log root and state root, and
# `catalog --json` is byte-identical on all three.
. "$(dirname "$0")/lib.sh"

fed_create 3
for i in 1 2 3; do
	check "node $i starts" node_start $i
done

for i in 1 2 3; do
	check "node $i is ready to sign" wait_for 20 publish $i "N$i-M1"
	check "node $i publishes a second module" publish $i "N$i-M2"
done

# Each node records completions on its own module (a university records
# results only on its own modules), for learners of the other nodes too.
learner() { printf '%032x' "$1"; }
for i in 1 2 3; do
	for l in 1 2 3; do
		check "node $i records learner $l's completion of N$i-M1" \
		    quiet "$I40CTL" completion record -d "$(dir $i)" \
		    --learner "$(learner $l)" --module "N$i-M1" --grade G \
		    --scale UG --examiner "Examiner $i" \
		    --exam-date 2026-11-20 --decision-date 2026-11-24
	done
done

check "all three reach the same log root and state root" \
    wait_for 30 roots_equal 1 2 3
check "each holds 16 events: genesis, 6 modules, 9 completions" \
    test "$(field 1 events)" = 16 -a "$(field 2 events)" = 16 -a \
    "$(field 3 events)" = 16
c1=$("$I40CTL" catalog --json -d "$(dir 1)")
c2=$("$I40CTL" catalog --json -d "$(dir 2)")
c3=$("$I40CTL" catalog --json -d "$(dir 3)")
check "catalog --json is identical on all three" \
    test "$c1" = "$c2" -a "$c2" = "$c3"
check "the catalog holds the six modules" \
    test "$(echo "$c1" | jq '.modules | length')" = 6
for i in 1 2 3; do
	check "node $i stops cleanly on SIGTERM" node_stop $i
done
check "roots are unchanged after the stop" roots_equal 1 2 3
done_testing
