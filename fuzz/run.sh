#!/bin/sh
# Builds the annotation fuzz targets with clang (libFuzzer + ASan + UBSan) in a separate
# build folder and runs each for a bounded time on its seed corpus.
#   fuzz/run.sh [seconds per target (default 20)] [build folder (default build-fuzz)]
# New inputs found go to <build>/corpus/<target> (the committed seeds stay untouched);
# crashes are written to <build>/crashes/. Exit status 1 when any target failed.
# FUZZ_SEED=<n> and FUZZ_RUNS=<n> make a run reproducible (fixed seed, fixed number of inputs
# per target instead of a time limit): the test suite uses them so that a CI run cannot fail
# on a bug a local run did not also hit. Long random runs (no FUZZ_SEED) hunt for new bugs.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
secs=${1:-20}
build=${2:-$root/build-fuzz}
cmake -S "$here" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DCMAKE_CXX_COMPILER="${CXX_FUZZ:-clang++}" >/dev/null
targets="vfjson mot cvat coco yolo blind_session"
cmake --build "$build" -j"${JOBS:-2}" --target $(for t in $targets; do printf 'fuzz_%s ' "$t"; done)
mkdir -p "$build/crashes"
status=0
for t in $targets; do
  mkdir -p "$build/corpus/$t"
  if [ -n "${FUZZ_RUNS:-}" ]; then echo "== fuzz_$t: $FUZZ_RUNS inputs, seed ${FUZZ_SEED:-random}"; else echo "== fuzz_$t for ${secs}s"; fi
  if [ -n "${FUZZ_RUNS:-}" ]; then limit="-runs=$FUZZ_RUNS"; else limit="-max_total_time=$secs"; fi
  if ! "$build/fuzz_$t" $limit ${FUZZ_SEED:+-seed=$FUZZ_SEED} -max_len=16384 -timeout=10 -rss_limit_mb=2048 \
       -artifact_prefix="$build/crashes/${t}-" -print_final_stats=1 \
       "$build/corpus/$t" "$here/corpus/$t" 2>"$build/fuzz_$t.log"; then
    echo "fuzz_$t FAILED: see $build/fuzz_$t.log and $build/crashes/"
    tail -40 "$build/fuzz_$t.log"
    status=1
  else
    grep -E "stat::number_of_executed_units|cov:" "$build/fuzz_$t.log" | tail -2
  fi
done
exit $status
