#!/usr/bin/env bash
# Test 7: partitions.  Thirteen nodes, each in its own network namespace on
# one bridge (needs root), split 7/6 with nftables on the bridge while both
# sides publish; each side converges on its own and the sides differ; once
# every node has noticed the partition the rules are removed, and all
# thirteen reach equal roots soon after the heal.
#
# HEAL_LIMIT (90 s) bounds the wait after the heal; the time it took is
# printed as a TAP comment.  PARTITION_HOLD (0 s) keeps the partition that
# much longer after every node noticed it (a longer partition lets TCP's SYN
# retries back off, which delays the heal).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns.sh"

ns_require

N=13
ALL=$(seq -s ' ' 1 $N)
SIDE_A="1 2 3 4 5 6 7"
SIDE_B="8 9 10 11 12 13"
ROUNDS=2		# modules each node publishes during the partition
HEAL_LIMIT=${HEAL_LIMIT:-90}
PARTITION_HOLD=${PARTITION_HOLD:-0}
PUBLISHED=0
START=$EPOCHREALTIME

elapsed() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }
schac() { echo "u$1.example.se"; }

ns_setup $N || bail "cannot set up the namespaces"
check "node 1 reaches node 13 across the bridge" wait_for 10 ns_reach 1 13
fed_create $N

for i in $ALL; do
	check "node $i starts in namespace $(ns_name $i)" node_start $i
done

# ip netns exec execs the daemon: the pid lib.sh signals is i40d's own, and
# it runs in the node's namespace.
pid_is_i40d() {
	[ "$(readlink "/proc/${PID[$1]}/exe")" = "$(readlink -f "$I40D")" ] &&
	    [ "$(ip netns identify "${PID[$1]}")" = "$(ns_name "$1")" ]
}
for i in $ALL; do
	check "node $i: the pid is i40d itself, in its namespace" pid_is_i40d $i
done

# Writes go over the control socket in the datadir, which a process outside
# the daemon's network namespace reaches (same file system).
for i in $ALL; do
	check "node $i publishes from outside its namespace" \
	    wait_for 30 publish $i "P$i-M0"
	PUBLISHED=$((PUBLISHED + 1))
done
check "all $N converge before the partition" wait_for 60 roots_equal $ALL

# peers_up I: node I has had a link up to every other node.
peers_up() {
	[ "$(grep -o 'peer u[0-9]*\.example\.se ([0-9a-f]*): link up' \
	    "$T/n$1/log" | sort -u | wc -l)" -eq $((N - 1)) ]
}
for i in $ALL; do
	check "node $i has a link up to all $((N - 1)) peers" \
	    wait_for 30 peers_up $i
done

# ---- partition ----
declare -a LOGLINES
for i in $ALL; do LOGLINES[$i]=$(wc -l <"$T/n$i/log"); done
check "nftables on the bridge splits {$SIDE_A} from {$SIDE_B}" \
    ns_partition "$SIDE_A" "$SIDE_B"
check "node 1 no longer reaches node 13" eval "! ns_reach 1 13"
check "node 1 still reaches node 7" ns_reach 1 7
T_PART=$EPOCHREALTIME

for r in $(seq 1 $ROUNDS); do
	for i in $ALL; do
		check "node $i publishes P$i-M$r during the partition" \
		    publish $i "P$i-M$r"
		PUBLISHED=$((PUBLISHED + 1))
	done
done
n_a=$(echo $SIDE_A | wc -w)
n_b=$(echo $SIDE_B | wc -w)
ev_a=$((1 + N + ROUNDS * n_a))
ev_b=$((1 + N + ROUNDS * n_b))

# events_are E I...: each of the nodes holds E events.
events_are() {
	local e=$1 i; shift
	for i in "$@"; do [ "$(field $i events)" = "$e" ] || return 1; done
}
check "side A converges on its own" wait_for 30 roots_equal $SIDE_A
check "side B converges on its own" wait_for 30 roots_equal $SIDE_B
check "side A holds $ev_a events: genesis, $N before, $((ROUNDS * n_a)) of its own" \
    events_are $ev_a $SIDE_A
check "side B holds $ev_b events: genesis, $N before, $((ROUNDS * n_b)) of its own" \
    events_are $ev_b $SIDE_B
for i in $SIDE_B; do
	check "the sides differ (node 1 vs node $i)" eval "! roots_equal 1 $i"
done

# codes I: the module codes in node I's catalog, sorted, one a line.
codes() {
	"$I40CTL" catalog --json -d "$(dir $1)" | jq -r '.modules[].code' | sort
}
# side_codes I...: the codes a side should hold during the partition: every
# node's M0 and its own nodes' later modules.
side_codes() {
	local i r
	{
		for i in $ALL; do echo "P$i-M0"; done
		for i in "$@"; do
			for r in $(seq 1 $ROUNDS); do echo "P$i-M$r"; done
		done
	} | sort
}
# catalogs_are I...: each node of the side holds exactly the side's modules.
catalogs_are() {
	local want i
	want=$(side_codes "$@")
	for i in "$@"; do [ "$(codes $i)" = "$want" ] || return 1; done
}
check "side A holds exactly its own modules: nothing leaked from side B" \
    catalogs_are $SIDE_A
check "side B holds exactly its own modules: nothing leaked from side A" \
    catalogs_are $SIDE_B

# across_logged WHAT I: since LOGLINES[I], node I logged "link WHAT" for
# every node of the other side.
across_logged() {
	local what=$1 i=$2 j other
	case " $SIDE_A " in *" $i "*) other=$SIDE_B ;; *) other=$SIDE_A ;; esac
	for j in $other; do
		tail -n +$((LOGLINES[$i] + 1)) "$T/n$i/log" |
		    grep -q "peer $(schac $j) ([0-9a-f]*): link $what" || return 1
	done
}
all_noticed() { local i; for i in $ALL; do across_logged down $i || return 1; done; }
all_relinked() { local i; for i in $ALL; do across_logged up $i || return 1; done; }
check "every node notices the partition (link down to each node across)" \
    wait_for 60 all_noticed
echo "# partition noticed by all after $(elapsed $T_PART) s"
sleep "$PARTITION_HOLD"
drops=$(ns_partition_drops)
check "the bridge dropped packets across the partition ($drops)" \
    test "$drops" -gt 0
check "side A has not moved during the hold" roots_equal $SIDE_A
check "side B has not moved during the hold" roots_equal $SIDE_B
echo "# partition held for $(elapsed $T_PART) s"

# ---- heal ----
for i in $ALL; do LOGLINES[$i]=$(wc -l <"$T/n$i/log"); done
check "removing the nftables rules heals the partition" ns_heal
T_HEAL=$EPOCHREALTIME
echo "# healed at $(date -u +%H:%M:%S.%3N) UTC"
check "node 1 reaches node 13 again" wait_for 10 ns_reach 1 13
if wait_for "$HEAL_LIMIT" roots_equal $ALL; then
	ok "all $N reach equal roots within $HEAL_LIMIT s of the heal"
else
	not_ok "all $N reach equal roots within $HEAL_LIMIT s of the heal"
	for i in $ALL; do
		echo "# node $i: $(field $i events) events, log root $(field $i log_root)"
	done
fi
echo "# converged $(elapsed $T_HEAL) s after the heal"
# Convergence needs one link across; every link should come back too (a
# reconnect may wait for a backed-off SYN retry or RECONNECT_IVL_MAX).
check "every link across is up again within $HEAL_LIMIT s of the heal" \
    wait_for "$HEAL_LIMIT" all_relinked
echo "# all links across up again $(elapsed $T_HEAL) s after the heal"

alive() { local i; for i in $ALL; do kill -0 "${PID[$i]}" || return 1; done; }
check "no node crashed (all $N pids alive)" alive
total=$((1 + PUBLISHED))
check "every node holds $total events: genesis and the $PUBLISHED published" \
    events_are $total $ALL
c1=$("$I40CTL" catalog --json -d "$(dir 1)")
same_catalog() {
	local i
	for i in $ALL; do
		[ "$("$I40CTL" catalog --json -d "$(dir $i)")" = "$c1" ] || return 1
	done
}
check "catalog --json is identical on all $N" same_catalog
check "the catalog holds the $PUBLISHED modules" \
    test "$(echo "$c1" | jq '.modules | length')" = $PUBLISHED

for i in $ALL; do
	check "node $i stops cleanly on SIGTERM" node_stop $i
done
check "roots are unchanged after the stop" roots_equal $ALL
ns_teardown
check "no namespace of this run is left" \
    sh -c "! ip netns list | grep -q '^$NS_PREFIX-'"
echo "# total $(elapsed $START) s"
done_testing
