# copies.sh: two live copies of one node, on real daemons (sourced by
# 10_copies_mesh.t, 11_copies_line.t and 12_fork_line7.t).
#
# Node 1's data directory is copied, as in a botched migration, and the
# copy (same key) runs beside node 1, each on its own side of a network
# split, so that both sign: the fork is made for certain.  The sides are
# node 1 with nodes 2..H and the copy with the rest.  Then the split
# heals (SIGHUP with new links), node 1 and its copy still never meeting a
# common peer: into a mesh (MODE=mesh), or into the line 1-2-...-N-copy
# (MODE=line), so that the two sides of the fork arrive at opposite ends.  Every node, node 1 and the copy
# included, must hold the evidence, freeze node 1's log at the same point,
# and end with the same roots and the same catalog; node 1 and the copy
# stop signing, say why, and stay stopped across a restart.
#
# Set N and MODE before sourcing.
CHECKPOINT_INTERVAL=${CHECKPOINT_INTERVAL:-1s}
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

C=$((N + 1))		# the copy's index
H=$(((N + 1) / 2))	# the last node of node 1's side
fed_create "$N"
free_port
PORT[$C]=$FREE_PORT

# links PHASE: every node's [peers], the copy's included.  Phase 0: no
# copy yet, a mesh.  Phase 1: the copy runs, each side a mesh of its own,
# the sides cut apart; the far side reaches "node 1" at the copy's
# address.  Phase 2: healed, as MODE says: a mesh, or the line
# 1-2-...-N-copy.  Node 1 and the copy never share a peer after phase 0.
side() {
	if [ "$1" -le $H ]; then echo 1; elif [ "$1" = "$C" ]; then echo 2
	else echo 2; fi
}
joined() {
	local i=$1 j=$2 phase=$3
	[ "$i" = "$j" ] && return 1
	case $phase in
	0) return 0 ;;
	1) [ "$(side "$i")" = "$(side "$j")" ] ;;
	*) [ "$MODE" != line ] || [ $((i - j)) -eq 1 ] ||
	    [ $((j - i)) -eq 1 ] ;;
	esac
}
# The [peers] lines of node i (i = C for the copy) in phase p.
peers_of() {
	local i=$1 p=$2 j who
	echo "[peers]"
	for j in $(seq 1 "$N"); do
		[ "$i" = "$j" ] && continue
		[ "$i" = "$C" ] && [ "$j" = 1 ] && continue
		who=$j
		# On the far side, once the copy runs, "node 1" is the copy.
		[ "$j" = 1 ] && [ "$p" != 0 ] && [ "$(side "$i")" = 2 ] &&
		    who=$C
		if [ "$p" != 0 ] && { [ "$i" = 1 ] || [ "$i" = "$C" ]; } &&
		    [ "$(side "$j")" != "$(side "$i")" ]; then
			echo "u$j.example.se = off"
		elif ! joined "$i" "$who" "$p"; then
			echo "u$j.example.se = off"
		elif [ "$who" = "$C" ]; then
			echo "u1.example.se = tcp://127.0.0.1:${PORT[$C]}"
		fi
	done
}
links() {
	local i
	for i in $(seq 1 "$N") $([ "$1" != 0 ] && echo "$C"); do
		sed -i '/^\[peers\]/,$d' "$(conf $i)"
		peers_of "$i" "$1" >>"$(conf $i)"
	done
}
links 0

ALL=$(seq 1 "$N")
for i in $ALL; do
	check "node $i starts" node_start $i
done
check "node 1 publishes" wait_for 30 publish 1 BEFORE-1
check "node 2 publishes" wait_for 30 publish 2 BEFORE-2
check "all converge" wait_for 60 roots_equal $ALL

# The botched migration: node 1's directory copied; the copy runs beyond
# node N, on the other side of a split.
check "node 1 stops" node_stop 1
mkdir -p "$T/n$C"
cp -a "$(dir 1)" "$(dir $C)"
rm -f "$(dir $C)/i40d.pid" "$(dir $C)/control.sock"
cp -a "$T/n1/node.key" "$T/n$C/node.key"
{
	echo "[node]"
	echo "name = copy"
	echo "datadir = $(dir $C)"
	echo "key = $T/n$C/node.key"
	echo "listen = tcp://127.0.0.1:${PORT[$C]}"
	echo "sync_interval = ${SYNC_INTERVAL:-1s}"
	echo "checkpoint_interval = $CHECKPOINT_INTERVAL"
} >"$(conf $C)"
links 1
for i in $(seq 2 "$N"); do
	kill -HUP "${PID[$i]}"
done
sleep 1
check "node 1 starts again" node_start 1
check "its copy starts" node_start $C

signs() {
	[ "$("$I40CTL" status --json -d "$(dir $1)" 2>/dev/null |
	    jq -r .signing)" = yes ]
}
check "node 1 signs, on its side" wait_for 30 signs 1
check "the copy signs, on the other side" wait_for 30 signs $C
check "node 1 publishes OLD" publish 1 OLD
check "the copy publishes NEW at the same seq" publish $C NEW
echo "# node 1 and its copy: seq $(field 1 seq) and $(field $C seq)"

# The split heals.
links 2
for i in $(seq 1 "$N") $C; do
	kill -HUP "${PID[$i]}"
done
every="$ALL $C"
frozen_alike() {
	local i last first=""
	for i in $every; do
		last=$("$I40CTL" status --json -d "$(dir $i)" | jq -r \
		    --arg k "${KEY[1]}" '.heads[] | select(.author == $k) |
		    if .frozen > 0 then .last else "open" end')
		[ -n "$last" ] && [ "$last" != open ] || return 1
		[ -z "$first" ] && first=$last
		[ "$last" = "$first" ] || return 1
	done
}
check "every node, node 1 and its copy included, freezes node 1 alike" \
    wait_for 90 frozen_alike
if wait_for 60 roots_equal $every; then
	ok "every node has the same log and state roots"
else
	not_ok "every node has the same log and state roots"
	show_heads $every
fi
cat2=$("$I40CTL" catalog --json -d "$(dir 2)")
same_catalog() {
	local i
	for i in $every; do
		[ "$("$I40CTL" catalog --json -d "$(dir $i)")" = "$cat2" ] ||
		    return 1
	done
}
check "every node has the same catalog" same_catalog
check "node 1's module from before the fork counts everywhere" \
    sh -c "echo \"\$1\" | grep -q BEFORE-1" _ "$cat2"
h=$("$I40CTL" status --json -d "$(dir 2)" | jq -r --arg k "${KEY[1]}" \
    '.heads[] | select(.author == $k) | "\(.last) \(.frozen) \(.settled)"')
set -- $h
echo "# node 1's log everywhere: counts up to seq $1, fork at seq $2," \
    "settled to $3"
# A side whose events a majority checkpointed before the fork showed
# wins (docs/protocol.md §11.5); otherwise neither side's counts.
sides=$(echo "$cat2" | grep -c -e '"OLD"' -e '"NEW"')
if [ "$3" -ge "$2" ]; then
	check "settled past the fork: exactly one side's module counts" \
	    test "$sides" = 1
else
	check "not settled past the fork: neither side's module counts" \
	    test "$sides" = 0
fi
n_eq=$(cat "$T"/n*/log | grep -c "equivocation:")
echo "# equivocation lines in all the logs: $n_eq"

stopped() {
	[ "$("$I40CTL" status --json -d "$(dir $1)" | jq -r .signing)" = \
	    stopped ]
}
check "node 1 stops signing" wait_for 30 stopped 1
check "the copy stops signing" wait_for 30 stopped $C
out=$("$I40CTL" module publish -d "$(dir 1)" --file "$(module_json AFTER)" \
    2>&1)
check "node 1 refuses a write, and says why" \
    sh -c "echo \"\$1\" | grep -q 'stopped signing'" _ "$out"
echo "# $out" | head -3
check "node 1 logged the stop at error level" \
    grep -q "error: this node stops signing" "$T/n1/log"
check "node 1 stops" node_stop 1
check "and starts again" node_start 1
check "it still does not sign after the restart" wait_for 10 stopped 1
check "another node still signs" publish 2 AFTER-2
check "and all converge again" wait_for 60 roots_equal $every
for i in $every; do
	check "node $i stops cleanly" node_stop $i
done
done_testing
