#!/usr/bin/env bash
# registrar.t: a registrar's guardrails in i40ctl (docs/i40ctl.md,
# "Guardrails") and the store's rule for a completion after its module's
# retirement (docs/protocol.md §5.13), on two running nodes:
#   - a module code node 1 uses is refused to node 2, naming node 1;
#   - a language that is no ISO 639-1 code is refused, one that is more
#     often a country code (se) warned about;
#   - an update that changes nothing, a decision date after today, a
#     second revocation are refused, and nothing is signed;
#   - a completion on a retired module is refused by i40ctl; signed anyway
#     (rawappend, standing for any other client) it is stored and relayed
#     and counts on neither node, and revoking it is refused;
#   - when two universities hold one code (a publish that bypassed
#     i40ctl), `catalog` names both owners and says so.
. "$(dirname "$0")/lib.sh"

RAWAPPEND=$BUILD/testtools/rawappend
STOREDUMP=$BUILD/testtools/storedump
[ -x "$RAWAPPEND" ] && [ -x "$STOREDUMP" ] ||
    bail "$RAWAPPEND or $STOREDUMP is not built (make all)"

fed_create 2
check "node 1 starts" node_start 1
check "node 2 starts" node_start 2
check "node 1 publishes X1" wait_for 20 publish 1 X1
check "node 2 publishes Y1" wait_for 20 publish 2 Y1
check "both hold both" wait_for 20 roots_equal 1 2

# ctl NAME I ARGS...: i40ctl ARGS on node I; output in $T/NAME.out and
# $T/NAME.err, exit status in $rc.
ctl() {
	local name=$1 i=$2 sub=$3 verb=$4; shift 4
	"$I40CTL" "$sub" "$verb" -d "$(dir "$i")" "$@" >"$T/$name.out" \
	    2>"$T/$name.err"
	rc=$?
}
err_has() { grep -qF -- "$2" "$T/$1.err"; }
learner() { printf '%032x' "$1"; }
record() {	# record NAME I MODULE LEARNER [ARGS...]
	local name=$1 i=$2 mod=$3 l=$4; shift 4
	ctl "$name" "$i" completion record --learner "$(learner "$l")" \
	    --module "$mod" --grade G --scale UG --examiner "Examiner" \
	    --exam-date 2026-11-20 --decision-date 2026-11-24 "$@"
}
seq1=$(field 1 seq)
seq2=$(field 2 seq)

# A code of another university.
ctl taken 2 module publish --file "$(module_json X1)"
check "node 2 may not publish X1, node 1's code (exit 1)" test $rc = 1
check "... the error names the owner" err_has taken \
    "X1 is already used by u1.example.se (University 1, key ${KEY[1]:0:16}...)"
check "... and says what to do" err_has taken "choose another code"
check "... node 2 signed nothing" test "$(field 2 seq)" = "$seq2"

# Languages.
ctl dk 2 module publish --file "$(module_json Y2)" --lang dk
check "--lang dk is refused (exit 1)" test $rc = 1
check "... as no language code, naming da" err_has dk \
    "lang[0] (--lang) \`dk': not an ISO 639-1 language code (it is a country's); da is Danish"
ctl xx 2 module publish --file "$(module_json Y2)" --lang xx
check "--lang xx is refused" test $rc = 1
check "... saying what a language code is" err_has xx \
    "\`xx': not an ISO 639-1 language code; give the two-letter code"
check "... node 2 signed nothing" test "$(field 2 seq)" = "$seq2"
ctl se 2 module publish --file "$(module_json Y2)" --lang se
check "--lang se (Northern Sami) is published (exit 0)" test $rc = 0
check "... with a warning naming sv" err_has se \
    "warning: lang[0] (--lang) \`se' is Northern Sami; if you meant Swedish, the code is sv"

# An update that changes nothing.
ctl noop 1 module update --code X1
check "an update with no changed field is refused" test $rc = 1
check "... saying it changes nothing" err_has noop \
    "the update changes nothing: it is X1's current version"
ctl noopfile 1 module update --file "$(module_json X1)"
check "... and with the current version's own file" test $rc = 1
check "node 1 signed nothing" test "$(field 1 seq)" = "$seq1"
ctl update 1 module update --code X1 --hours 30
check "an update that changes the hours is signed" test $rc = 0

# A decision date in the future.
record future 1 X1 1 --decision-date 2999-01-01
check "a decision date after today is refused" test $rc = 1
check "... naming the flag, the date and today" err_has future \
    "--decision-date 2999-01-01: the date is after today ($(date +%F))"

# Revoking twice.
record c1 1 X1 1 --json
c1=$(jq -r .id "$T/c1.out")
check "a completion on X1 is recorded" test $rc = 0 -a -n "$c1"
ctl rev1 1 completion revoke --id "$c1" --reason "Wrong learner." --json
r1=$(jq -r .id "$T/rev1.out")
check "... and revoked" test $rc = 0 -a -n "$r1"
ctl rev2 1 completion revoke --id "$c1" --reason "Wrong learner."
check "a second revocation is refused" test $rc = 1
check "... naming the first" err_has rev2 \
    "the completion is already revoked, by $r1"
seq1=$(field 1 seq)

# The learner as a person types the pseudonym (protocol.md §15's vector
# for 000102...0f), and one symbol of it mistyped.
ctl typed 1 completion record --learner "0004 1061 050r 3gg2 8a1c 60t3 gf6" \
    --module X1 --grade G --scale UG --examiner "Examiner" \
    --exam-date 2026-11-20 --decision-date 2026-11-24
check "a pseudonym typed in lower case with spaces is taken" test $rc = 0
check "... said back in its shown form" grep -q "for learner 0004-1061-050R-3GG2-8A1C-60T3-GF6" "$T/typed.out" "$T/typed.err"
check "... and recorded as its 16 bytes" sh -c "'$STOREDUMP' '$(dir 1)' | grep -q '^d_compl [0-9a-f]* 000102030405060708090a0b0c0d0e0f'"
ctl typo 1 completion record --learner "0004-1061-050R-3GG2-8A1C-60T3-GF7" \
    --module X1 --grade G --scale UG --examiner "Examiner" \
    --exam-date 2026-11-20 --decision-date 2026-11-24
check "a pseudonym with a symbol mistyped is refused (exit 1)" test $rc = 1
check "... saying its check symbol does not match" err_has typo \
    "not a pseudonym: the check symbol does not match: a symbol is mistyped or two are swapped"
seq1=$(field 1 seq)

# A completion after the module's retirement.
x1=$("$I40CTL" catalog --json -d "$(dir 1)" |
    jq -r '.modules[] | select(.code == "X1") | .id')
ctl retire 1 module retire --code X1
check "X1 is retired" test $rc = 0
record late 1 "$x1" 2
check "a completion on X1's last version, by id, is refused" test $rc = 1
check "... because it would count on no node" err_has late \
    "--module ${x1:0:16}…: module X1 is retired, and a result recorded after its retirement counts on no node"
record latecode 1 X1 2
check "... and by code" test $rc = 1
check "node 1 signed nothing" test "$(field 1 seq)" = "$((seq1 + 1))"
raw=$("$RAWAPPEND" "$(dir 1)" complete "$x1" "$(learner 2)" 2>"$T/raw.err")
rc=$?
check "signed anyway through the control socket (rawappend)" \
    test $rc = 0 -a -n "$raw"
late=${raw% *}
check "both nodes hold it" wait_for 20 roots_equal 1 2
check "... as node 1's head" test "$(field 1 seq)" = "${raw#* }"
counts() {	# counts I LEARNER: d_compl entries of the learner on node I
	"$STOREDUMP" "$(dir "$1")" | grep -c "^d_compl [0-9a-f]* $(learner "$2")"
}
check "it counts not on node 1" test "$(counts 1 2)" = 0
check "... nor on node 2" test "$(counts 2 2)" = 0
check "... while the revoked one before the retirement still counts" \
    test "$(counts 1 1)" = 1 -a "$(counts 2 1)" = 1
ctl revlate 1 completion revoke --id "$late" --reason "Too late."
check "revoking it is refused: it counts nowhere" test $rc = 1
check "... saying so" err_has revlate "that completion record counts on no node"

# One code, two universities.
check "node 1 publishes DUP1" publish 1 DUP1
check "... which node 2 learns" wait_for 20 roots_equal 1 2
ctl dup 2 module publish --file "$(module_json DUP1)"
check "i40ctl refuses DUP1 to node 2" test $rc = 1
check "node 2 publishes DUP1 anyway, bypassing i40ctl" \
    quiet "$RAWAPPEND" "$(dir 2)" publish DUP1
check "both hold both" wait_for 20 roots_equal 1 2
"$I40CTL" catalog -d "$(dir 1)" >"$T/catalog.out" 2>&1
check "catalog lists DUP1 under each owner" \
    test "$(grep -c '^u[12]\.example\.se  *DUP1 ' "$T/catalog.out")" = 2
check "... and notes that the code is held twice" \
    grep -qF "note: DUP1 is the code of modules of u1.example.se, u2.example.se: they are different modules" \
    "$T/catalog.out"
check "catalog --json gives both, each with its owner's key" \
    test "$("$I40CTL" catalog --json -d "$(dir 2)" | jq -r \
    '[.modules[] | select(.code == "DUP1") | .author] | unique | length')" = 2
check "node 1 stops cleanly" node_stop 1
check "node 2 stops cleanly" node_stop 2
if [ $FAILED -ne 0 ]; then
	for f in "$T"/*.err; do
		echo "# --- $f:"; sed 's/^/#   /' "$f"
	done
	sed 's/^/#   /' "$T/catalog.out"
fi
done_testing
