#!/usr/bin/env bash
# Test 26: a university whose log a fork froze is recovered as docs/
# joining.md, "After a fork", says (issue 12, test 7).
#
# Four founders, checkpoints every second.  University 2 publishes and
# records a result; its log is forked (forkpeer signs a second event at
# its head, as a second copy of its node would have), and every node
# freezes it alike.  The members remove the key with --upto its freeze
# point and admit a new key with the same SCHAC code; the new node
# catches up, succeeds the frozen key and publishes again: it updates the
# university's module and records on it.  Every node agrees.
CHECKPOINT_INTERVAL=${CHECKPOINT_INTERVAL:-1s}
. "$(dirname "$0")/lib.sh"

FORKPEER=$BUILD/testtools/forkpeer
STOREDUMP=$BUILD/testtools/storedump
[ -x "$FORKPEER" ] && [ -x "$STOREDUMP" ] || bail "build the test tools"
lg() { "$I40CTL" "$@"; }
counted() {
	"$STOREDUMP" "$(dir $1)" | grep -c "^d_compl [0-9a-f]* $(learner $2)"
}
R=5
LIVE="1 3 4"
on_live() { local i; for i in $LIVE; do "$@" $i || return 1; done; }
show() { lg member show "$2" --json -d "$(dir $1)" | jq -r ".$3"; }

fed_create 4
for i in 1 2 3 4; do node_start $i || bail "node $i does not start"; done
check "node 2 publishes U2-M1" wait_for 30 publish 2 U2-M1
c1=$(record 2 1 U2-M1)
check "and records a result" test ${#c1} = 64
check "node 2 publishes U2-M2" wait_for 30 publish 2 U2-M2
check "the founders converge" wait_for 30 roots_equal 1 2 3 4
node_stop 2
head=$(field 2 seq)
check "a second copy of node 2 signs another event at seq $head" \
    quiet "$FORKPEER" fork --key "$T/n2/node.key" --victim "$T/n2/node.key" \
    --target-pub "${KEY[1]}" --target "tcp://127.0.0.1:${PORT[1]}" \
    --genesis "$T/genesis.i40" --datadir "$(dir 1)" --seq "$head"
frozen() { [ "$(show $1 "${KEY[2]}" state)" = frozen ]; }
check "every node freezes university 2" wait_for 30 on_live frozen
F=$(show 1 "${KEY[2]}" freeze_point)
same_f() { [ "$(show $1 "${KEY[2]}" freeze_point)" = "$F" ]; }
check "at one freeze point ($F) on every node" wait_for 30 on_live same_f
check "the result before it counts" test "$(counted 1 1)" = 1

# The recovery: remove up to the freeze point, admit a new key.
node_new $R
rm_id=$(lg member remove "${KEY[2]}" --upto "$F" -d "$(dir 1)" --json \
    --reason "Two copies of the node signed; recovered under a new key." |
    jq -r .id)
adm_id=$(lg member propose -d "$(dir 1)" --role member \
    --card "$T/n$R/card.json" --schac u2.example.se \
    --name-sv "Universitet 2" --name-en "University 2" --country SE \
    --endpoint "tcp://127.0.0.1:${PORT[$R]}" --json 2>/dev/null | jq -r .id)
check "node 1 proposes the removal and the new key" \
    test ${#rm_id} = 64 -a ${#adm_id} = 64
has() { lg member show "$2" --json -d "$(dir $1)" >/dev/null 2>&1; }
# Node 3 endorses both. Node 4's endorsement makes the removal 3 of 4;
# from then on the members are 1, 3 and 4, and the admission already has
# 2 of 3 (nodes 1 and 3), so node 4 has nothing left to endorse.
wait_for 20 has 3 "$rm_id" && wait_for 20 has 3 "$adm_id" ||
    not_ok "node 3 holds both proposals"
check "node 3 endorses the admission" \
    quiet lg member endorse "$adm_id" -d "$(dir 3)"
check "node 3 endorses the removal" \
    quiet lg member endorse "$rm_id" -d "$(dir 3)"
wait_for 20 has 4 "$rm_id" || not_ok "node 4 holds the removal"
check "node 4 endorses the removal" \
    quiet lg member endorse "$rm_id" -d "$(dir 4)"
removed() { [ "$(show $1 "${KEY[2]}" state)" = removed ]; }
check "the frozen key is removed everywhere" wait_for 30 on_live removed
check "university 2's new node starts" node_start $R
holds() { [ "$(show $1 "${KEY[$R]}" succession)" = holds ]; }
check "its key succeeds the frozen one on every node" \
    wait_for 60 on_live holds
check "... and on its own" wait_for 60 holds $R
jq '.title_en = "Test module U2-M1, after the fork"' "$(module_json U2-M1)" \
    >"$T/mod-U2-M1-v2.json"
updated() {
	lg module update -d "$(dir $R)" --file "$T/mod-U2-M1-v2.json" >/dev/null
}
check "the university publishes again: it updates U2-M1" wait_for 30 updated
c2=$(record $R 2 U2-M1)
check "and records a result on it" test ${#c2} = 64
check "every node agrees" wait_for 60 roots_equal $LIVE $R
title() { lg catalog --json -d "$(dir $1)" |
    jq -r '.modules[] | select(.code == "U2-M1") | .title_en'; }
for i in $LIVE $R; do
	check "node $i: U2-M1 is the new edition" \
	    test "$(title $i)" = "Test module U2-M1, after the fork"
	check "node $i: both results count" \
	    test "$(counted $i 1)" = 1 -a "$(counted $i 2)" = 1
done
done_testing
