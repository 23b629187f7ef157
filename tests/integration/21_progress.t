#!/usr/bin/env bash
# Test 21: what an operator sees of progress (issue 11, item 9).
#   (a) i40ctl peers and status give behind both ways, with the same
#       names in text and JSON: node 2 does not dial node 1, so what node
#       1 writes stays with node 1, and node 1 sees node 2 "ahead" by it;
#   (b) one info line per accepted write: type, code, seq;
#   (c) a catch-up of 100 events or more ends with one info line: the
#       events and the seconds.
. "$(dirname "$0")/lib.sh"

fed_create 2
peer_off 2 1
for i in 1 2; do check "node $i starts" node_start $i; done
check "node 1 signs" wait_for 30 publish 1 MOD000
for k in $(seq 1 109); do publish 1 "$(printf 'MOD%03d' "$k")" || break; done
seq1=$(field 1 seq)
check "node 1 wrote 110 modules (seq $seq1)" test "$seq1" -ge 111
ahead() { "$I40CTL" peers --json -d "$(dir 1)" | jq -r '.peers[0].ahead'; }
ahead_is() { test "$(ahead)" = "$1"; }
check "(a) node 1 sees node 2 ahead by what node 2 lacks ($(ahead))" \
    wait_for 10 ahead_is $((seq1 - 1))
"$I40CTL" peers -d "$(dir 1)" >"$T/peers.txt"
sed 's/^/# /' "$T/peers.txt"
check "(a) the text has the same names as columns (BEHIND, AHEAD)" \
    sh -c "grep -q 'BEHIND *AHEAD' '$T/peers.txt'"
check "(a) status --json carries them per peer" \
    sh -c "\"$I40CTL\" status --json -d '$(dir 1)' | jq -e '.peers[0] | has(\"ahead\") and has(\"behind\")' >/dev/null"
check "(b) node 1 logged each write with its type, code and seq" \
    grep -q "info: wrote module_publish MOD042 at seq 44 " "$T/n1/log"
check "(b) one line per write" \
    test "$(grep -c 'info: wrote module_publish MOD' "$T/n1/log")" = 110

# (c) node 2 dials node 1 again and fetches the 110.
node_stop 2
sed -i '/^u1.example.se = off/d' "$(conf 2)"
check "(c) node 2 starts dialling node 1" node_start 2
check "(c) node 2 catches up" wait_for 30 roots_equal 1 2
check "(c) node 2 logged the end of its catch-up with events and seconds" \
    wait_for 5 grep -Eq "info: caught up with the peers: [0-9]+ events in [0-9.]+ s" "$T/n2/log"
grep "caught up" "$T/n2/log" | sed 's/^/# /'
check "(c) once" test "$(grep -c 'caught up with the peers' "$T/n2/log")" = 1

for i in 1 2; do node_stop $i; done
done_testing
