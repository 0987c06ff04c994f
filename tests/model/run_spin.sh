#!/usr/bin/env bash
# Model-checks tests/model/raft_quorums.pml for one configuration with spin.
#
#   run_spin.sh MODEL EXPECT [-DNAME=VALUE ...]
#
# EXPECT: none          no violation may be found (exhaustive search);
#         election      (a) must be violated: two leaders in one term;
#         completeness  (b) must be violated: a leader lacks a committed entry.
# The -D macros are the model's parameters (see its header). Exits 0 when the
# result is the expected one, 1 otherwise, 77 (skipped) without spin or a C
# compiler. Prints the state count and the seconds, and for a violation the
# trail's summary (spin -t); works in a temporary directory it removes.
set -euo pipefail

model=$1
expect=$2
shift 2
case "$expect" in
  none|election|completeness) ;;
  *) echo "run_spin.sh: EXPECT must be none, election or completeness" >&2
     exit 2 ;;
esac

command -v spin >/dev/null || { echo "spin is not installed: skipped"; exit 77; }
cc=${CC:-cc}
command -v "$cc" >/dev/null || { echo "no C compiler ($cc): skipped"; exit 77; }

flags=("$@")
if [ "$expect" != none ]; then
  # No symmetry reduction, so that the trail names the real nodes, and a
  # breadth-first search, so that it is a shortest one.
  flags+=(-DSYM_LO=N)
  search=(-DBFS)
else
  search=()
fi

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cp "$model" "$dir/model.pml"
cd "$dir"

start=$(date +%s.%N)
spin -a "${flags[@]}" model.pml >spin.out
"$cc" -w -O2 -DSAFETY -DNOREDUCE -DMEMLIM=2048 "${search[@]}" -o pan pan.c
compiled=$(date +%s.%N)
./pan -m10000 -w22 >pan.out 2>&1 || true
end=$(date +%s.%N)

errors=$(sed -n 's/.*errors: \([0-9]*\).*/\1/p' pan.out)
states=$(sed -n 's/^ *\([0-9.e+]*\) states, stored.*/\1/p' pan.out)
echo "spin ${flags[*]}: ${states:-?} states, errors: ${errors:-?}," \
     "$(awk "BEGIN { printf \"%.1f\", $end - $start }") s" \
     "($(awk "BEGIN { printf \"%.1f\", $end - $compiled }") s searching)"

if [ -z "$errors" ]; then
  cat pan.out
  echo "FAIL: pan gave no result"
  exit 1
fi
if grep -q "max search depth too small\|Search not completed" pan.out &&
   [ "$errors" = 0 ]; then
  cat pan.out
  echo "FAIL: the search was not exhaustive"
  exit 1
fi

if [ "$errors" != 0 ]; then
  grep "assertion violated" pan.out || true
  echo "trail:"
  spin -t "${flags[@]}" model.pml | grep "MSC:" | sed 's/^ *MSC: /  /' || true
fi

case "$expect" in
  none)
    [ "$errors" = 0 ] && { echo "PASS: no violation"; exit 0; }
    echo "FAIL: a violation was found"; exit 1 ;;
  election)
    grep -q "assertion violated (leader_of\[t\]==255)" pan.out &&
      { echo "PASS: two leaders in one term found"; exit 0; }
    echo "FAIL: expected two leaders in one term"; exit 1 ;;
  completeness)
    grep -q "assertion violated committed_ok" pan.out &&
      { echo "PASS: a leader lacking a committed entry found"; exit 0; }
    echo "FAIL: expected a leader lacking a committed entry"; exit 1 ;;
esac
