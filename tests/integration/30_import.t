#!/usr/bin/env bash
# Test 30 (issue 14): `i40ctl completion import FILE.csv` on a node while
# i40d runs: a registrar's spreadsheet as it really looks (semicolons,
# Swedish column names, a byte-order mark, CRLF, a column i40 does not
# read) is recorded whole and replicates; --dry-run records nothing;
# importing again records nothing twice; a file with bad rows records
# nothing and names every bad row with its line, column, value and
# reason, never a personal number; a result is corrected by revoking it,
# after which the right one imports; I40_IMPORT_ROWS rows (default 5000)
# land in one import.
. "$(dirname "$0")/lib.sh"

fed_create 2
node_start 1
node_start 2
imp() { "$I40CTL" completion import -d "$(dir 1)" "$@"; }
seq_of() { "$I40CTL" status -d "$(dir 1)" --json | jq -r .seq; }

check "node 1 publishes a module (once it signs)" wait_for 20 publish 1 M1
check "... and a second" publish 1 M2
"$I40CTL" learner add -d "$(dir 1)" --name "Åsa Öberg" \
    --pnr 19811218-9876 >/dev/null
p=$(learner 7)
s0=$(seq_of)

# Semicolons, Swedish headers, BOM, CRLF, a name column, a blank row.
printf '\xef\xbb\xbfPersonnummer;Pseudonym;Namn;Kurskod;Betyg;Betygsskala;Examinator;Examinationsdatum;Beslutsdatum\r\n' >"$T/term.csv"
printf '19811218-9876;;Åsa Öberg;M1;VG;UVG;Eva Ek;2026-11-20;2026-11-24\r\n' >>"$T/term.csv"
printf ';%s;;M1;G;UG;"Ek; Eva";2026-11-20;2026-11-25\r\n' "$p" >>"$T/term.csv"
printf ';;;;;;;;\r\n' >>"$T/term.csv"
printf ';%s;;M2;U;UG;Eva Ek;2026-11-21;2026-11-25\r\n' "$p" >>"$T/term.csv"

imp "$T/term.csv" --dry-run >"$T/dry.out" 2>"$T/dry.err"
check "--dry-run of a good file: exit 0" test $? = 0
check "... says 3 would be recorded" grep -qF "3 would be recorded" "$T/dry.out"
check "... warns of the column it ignores" grep -q "column 3 .Namn. is not one" "$T/dry.err"
check "... and records nothing" test "$(seq_of)" = "$s0"

imp "$T/term.csv" >"$T/imp.out" 2>&1
check "the import: exit 0" test $? = 0
check "... 3 recorded" grep -qF "3 recorded, 0 recorded already" "$T/imp.out"
check "... three events more" test "$(seq_of)" = $((s0 + 3))
out=$("$I40CTL" completion import -d "$(dir 1)" "$T/term.csv" --json 2>/dev/null)
check "importing again: nothing recorded twice" \
    test "$(jq -r '[.recorded, .already] | @tsv' <<<"$out")" = "$(printf '0\t3')"
check "... and no event more" test "$(seq_of)" = $((s0 + 3))
wait_for 20 roots_equal 1 2
check "the results replicate: the nodes converge" roots_equal 1 2
check "... and the number is in no file of the ledger" \
    sh -c "! grep -rqa '19811218' '$(dir 2)/ledger' '$(dir 1)/ledger'"

# Every bad row named; nothing written.
s1=$(seq_of)
cat >"$T/bad.csv" <<EOF
learner,pnr,module,grade,scale,examiner,exam_date,decision_date
$p,,M1,X,UG,Eva Ek,2026-11-22,2026-11-24
$p,,NOPE,G,UG,Eva Ek,2026-11-22,2026-11-24
$p,,M1,G,UG,Eva Ek,2026-11-22,2099-01-01
,19121212-1212,M1,G,UG,Eva Ek,2026-11-22,2026-11-24
,19811218-9877,M1,G,UG,Eva Ek,2026-11-22,2026-11-24
$p,,M1,G,UG,,2026-11-22,2026-11-24
$p,,M2,G,UG,Eva Ek,2026-11-22,2026-11-24
$p,,M2,G,UG,Eva Ek,2026-11-22,2026-11-24
$p,,M1,G,UG,Eva Ek,2026-11-22,2026-11-24,extra
$p,,M1,G,UG,Eva Ek,2026-11-21,2026-11-20
EOF
imp "$T/bad.csv" >/dev/null 2>"$T/bad.err"
check "a file with bad rows: exit 1" test $? = 1
check "... a grade not of the scale, line and column named" \
    grep -q "bad.csv:2: column grade (4), value .X.:" "$T/bad.err"
check "... an unknown module" grep -q "bad.csv:3: column module (3), value .NOPE.: not the code of one of this node" "$T/bad.err"
check "... a decision after today" grep -q "bad.csv:4: column decision_date (8).*after today" "$T/bad.err"
check "... a number this node never added" grep -q "bad.csv:5: column pnr (2), value (not shown): this node added no learner" "$T/bad.err"
check "... a number that is no number" grep -q "bad.csv:6: column pnr (2), value (not shown):" "$T/bad.err"
check "... without showing either number" \
    sh -c "! grep -q '1212-1212\|18-9877' '$T/bad.err'"
check "... an empty required value" grep -q "bad.csv:7: column examiner (6).*empty" "$T/bad.err"
check "... too many fields" grep -q "bad.csv:10: 9 fields, but the header has 8" "$T/bad.err"
check "... a decision before the examination" grep -q "bad.csv:11: .*decision_date" "$T/bad.err"
check "... two rows of one result, beside the other problems" grep -q "bad.csv:9: the same learner, module (M2)" "$T/bad.err"
check "... the summary: nothing was recorded" grep -q "9 problems in 9 of 10 rows of .*nothing was recorded" "$T/bad.err"
check "... and nothing was" test "$(seq_of)" = "$s1"

# A personal number in the wrong column is not shown back either; empty
# cells past the last column (as spreadsheets write them) are no fields.
printf 'learner,module,grade,scale,examiner,exam_date,decision_date\n19811218-9876,M1,G,UG,Eva Ek,2026-11-22,2026-11-24,,\n' >"$T/shift.csv"
imp "$T/shift.csv" >/dev/null 2>"$T/shift.err"
check "a number in the learner column: refused" grep -q "shift.csv:2: column learner (1), value (not shown): not a pseudonym" "$T/shift.err"
check "... never quoting it" sh -c "! grep -q '1218-9876' '$T/shift.err'"
check "... and the empty cells after the row are no extra fields" \
    sh -c "! grep -q 'fields, but the header' '$T/shift.err'"

# Two imports at once: the second waits its turn rather than doubling.
flock "$(dir 1)/completion-import.lock" sleep 3 &
lockpid=$!
sleep 0.5
imp "$T/term.csv" >/dev/null 2>"$T/busy.err"
check "an import while another runs: refused" test $? = 1
check "... saying so" grep -q "another completion import runs on" "$T/busy.err"
wait $lockpid

# Duplicates inside a file, once every row is good by itself.
head -1 "$T/bad.csv" >"$T/dup.csv"
sed -n '8,9p' "$T/bad.csv" >>"$T/dup.csv"
imp "$T/dup.csv" >/dev/null 2>"$T/dup.err"
check "two rows of one result: refused" test $? = 1
check "... naming the first" grep -q "dup.csv:3: the same learner, module (M2) and examination date (2026-11-22) as line 2" "$T/dup.err"

# A result is corrected by revoking it; then the right one imports.
sed 's/;VG;UVG;/;G;UVG;/' "$T/term.csv" >"$T/fix.csv"
imp "$T/fix.csv" >/dev/null 2>"$T/fix.err"
check "another grade for a recorded result: refused" test $? = 1
check "... saying to revoke it first" grep -q "recorded already, with grade VG (UVG).*completion revoke --id" "$T/fix.err"
id=$(grep -o 'revoke --id [0-9a-f]*' "$T/fix.err" | head -1 | cut -d' ' -f3)
quiet "$I40CTL" completion revoke -d "$(dir 1)" --id "$id" --reason "Wrong grade."
check "the record revoked" test $? = 0
imp "$T/fix.csv" >"$T/fix.out" 2>&1
check "... then the corrected file imports" grep -qF "1 recorded, 2 recorded already" "$T/fix.out"

# A retired module takes no results.
quiet "$I40CTL" module retire -d "$(dir 1)" --code M2
printf 'learner,module,grade,scale,examiner,exam_date,decision_date\n%s,M2,G,UG,Eva Ek,2026-11-23,2026-11-24\n' "$p" >"$T/ret.csv"
imp "$T/ret.csv" >/dev/null 2>"$T/ret.err"
check "a retired module: refused" grep -q "ret.csv:2: column module (2), value .M2.: the module is retired" "$T/ret.err"

# Files that are not CSV as the format says.
printf 'learner,module\n\xff\xfe,M1\n' >"$T/bin.csv"
imp "$T/bin.csv" >/dev/null 2>"$T/bin.err"
check "not UTF-8: refused, naming the line" grep -q "line 2: not UTF-8" "$T/bin.err"
printf 'learner,module,grade\n"abc,M1,G\n' >"$T/quote.csv"
imp "$T/quote.csv" >/dev/null 2>"$T/quote.err"
check "a quote never closed: refused" grep -q "never closed" "$T/quote.err"
printf 'learner,module,grade\n' >"$T/hdr.csv"
imp "$T/hdr.csv" >/dev/null 2>"$T/hdr.err"
check "a header without scale: refused, naming the column" grep -q "no column scale" "$T/hdr.err"
imp "$T/none.csv" >/dev/null 2>"$T/none.err"
check "a missing file: exit 1, named" grep -q "cannot open .*none.csv" "$T/none.err"
imp >/dev/null 2>&1
check "no file: a usage error (exit 2)" test $? = 2

# Many rows at once: one pseudonym each, in few transactions.
n=${I40_IMPORT_ROWS:-5000}
{
	echo "learner;module;grade;scale;examiner;exam_date;decision_date"
	for ((i = 1; i <= n; i++)); do
		printf '%032x;M1;G;UG;Eva Ek;2026-11-20;2026-11-24\n' $((1000 + i))
	done
} >"$T/many.csv"
s2=$(seq_of)
imp "$T/many.csv" >"$T/many.out" 2>&1
check "$n rows: exit 0" test $? = 0
check "... all recorded" grep -qF "$n recorded, 0 recorded already" "$T/many.out"
check "... $n events more" test "$(seq_of)" = $((s2 + n))
wait_for 60 roots_equal 1 2
check "... and they replicate" roots_equal 1 2

done_testing
