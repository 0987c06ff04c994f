#!/usr/bin/env bash
# The libFuzzer tests (tests/fuzz/CMakeLists.txt registers them):
#
#   libfuzzer.sh build SOURCE_DIR BUILD_DIR
#       configures and builds tests/fuzz/libfuzzer/ with clang++ into
#       BUILD_DIR; exits 77 (ctest: skipped) when clang++ or its libFuzzer
#       runtime (Debian: clang, libclang-rt-14-dev) is missing.
#   libfuzzer.sh run BUILD_DIR TARGET SECONDS INPUT_DIR...
#       fuzzes TARGET for SECONDS on a fresh copy of the inputs in
#       BUILD_DIR/run/TARGET (the source tree is never written); fails when
#       libFuzzer finds an input that crashes or breaks a property, and
#       names the file.
#
# FLEXSYNC_FUZZ_JOBS (default 2) sets the build's parallelism.
set -euo pipefail

skip() {
  echo "SKIPPED: $*"
  exit 77
}

build() {
  local src=$1 dir=$2
  mkdir -p "$dir"
  rm -f "$dir/skipped"
  local cxx
  cxx=$(command -v clang++ || command -v clang++-14 || true)
  if [ -z "$cxx" ]; then
    echo "clang++ not found (install clang and libclang-rt-14-dev: ./setup.sh)" >"$dir/skipped"
    skip "$(cat "$dir/skipped")"
  fi
  local probe="$dir/probe.cpp"
  echo 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }' >"$probe"
  if ! "$cxx" -fsanitize=fuzzer,address,undefined "$probe" -o "$dir/probe" 2>"$dir/probe.log"; then
    echo "$cxx cannot link libFuzzer (install libclang-rt-14-dev: ./setup.sh): $(head -3 "$dir/probe.log")" >"$dir/skipped"
    skip "$(cat "$dir/skipped")"
  fi
  cmake -S "$src/tests/fuzz/libfuzzer" -B "$dir" -DCMAKE_CXX_COMPILER="$cxx" \
        -DFLEXSYNC_SOURCE_DIR="$src" -DCMAKE_BUILD_TYPE=RelWithDebInfo
  cmake --build "$dir" -j "${FLEXSYNC_FUZZ_JOBS:-2}"
}

run() {
  local dir=$1 target=$2 seconds=$3
  shift 3
  if [ -f "$dir/skipped" ]; then
    skip "$(cat "$dir/skipped")"
  fi
  local bin="$dir/fuzz_$target"
  [ -x "$bin" ] || { echo "$bin was not built"; exit 1; }
  local work="$dir/run/$target"
  rm -rf "$work"
  mkdir -p "$work/corpus" "$work/found"
  for inputs in "$@"; do
    if [ -d "$inputs" ]; then
      find "$inputs" -type f -exec cp {} "$work/corpus/" \;
    fi
  done
  if ! "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
       -artifact_prefix="$work/found/" -print_final_stats=1 "$work/corpus"; then
    echo "libFuzzer found a failing input for $target:"
    ls -l "$work/found"
    echo "add it to tests/fuzz/regressions/$target/, then fix the decoder"
    exit 1
  fi
}

"$@"
