#!/usr/bin/env bash
# Test 12: a fork whose two sides arrive at opposite ends of a line of 7:
# node 1 at one end, its copy beyond node 7 at the other (copies.sh).
N=7 MODE=line
. "$(dirname "$0")/copies.sh"
