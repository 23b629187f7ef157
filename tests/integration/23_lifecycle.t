#!/usr/bin/env bash
# Test 23: the federation's lifecycle on running daemons, following
# docs/joining.md step by step (issue 12, tests 1, 3 and 4).
#
#  1. A regional node joins N founders (13 by default; LIFECYCLE_N): a
#     proposal below the majority leaves it refused; at the majority it
#     connects without a restart anywhere, catches up, publishes a module
#     that reaches every node and records a completion.
#  2. Endorsements that do not count: a second one by the same member,
#     one of a proposal that took effect; self-proposal, a member proposed
#     twice, a removal above the head (i40ctl refuses them all).  The
#     store's rules, in any delivery order: tests/unit/test_store_member.c.
#  3. An observer is admitted, pulls everything, stays in sync, and its
#     daemon signs nothing.
#  4. A member is removed with an upto below its head: every node closes
#     its links within 5 s, refuses its reconnects, and its last event
#     stops counting everywhere; what it signed up to upto still counts.
. "$(dirname "$0")/lib.sh"

N=${LIFECYCLE_N:-13}
R=$((N + 1))		# the regional node
O=$((N + 2))		# the observer
NEED=$((N / 2 + 1))	# admit_pct 50
ALL=$(seq 1 $N)

fed_create $N
for i in $ALL; do
	node_start $i || bail "node $i does not start"
done
for i in $ALL; do
	wait_for 60 publish $i "U$i-M1" || not_ok "node $i publishes"
done
check "the $N founders converge" wait_for 60 roots_equal $ALL

# --- 1. A regional node joins (docs/joining.md, "Joining") ---
# Its operator: a key, the card to send the members, a data directory
# from the genesis, and the first start, before anyone admitted it.
node_new $R
check "the joining node starts before its admission" node_start $R
lg() { "$I40CTL" "$@"; }
propose() {
	lg member propose -d "$(dir 1)" --role "$1" --card "$T/n$2/card.json" \
	    --schac "r$2.example.se" --name-sv "Region $2" \
	    --name-en "Region $2" --country SE \
	    --endpoint "tcp://127.0.0.1:${PORT[$2]}" --json | jq -r .id
}
P=$(propose member $R)
check "member propose prints the proposal's id" test ${#P} = 64
has_prop() { lg member list --json -d "$(dir $1)" |
    jq -e --arg p "$P" '.proposals[] | select(.id == $p)' >/dev/null; }
for i in $ALL; do
	wait_for 20 has_prop $i || not_ok "node $i holds the proposal"
done
# Below the majority: the proposer and NEED - 2 endorsers.
for i in $(seq 2 $((NEED - 1))); do
	quiet lg member endorse "$P" -d "$(dir $i)" || not_ok "node $i endorses"
done
support() { lg member show "$P" --json -d "$(dir $1)" | jq -r .support; }
all_support() { local i; for i in $ALL; do [ "$(support $i)" = "$1" ] || return 1; done; }
check "$((NEED - 1)) of $NEED: every node counts the same support" \
    wait_for 20 all_support $((NEED - 1))
state() { lg member show "$P" --json -d "$(dir $1)" | jq -r .state; }
check "below the majority the proposal stays open" test "$(state 1)" = open
sleep 2
check "below the majority ZAP still refuses the regional node" \
    test "$(field $R events)" = 1
check "and its node says why" grep -q "refused this node's key" "$T/n$R/log"
says() { grep -q "$1" <<<"$out"; }
out=$(lg module publish -d "$(dir $R)" --file "$(module_json R-M1)" 2>&1)
check "before its admission the regional node signs nothing" says 'not admitted yet'
check "and its status says so, with the reason" \
    test "$(field $R signing): $(field $R signing_why | cut -c1-31)" = \
    "no: this node's key is not admitted"
# A second endorsement by one member: refused by i40ctl, as nothing.
out=$(lg member endorse "$P" -d "$(dir 2)" 2>&1)
check "a second endorsement by one member is refused" says 'endorsed proposal .* already'
# At the majority.
quiet lg member endorse "$P" -d "$(dir $NEED)" || not_ok "node $NEED endorses"
admitted() { [ "$(state $1)" = "took effect" ]; }
for i in $ALL; do
	wait_for 20 admitted $i || not_ok "node $i admits the regional node"
done
ok "at $NEED of $N the regional node is admitted on every node"
out=$(lg member endorse "$P" -d "$(dir $((NEED + 1)))" 2>&1)
check "an endorsement after it took effect is refused" says 'took effect already'
check "the regional node catches up without a restart" \
    wait_for 60 roots_equal $ALL $R
check "and listens where its admission says" \
    grep -q "admitted to the federation: listening" "$T/n$R/log"
check "the regional node publishes" wait_for 30 publish $R R-M1
quiet lg completion record -d "$(dir $R)" --learner "$(printf '%032x' 99)" \
    --module R-M1 --grade G --scale UG --examiner "Examiner R" \
    --exam-date 2026-11-20 --decision-date 2026-11-24 ||
    not_ok "the regional node records a completion"
check "its module and completion reach all $R nodes" \
    wait_for 60 roots_equal $ALL $R
listed() { lg catalog --json -d "$(dir $1)" |
    jq -e --arg c "$2" '.modules[] | select(.code == $c)' >/dev/null; }
on_all() { local c=$1 i; shift; for i in "$@"; do listed "$i" "$c" || return 1; done; }
on_none() { local c=$1 i; shift; for i in "$@"; do listed "$i" "$c" && return 1; done; return 0; }
check "every node's catalog lists the regional module" on_all R-M1 $ALL $R

# --- 2. What i40ctl refuses before anything is signed ---
out=$(lg member propose -d "$(dir 1)" --role member --key "${KEY[1]}" \
    --transport "${TKEY[1]}" --transport-sig "${TSIG[1]}" --schac x.se \
    --name-sv X --name-en X --country SE --endpoint tcp://127.0.0.1:1 2>&1)
check "a node cannot propose itself" says 'nobody admits itself'
out=$(lg member propose -d "$(dir 2)" --role member --card "$T/n$R/card.json" \
    --schac x.se --name-sv X --name-en X --country SE \
    --endpoint tcp://127.0.0.1:1 2>&1)
check "a member cannot be proposed twice" says 'is a member already'
lg member endorse nothex -d "$(dir 2)" >/dev/null 2>&1
check "a malformed proposal id is a usage error (exit 2)" test $? = 2
out=$(lg member remove "${KEY[2]}" --upto 999 --reason "Typo." -d "$(dir 1)" 2>&1)
check "a removal above the member's head is refused" says 'holds .* log up to seq'
out=$(lg member show "$(printf '%064d' 0)" -d "$(dir 1)" 2>&1)
check "member show of an unknown key says so" says 'no member'

# --- 3. An observer ---
node_new $O
node_start $O || not_ok "the observer starts"
P=$(propose observer $O)
# endorse_all: as many of nodes 2, 3, ... as the threshold asks endorse
# P, then it takes effect on node 1.
endorse_all() {
	local i=2 need sup
	wait_for 20 has_prop 1 || return 1
	need=$(lg member show "$P" --json -d "$(dir 1)" | jq -r .need)
	sup=$(support 1)
	while [ "$sup" -lt "$need" ] && [ $i -lt $N ]; do
		wait_for 20 has_prop $i || not_ok "node $i holds proposal $P"
		# Enough endorsements may have arrived at node i already.
		out=$(lg member endorse "$P" -d "$(dir $i)" 2>&1) ||
		    says 'took effect already' ||
		    { not_ok "node $i endorses $P"; echo "# $out"; }
		i=$((i + 1))
		sup=$((sup + 1))
	done
	wait_for 20 admitted 1
}
check "a majority admits the observer" endorse_all
check "the observer pulls everything" wait_for 60 roots_equal $ALL $R $O
out=$(lg module publish -d "$(dir $O)" --file "$(module_json O-M1)" 2>&1)
check "the observer's daemon signs nothing" says 'observer'
publish 2 U2-M2 || not_ok "node 2 publishes again"
check "the observer stays in sync" wait_for 60 roots_equal $ALL $R $O
check "no event of the observer is stored anywhere" \
    test "$(lg status --json -d "$(dir 1)" | jq --arg k "${KEY[$O]}" '[.heads[] | select(.author == $k)] | length')" = 0

# --- 4. Removal of node N, up to the seq before its last event ---
publish $N "U$N-M2" || not_ok "node $N publishes a second module"
check "its second module reaches every node" wait_for 60 roots_equal $ALL $R $O
H=$(lg member show "${KEY[$N]}" --json -d "$(dir 1)" | jq -r .head)
UPTO=$((H - 1))
P=$(lg member remove "${KEY[$N]}" --upto $UPTO --reason "Leaves the programme." \
    -d "$(dir 1)" --json | jq -r .id)
check "member remove prints the proposal's id" test ${#P} = 64
# A majority of the members now: the regional node counts too.
check "a majority of the $R members removes it" endorse_all
t0=$(date +%s)
closed() { ! lg peers --json -d "$(dir $1)" | jq -e --arg k "${KEY[$N]}" '.peers[] | select(.key == $k)' >/dev/null; }
REST="$(seq 1 $((N - 1))) $R $O"
for i in $REST; do
	wait_for 10 closed $i || not_ok "node $i closes the removed node's link"
done
t=$(( $(date +%s) - t0 ))
check "every node closed the removed node's links within 5 s ($t s)" test $t -le 5
check "the removed node's events past upto stop counting everywhere" \
    wait_for 60 roots_equal $REST
check "its module before upto still counts everywhere" on_all "U$N-M1" $REST
check "its module after upto counts nowhere" on_none "U$N-M2" $REST
refused() { grep -q "transport key of u$N.example.se" "$T"/n*/log; }
check "its reconnects are refused by ZAP and logged, naming it" \
    wait_for 20 refused
# Its links stayed open long enough for it to fetch its removal: it signs
# nothing more, rather than record results that would count nowhere.
knows() { [ "$(lg status --json -d "$(dir $N)" | jq -r .signing)" = no ]; }
check "the removed node learnt of its removal: status says signing no" \
    wait_for 10 knows
check "... saying why" test "$(lg status --json -d "$(dir $N)" |
    jq -r .signing_why | grep -c removed)" = 1
out=$(lg module publish -d "$(dir $N)" --file "$(module_json U$N-M9)" 2>&1)
check "... and its daemon refuses to publish" says 'removed'
check "... and its log says why the peers refuse it" wait_for 20 grep -q \
    "refused this node's key: this node's key was removed" "$T/n$N/log"
lg sync -d "$(dir $N)" >/dev/null 2>&1
sleep 3
check "nothing the removed node writes now reaches any node" on_none "U$N-M9" $REST
for i in $ALL $R $O; do
	node_stop $i || not_ok "node $i stops cleanly"
done
done_testing
