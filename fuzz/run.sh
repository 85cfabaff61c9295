#!/usr/bin/env bash
# Runs every fuzz target (or those named) for FUZZ_SECONDS each, FUZZ_JOBS of them at a time
# (default 1; CI uses one per core). A target stops at FUZZ_SECONDS or after FUZZ_RUNS executions
# (when set), whichever comes first.
# Corpora: <build>/work/<target> (kept between runs, grows) + <build>/corpus/<target> (seeds.sh).
# Findings (crash-*, leak-*, timeout-*, oom-*) go to <build>/artifacts/<target>/, logs to
# <build>/logs/<target>.log. Prints one line per target (runs, coverage, seconds, result) and
# exits 1 if any target had a finding.
# Usage: FUZZ_SECONDS=30 [FUZZ_JOBS=2] [FUZZ_RUNS=10000000] fuzz/run.sh <build-fuzz folder> [target...]
set -uo pipefail
build=$(cd "${1:?usage: fuzz/run.sh <build-fuzz folder> [target...]}" && pwd)
shift
here=$(cd "$(dirname "$0")" && pwd)
seconds=${FUZZ_SECONDS:-30}
jobs=${FUZZ_JOBS:-1}
runs_limit=${FUZZ_RUNS:-}
targets=${*:-"safetensors pickle torch_checkpoint png jpeg model_config settings clip_tokenizer a1111_parameters
               prompt_syntax ldm_yaml ldm_key_map lora"}
dict_of() {
  case $1 in
    safetensors) echo safetensors ;;
    pickle|torch_checkpoint) echo pickle ;;
    model_config) echo json ;;
    settings|ldm_yaml) echo yaml ;;
    a1111_parameters|prompt_syntax) echo a1111 ;;
  esac
}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=0:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# run_one TARGET: fuzzes one target and writes its summary line to <build>/logs/TARGET.result.
run_one() {
  local t=${1#fuzz_}
  local bin=$build/fuzz/fuzz_$t
  mkdir -p "$build/work/$t" "$build/artifacts/$t" "$build/logs" "$build/corpus/fuzz_$t"
  local args=(-max_total_time="$seconds" -timeout=20 -rss_limit_mb=2560 -print_final_stats=1
              -artifact_prefix="$build/artifacts/$t/")
  [ -n "$runs_limit" ] && args+=(-runs="$runs_limit")
  # The fixture checkpoint's data.pkl (143 KB) would set the length limit; a prefix of it keeps the
  # pickle targets at thousands of executions a second instead of hundreds.
  case $t in pickle|torch_checkpoint) args+=(-max_len=16384) ;; esac
  local d
  d=$(dict_of "$t")
  [ -n "$d" ] && args+=(-dict="$here/dicts/$d.dict")
  local lsan=
  [ "$t" = torch_checkpoint ] && lsan=suppressions=$here/lsan.supp  # see fuzz/lsan.supp
  local before start rc new secs runs cov result
  before=$(ls "$build/artifacts/$t")
  start=$(date +%s)
  LSAN_OPTIONS=$lsan "$bin" "${args[@]}" "$build/work/$t" "$build/corpus/fuzz_$t" > "$build/logs/$t.log" 2>&1
  rc=$?
  new=$(comm -13 <(echo "$before") <(ls "$build/artifacts/$t") | tr '\n' ' ')
  secs=$(( $(date +%s) - start ))
  runs=$(grep -o 'Done [0-9]* runs' "$build/logs/$t.log" | tail -1 | awk '{print $2}')
  [ -z "$runs" ] && runs=$(grep -o '^stat::number_of_executed_units: *[0-9]*' "$build/logs/$t.log" | awk '{print $2}')
  cov=$(grep -o 'cov: [0-9]*' "$build/logs/$t.log" | tail -1 | awk '{print $2}')
  if [ $rc -eq 0 ]; then result=ok; else result="FINDING (rc $rc): $new"; fi
  printf '%-24s %12s %8s %6s  %s\n' "fuzz_$t" "${runs:-?}" "${cov:-?}" "$secs" "$result" > "$build/logs/$t.result"
}

printf '%-24s %12s %8s %6s  %s\n' target runs cov secs result
running=0
for t in $targets; do
  t=${t#fuzz_}
  rm -f "$build/logs/$t.result"
  run_one "$t" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then
    wait -n
    running=$((running - 1))
  fi
done
wait
failed=0
for t in $targets; do
  t=${t#fuzz_}
  if [ -f "$build/logs/$t.result" ]; then cat "$build/logs/$t.result"; else echo "fuzz_$t: no result"; failed=1; fi
  grep -q ' ok$' "$build/logs/$t.result" 2>/dev/null || failed=1
done
if [ $failed -ne 0 ]; then
  echo "fuzz: findings above; reproduce with <build>/fuzz/fuzz_<target> <artifact>, logs in $build/logs" >&2
fi
exit $failed
