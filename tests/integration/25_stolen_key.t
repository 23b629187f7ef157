#!/usr/bin/env bash
# Test 25: a stolen key, and the recovery of docs/joining.md, "When a key
# is stolen", step by step (issue 12, test 6).
#
# Four founders.  University 2 publishes a module and records results;
# its node is stopped, and a thief runs a copy of its key on a rogue
# daemon: it catches up, records bogus results and rotates the key.  The
# members remove the old key up to the last seq university 2 vouches for
# and admit its new key with the same SCHAC code; the new node catches up,
# succeeds the old key, updates the old module, records on it and revokes
# an old result.  On every node the thief's results count not, the
# earlier ones still do, and the roots are equal.  Transcripts prove it
# offline (issue 14): a true result verifies from the genesis with the
# removal as evidence, the thief's result spliced in is refused as past
# the removal's upto, the new key's results verify by its admission and
# succession, and a node refuses what the thief's own file hides.
. "$(dirname "$0")/lib.sh"

STOREDUMP=$BUILD/testtools/storedump
[ -x "$STOREDUMP" ] || bail "$STOREDUMP is not built"
lg() { "$I40CTL" "$@"; }
says() { grep -q -- "$1" <<<"$out"; }
# counted I LEARNER: the learner's counting results on node I, as
# "N" (not revoked) and "rN" (revoked) words.
counted() {
	"$STOREDUMP" "$(dir $1)" | awk -v l="$(learner $2)" \
	    '$1 == "d_compl" && substr($3, 1, 32) == l {
	        print (substr($3, length($3) - 1) == "01" ? "r" : "") "1" }' |
	    tr '\n' ' ' | sed 's/ $//'
}
R=5			# university 2's new node
ROGUE=6
LIVE="1 3 4"

fed_create 4
for i in 1 2 3 4; do node_start $i || bail "node $i does not start"; done
check "node 2 publishes U2-M1" wait_for 30 publish 2 U2-M1
check "the founders converge" wait_for 30 roots_equal 1 2 3 4
c_good=$(record 2 1 U2-M1)
c_wrong=$(record 2 4 U2-M1)
check "university 2 records two results" test ${#c_good} = 64 -a ${#c_wrong} = 64
check "they reach everyone" wait_for 30 roots_equal 1 2 3 4

# --- The theft: the university's node is down, a copy of its key runs ---
node_stop 2
U=$(field 2 seq)
check "university 2's own log ends at seq $U" test "$U" -ge 3
mkdir -p "$T/n$ROGUE"
cp "$T/n2/node.key" "$T/n$ROGUE/stolen.key"
lg init -d "$(dir $ROGUE)" -g "$T/genesis.i40" -k "$T/n$ROGUE/stolen.key" \
    >/dev/null || bail "the thief's init failed"
sed "s|^datadir = .*|datadir = $(dir $ROGUE)|" "$(conf 2)" >"$(conf $ROGUE)"
check "the rogue daemon starts with the stolen key" node_start $ROGUE
bogus() { c_bogus=$(record $ROGUE 2 U2-M1) && test ${#c_bogus} = 64; }
check "it catches up and records a bogus result" wait_for 60 bogus
out=$(lg key rotate -d "$(dir $ROGUE)" --json 2>&1)
check "the thief rotates the stolen key" test "$(jq -r .seq <<<"$out")" = $((U + 2))
rotated() { c_bogus2=$(record $ROGUE 2 U2-M1) && test ${#c_bogus2} = 64; }
check "and records another bogus result with the new key" wait_for 30 rotated
c_bogus3=$(record $ROGUE 1 U2-M1)
check "and a bogus one for learner 1, who has a true result" test ${#c_bogus3} = 64
# The thief's transcript of learner 1: its node knows of no removal yet.
lg transcript "$(learner 1)" -d "$(dir $ROGUE)" --json >"$T/rogue.json" 2>/dev/null
check "the thief's node issues learner 1 a transcript of 2 entries" \
    test "$(jq '.entries | length' "$T/rogue.json")" = 2
fetched() { [ "$(lg member show "${KEY[2]}" --json -d "$(dir $1)" | jq -r .head)" = $((U + 4)) ]; }
for i in $LIVE; do
	wait_for 30 fetched $i || not_ok "node $i holds the thief's events"
done
check "the members hold the thief's events, counting as yet" \
    test "$(counted 1 2)" = "1 1"

# --- The recovery (docs/joining.md, steps 2 to 5) ---
# 2. The last event the university vouches for: its own node's seq.
check "the members hold the old log up to U (head $((U + 3)))" \
    test "$(lg member show "${KEY[2]}" --json -d "$(dir 1)" | jq -r .head)" -ge "$U"
# 3. A new key and card, on a clean machine.
node_new $R
# 4. The members remove the old key up to U and admit the new one.
rm_id=$(lg member remove "${KEY[2]}" --upto "$U" -d "$(dir 1)" --json \
    --reason "Key stolen; events after seq $U are not ours." | jq -r .id)
check "node 1 proposes the removal" test ${#rm_id} = 64
out=$(lg member propose -d "$(dir 1)" --role member --card "$T/n$R/card.json" \
    --schac u2.example.se --name-sv "Universitet 2" --name-en "University 2" \
    --country SE --endpoint "tcp://127.0.0.1:${PORT[$R]}" --json 2>&1)
check "member propose notes that the new key waits for the old one's removal" \
    says "waits until that key's removal takes effect"
adm_id=$(grep -o '"id": *"[0-9a-f]*"' <<<"$out" | grep -o '[0-9a-f]\{64\}')
check "node 1 proposes the new key" test ${#adm_id} = 64
has() { lg member show "$2" --json -d "$(dir $1)" >/dev/null 2>&1; }
for i in 3 4; do
	wait_for 20 has $i "$rm_id" && wait_for 20 has $i "$adm_id" ||
	    not_ok "node $i holds both proposals"
done
# Nodes 3 and 4 endorse the admission first: at 3 of 4 it still waits,
# since the old key of its university is active.
state() { lg member show "$2" --json -d "$(dir $1)" | jq -r .state; }
took() { [ "$(state $1 "$2")" = "took effect" ]; }
sup() { [ "$(lg member show "$2" --json -d "$(dir $1)" | jq -r .support)" = 3 ]; }
for i in 3 4; do
	quiet lg member endorse "$adm_id" -d "$(dir $i)" ||
	    not_ok "node $i endorses the admission"
done
check "the admission has 3 of 4 on node 1" wait_for 20 sup 1 "$adm_id"
sleep 1
waits() { case "$(state 1 "$adm_id")" in "waits: u2.example.se is the university of the active member "*" until its removal takes effect") ;; *) return 1;; esac; }
check "... and waits while the old key is active, and member show says why" waits
out=$(lg member list -d "$(dir 1)" 2>&1)
check "member list prints it as waiting, with the reason below" \
    eval 'says "^[0-9a-f]\{16\} waits  *3 of" &&
    says "^  *u2.example.se is the university of the active member"'
for i in 3 4; do
	quiet lg member endorse "$rm_id" -d "$(dir $i)" ||
	    not_ok "node $i endorses the removal"
done
on_live() { local i; for i in $LIVE; do "$@" $i || return 1; done; }
removed() { [ "$(lg member show "${KEY[2]}" --json -d "$(dir $1)" | jq -r .state)" = removed ]; }
new_in() { took $1 "$adm_id"; }
check "3 of 4 endorsed the removal and the admission: both take effect everywhere" \
    wait_for 30 on_live removed
check "... the admission too" wait_for 30 on_live new_in
closed() { ! lg peers --json -d "$(dir $1)" | jq -e --arg k "${KEY[2]}" \
    '.peers[] | select(.key == $k and .state == "up")' >/dev/null; }
check "every member's link to the rogue daemon is closed" wait_for 10 on_live closed
# 5. The new node starts from the genesis with the new key, catches up.
check "university 2's new node starts" node_start $R
holds() { [ "$(lg member show "${KEY[$R]}" --json -d "$(dir $1)" | jq -r .succession)" = holds ]; }
check "the new key succeeds the old one on every node" \
    wait_for 60 on_live holds
check "... and on its own" wait_for 60 holds $R
check "the new node is linked and caught up" wait_for 60 roots_equal $LIVE $R
succ() { lg member show "${KEY[$R]}" --json -d "$(dir $1)" | jq -r .succeeds; }
check "member show names the key it succeeds" test "$(succ 1)" = "${KEY[2]}"
succ_rec() { c_succ=$(record $R 5 U2-M1 2>/dev/null) && test ${#c_succ} = 64; }
check "the new key records a result on the old key's version of U2-M1 (once it signs)" \
    wait_for 30 succ_rec

# --- The new key writes the university's modules and corrects results ---
ver() { lg catalog --json -d "$(dir $1)" | jq -r '.modules[] | select(.code == "U2-M1") | .id'; }
v_old=$(ver 1)
jq '.title_en = "Test module U2-M1, second edition"' "$(module_json U2-M1)" \
    >"$T/mod-U2-M1-v2.json"
updated() {
	lg module update -d "$(dir $R)" --file "$T/mod-U2-M1-v2.json" >/dev/null
}
check "the new key updates the old key's module U2-M1" wait_for 30 updated
c_new=$(record $R 3 U2-M1)
check "and records a result on it" test ${#c_new} = 64
out=$(lg completion revoke -d "$(dir $R)" --id "$c_wrong" \
    --reason "Recorded for the wrong learner." --json 2>&1)
check "and revokes a result the old key recorded" says '"id"'
out=$(lg module publish -d "$(dir $R)" --file "$(module_json U2-M1)" 2>&1)
check "but cannot publish the old key's code again" says 'already published U2-M1'
check "everything reaches every node" wait_for 60 roots_equal $LIVE $R
for i in $LIVE $R; do
	check "node $i: the thief's two results count not" test -z "$(counted $i 2)"
	check "node $i: the result before the theft counts" test "$(counted $i 1)" = 1
	check "node $i: the corrected one is revoked" test "$(counted $i 4)" = r1
	check "node $i: the new key's result counts" test "$(counted $i 3)" = 1
	check "node $i: U2-M1 is the new key's version, owned as before" \
	    test "$(ver $i)" != "$v_old" -a -n "$(ver $i)"
done
check "the catalog lists U2-M1 once" \
    test "$(lg catalog --json -d "$(dir 1)" | jq '[.modules[] | select(.code == "U2-M1")] | length')" = 1
check "the new key's result on the old version counts everywhere" \
    wait_for 30 eval 'test "$(counted 1 5)" = 1 -a "$(counted 4 5)" = 1'

# --- Transcripts prove all of it offline (docs/protocol.md §16.3) ---
v() { lg verify "$@" --genesis "$T/genesis.i40"; }
tr_of() { lg transcript "$(learner $2)" -d "$(dir $1)" --json; }
tr_of 1 1 >"$T/t1.json"
check "learner 1's transcript: the true result only" \
    test "$(jq '.entries | length' "$T/t1.json")" = 1
check "... carrying the removal as membership evidence" \
    test "$(jq '.members | length' "$T/t1.json")" -ge 3
check "... which verifies from the genesis alone" quiet v "$T/t1.json"
jq --slurpfile r "$T/rogue.json" '.entries += [$r[0].entries[] |
    select(.summary.examiner == "Examiner '$ROGUE'")]' "$T/t1.json" >"$T/splice.json"
v "$T/splice.json" >"$T/splice.out" 2>&1
check "the thief's result spliced in: refused offline, past the removal's upto" \
    grep -q "REFUSED   2  U2-M1 .*after the federation removed that key counting its log up to seq $U" "$T/splice.out"
check "... the true result still verifies" grep -q "1 of 2 entries verified" "$T/splice.out"
# The thief's own file carries no removal: offline it verifies (what
# docs/credentials.md says a verdict cannot prove); any node refuses it.
check "the thief's own transcript, offline: it carries no removal" quiet v "$T/rogue.json"
lg verify "$T/rogue.json" -d "$(dir 3)" >"$T/rogue.out" 2>&1
check "... against node 3: the bogus result refused" \
    grep -q "REFUSED   . *U2-M1 .*after the node's federation removed that key counting its log up to seq $U" "$T/rogue.out"
check "... the true one verified" grep -q "1 of 2 entries verified" "$T/rogue.out"
tr_of 3 5 >"$T/t5.json"
v "$T/t5.json" >"$T/t5.out" 2>&1
check "the successor key's result on its predecessor's module verifies offline" \
    grep -q "1 of 1 entries verified" "$T/t5.out"
check "... said to rest on the admission the file carries" \
    grep -q "verified  1  U2-M1 .*its university admitted, per the file" "$T/t5.out"
check "... where a founder's result says nothing of it" \
    sh -c "! grep -q 'admitted, per the file' '$T/splice.out'"
check "... from the admission, the removal and their votes" \
    test "$(jq '.members | length' "$T/t5.json")" -ge 6
check "... under the university's code" \
    test "$(jq -r '.entries[0].summary.university.schac' "$T/t5.json")" = u2.example.se
jq 'del(.members)' "$T/t5.json" >"$T/t5bare.json"
v "$T/t5bare.json" >"$T/t5bare.out" 2>&1
check "without the evidence the new key is no university offline" \
    grep -q "REFUSED   1  U2-M1 .*membership evidence" "$T/t5bare.out"
check "... and -d node 4 still verifies it" quiet lg verify "$T/t5bare.json" -d "$(dir 4)"
tr_of 4 3 >"$T/t3.json"
check "a result on the new key's own version verifies offline" quiet v "$T/t3.json"
node_stop $ROGUE
done_testing
