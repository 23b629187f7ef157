#!/usr/bin/env bash
# Test 8: for 10 seconds (CHAOS_SECONDS; I40_LONG=1: 90) a random node of
# thirteen is killed with SIGKILL or paused with SIGSTOP every few seconds,
# while the others publish through their control sockets.  Every acknowledged event
# must end up on every node, and all roots must be equal soon after the
# last fault.  The seed is printed; CHAOS_SEED replays a run's choices.
. "$(dirname "$0")/lib.sh"

N=13
DURATION=${CHAOS_SECONDS:-$([ "${I40_LONG:-0}" = 1 ] && echo 90 || echo 10)}
SEED=${CHAOS_SEED:-$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')}
echo "# seed $SEED, $DURATION s"
RANDOM=$SEED

fed_create $N
for i in $(seq 1 $N); do
	node_start $i || bail "node $i did not start"
	echo up >"$T/n$i/state"
done
ok "$N nodes started"
wait_for 30 publish 1 WARMUP || not_ok "the first publish"

# The publisher: a background loop writing through whichever node is up.
# An event counts as acknowledged only when i40ctl returned 0, which the
# daemon answers after the commit.
publisher() {
	local k=0 i code
	RANDOM=$((SEED + 1))
	while [ ! -e "$T/stop" ]; do
		i=$((RANDOM % N + 1))
		[ "$(cat "$T/n$i/state" 2>/dev/null)" = up ] || continue
		k=$((k + 1))
		code="C$i-$k"
		if "$I40CTL" module publish -d "$(dir $i)" --timeout 3 \
		    --file "$(module_json "$code")" >/dev/null 2>&1; then
			echo "$code" >>"$T/acked"
		fi
		sleep 0.05
	done
}
: >"$T/acked"
publisher &
PUB=$!

end=$(( $(date +%s) + DURATION ))
faults=0
while [ "$(date +%s)" -lt $end ]; do
	sleep "$((2 + RANDOM % 3))"
	i=$((RANDOM % N + 1))
	if [ $((RANDOM % 2)) = 0 ]; then
		echo killed >"$T/n$i/state"
		node_kill $i
		sleep "0.$((RANDOM % 9 + 1))"
		node_start $i || not_ok "node $i restarts after SIGKILL"
		echo "# SIGKILL node $i, restarted"
	else
		echo stopped >"$T/n$i/state"
		kill -STOP "${PID[$i]}"
		sleep "$((1 + RANDOM % 3))"
		kill -CONT "${PID[$i]}"
		echo "# SIGSTOP node $i, continued"
	fi
	echo up >"$T/n$i/state"
	faults=$((faults + 1))
done
touch "$T/stop"
wait $PUB
last_fault=$(date +%s)
acked=$(wc -l <"$T/acked")
ok "$faults faults injected; $acked events acknowledged meanwhile"
check "some events were acknowledged" test "$acked" -gt 10

check "all $N nodes converge soon after the last fault" \
    wait_for 60 roots_equal $(seq 1 $N)
echo "# converged $(( $(date +%s) - last_fault )) s after the last fault"
missing=0
for i in $(seq 1 $N); do
	"$I40CTL" catalog --json -d "$(dir $i)" | jq -r '.modules[].code' |
	    sort >"$T/have$i"
	n=$(sort "$T/acked" | comm -23 - "$T/have$i" | wc -l)
	[ "$n" = 0 ] || { echo "# node $i lacks $n acknowledged events"; missing=1; }
done
check "every acknowledged event is on every node" test $missing = 0
check "no node saw an equivocation" sh -c "! grep -q equivocation \"$T\"/n*/log"
for i in $(seq 1 $N); do
	node_stop $i || not_ok "node $i stops cleanly"
done
ok "all stopped"
done_testing
