#!/usr/bin/env bash
# Test 29 (issue 14, first part): `i40ctl learner add | show | find` on a
# node while i40d runs: a pseudonym in its text form (protocol.md §15);
# the same person keeps it, whichever form of the number is given; a bad
# number or address is refused, naming what is wrong but not the number,
# and stores nothing; names and numbers are in the private store only:
# in no file of the ledger, and never on the other node after a sync;
# forget erases them from every file of the data directory.
. "$(dirname "$0")/lib.sh"

fed_create 2
node_start 1
node_start 2
lrn() { "$I40CTL" learner "$@"; }

out=$(lrn add -d "$(dir 1)" --name "Åsa Öberg" --pnr 19811218-9876 --json 2>"$T/add.err")
check "learner add issues a pseudonym (exit 0)" test $? = 0
p=$(jq -r .pseudonym <<<"$out")
check "... in its shown form: 27 symbols in groups of four" \
    grep -Eq '^[0-7][0-9A-HJKMNP-TV-Z]{3}(-[0-9A-HJKMNP-TV-Z]{4}){5}-[0-9A-HJKMNP-TV-Z]{2}[0-9A-HJKMNP-TV-Z*~$=U]$' <<<"$p"
check "... new" test "$(jq -r .new <<<"$out")" = true
out2=$(lrn add -d "$(dir 1)" --name "Åsa Öberg" --pnr 811218-9876 --json 2>/dev/null)
check "the same number in its short form: the same pseudonym, not new" \
    test "$(jq -r '.pseudonym + " " + (.new | tostring)' <<<"$out2")" = "$p false"
lrn add -d "$(dir 1)" --name "Åsa Öberg" --pnr 811218-9876 >"$T/add.txt" 2>&1
check "... said as issued before" grep -qF "$p (issued before: the same learner)" "$T/add.txt"
out3=$(lrn add -d "$(dir 1)" --name "Kim Berg" --email Kim@Example.SE --json 2>/dev/null)
q=$(jq -r .pseudonym <<<"$out3")
check "a learner without a number, by e-mail: another pseudonym" test -n "$q" -a "$q" != "$p"

lrn add -d "$(dir 1)" --name "Eva Ek" --pnr 19811218-9875 >"$T/bad.out" 2>"$T/bad.err"
check "a number with a wrong check digit is refused (exit 1)" test $? = 1
check "... saying why" grep -q "its check digit does not match" "$T/bad.err"
check "... without saying the number back" sh -c "! grep -q 9875 '$T/bad.err'"
lrn find -d "$(dir 1)" --pnr 19121212-1212 >/dev/null 2>"$T/nf.err"
check "find of a number never added: no learner (exit 1)" test $? = 1
check "... naming learner add" grep -q "no learner of that number: .i40ctl learner add." "$T/nf.err"
lrn add -d "$(dir 1)" --name "Eva Ek" --email "eva at example" 2>"$T/bademail.err"
check "an address that is none is refused" test $? = 1
check "... as not an e-mail address" grep -q "not an e-mail address" "$T/bademail.err"
lrn add -d "$(dir 1)" --name "Eva Ek" 2>"$T/noid.err"
check "neither --pnr nor --email: a usage error (exit 2)" test $? = 2
lrn add -d "$(dir 1)" --name "Eva Ek" --pnr 19811218-9876 --email e@x.se 2>/dev/null
check "both: a usage error too" test $? = 2

out=$(lrn find -d "$(dir 1)" --pnr 8112189876 --json)
check "find by the number, in a third form: the pseudonym and the name" \
    test "$(jq -r '.pseudonym + "|" + .name' <<<"$out")" = "$p|Åsa Öberg"
out=$(echo 811218-9876 | lrn find -d "$(dir 1)" --pnr - --json)
check "--pnr - reads the number from standard input" \
    test "$(jq -r .pseudonym <<<"$out")" = "$p"
out=$(lrn find -d "$(dir 1)" --email Kim@example.se --json)
check "find by the address, its domain in another case" \
    test "$(jq -r .pseudonym <<<"$out")" = "$q"
typed=$(tr 'A-Z-' 'a-z ' <<<"$p")
out=$(lrn show -d "$(dir 1)" "$typed" --json)
check "show, the pseudonym typed in lower case with spaces: the name" \
    test "$(jq -r .name <<<"$out")" = "Åsa Öberg"
# One symbol changed: the check symbol catches it.
wrong=$(sed 's/^\(.\)\(.\)/\1'"$( [ "${p:1:1}" = 7 ] && echo 8 || echo 7)"'/' <<<"$p")
lrn show -d "$(dir 1)" "$wrong" 2>"$T/wrong.err" >/dev/null
check "show with one symbol mistyped is refused" test $? = 1
check "... by the check symbol" grep -q "the check symbol does not match" "$T/wrong.err"
lrn show -d "$(dir 2)" "$p" 2>"$T/other.err" >/dev/null
check "the other node does not know the pseudonym" test $? = 1
check "... saying it is known only where it was issued" grep -q "known only there" "$T/other.err"

# A result for the learner, recorded with the pseudonym, replicates; the
# name and the number do not.
check "node 1 publishes a module (once it signs)" wait_for 20 publish 1 L1
"$I40CTL" completion record -d "$(dir 1)" --learner "$p" --module L1 \
    --grade G --scale UG --examiner "Examiner" --exam-date 2026-11-20 \
    --decision-date 2026-11-24 >"$T/rec.out" 2>"$T/rec.err"
check "a completion for the pseudonym is recorded" test $? = 0
rec() { "$I40CTL" completion record -d "$(dir 1)" --module L1 --grade G \
    --scale UG --examiner "Examiner" --exam-date 2026-11-20 \
    --decision-date 2026-11-25 "$@"; }
rec --pnr 811218-9876 >"$T/bypnr.out" 2>&1
check "a completion by the learner's number, looked up on this node" test $? = 0
check "... recorded for the learner's pseudonym" grep -qF "for learner $p" "$T/bypnr.out"
rec --pnr 19121212-1212 >/dev/null 2>"$T/bypnr2.err"
check "... a number this node never added is refused" test $? = 1
check "... saying so" grep -q "this node added no learner of that number" "$T/bypnr2.err"
rec --pnr 811218-9876 --learner "$p" >/dev/null 2>&1
check "--pnr and --learner at once: a usage error (exit 2)" test $? = 2
wait_for 20 roots_equal 1 2
check "... and the nodes converge" roots_equal 1 2
for i in 1 2; do
	check "node $i: the name is in no file of its ledger" \
	    sh -c "! grep -rqa 'Öberg' '$(dir $i)/ledger'"
	check "node $i: nor the number" sh -c "! grep -rqa '19811218' '$(dir $i)/ledger'"
done
check "node 2: not in its private store either" \
    sh -c "! grep -rqa 'Öberg' '$(dir 2)/private'"
check "node 1 keeps them in its private store" grep -rqa 'Öberg' "$(dir 1)/private"

# Forget: asked for, the name and number are in no file of the data
# directory (its free pages included), nor in either daemon's log; the
# result stays and names nobody.
lrn forget -d "$(dir 1)" "$p" </dev/null >/dev/null 2>"$T/noyes.err"
check "forget without --yes and no terminal to ask on is refused" test $? = 1
check "... saying to give --yes" grep -q "give --yes" "$T/noyes.err"
check "... and the learner is still there" quiet lrn show -d "$(dir 1)" "$p"
lrn forget -d "$(dir 1)" "$p" --yes >"$T/forget.out" 2>&1
check "forget --yes forgets (exit 0)" test $? = 0
check "... saying so" grep -qF "forgot the learner of $p" "$T/forget.out"
check "afterwards no file of node 1's data directory holds the name" \
    sh -c "! grep -rqa 'Öberg' '$(dir 1)'"
check "... nor the number" sh -c "! grep -rqa '19811218' '$(dir 1)'"
check "... and no daemon's log ever had them" \
    sh -c "! grep -qa -e 'Öberg' -e '19811218' '$T/n1/log' '$T/n2/log'"
lrn show -d "$(dir 1)" "$p" >/dev/null 2>"$T/gone.err"
check "show of the forgotten pseudonym fails" test $? = 1
check "... saying when it was forgotten" grep -q "was forgotten on $(date +%Y-%m-%d)" "$T/gone.err"
lrn find -d "$(dir 1)" --pnr 19811218-9876 >/dev/null 2>&1
check "find by the number finds nothing" test $? = 1
check "the other learner is kept" test "$(lrn find -d "$(dir 1)" --email Kim@example.se --json | jq -r .pseudonym)" = "$q"
check "the result stays in the ledger, on both nodes" \
    sh -c "'$I40CTL' status --json -d '$(dir 1)' | jq -e '.log_root' >/dev/null && [ \"\$('$I40CTL' status --json -d '$(dir 1)' | jq -r .state_root)\" = \"\$('$I40CTL' status --json -d '$(dir 2)' | jq -r .state_root)\" ]"
lrn add -d "$(dir 1)" --name "Åsa Öberg" --pnr 19811218-9876 --json >"$T/again.json" 2>/dev/null
check "the same person added again gets a new pseudonym" \
    test "$(jq -r .pseudonym "$T/again.json")" != "$p"

node_stop 1
node_stop 2
done_testing
