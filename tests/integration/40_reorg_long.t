#!/usr/bin/env bash
# Test 40: a fork whose settled branch runs further past the fork than
# one EVENTS batch (512 events or 512 KiB), taken by a node that holds
# the other branch (docs/protocol.md §11.5, docs/sync.md "Forks").
#
# A review found it on 2026-12-08: evid_reorg asked one WANT_REORG from
# the fork, and store_reorg takes a segment only if a majority of the
# voters name an event within it, so every answer was refused ("its
# branch of a frozen log is not the one the voters named") and the node
# never converged.  The branch is now fetched in batches from one peer,
# kept (evidence.c, struct reorg_stage) and offered whole.
#
# Five members.  Node 1's datadir is copied (C, same key).  C first runs
# in node 1's place, linked to all, until it may sign; then the links are
# split: C with node 5 only, the real node 1 with nodes 2, 3, 4 (three
# voters: a majority of the five members' voters, need = 3).  C signs NEW
# at the next seq; node 1 signs OLD there and then L big modules (about
# 28 KB each: an EVENTS batch of 512 KiB holds about 18 of them), which
# nodes 2, 3, 4 fetch and checkpoint.  Then node 5 is linked to 2, 3, 4.
# Node 5 holds C's branch at the fork; the voters name node 1's branch L
# events past it.  docs/protocol.md 11.5: node 5 must replace its chain
# from the fork with the voters' branch and converge with nodes 2, 3, 4.
#
#   L=25 (default): two batches.  L=2: one (the path of a short branch).
CHECKPOINT_INTERVAL=1s
. "$(dirname "$0")/lib.sh"
L=${L:-25}

fed_create 5
C=6
free_port
PORT[$C]=$FREE_PORT
EPC="tcp://127.0.0.1:${PORT[$C]}"

# setpeers I LINE...: replace node I's [peers] section.
setpeers() {
	local i=$1; shift
	sed -i '/^\[peers\]/,$d' "$(conf $i)"
	{ echo "[peers]"; for l in "$@"; do echo "$l"; done; } >>"$(conf $i)"
}
big_module() {
	local f="$T/big-$1.json" s o
	s=$(head -c 3990 /dev/zero | tr '\0' 'x')
	o=$(head -c 495 /dev/zero | tr '\0' 'y')
	jq -n --arg c "$1" --arg s "$s $1" --arg o "$o" '{code: $c,
	    title_en: ("Big module " + $c), title_sv: ("Stor modul " + $c),
	    credits: 10, hours: 27, eqf: 6, cycle: "first", lang: ["sv", "en"],
	    mode: "online", pace: "mixed", assessment: ["assignment"],
	    supervision: "unsupervised", summary_en: $s, summary_sv: $s,
	    outcomes_en: [range(16) | "\($o) \(.)"],
	    outcomes_sv: [range(16) | "\($o) \(.)"]}' >"$f"
	echo "$f"
}
signs() {
	[ "$("$I40CTL" status --json -d "$(dir $1)" 2>/dev/null |
	    jq -r .signing)" = yes ]
}
head_of() {
	"$I40CTL" status --json -d "$(dir $1)" | jq -r --arg k "${KEY[$2]}" \
	    '[.heads[] | select(.author == $k) | .seq][0] // 0'
}

for i in 1 2 3 4 5; do
	check "node $i starts" node_start $i
done
check "node 1 publishes" wait_for 30 publish 1 BEFORE-1
check "node 2 publishes" wait_for 30 publish 2 BEFORE-2
check "all converge" wait_for 60 roots_equal 1 2 3 4 5
sleep 2

# The copy, in node 1's place, linked to all.
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
	echo "listen = $EPC"
	echo "sync_interval = 1s"
	echo "checkpoint_interval = 1s"
	echo "log_level = info"
} >"$(conf $C)"
for i in 2 3 4 5; do
	setpeers $i "u1.example.se = $EPC"
	kill -HUP "${PID[$i]}"
done
check "the copy starts" node_start $C
check "the copy may sign" wait_for 30 signs $C

# The split: C with node 5; node 1 with nodes 2, 3, 4.
setpeers $C "u2.example.se = off" "u3.example.se = off" "u4.example.se = off"
setpeers 5 "u1.example.se = $EPC" "u2.example.se = off" \
    "u3.example.se = off" "u4.example.se = off"
for i in 2 3 4; do
	setpeers $i "u5.example.se = off"
done
setpeers 1 "u5.example.se = off"
for i in 2 3 4 5 $C; do
	kill -HUP "${PID[$i]}"
done
sleep 2
check "node 1 starts again" node_start 1
check "node 1 may sign" wait_for 30 signs 1
check "the copy publishes NEW" publish $C NEW
check "node 1 publishes OLD at the same seq" publish 1 OLD
k=0
for j in $(seq 1 "$L"); do
	"$I40CTL" module publish -d "$(dir 1)" --file "$(big_module BIG$j)" \
	    >/dev/null && k=$((k + 1))
done
check "node 1 publishes $L big modules after it" test $k = "$L"
h1=$(head_of 1 1)
side_a() { local i; for i in 2 3 4; do [ "$(head_of $i 1)" = "$h1" ] ||
    return 1; done; }
check "nodes 2, 3, 4 hold node 1's log to seq $h1" wait_for 60 side_a
check "node 5 holds the copy's branch" \
    wait_for 30 eval '[ "$(head_of 5 1)" = "$(head_of $C 1)" ]'
sleep 4		# nodes 2, 3, 4 checkpoint node 1's head (interval 1 s)

# The heal: node 5 with nodes 2, 3, 4 (node 1 and C still never meet).
setpeers 5 "u1.example.se = $EPC"
for i in 2 3 4; do
	setpeers $i
done
for i in 2 3 4 5; do
	kill -HUP "${PID[$i]}"
done
frozen5() {
	"$I40CTL" status --json -d "$(dir 5)" | jq -e --arg k "${KEY[1]}" \
	    '[.heads[] | select(.author == $k) | .frozen][0] > 0' >/dev/null
}
check "node 5 freezes node 1's log" wait_for 60 frozen5
if wait_for 90 roots_equal 2 3 4 5; then
	ok "node 5 converges with nodes 2, 3, 4 (it takes the voters' branch)"
else
	not_ok "node 5 converges with nodes 2, 3, 4 (it takes the voters' branch)"
	show_heads 2 3 4 5
fi
echo "# node 5: $(grep -c "is not the one the voters named" "$T/n5/log")" \
    "refused reorgs; $(grep -c "voters' branch from seq" "$T/n5/log") taken"
grep -m3 "voters\|equivocation" "$T/n5/log" | sed 's/^/#   /'
check "node 5 says the voters' branch replaced the one it held" \
    grep -q "the voters' branch from seq" "$T/n5/log"
for i in 1 2 3 4 5 $C; do
	check "node $i stops cleanly" node_stop $i
done
done_testing
