#!/usr/bin/env bash
# Test 5: a malicious member.  Nodes 1 and 2 are real daemons; node 3 is
# `rawpeer attack` with node 3's key, on node 3's endpoint (its daemon never
# runs).  It dials node 1's router and binds its own router, which node 1
# dials and asks for events, then sends malformed, non-canonical, oversized
# and unknown messages, HELLOs of another federation and protocol version
# (each must be answered with one ERROR naming the cause), out-of-bounds and
# huge WANTs, a flood of 10,000 NOTIFYs, and answers node 1's WANTs with
# forged, foreign, out-of-chain, replayed and garbage events and EVENTS
# nobody asked for (the steps: tests/tools/rawpeer.c).  Node 2 publishes a
# module every second meanwhile.
#
# Asserts: node 1 stays up, under an RSS bound, stores nothing of the
# attacker's, keeps syncing with node 2 (same roots at the end), and logs
# a drop line with its reason for each class of attack.  i40d logs one
# drop line per peer per log_interval (500 ms here), so the attacker spaces
# those steps 0.8 s apart: the attack takes about 15 s.
#
# I40_TEST_SEED=N repeats the attacker's crafted bytes.
LOG_INTERVAL=500ms
. "$(dirname "$0")/lib.sh"

RAWPEER=$BUILD/testtools/rawpeer
[ -x "$RAWPEER" ] || bail "$RAWPEER is not built (make $RAWPEER)"
RSS_LIMIT_KB=$((200 * 1024))
ATTACK_LIMIT_S=200

fed_create 3
LOG=$T/n1/log
OUT=$T/attack.out
K3=${KEY[3]}

# The attacker binds node 3's endpoint before node 1 starts, so node 1's
# dealer finds it at once (libzmq backs a refused dial off up to 30 s),
# and behaves until $T/go exists.
"$RAWPEER" attack --key "$T/n3/node.key" \
    --listen "tcp://127.0.0.1:${PORT[3]}" --target-pub "${KEY[1]}" \
    --target "tcp://127.0.0.1:${PORT[1]}" --genesis "$T/genesis.i40" \
    --go "$T/go" --gap 800 ${I40_TEST_SEED:+--seed "$I40_TEST_SEED"} \
    >"$OUT" 2>&1 &
PID[90]=$!

check "node 1 starts" node_start 1
check "node 2 starts" node_start 2
check "node 1 publishes" wait_for 20 publish 1 A-1
check "node 2 publishes" wait_for 20 publish 2 B-1
check "nodes 1 and 2 converge before the attack" wait_for 30 roots_equal 1 2
lr0=$(field 1 log_root)
sr0=$(field 1 state_root)
echo "# before the attack: node 1 log_root $lr0 state_root $sr0," \
    "$(field 1 events) events"
pid1=${PID[1]}

# Node 2 publishes a module every second during the attack.
: >"$T/published"
(
	i=0
	while [ ! -e "$T/stop" ]; do
		i=$((i + 1))
		publish 2 "B-DURING-$i" && echo "B-DURING-$i" >>"$T/published"
		sleep 1
	done
) &
PID[91]=$!

start=$SECONDS
touch "$T/go"
attack_done() { ! kill -0 "${PID[90]}" 2>/dev/null; }
if wait_for $ATTACK_LIMIT_S attack_done; then
	wait "${PID[90]}"
	arc=$?
else
	kill "${PID[90]}" 2>/dev/null
	wait "${PID[90]}" 2>/dev/null
	arc="killed after $ATTACK_LIMIT_S s"
fi
PID[90]=""
touch "$T/stop"
wait "${PID[91]}" 2>/dev/null
PID[91]=""
echo "# the attack took $((SECONDS - start)) s; node 2 published" \
    "$(wc -l <"$T/published") modules meanwhile; the attacker said:"
sed 's/^/#   /' "$OUT"

check "the attacker ran every step and saw no violation in band (exit 0)" \
    test "$arc" = 0
check "node 1 did not crash" kill -0 "$pid1"
rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid1/status" 2>/dev/null)
hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid1/status" 2>/dev/null)
echo "# node 1: VmRSS ${rss:-?} kB, peak (VmHWM) ${hwm:-?} kB;" \
    "bound $RSS_LIMIT_KB kB"
check "node 1's peak RSS stayed under 200 MiB" \
    test "${hwm:-999999999}" -lt $RSS_LIMIT_KB
check "node 1 still signs" wait_for 10 publish 1 A-2

# What each holds of the attacker's author (0: nothing), from the heads.
held_of() {
	"$I40CTL" status --json -d "$(dir "$1")" |
	    jq -r --arg k "$K3" '[.heads[] | select(.author == $k) | .seq] |
	    add // 0'
}
catalog_has() {
	"$I40CTL" catalog --json -d "$(dir "$1")" |
	    jq -e --arg c "$2" '[.modules[].code] | index($c) != null' >/dev/null
}
all_published_on_1() {
	local c
	while read -r c; do
		catalog_has 1 "$c" || return 1
	done <"$T/published"
}

check "nodes 1 and 2 converge after the attack (their link kept working)" \
    wait_for 30 roots_equal 1 2
check "... beyond where they were before it" \
    test "$(field 1 log_root)" != "$lr0" -a "$(field 1 state_root)" != "$sr0"
check "... node 1 holds every module node 2 published during the attack" \
    all_published_on_1
check "node 1 holds no event of the attacker's author" \
    test "$(held_of 1)" = 0
check "node 2 holds no event of the attacker's author" \
    test "$(held_of 2)" = 0
check "no EVIL- module (the attacker's) in node 1's catalog" \
    sh -c "! \"$I40CTL\" catalog --json -d \"$(dir 1)\" | grep -q EVIL-"
# Genesis, A-1, A-2: the APPEND sent over the sync socket signed nothing.
check "node 1 signed only its own three events (seq 3)" \
    test "$(field 1 seq)" = 3

# A drop line with its reason for each class.  Lines about the attacker
# name it as u3.example.se.
log_has() { grep -q -- "$1" "$LOG"; }
out_has() { grep -q -- "$1" "$OUT"; }
P="peer u3.example.se"
check "logged: malformed bytes (not msgpack)" \
    log_has "$P: malformed message (field -): reserved msgpack byte 0xc1"
check "logged: non-canonical msgpack" \
    log_has "$P: malformed message (field -): integer is not in its shortest"
check "logged: unknown message type" \
    log_has "$P: malformed message (field type): unknown message type"
check "logged: a control message (APPEND) on the sync socket" \
    log_has "$P: unexpected append message on the router"
check "logged: HELLO of another federation" \
    log_has "$P: HELLO of another federation"
check "logged: WANT of 2^32-1 events, refused at decode" \
    log_has "$P: malformed message (field want.count): number is outside"
check "logged: forged signatures" \
    log_has "$P (.*): dropped 4 of 4 events; first: #0 sig: signature"
check "logged: events of another federation" \
    log_has "$P (.*): dropped 4 of 4 events; first: #0 fed_id: "
check "logged: out of chain, a non-zero prev at seq 1" \
    log_has "$P (.*): dropped [0-9]* of 4 events; first: #0 prev: "
# The gap batch (seqs 2, 3, 4 and 2 again, with nothing before them)
# passes decoding, signatures and the range check: the store refuses it.
check "logged: out of chain, a gap (seqs 2-4, nothing before)" \
    log_has "$P (.*): the store refused 4 of 4 events (.* 4 after a gap)"
check "logged: replayed events (node 1's own, not what it asked for)" \
    log_has "$P (.*): dropped 4 of 4 events; first: #0 not requested"
check "logged: garbage bins inside a valid EVENTS" \
    log_has "$P (.*): dropped 4 of 4 events; first: #0 : "
check "logged: EVENTS nobody asked for" \
    log_has "$P: EVENTS nobody asked for"
check "logged: EVENTS sent to the router" \
    log_has "$P: unexpected events message on the router"
# An oversized message to node 1's router: libzmq closes the connection
# and tells nobody why; i40d logs only an unattributed "connection closed"
# line.  Observable besides: the attacker's dealer was dropped, and node 1
# answers it after it dialled again.
check "oversized message to node 1's router: its connection closed" \
    out_has "the target disconnected our dealer"
check "... node 1 answers again after the redial" \
    out_has "reconnected; the target answers our next HELLO"
check "... node 1 logs a closed router connection" \
    log_has "router: a peer's connection closed"
# An oversized message to node 1's dealer: libzmq ends that session for
# good (a protocol error is not retried: session_base_t::engine_error),
# so node 1 dials the attacker again only because i40d re-creates a
# dealer left without a handshake (link_watchdog).
check "oversized message to node 1's dealer: node 1 logs the link down" \
    log_has "$P (.*): link down"
check "... and dials the sender again (the attacker waits 15 s)" \
    out_has "the target's dealer reconnected (new routing id)"
# In band: every answer to the huge WANTs stayed in the asked range (the
# attacker counts any other as a violation), and the flood of NOTIFYs made
# node 1 ask for at most 512 events at once.
check "huge WANT ranges: [target, 2^64-6, 512] (its end wraps) gets ERROR" \
    out_has "answer to WANT \[target, 2^64-6, 512\]: ERROR"
maxc=$(sed -n 's/.*largest count \([0-9]*\) (bound.*/\1/p' "$OUT")
check "NOTIFY flood: node 1 asked for ${maxc:-?} events at most (<= 512)" \
    test "${maxc:-999}" -le 512
check "no violation reported by the attacker" \
    sh -c "! grep -q VIOLATION '$OUT'"

check "node 1 stops cleanly" node_stop 1
check "node 2 stops cleanly" node_stop 2
if [ $FAILED -ne 0 ]; then
	echo "# --- node 1's log:"
	sed 's/^/#   /' "$LOG"
fi
done_testing
