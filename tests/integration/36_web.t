#!/usr/bin/env bash
# Test 36 (issue 16): the web face of a real node.  /healthz, /readyz and
# /metrics for operators; the catalog searched and filtered as `i40ctl
# match` does, a module's page with its versions, the federation, a
# company's plan as `i40ctl plan` makes it, and a transcript verified
# entry by entry as `i40ctl verify -d` decides, in
# JSON and in HTML, in Swedish and English; bad input (unknown paths,
# traversal, non-UTF-8, huge bodies, broken JSON, other methods) gets a
# clear 4xx and changes nothing; no served byte names a learner.
. "$(dirname "$0")/lib.sh"
command -v curl >/dev/null || skip_all "curl is not installed (make deps)"

fed_create 2
free_port
HTTP=$FREE_PORT
printf '[http]\nlisten = 127.0.0.1:%s\nconnections = 64\ntimeout = 5s\n' \
    "$HTTP" >>"$(conf 1)"
node_start 1
node_start 2
U="http://127.0.0.1:$HTTP"
get() { curl -s --max-time 10 "$@"; }
code() { curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$@"; }
# Every body served goes to $T/served too, for the privacy check.
keep() { get "$@" | tee -a "$T/served"; }

check "/healthz: 200 ok" test "$(get "$U/healthz")" = ok
check "/readyz: 200 once the node signs and has seen its peer" \
    wait_for 20 eval '[ "$(code "$U/readyz")" = 200 ]'

mod() { module_file "$1" '. + {sessions: [{"start": "2027-02-01", "end": "2027-03-15", "mode": "online", "seats": 0}]} | '"$2"; }
pub() { "$I40CTL" module publish -d "$(dir $1)" --file "$2" >/dev/null; }
ROB=$(mod ROB1 '. + {"title_sv": "Programmering av industrirobotar",
    "title_en": "Programming industrial robots",
    "skills": [{"label": "robotprogrammering"}],
    "outcomes_sv": ["Programmera en industrirobot."]}')
CYB=$(mod CYB3 '. + {"title_sv": "Cybersäkerhet i styrsystem",
    "title_en": "Cyber security of control systems", "mode": "onsite",
    "skills": [{"label": "cybersäkerhet"}], "credits": 20, "eqf": 7}')
RSV=$(mod RSV2 '. + {"title_sv": "Robotsvetsning", "title_en": "Robotic welding",
    "skills": [{"label": "robotsvetsning"}]}')
check "node 1 publishes two modules" wait_for 20 eval 'pub 1 "$ROB" && pub 1 "$CYB"'
check "node 2 publishes the welding module" wait_for 20 pub 2 "$RSV"
check "the nodes converge" wait_for 30 roots_equal 1 2

# The catalog: a Swedish search, the same hits as `i40ctl match`.
check "a Swedish search finds the robot module first" wait_for 10 eval \
    '[ "$(get "$U/api/catalog?q=robotprogrammering" | jq -r ".hits[0].module")" = ROB1 ]'
keep "$U/api/catalog?q=programmera%20robotar&limit=5" | jq -S '.hits' >"$T/web.json"
"$I40CTL" match -d "$(dir 1)" --json --limit 5 "programmera robotar" |
    jq -S '.hits' >"$T/ctl.json"
check "... the same hits, scores and reasons as i40ctl match" cmp -s "$T/web.json" "$T/ctl.json"
check "a filter narrows it: university u2 gives the welding module only" \
    test "$(keep "$U/api/catalog?q=robot&university=u2.example.se" | jq -r '[.hits[].module] | join(" ")')" = RSV2
check "mode campus gives the on-site module" \
    test "$(keep "$U/api/catalog?mode=campus" | jq -r '[.hits[].module] | join(" ")')" = CYB3
check "level 7 and at most 1 hp: nothing" \
    test "$(keep "$U/api/catalog?level=7&max_credits=1" | jq -r .total)" = 0
check "no search: the whole catalog, counted" \
    test "$(keep "$U/api/catalog" | jq -r .total)" = 3
check "a word no module has: did you mean" \
    test "$(keep "$U/api/catalog?q=robotprogramering" | jq -r '.hits | length')" -ge 0

# A module's page and its versions.
check "/api/modules/u1.example.se/ROB1: the module with its outcomes" \
    test "$(keep "$U/api/modules/u1.example.se/ROB1" | jq -r '.outcomes_sv[0]')" = "Programmera en industrirobot."
check "... one version" \
    test "$(keep "$U/api/modules/u1.example.se/ROB1" | jq -r '.versions | length')" = 1
jq '.title_sv = "Programmering av industrirobotar, fördjupning"' "$ROB" >"$T/rob2.json"
check "node 1 updates the module" quiet "$I40CTL" module update -d "$(dir 1)" --file "$T/rob2.json"
check "... the search sees the new title within seconds" wait_for 10 eval \
    '[ "$(get "$U/api/catalog?q=fördjupning" | jq -r ".hits[0].module")" = ROB1 ]'
check "... and the module two versions" \
    test "$(keep "$U/api/modules/u1.example.se/ROB1" | jq -r '[.versions[].type] | join(" ")')" = "module_publish module_update"
check "an unknown module: 404" test "$(code "$U/api/modules/u1.example.se/NOPE")" = 404

# Pages, in both languages.
keep "$U/?q=robotprogrammering" >"$T/cat.html"
check "the catalog page lists the robot module, in Swedish" \
    grep -q 'Programmering av industrirobotar' "$T/cat.html"
check "... as a Swedish page with labelled controls" \
    eval 'grep -q "<html lang=\"sv\">" "$T/cat.html" && grep -q "<label for=\"q\">" "$T/cat.html"'
check "Accept-Language: en gives the English page" \
    eval 'keep -H "Accept-Language: en-GB,en;q=0.9,sv;q=0.5" "$U/?q=robot" | grep -q "Programming industrial robots"'
check "an English page still reads a Swedish need as Swedish" \
    eval 'keep "$U/?lang=en&q=robotprogrammering" | grep -q "Programming industrial robots"'
check "?lang=en does too" eval 'keep "$U/?lang=en" | grep -q "<html lang=\"en\">"'
check "the module page" eval 'keep "$U/module/u1.example.se/ROB1" | grep -q "Kurstillfällen"'
check "the federation page names both members" \
    eval 'keep "$U/federation" | grep -q "Universitet 2 (u2.example.se)"'
lr=$("$I40CTL" status --json -d "$(dir 1)" | jq -r .log_root)
check "/api/federation: the node's log root" wait_for 10 eval \
    '[ "$(get "$U/api/federation" | jq -r .roots.log)" = "$lr" ]'
check "... and its peer, up" \
    test "$(keep "$U/api/federation" | jq -r '.peers[0].state')" = up

# Transcripts, as i40ctl verify -d decides.
p=$("$I40CTL" learner add -d "$(dir 1)" --name "Kim Webbtestsson" \
    --email kim.webbtest@example.se --json | jq -r .pseudonym)
for m in ROB1 CYB3; do
	quiet "$I40CTL" completion record -d "$(dir 1)" --learner "$p" --module $m \
	    --grade G --scale UG --examiner "Examiner 1" --exam-date 2026-11-20 \
	    --decision-date 2026-11-24
done
"$I40CTL" transcript "$p" -d "$(dir 1)" --json >"$T/t.json"
check "a transcript of two entries" test "$(jq '.entries | length' "$T/t.json")" = 2
post() { curl -s --max-time 10 -H 'Content-Type: application/json' --data-binary "@$1" "$U/api/verify"; }
post "$T/t.json" >"$T/v.json"
"$I40CTL" verify "$T/t.json" -d "$(dir 1)" --json >"$T/vc.json"
check "POST /api/verify: both entries verified" test "$(jq -r .verified "$T/v.json")" = 2
check "... the same verdicts as i40ctl verify -d" \
    test "$(jq -cS 'del(.file)' "$T/v.json")" = "$(jq -cS 'del(.file)' "$T/vc.json")"
jq '.entries[1].summary.grade = "VG"' "$T/t.json" >"$T/bad.json"
post "$T/bad.json" >"$T/vb.json"
check "a tampered entry: entry 2 refused with its reason" \
    test "$(jq -r '.verdicts[1].verified, (.verdicts[1].reason | length > 0)' "$T/vb.json" | tr '\n' ' ')" = "false true "
check "... entry 1 still verified" test "$(jq -r '.verdicts[0].verified' "$T/vb.json")" = true
curl -s --max-time 10 -F "file=@$T/t.json" "$U/verify" >"$T/vf.html"
check "the verify page: a file upload shows each entry verified" \
    test "$(grep -o '✓ verifierad' "$T/vf.html" | wc -l)" = 2
curl -s --max-time 10 -F "file=@$T/bad.json" "$U/verify?lang=en" >"$T/vg.html"
check "... and a tampered one which entry failed" grep -q '✗ refused: ' "$T/vg.html"

# A company's plan, as i40ctl plan decides.
printf '# need | weight | employees\nprogrammera industrirobotar | 2 | Anna, Bo\ncybersäkerhet i styrsystem | Bo\nkärnkraftssäkerhet\n' >"$T/needs.txt"
plan() { curl -s --max-time 10 -H 'Content-Type: text/plain' --data-binary "@$1" "$U/api/plan${2-}" | tee -a "$T/served"; }
plan "$T/needs.txt" | jq -S . >"$T/pw.json"
"$I40CTL" plan -d "$(dir 1)" --json "$T/needs.txt" | jq -S . >"$T/pc.json"
check "POST /api/plan: the robot need covered by the robot module" \
    test "$(jq -r '.needs[0].module' "$T/pw.json")" = ROB1
check "... the unknown subject named uncovered" test "$(jq -r '.needs[2].state' "$T/pw.json")" = no_match
check "... the same plan as i40ctl plan --json" cmp -s "$T/pw.json" "$T/pc.json"
check "?max_credits=1: at most 1 hp each, the rest over the limit" \
    test "$(plan "$T/needs.txt" '?max_credits=1' | jq -r '[.max_credits, (.employees[] | select(.name == "Bo") | .credits)] | join(" ")')" = "1 1"
curl -s --max-time 10 --data-urlencode "needs@$T/needs.txt" "$U/plan" | tee -a "$T/served" >"$T/plan.html"
check "the plan page: the programme, and each need's outcome" \
    eval 'grep -q "✓ täcks av ROB1" "$T/plan.html" && grep -q "✗ ingen modul" "$T/plan.html"'
check "... the list kept in the form, to be mended" \
    eval 'tr -d "\n" <"$T/plan.html" | grep -qF "| Anna, Bocybersäkerhet i styrsystem | Bokärnkraftssäkerhet</textarea>"'
check "... links to the modules" grep -q 'href="/module/u1.example.se/ROB1"' "$T/plan.html"
curl -s --max-time 10 -F "needs=<$T/needs.txt" -F max_credits=abc "$U/plan?lang=en" >"$T/plan-bad.html"
check "a bad limit on the page: said, in English" grep -q 'could not be planned: max_credits `abc' "$T/plan-bad.html"
check "GET /plan: the form, labelled" eval 'keep "$U/plan" | grep -q "<label for=\"needs\">"'
printf '\n' >"$T/empty.txt"
check "an empty list: 422 saying so" \
    eval 'plan "$T/empty.txt" | jq -r .error | grep -q "holds no need"'
printf 'a | 1 | b | c\n' >"$T/four.txt"
check "four fields: 422 naming the line" \
    eval 'plan "$T/four.txt" | jq -r .error | grep -q "line 1: more than three fields"'
printf 'robot\n\xe5ngturbin\n' >"$T/latin1.txt"
check "a line not UTF-8: 422 naming the line" \
    eval 'plan "$T/latin1.txt" | jq -r .error | grep -q "line 2 is not UTF-8"'
check "max_credits=0: 400 naming it" \
    eval 'curl -s --data-binary "@$T/needs.txt" "$U/api/plan?max_credits=0" | jq -r .error | grep -q "^max_credits .0.: credits"'
check "a form posted to /api/plan: 415 saying how to post" \
    test "$(code -F "needs=@$T/needs.txt" "$U/api/plan")" = 415
yes 'på' | head -600 | tr '\n' ' ' >"$T/stop.txt"
check "a long need of stopwords: 422, its quote cut on a whole character" \
    eval 'plan "$T/stop.txt" | jq -r .error | grep -q "has no word to match"'
names=$(seq -s, -f 'e%g' 1 1000)
for i in $(seq 1 25); do echo "robot $i | $names"; done >"$T/pairs.txt"
check "25 needs for 1000 employees each: 422, the pairs are bounded" \
    eval 'plan "$T/pairs.txt" | jq -r .error | grep -q "more than 20000 needs given to employees"'
check "the form's limit given twice: 422 on the page, the list kept" \
    eval 'curl -s -F "needs=<$T/needs.txt" -F max_credits=1 -F max_credits=5 "$U/plan" | tr -d "\n" |
        grep -q "given twice.*kärnkraftssäkerhet</textarea>"' 
check "lang=fi: 400" test "$(code --data-binary "@$T/needs.txt" "$U/api/plan?lang=fi")" = 400
check "GET /api/plan: 405" test "$(code "$U/api/plan")" = 405

# Bad input: a clear 4xx, nothing changed.
before=$("$I40CTL" status --json -d "$(dir 1)" | jq -r .log_root)
check "an unknown path: 404 page" test "$(code "$U/nope")" = 404
check "path traversal: refused" test "$(code --path-as-is "$U/../../etc/passwd")" = 400
check "... encoded too" test "$(code --path-as-is "$U/module/%2e%2e/%2e%2e/etc")" -ge 400
check "a search that is not UTF-8: 400" test "$(code "$U/api/catalog?q=%ff%fe")" = 400
check "a search with a NUL byte: 400" test "$(code "$U/api/catalog?q=a%00b")" = 400
long=$(head -c 5000 /dev/zero | tr '\0' a)
check "a search of 5000 bytes: 400" test "$(code "$U/api/catalog?q=$long")" = 400
check "a bad filter: 400 saying what filters are" \
    eval 'get "$U/api/catalog?level=9" | jq -r .error | grep -q "level is 1 to 8"'
check "limit 1000: 400" test "$(code "$U/api/catalog?limit=1000")" = 400
head -c $((2 * 1024 * 1024)) /dev/zero >"$T/huge"
check "a 2 MiB upload: 413" test "$(code -H 'Content-Type: application/json' --data-binary "@$T/huge" "$U/api/verify")" = 413
echo '{"format": "i40-transcript", ' >"$T/broken.json"
check "broken JSON: 422 with the line" \
    eval 'post "$T/broken.json" | jq -r .error | grep -q "not a transcript: line [0-9]"'
check "a query string past 8192 bytes: 414" \
    test "$(code "$U/api/catalog?x=$(head -c 9000 /dev/zero | tr '\0' A)")" = 414
raw() {	# raw REQUEST: the status line of the answer
	local ans
	exec 3<>"/dev/tcp/127.0.0.1/$HTTP" || return 1
	printf "$1" >&3
	IFS= read -r -t 5 ans <&3
	exec 3<&-
	echo "${ans%$'\r'}"
}
check "two Content-Lengths: 400 (no second request smuggled in the body)" \
    test "$(raw 'POST /api/verify HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 30\r\n\r\nGET /nope HTTP/1.1\r\nHost: x\r\n\r\n')" = "HTTP/1.1 400 Bad Request"
check "Content-Length with Transfer-Encoding: 400" \
    test "$(raw 'POST /api/verify HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n')" = "HTTP/1.1 400 Bad Request"
check "HTTP/1.1 without Host: 400" test "$(raw 'GET /healthz HTTP/1.1\r\n\r\n')" = "HTTP/1.1 400 Bad Request"
check "a GET with a body: 400" test "$(code -X GET --data-binary abc "$U/api/catalog")" = 400
check "a date that is none (2027-02-30): 400" test "$(code "$U/api/catalog?after=2027-02-30")" = 400
check "lang=fi: 400" test "$(code "$U/api/catalog?lang=fi")" = 400
check "PUT: 405" test "$(code -X PUT "$U/api/catalog")" = 405
check "DELETE: 405" test "$(code -X DELETE "$U/")" = 405
check "POST to the catalog: 405" test "$(code -d x=1 "$U/api/catalog")" = 405
check "GET /api/verify: 405" test "$(code "$U/api/verify")" = 405
check "still alive, and nothing changed" eval \
    '[ "$(get "$U/healthz")" = ok ] && [ "$("$I40CTL" status --json -d "$(dir 1)" | jq -r .log_root)" = "$before" ]'

# Operators.
keep "$U/metrics" >"$T/metrics"
check "/metrics: events by type" grep -q '^i40_events_stored_total{type="module_publish"} [1-9]' "$T/metrics"
check "... the peer's link up and its lag" \
    eval 'grep -q "^i40_peer_up{peer=\"u2.example.se\",key=\"${KEY[2]:0:16}\"} 1" "$T/metrics" && grep -q "^i40_peer_behind_events{peer=\"u2.example.se\"" "$T/metrics"'
check "... each author's log, by university" \
    grep -q "^i40_author_events{author=\"u1.example.se\",key=\"${KEY[1]:0:16}\"} [1-9]" "$T/metrics"
check "... the commit latency histogram" grep -q '^i40_commit_seconds_count [1-9]' "$T/metrics"
check "... the map size and the convergence gauge" \
    eval 'grep -q "^i40_lmdb_used_bytes [1-9]" "$T/metrics" && grep -q "^i40_peer_converged_seconds" "$T/metrics"'
check "... every line a comment or NAME{labels} VALUE" \
    eval '! grep -Ev "^(# (HELP|TYPE) .*|i40_[a-z_]+(\{[^}]*\})? [0-9.e+-]+)$" "$T/metrics"'
node_stop 2
check "/readyz: still ready with the peer gone (its heads were seen)" \
    test "$(code "$U/readyz")" = 200

# Privacy: nothing served names the learner.
keep "$U/federation" >/dev/null
keep "$U/?q=Kim" >/dev/null
check "no served byte holds the learner's name or e-mail" \
    eval '! grep -q -e "Webbtestsson" -e "kim.webbtest" "$T/served"'
check "... or pseudonym" eval '! grep -q "$p" "$T/served"'

# Configuration errors are refused at start, naming the line.
printf '[node]\ndatadir = %s\n[http]\nlisten = localhost:80\n' "$(dir 2)" >"$T/bad.conf"
"$I40D" -n -c "$T/bad.conf" >/dev/null 2>"$T/bad.err"
check "[http] listen with a host name: refused" test $? != 0
check "... saying so, with the line" grep -q 'bad.conf:4: \[http\] listen: "localhost:80": not a numeric IPv4 address' "$T/bad.err"
# A taken port: node 2 asked to serve on node 1's web port.
{ cat "$(conf 2)"; printf '[http]\nlisten = 127.0.0.1:%s\n' "$HTTP"; } >"$T/taken.conf"
timeout 20 "$I40D" -c "$T/taken.conf" >/dev/null 2>"$T/taken.err"; rc=$?
check "[http] listen on a taken port: i40d stops at start ($rc)" test $rc != 0 -a $rc != 124
check "... saying the port may be taken" grep -q "web: cannot serve on 127.0.0.1:$HTTP (is the port taken?" "$T/taken.err"
check "... and node 1's face still serves" test "$(get "$U/healthz")" = ok
node_stop 1
done_testing
