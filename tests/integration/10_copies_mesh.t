#!/usr/bin/env bash
# Test 10: two live copies of one node in a mesh of 5 (copies.sh).
N=5 MODE=mesh
. "$(dirname "$0")/copies.sh"
