#!/bin/sh
# run.sh BUILD TARGET SECONDS - runs one libFuzzer target for SECONDS from
# its checked-in seeds (tests/fuzz/corpus/TARGET, never written to); new
# inputs go to BUILD/fuzz-corpus/TARGET, a crashing input to
# BUILD/fuzz-artifacts/. Exits non-zero on any crash, leak, sanitizer
# report or timeout, and prints how to replay it.
set -eu
build=$1 target=$2 seconds=$3
bin=$build/fuzz/$target
seeds=tests/fuzz/corpus/$target
work=$build/fuzz-corpus/$target
artifacts=$build/fuzz-artifacts/$target/
mkdir -p "$work" "$artifacts"
echo "== $target: ${seconds}s from $(ls "$seeds" | wc -l) seeds"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"
if ! "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
	-artifact_prefix="$artifacts" -print_final_stats=1 "$work" "$seeds" \
	>"$build/fuzz-$target.log" 2>&1; then
	tail -n 60 "$build/fuzz-$target.log"
	echo "$target FAILED; replay with: $bin $artifacts<file>" >&2
	exit 1
fi
grep -E "stat::number_of_executed_units|stat::new_units_added" "$build/fuzz-$target.log" |
	sed "s/^/   $target /"
