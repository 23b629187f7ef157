#!/usr/bin/env bash
# Test 32 (issue 15): `i40ctl match` on a catalog written for the test,
# published at two universities and matched at the other node, with its
# daemon running and stopped: Swedish needs find the Swedish robot module
# through inflected forms and compounds, English needs find modules
# through English fields, each filter excludes what it should, a retired
# module never appears, results are the same every time, a misspelling
# gets "did you mean", and empty, very long and non-UTF-8 needs are
# refused with a clear error.
. "$(dirname "$0")/lib.sh"

mod() { module_file "$@"; }
pub() { "$I40CTL" module publish -d "$(dir $1)" --file "$2" >/dev/null; }

fed_create 2
node_start 1
node_start 2
ROB=$(mod ROB1 '. + {"title_sv": "Robotprogrammering", "title_en": "Robot programming",
    "skills": [{"label": "robotprogrammering"}, {"label": "industrirobot"}],
    "outcomes_sv": ["Programmera en industrirobot i en robotcell."],
    "summary_sv": "Kursen lär ut hur man programmerar robotar.",
    "sessions": [{"start": "2027-02-01", "end": "2027-03-15", "mode": "onsite", "seats": 20}],
    "mode": "onsite"}')
ESCO=http://data.europa.eu/esco/skill/test-welding
WELD=$(mod SVE2 '. + {"title_sv": "Svetsautomation", "title_en": "Welding automation",
    "skills": [{"label": "svetsning", "esco": "'$ESCO'"}], "credits": 15,
    "outcomes_sv": ["Planera automatiserad svetsning."],
    "sessions": [{"start": "2027-09-01", "end": "2027-10-15", "mode": "online", "seats": 0}]}')
VIS=$(mod KVA3 '. + {"title_sv": "Kvalitetskontroll med maskinseende",
    "title_en": "Quality inspection with machine vision", "eqf": 7,
    "outcomes_sv": ["Bygga ett system för kvalitetskontroll."]}')
# Described in English only (a Swedish title is required: a name).
PLC=$(mod PLC4 '. + {"title_sv": "Styrsystem 4", "title_en": "PLC programming",
    "summary_en": "Program PLCs for production lines.", "lang": ["en"],
    "outcomes_en": ["Write a PLC program."], "mode": "blended"} |
    del(.summary_sv, .outcomes_sv)')
# English only, linked to the Swedish welding module by a skill's URI.
JOIN=$(mod JOI5 '. + {"title_sv": "Fogning 5", "title_en": "Joining metals",
    "skills": [{"label": "welding", "esco": "'$ESCO'"}], "lang": ["en"],
    "summary_en": "Metal joining methods in production."} | del(.summary_sv, .outcomes_sv)')
OLD=$(mod ROB0 '. + {"title_sv": "Robotar förr", "title_en": "Old robots"}')
check "node 1 publishes the robot module (once it signs)" wait_for 20 pub 1 "$ROB"
check "... and three more" eval 'pub 1 "$WELD" && pub 1 "$OLD" && pub 1 "$VIS"'
check "node 2 publishes the PLC module (once it signs)" wait_for 20 pub 2 "$PLC"
check "... and the joining module" pub 2 "$JOIN"
check "node 1 retires ROB0" quiet "$I40CTL" module retire -d "$(dir 1)" --code ROB0
check "the nodes converge" wait_for 30 roots_equal 1 2

m() { "$I40CTL" match -d "$(dir 2)" --today 2026-12-01 "$@"; }
first() { m "$@" --json | jq -r '.hits[0].module'; }
for need in robotar robotens robotprogrammering "Jag vill lära mig programmera robotar"; do
	check "\"$need\" finds the robot module first" test "$(first "$need")" = ROB1
done
check "a part of a compound finds its whole (kvalitet)" test "$(first kvalitet)" = KVA3
check "svetsa finds the welding module" test "$(first svetsa)" = SVE2
check "English: programming PLCs finds the English-only PLC module" \
    test "$(first "programming PLCs")" = PLC4
check "English: welded joints finds welding" test "$(first --lang en "welded joints")" = SVE2
check "a Swedish need finds an English-only module through a shared ESCO skill" \
    eval 'm --json svetsning | jq -e ".hits[] | select(.module == \"JOI5\")" >/dev/null'
check "... and says so" \
    test "$(m --json svetsning | jq -r '.hits[] | select(.module == "JOI5") | .why[0].word')" = "svetsning (ESCO)"
check "auto: an English need is read as English" \
    test "$(m --json "how to program a robot" | jq -r .lang)" = en
check "the retired module never appears" \
    sh -c "! '$I40CTL' match -d '$(dir 2)' --json robotar --limit 100 | jq -r '.hits[].module' | grep -qx ROB0"
out=$(m robotar)
check "the text form says why: the word and the fields" \
    grep -q "matched: robotar in title, tags" <<<"$out"
check "... and the next session" grep -q "ROB1 .*next 2027-02-01" <<<"$out"
check "--university excludes other universities' modules" \
    test "$(m --json --university u1.example.se "programming PLCs" | jq -r '[.hits[].module] | index("PLC4")')" = null
check "--mode campus keeps the on-site module" test "$(first --mode campus robot)" = ROB1
check "--mode online drops it" \
    test "$(m --json --mode online robot | jq -r '[.hits[].module] | index("ROB1")')" = null
check "--level 7 keeps only EQF 7" test "$(m --json --level 7 kvalitet | jq -r '[.hits[].eqf] | unique | join(",")')" = 7
check "--max-credits 1 drops the 1.5 hp module" \
    test "$(m --json --max-credits 1 svetsning | jq -r '[.hits[].module] | index("SVE2")')" = null
check "--starts-before 2027-06-01 keeps the spring session" test "$(first --starts-before 2027-06-01 robot)" = ROB1
check "--starts-after 2027-06-01 drops it" \
    test "$(m --json --starts-after 2027-06-01 robot | jq -r '[.hits[].module] | index("ROB1")')" = null
check "the same need gives the same list every time" \
    test "$(m --json "robot svetsning" | md5sum)" = "$(m --json "robot svetsning" | md5sum)"
out=$(m robbot 2>&1); rc=$?
check "no hit: exit 1" test $rc = 1
check "... and did you mean" grep -q 'no module matches "robbot"; did you mean: robot' <<<"$out"
out=$(m "" 2>&1); rc=$?
check "an empty need: a clear error" eval 'test $rc = 1 && grep -q "no word to match" <<<"$out"'
out=$(head -c 1048576 /dev/zero | tr '\0' a | m - 2>&1); rc=$?
check "a 1 MB need: a clear error" eval 'test $rc = 1 && grep -q "longer than 4096 bytes" <<<"$out"'
out=$(printf 'robot \xe5r' | m - 2>&1); rc=$?
check "a need that is not UTF-8: a clear error" eval 'test $rc = 1 && grep -q "not UTF-8" <<<"$out"'
out=$(m --mode bus robot 2>&1); rc=$?
check "a bad option value: a usage error" eval 'test $rc = 2 && grep -q "online, campus, blended or any" <<<"$out"'

# The index cache (docs/matching.md "Speed"): the same answer as without,
# never stale, and a damaged or unwritable cache costs only time.
m --json "robot svetsning" >"$T/cached.json"
check "the first match leaves an index cache file" eval 'ls "$T"/cache/match-*.idx >/dev/null'
m --json "robot svetsning" >"$T/cached2.json"
check "an answer from the cache is the same bytes" cmp -s "$T/cached.json" "$T/cached2.json"
check "... as one with no cache" eval 'I40_CACHE_DIR= m --json "robot svetsning" | cmp -s - "$T/cached.json"'
for f in "$T"/cache/match-*.idx; do head -c 5000 "$f" >"$f.cut" && mv "$f.cut" "$f"; done
check "a cut cache file: the same answer" eval 'm --json "robot svetsning" | cmp -s - "$T/cached.json"'
for f in "$T"/cache/match-*.idx; do
	printf 'garbage!' | dd of="$f" bs=1 seek=3000 conv=notrunc status=none
done
check "a damaged cache file: the same answer" eval 'm --json "robot svetsning" | cmp -s - "$T/cached.json"'
check "an unwritable cache directory: the same answer" \
    eval 'I40_CACHE_DIR=/proc/none m --json "robot svetsning" | cmp -s - "$T/cached.json"'
NEW=$(mod ROB9 '. + {"title_sv": "Robotsvetsning i varv", "title_en": "Robot welding in shipyards"}')
check "a module published after the cache was written" pub 2 "$NEW"
check "... is found at once" eval 'm --json --limit 100 robotsvetsning | jq -e "[.hits[].module] | index(\"ROB9\")" >/dev/null'
check "... and once retired, is gone at once" eval 'quiet "$I40CTL" module retire -d "$(dir 2)" --code ROB9 &&
    ! m --json --limit 100 robotsvetsning | jq -e "[.hits[].module] | index(\"ROB9\")" >/dev/null'
node_stop 2
check "with the daemon stopped, the same answer" test "$(first robotar)" = ROB1
done_testing
