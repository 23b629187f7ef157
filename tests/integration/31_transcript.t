#!/usr/bin/env bash
# Test 31 (issue 14): a learner's transcript from three universities,
# taken at any node, checked offline by `i40ctl verify` against the
# genesis alone: every entry verifies; entries dropped (selective
# disclosure) leave the rest verifying; a changed summary, grade, event
# byte, learner or federation is refused, naming the entry; a key rotated
# before a result is proved by the rotation the entry carries, and
# refused without it; a result revoked later still verifies offline but
# is refused against a node that holds the revocation; failed results
# are left out unless --all.
. "$(dirname "$0")/lib.sh"

fed_create 3
for i in 1 2 3; do node_start $i; done
p=$("$I40CTL" learner add -d "$(dir 1)" --name "Kim Berg" \
    --email kim@example.se --json | jq -r .pseudonym)
rec() {	# rec NODE CODE GRADE SCALE
	"$I40CTL" completion record -d "$(dir $1)" --learner "$p" \
	    --module "$2" --grade "$3" --scale "$4" --examiner "Examiner $1" \
	    --exam-date 2026-11-20 --decision-date 2026-11-2$1 --json |
	    jq -r .id
}
check "node 1 publishes (once it signs)" wait_for 20 publish 1 R1
check "node 2 publishes" wait_for 20 publish 2 W2
check "node 3 publishes" wait_for 20 publish 3 Q3
r1=$(rec 1 R1 VG UVG)
r2=$(rec 2 W2 G UG)
r3=$(rec 3 Q3 4 U345)
f3=$(rec 3 Q3 U U345)
check "four results recorded at three universities" \
    test -n "$r1" -a -n "$r2" -a -n "$r3" -a -n "$f3"
wait_for 30 roots_equal 1 2
wait_for 30 roots_equal 1 3
check "the nodes converge" roots_equal 1 3

trs() { "$I40CTL" transcript "$p" "$@"; }
v() { "$I40CTL" verify "$@" --genesis "$T/genesis.i40"; }
trs -d "$(dir 2)" --json >"$T/t.json" 2>"$T/t.err"
check "a transcript taken at node 2 (exit 0)" test $? = 0
check "... three entries: the failed attempt left out" \
    test "$(jq '.entries | length' "$T/t.json")" = 3
check "... in order of decision, each with its university" \
    test "$(jq -r '[.entries[].summary | .module + "@" + .university.schac] | join(" ")' "$T/t.json")" = \
    "R1@u1.example.se W2@u2.example.se Q3@u3.example.se"
check "... with titles, credits and outcomes" \
    test "$(jq -r '.entries[0].summary | [.title_sv, (.credits|tostring), .outcomes_en[0]] | join("|")' "$T/t.json")" = \
    "Testmodul R1|10|Can test."
check "--all shows the failed attempt too" \
    test "$(trs -d "$(dir 2)" --json --all | jq '.entries | length')" = 4
trs -d "$(dir 2)" --text >"$T/t.txt"
check "--text: what a person prints, with the total" grep -q "^Total: 3 hp in 3 modules" "$T/t.txt"
check "... naming each university" grep -q "University 3 / Universitet 3 (u3.example.se)" "$T/t.txt"
trs -d "$(dir 2)" -o "$T/out.json" >/dev/null
check "-o writes the JSON form" test "$(jq -r .format "$T/out.json")" = i40-transcript
trs -d "$(dir 2)" -o "$T/out.json" >/dev/null 2>&1
check "... and does not replace a file" test $? = 1

trs -d "$(dir 2)" --pdf -o "$T/t.pdf" >"$T/pdf.out"
check "--pdf -o: a PDF" sh -c "head -c 5 '$T/t.pdf' | grep -q '%PDF-'"
check "... of at least one page" grep -qa "/Type /Page" "$T/t.pdf"
code=$(grep -o 'verification code [0-9A-Z-]*' "$T/pdf.out" | cut -d' ' -f3)
check "... with its verification code said" grep -Eq '^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$' <<<"$code"
check "... the same as the text form's" grep -q "^Verification code: $code" "$T/t.txt"
trs -d "$(dir 2)" --pdf >/dev/null 2>&1
check "--pdf without -o: a usage error" test $? = 2
v "$T/t.json" >"$T/v.out"
check "verify --genesis: every entry verifies (exit 0)" test $? = 0
check "... and prints the PDF's verification code" grep -q "verification code of the verified entries: $code" "$T/v.out"
check "... 3 of 3, 3 hp, against the genesis alone" \
    grep -q "3 of 3 entries verified (3 hp), against the genesis alone" "$T/v.out"
for i in 1 2 3; do node_stop $i; done
check "... and offline too" quiet v "$T/t.json"
jq 'del(.entries[1])' "$T/t.json" >"$T/drop.json"
"$I40CTL" verify "$T/drop.json" --genesis "$T/genesis.i40" >"$T/drop.out"
check "an entry dropped: the other two verify" grep -q '2 of 2 entries verified' "$T/drop.out"
check "... under another verification code" sh -c "! grep -q '$code' '$T/drop.out'"

jq '.entries += .entries' "$T/t.json" >"$T/twice.json"
v "$T/twice.json" >"$T/twice.out" 2>&1
check "entries copied in twice: the copies refused" grep -q "REFUSED   4  R1 .*the same result as entry 1" "$T/twice.out"
check "... and the credits counted once" grep -q "3 of 6 entries verified (3 hp)" "$T/twice.out"
trs -d "$(dir 2)" --json --all >"$T/all.json"
v "$T/all.json" >"$T/all.out" 2>&1
check "with --all: the failed attempt verifies, but earns no credits" \
    grep -q "4 of 4 entries verified (3 hp)" "$T/all.out"
check "... and says so" grep -q "not passed: no credits" "$T/all.out"

refused() {	# refused NAME FILE PATTERN
	v "$2" >"$T/r.out" 2>&1
	check "$1: refused (exit 1)" test $? = 1
	check "... saying why" grep -q "$3" "$T/r.out"
}
jq '.entries[1].summary.grade = "VG"' "$T/t.json" >"$T/grade.json"
refused "a grade changed in the summary" "$T/grade.json" "REFUSED   2  W2 .*summary does not say"
jq '.entries[0].summary.credits = 75' "$T/t.json" >"$T/cred.json"
refused "credits changed" "$T/cred.json" "REFUSED   1"
# One byte of the signed completion changed: "Examiner 3" to "Examiner 8".
bad=$(jq -r '.entries[2].completion' "$T/t.json" | perl -MMIME::Base64 -ne \
    '$_ = decode_base64($_); s/Examiner 3/Examiner 8/; print encode_base64($_, "")')
check "(the test changed the byte)" test "$bad" != "$(jq -r '.entries[2].completion' "$T/t.json")"
jq --arg b "$bad" '.entries[2].completion = $b' "$T/t.json" >"$T/byte.json"
refused "a byte of a signed event changed" "$T/byte.json" "REFUSED   3"
other=$("$I40CTL" learner add -d "$(dir 1)" --name "Ann" --email ann@example.se --json | jq -r .pseudonym)
jq --arg o "$other" '.learner = $o' "$T/t.json" >"$T/who.json"
refused "another learner's name on it" "$T/who.json" "another learner's"
jq '.entries[0].module = .entries[1].module' "$T/t.json" >"$T/mod.json"
refused "another module event" "$T/mod.json" "REFUSED   1"
"$I40CTL" verify "$T/t.json" --genesis "$T/n1/node.key" >/dev/null 2>"$T/g.err"
check "a file that is no genesis: exit 1" test $? = 1
echo '{"format":"nope"}' >"$T/nope.json"
v "$T/nope.json" >/dev/null 2>"$T/nope.err"
check "a file that is no transcript: refused" grep -q "not an i40 transcript" "$T/nope.err"
echo '{"format":' >"$T/broken.json"
v "$T/broken.json" >/dev/null 2>"$T/broken.err"
check "broken JSON: refused with its line" grep -q "not a transcript: line [0-9]" "$T/broken.err"
"$I40CTL" verify "$T/t.json" >/dev/null 2>&1
check "neither --genesis nor -d: a usage error" test $? = 2

# A revocation: offline the entry still verifies (the genesis cannot know);
# a node that holds the revocation refuses it.
for i in 1 2 3; do node_start $i; done
check "node 3 revokes a result (once it signs)" wait_for 20 quiet \
    "$I40CTL" completion revoke -d "$(dir 3)" --id "$r3" --reason "Wrong learner."
wait_for 30 roots_equal 1 3
check "offline, the revoked entry still verifies" quiet v "$T/t.json"
trs -d "$(dir 1)" --json --all >"$T/allrev.json"
v "$T/allrev.json" >"$T/allrev.out" 2>&1
check "an entry the issuing node marked revoked: refused" grep -q "REFUSED .*marked revoked" "$T/allrev.out"
"$I40CTL" verify "$T/t.json" -d "$(dir 1)" >"$T/dd.out"
check "against node 1: refused" test $? = 1
check "... entry 3 revoked since" grep -q "REFUSED   3  Q3 .*revoked since" "$T/dd.out"
check "... entries 1 and 2 verified" grep -q "2 of 3 entries verified" "$T/dd.out"

# A key rotated before a result: the entry carries the rotation.
check "node 1 rotates its key (once it signs)" wait_for 20 quiet \
    "$I40CTL" key rotate -d "$(dir 1)"
wait_for 30 roots_equal 1 2
r1b=$(rec 1 R1 G UVG)
check "... and records with the new key" test -n "$r1b"
wait_for 30 roots_equal 1 2
trs -d "$(dir 2)" --json >"$T/rot.json"
n=$(jq '[.entries[] | select(.proof | length > 0)] | length' "$T/rot.json")
check "after the rotation, the new result carries it as proof" test "$n" -ge 1
check "... and verifies" quiet v "$T/rot.json"
jq '(.entries[] | select(.proof | length > 0) | .proof) = []' "$T/rot.json" >"$T/noproof.json"
refused "the rotation left out" "$T/noproof.json" "does not verify under its author's key in force"

done_testing
