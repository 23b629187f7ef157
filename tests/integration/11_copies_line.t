#!/usr/bin/env bash
# Test 11: two live copies of one node in a line of 5 (copies.sh).
N=5 MODE=line
. "$(dirname "$0")/copies.sh"
