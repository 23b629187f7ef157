#!/usr/bin/env bash
# Test 34 (issue 15): `i40ctl plan` on a catalog written for the test,
# published at two universities: a company's needs (weights, employees)
# make a programme that covers every coverable need, puts a prerequisite
# before the module that needs it, keeps each person within the credit
# limit, and names the needs nothing covers (a retired module's, an
# unknown subject's) and those over the limit; the plan and a match are
# the same bytes at both nodes; bad files get a clear error.
. "$(dirname "$0")/lib.sh"

mod() {	# every module here has a spring session
	module_file "$1" '. + {sessions: [{"start": "2027-02-01", "end": "2027-03-15", "mode": "online", "seats": 0}]} | '"$2"
}
pub() { "$I40CTL" module publish -d "$(dir $1)" --file "$2" >/dev/null; }

fed_create 2
node_start 1
node_start 2
ROB=$(mod ROB1 '. + {"title_sv": "Programmering av industrirobotar",
    "title_en": "Programming industrial robots",
    "skills": [{"label": "robotprogrammering"}, {"label": "industrirobot"}],
    "outcomes_sv": ["Programmera en industrirobot."]}')
RSV=$(mod RSV2 '. + {"title_sv": "Robotsvetsning", "title_en": "Robotic welding",
    "skills": [{"label": "robotsvetsning"}],
    "outcomes_sv": ["Programmera en svetsrobot."],
    "prereqs": [{"code": "ROB1", "schac": "u1.example.se"}]}')
CYB=$(mod CYB3 '. + {"title_sv": "Cybersäkerhet i styrsystem",
    "title_en": "Cyber security of control systems",
    "skills": [{"label": "cybersäkerhet"}], "credits": 20}')
LED=$(mod LED4 '. + {"title_sv": "Ledarskap i förändringsarbete",
    "title_en": "Leading change", "skills": [{"label": "ledarskap"}]}')
OLD=$(mod AI0 '. + {"title_sv": "Maskininlärning", "title_en": "Machine learning"}')
PLC=$(mod PLC4 '. + {"title_sv": "Styrsystem 4", "title_en": "PLC programming",
    "summary_en": "Program PLCs for production lines.", "lang": ["en"],
    "outcomes_en": ["Write a PLC program."]} | del(.summary_sv, .outcomes_sv)')
check "node 1 publishes the robot module (once it signs)" wait_for 20 pub 1 "$ROB"
check "... and four more" eval 'pub 1 "$RSV" && pub 1 "$CYB" && pub 1 "$LED" && pub 1 "$OLD"'
check "node 2 publishes the PLC module (once it signs)" wait_for 20 pub 2 "$PLC"
check "node 1 retires AI0" quiet "$I40CTL" module retire -d "$(dir 1)" --code AI0
check "the nodes converge" wait_for 30 roots_equal 1 2

cat >"$T/needs.txt" <<'EOF'
# A workshop's needs: need | weight | employees
programmera industrirobotar | 2 | Anna, Bo
robotsvetsning | Bo
PLC programming | 1 | Carl
cybersäkerhet i styrsystem
maskininlärning | Anna
kärnkraftssäkerhet | Carl
ledarskap i förändringsarbete | 0,5 | Carl
EOF
p() { "$I40CTL" plan -d "$(dir ${N:-2})" --today 2026-12-01 "$@"; }
p --json "$T/needs.txt" >"$T/plan.json"; rc=$?
check "a plan with uncovered needs: exit 1" test $rc = 1
st() { jq -r --argjson l "$1" '.needs[] | select(.line == $l) | .state' "$T/plan.json"; }
by() { jq -r --argjson l "$1" '.needs[] | select(.line == $l) | .module' "$T/plan.json"; }
check "the robot need is covered by the robot module" test "$(by 2)" = ROB1
check "robot welding by the welding module" test "$(by 3)" = RSV2
check "PLC programming by the English-only module" test "$(by 4)" = PLC4
check "the security need (everyone's) is covered" test "$(by 5)" = CYB3
check "change leadership is covered" test "$(by 8)" = LED4
check "a retired module's subject is named uncovered" test "$(st 6)" = no_match
check "an unknown subject is named uncovered (not by a part of its compound)" test "$(st 7)" = no_match
pos() { jq -r --arg m "$1" '[.modules[].module] | index($m)' "$T/plan.json"; }
check "the prerequisite comes before the module that needs it" \
    test "$(pos ROB1)" -lt "$(pos RSV2)"
check "... and the module says so" \
    test "$(jq -r '.modules[] | select(.module == "RSV2") | .after[0].module' "$T/plan.json")" = ROB1
check "the retired module is not in the programme" test "$(pos AI0)" = null
check "total credits: four modules of 1 hp and one of 2" test "$(jq -r .credits "$T/plan.json")" = 6
check "Bo takes the robot modules and the security module, in programme order" \
    test "$(jq -r '.employees[] | select(.name == "Bo") | .modules | join(" ")' "$T/plan.json")" = "ROB1 CYB3 RSV2"
check "Carl's uncovered need is named for him" \
    test "$(jq -r '.employees[] | select(.name == "Carl") | .uncovered[0].line' "$T/plan.json")" = 7
out=$(p "$T/needs.txt")
check "the text form names what nothing covers" \
    grep -q 'not covered, line 7: "kärnkraftssäkerhet": no module in this catalog matches most of it' <<<"$out"
check "... and the prerequisite" grep -q "after ROB1" <<<"$out"

# A credit limit is each person's.
p --json --max-credits 2 "$T/needs.txt" >"$T/lim.json"
check "within 2 hp each, every employee takes at most 2 hp" \
    test "$(jq '[.employees[].credits | tonumber] | max' "$T/lim.json")" -le 2
check "Bo's security need is over his limit, and said so" \
    test "$(jq -r '.employees[] | select(.name == "Bo") | [.uncovered[] | select(.state == "over_limit") | .line] | join(",")' "$T/lim.json")" = 5
out=$(p --max-credits 2 "$T/needs.txt")
check "RSV2 over a 1 hp limit costs 2 hp with ROB1" \
    test "$(printf 'robotsvetsning\n' | p --json --max-credits 1 - | jq -r '.needs[0].would_cost')" = 2
check "... in the text form too" grep -q 'line 5: "cybersäkerhet i styrsystem": not within the credit limit (CYB3 would cover it, for 2 hp with any prerequisites)' <<<"$out"
# Without employees, the limit is the whole programme's.
grep -v Anna "$T/needs.txt" | sed 's/ *|.*//' | grep -v kärnkraft >"$T/plain.txt"
p --json --max-credits 2 "$T/plain.txt" >"$T/plain.json"; rc=$?
check "no employees: the programme itself within 2 hp" \
    test "$(jq -r .credits "$T/plain.json")" -le 2
check "... the needs left over are named over the limit" \
    test "$(jq '[.needs[] | select(.state == "over_limit")] | length' "$T/plain.json")" -ge 1
check "... and the exit is 1" test $rc = 1
check "every need covered: exit 0" quiet p "$T/plain.txt"

# The same catalog gives the same bytes at both nodes.
check "the plan is the same bytes at node 1 and node 2" \
    test "$(N=1 p --json "$T/needs.txt" | md5sum)" = "$(md5sum <"$T/plan.json")"
check "so is a match" test "$("$I40CTL" match -d "$(dir 1)" --today 2026-12-01 --json robotar | md5sum)" = \
    "$("$I40CTL" match -d "$(dir 2)" --today 2026-12-01 --json robotar | md5sum)"

# Bad files.
bad() {	# bad NAME PATTERN: the file $T/NAME refused, exit 1, PATTERN said
	local out rc
	out=$(p "$T/$1" 2>&1); rc=$?
	[ $rc = 1 ] && grep -q "$2" <<<"$out" || { echo "# rc $rc: $out"; return 1; }
}
: >"$T/empty.txt"
check "an empty file: a clear error" bad empty.txt "holds no need"
printf 'robot | 2 | Anna | extra\n' >"$T/four.txt"
check "four fields: a clear error naming the line" bad four.txt "line 1: more than three fields"
printf 'robot\nsvetsning | 0 | Anna\n' >"$T/w0.txt"
check "a weight of 0: a clear error naming the line" bad w0.txt "line 2: weight \`0'"
printf 'robot\n\xe5r | 1\n' >"$T/latin1.txt"
check "a line that is not UTF-8: a clear error" bad latin1.txt "line 2 is not UTF-8"
printf 'och att\n' >"$T/stop.txt"
check "a need with no word: a clear error" bad stop.txt 'line 1: "och att" has no word to match'
head -c 1100000 /dev/zero | tr '\0' a >"$T/big.txt"
check "a file over 1 MiB: a clear error" bad big.txt "larger than 1 MiB"
check "a missing file: a clear error" bad nonesuch.txt "cannot read"
out=$(p --max-credits x "$T/needs.txt" 2>&1); rc=$?
check "a bad --max-credits: a usage error" eval 'test $rc = 2 && grep -q "credits (hp)" <<<"$out"'
check "--help shows the file's form" eval '"$I40CTL" plan --help | grep -q "need | weight | employees"'
check "stdin works" eval 'printf "robotsvetsning\n" | p --json - | jq -e ".needs[0].module == \"RSV2\"" >/dev/null'
node_stop 1
node_stop 2
check "with the daemons stopped, the same plan" \
    test "$(p --json "$T/needs.txt" | md5sum)" = "$(md5sum <"$T/plan.json")"
done_testing
