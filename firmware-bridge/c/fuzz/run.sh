#!/usr/bin/env bash
# Coverage-guided fuzzing of the C codec (fuzz_decode.c) with libFuzzer, AddressSanitizer and
# UndefinedBehaviorSanitizer, seeded from the shared vectors and the corpus kept here (corpus/).
#
#   bash firmware-bridge/c/fuzz/run.sh [SECONDS]     fuzz for SECONDS (default 60), then report
#   FUZZ_UPDATE_CORPUS=1 bash .../run.sh 600          also merge new coverage into corpus/
#   FUZZ_RUNS=10000000 bash .../run.sh 3600           stop after that many executions (or the time)
#
# Prints the executions, the edge coverage libFuzzer reached and, with llvm-cov, the line and
# branch coverage of immsched_proto.c over the corpus. Exit 0: no finding; 1: a finding (the crash
# input is left in $FUZZ_OUT, default a temporary directory); 2: no clang with libFuzzer.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
c_dir="$here/.."
seconds="${1:-60}"
[[ "$seconds" =~ ^[0-9]+$ ]] || { echo "fuzz: SECONDS must be a whole number, got '$seconds'" >&2; exit 2; }
cc="${CC:-$(command -v clang-14 || command -v clang || true)}"
if [ -z "$cc" ]; then
  echo "fuzz: no clang found (Debian: apt-get install clang-14 libclang-rt-14-dev)" >&2
  exit 2
fi
out="${FUZZ_OUT:-$(mktemp -d /tmp/immsched-fuzz.XXXXXX)}"
mkdir -p "$out/seeds" "$out/work"

# 1. the target with both sanitizers; any UB report aborts (a finding, not a warning)
if ! "$cc" -g -O1 -std=c99 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
  -o "$out/fuzz_decode" "$here/fuzz_decode.c" "$c_dir/immsched_proto.c" 2>"$out/cc.log"; then
  cat "$out/cc.log" >&2
  echo "fuzz: $cc cannot build a libFuzzer target (Debian: apt-get install libclang-rt-14-dev)" >&2
  exit 2
fi

# 2. seeds: the raw and wire bytes of every vector (the valid frames and the known bad ones)
perl -ne 'my $n = 0; while (/\b(raw|wire) ([0-9a-f]+)/g) { open my $f, ">", "'"$out"'/seeds/v$.-" . $n++ or die; binmode $f; print $f pack("H*", $2); close $f }' \
  "$c_dir/../vectors/vectors.txt"
cp "$here/corpus/"* "$out/work/" 2>/dev/null || true

# 3. fuzz; frames are at most IMMSCHED_MAX_WIRE_FRAME (527) bytes, a few frames per input
log="$out/fuzz.log"
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  "$out/fuzz_decode" -max_total_time="$seconds" ${FUZZ_RUNS:+-runs=$FUZZ_RUNS} -max_len=2048 -print_final_stats=1 -artifact_prefix="$out/" \
  "$out/work" "$out/seeds" >"$log" 2>&1
status=$?
execs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' | tail -1)
edges=$(grep -oE 'INFO: Loaded 1 modules +\([0-9]+ inline 8-bit counters' "$log" | grep -oE '\([0-9]+' | tr -d '(')
cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+')
rate=$(grep -oE 'exec/s: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+')
corpus=$(ls "$out/work" | wc -l)
if [ "$status" -ne 0 ]; then
  tail -60 "$log" >&2
  echo "fuzz: FINDING after ${execs:-?} executions; input saved as $(ls "$out"/crash-* "$out"/leak-* "$out"/timeout-* 2>/dev/null | head -1)" >&2
  exit 1
fi

# 4. the corpus kept in the repository: only inputs that add coverage (libFuzzer's merge)
if [ "${FUZZ_UPDATE_CORPUS:-0}" = 1 ]; then
  mkdir -p "$here/corpus"
  "$out/fuzz_decode" -merge=1 "$here/corpus" "$out/work" "$out/seeds" >"$out/merge.log" 2>&1
fi

# 5. source coverage of the codec over the corpus reached (llvm-cov, when installed)
line=""
profdata="$(command -v llvm-profdata-14 || command -v llvm-profdata || true)"
llvmcov="$(command -v llvm-cov-14 || command -v llvm-cov || true)"
if [ -n "$profdata" ] && [ -n "$llvmcov" ] &&
  "$cc" -O1 -std=c99 -fsanitize=fuzzer -fprofile-instr-generate -fcoverage-mapping \
    -o "$out/fuzz_cov" "$here/fuzz_decode.c" "$c_dir/immsched_proto.c" 2>>"$out/cc.log"; then
  LLVM_PROFILE_FILE="$out/cov.profraw" "$out/fuzz_cov" -runs=0 "$out/work" "$out/seeds" >"$out/cov.log" 2>&1
  "$profdata" merge -sparse "$out/cov.profraw" -o "$out/cov.profdata"
  total=$("$llvmcov" report "$out/fuzz_cov" -instr-profile="$out/cov.profdata" "$c_dir/immsched_proto.c" 2>/dev/null | grep -E '^TOTAL')
  # TOTAL regions missed % functions missed % lines missed % branches missed %
  line=$(awk '{print "lines " $10 " · branches " $13 " · regions " $4 " · functions " $7}' <<<"$total")
fi

took=$(grep -oE 'Done [0-9]+ runs in [0-9]+ second' "$log" | grep -oE '[0-9]+ second' | grep -oE '[0-9]+' || echo "$seconds")
echo "fuzz: no finding · ${execs} executions in ${took} s (${rate} exec/s at the end) · edges covered ${cov} of ${edges} (libFuzzer counters, harness included) · corpus ${corpus} inputs"
[ -n "$line" ] && echo "fuzz: immsched_proto.c source coverage over the corpus: $line"
[ -z "${FUZZ_OUT:-}" ] && rm -rf "$out"
exit 0
