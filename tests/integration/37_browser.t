#!/usr/bin/env bash
# Test 37 (issue 16): the web face in a real browser.  Headless Chromium,
# driven through chromedriver's WebDriver protocol (W3C, JSON over HTTP,
# spoken here with curl), types a Swedish need into the catalog page and
# finds the robot module, narrows it with a filter, pastes a company's
# needs and gets the programme, uploads a valid
# transcript and sees each entry verified, then a tampered one and sees
# which entry failed.  Screenshots of each page go to $SHOTS (default
# $BUILD/screenshots); README's screenshot is the catalog page's.
. "$(dirname "$0")/lib.sh"
CHROME=$(command -v chromium || true)
DRIVER=$(command -v chromedriver || true)
[ -n "$CHROME" ] && [ -n "$DRIVER" ] ||
    skip_all "chromium and chromium-driver are not installed (make deps)"
SHOTS=${SHOTS:-$BUILD/screenshots}
mkdir -p "$SHOTS"

fed_create 2
free_port
HTTP=$FREE_PORT
printf '[http]\nlisten = 127.0.0.1:%s\n' "$HTTP" >>"$(conf 1)"
node_start 1
node_start 2
U="http://127.0.0.1:$HTTP"
mod() { module_file "$1" '. + {sessions: [{"start": "2027-02-01", "end": "2027-03-15", "mode": "online", "seats": 0}]} | '"$2"; }
pub() { "$I40CTL" module publish -d "$(dir $1)" --file "$2" >/dev/null; }
ROB=$(mod ROB1 '. + {"title_sv": "Programmering av industrirobotar",
    "title_en": "Programming industrial robots",
    "summary_sv": "Robotprogrammering för svetsceller och montering.",
    "skills": [{"label": "robotprogrammering"}]}')
RSV=$(mod RSV2 '. + {"title_sv": "Robotsvetsning", "title_en": "Robotic welding",
    "summary_sv": "Svetsceller med robot.", "skills": [{"label": "robotsvetsning"}]}')
CYB=$(mod CYB3 '. + {"title_sv": "Cybersäkerhet i styrsystem",
    "title_en": "Cyber security of control systems"}')
check "node 1 publishes" wait_for 20 eval 'pub 1 "$ROB" && pub 1 "$CYB"'
check "node 2 publishes" wait_for 20 pub 2 "$RSV"
check "the nodes converge" wait_for 30 roots_equal 1 2
p=$("$I40CTL" learner add -d "$(dir 1)" --name "Kim Berg" \
    --email kim@example.se --json | jq -r .pseudonym)
for m in ROB1 CYB3; do
	quiet "$I40CTL" completion record -d "$(dir 1)" --learner "$p" --module $m \
	    --grade G --scale UG --examiner "Examiner 1" --exam-date 2026-11-20 \
	    --decision-date 2026-11-24
done
"$I40CTL" transcript "$p" -d "$(dir 1)" --json >"$T/transcript.json"
jq '.entries[1].summary.grade = "VG"' "$T/transcript.json" >"$T/tampered.json"

free_port
WD="http://127.0.0.1:$FREE_PORT"
"$DRIVER" --port="$FREE_PORT" >"$T/driver.log" 2>&1 &
DPID=$!
trap 'kill $DPID 2>/dev/null' EXIT
check "chromedriver starts" wait_for 20 eval 'curl -sf "$WD/status" >/dev/null'
wd() {	# wd METHOD PATH [JSON]: the answer's "value"
	curl -s --max-time 60 -X "$1" -H 'Content-Type: application/json' \
	    ${3:+--data-binary "$3"} "$WD$2" | jq -c .value
}
S=$(wd POST /session "{\"capabilities\": {\"alwaysMatch\": {\"browserName\": \"chrome\",
    \"goog:chromeOptions\": {\"binary\": \"$CHROME\", \"args\": [\"--headless=new\",
    \"--no-sandbox\", \"--disable-gpu\", \"--disable-dev-shm-usage\",
    \"--window-size=1100,900\", \"--lang=sv-SE\", \"--user-data-dir=$T/chrome\"],
    \"prefs\": {\"intl.accept_languages\": \"sv-SE,sv\"}}}}}" |
    jq -r .sessionId)
check "a browser session" test -n "$S" -a "$S" != null
go() { wd POST "/session/$S/url" "{\"url\": \"$1\"}" >/dev/null; }
el() { wd POST "/session/$S/element" "{\"using\": \"css selector\", \"value\": \"$1\"}" |
    jq -r '.["element-6066-11e4-a52e-4f735466cecf"] // empty'; }
count() { wd POST "/session/$S/elements" "{\"using\": \"css selector\", \"value\": \"$1\"}" | jq length; }
type_in() { wd POST "/session/$S/element/$(el "$1")/value" "$(jq -n --arg t "$2" '{text: $t}')" >/dev/null; }
click() { wd POST "/session/$S/element/$(el "$1")/click" '{}' >/dev/null; }
text() { wd GET "/session/$S/element/$(el "$1")/text" | jq -r .; }
shot() { wd GET "/session/$S/screenshot" | jq -r . | base64 -d >"$SHOTS/$1.png"; }

go "$U/"
check "the catalog page opens in Swedish (the browser's language)" \
    test "$(text h1)" = Kurskatalog
type_in "#q" "robotprogrammering för svetsceller"
click "button[type=submit]"
check "a Swedish search finds the robot module first" \
    test "$(text '.hit h2 a')" = "Programmering av industrirobotar"
n_all=$(count .hit)
check "... among $n_all hits" test "$n_all" -ge 2
shot catalog
check "... screenshot of the catalog page" test -s "$SHOTS/catalog.png"
type_in '#university' 'u2.example.se'
click "button[type=submit]"
check "a filter (university u2) narrows it to the welding module" \
    test "$(count .hit)" = 1 -a "$(text '.hit h2 a')" = Robotsvetsning
shot catalog-filtered
click '.hit h2 a'
check "the module's page opens from the hit" test "$(text h1)" = Robotsvetsning
shot module
go "$U/plan"
type_in "#needs" "$(printf 'robotprogrammering för svetsceller | 2 | Anna, Bo\ncybersäkerhet i styrsystem | Bo\nkärnkraftssäkerhet')"
click "button[type=submit]"
check "a company's plan: the robot module first in the programme" \
    test "$(text 'ol.plan li a')" = "Programmering av industrirobotar"
check "... two needs covered, the third named uncovered" \
    test "$(count 'td.ok')" = 2 -a "$(count 'td.bad')" = 1
check "... and what each employee takes" test "$(count 'table')" = 2
shot plan
go "$U/verify"
type_in "#file" "$T/transcript.json"
click "button[type=submit]"
check "a valid transcript: each entry green, verified" test "$(count 'td.ok')" = 2
check "... none refused" test "$(count 'td.bad')" = 0
shot verify-valid
go "$U/verify?lang=en"
type_in "#file" "$T/tampered.json"
click "button[type=submit]"
check "a tampered transcript: entry 1 verified" test "$(count 'td.ok')" = 1
check "... entry 2 refused, saying why" grep -q "refused: .*summary" <<<"$(text 'td.bad')"
shot verify-tampered
go "$U/federation"
check "the federation page" test "$(count 'table')" = 2
shot federation
check "keyboard: the search field is reachable and labelled" \
    test "$(go "$U/"; text 'label[for=q]')" = "Vad vill du lära dig?"
wd DELETE "/session/$S" >/dev/null
echo "# screenshots in $SHOTS"
node_stop 1
node_stop 2
done_testing
