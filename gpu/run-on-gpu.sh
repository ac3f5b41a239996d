#!/usr/bin/env bash
# The one command of a GPU run: everything that needs the GPU machine, in one go, within ~9 minutes,
# every result under $OUT, continuing past failures. Needs gpu/bundle/ (gpu/build-bundle.sh) beside
# the working tree; the machine needs no Java, only python3 with torch and transformers.
#
#   1. every gpu-tagged test (backend/cuda/*GpuTest) through the JUnit console launcher
#   2. reference fixtures from transformers (gpu/make_fixtures.py), compared with the committed ones
#   3. encoder throughput: transformers eager and SDPA (bf16) against the CUDA backend, MiniLM-L6 and
#      bert-base shapes, sequence length 128, batches 1/32/128, rounds interleaved
#
# Files back (at most 8): summary.txt, run.log, gpu-tests.txt, gpu-tests.xml, hf-fixtures.tar.gz,
# throughput.jsonl, throughput.txt. Exit status 0 whenever summary.txt was written; what failed is
# in it. Knobs (environment): PYTHON (python3), BUDGET_S (540: the whole run), ROUNDS (3),
# ITERATIONS (20), BATCHES (1,32,128), ENCODER_BACKEND (cuda; cpu tries the Java side without a GPU).
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT" || exit 1
: "${OUT:?OUT must name the folder for the results}"
mkdir -p "$OUT"
PYTHON="${PYTHON:-python3}"
BUDGET_S="${BUDGET_S:-540}"
ROUNDS="${ROUNDS:-3}"
ITERATIONS="${ITERATIONS:-20}"
BATCHES="${BATCHES:-1,32,128}"
ENCODER_BACKEND="${ENCODER_BACKEND:-cuda}"
BUNDLE="$ROOT/gpu/bundle"
JAVA=("$BUNDLE/jre/bin/java" -Xmx16g --add-modules jdk.incubator.vector -Dorg.slf4j.simpleLogger.showDateTime=true)
JAR="$BUNDLE/textintel-gpu.jar"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
LOG="$OUT/run.log"
SUMMARY="$OUT/summary.txt"
THROUGHPUT="$OUT/throughput.jsonl"
: > "$LOG"
: > "$THROUGHPUT"
START=$(date +%s)
PARTS=()

remaining() { echo $((START + BUDGET_S - $(date +%s))); }

# part NAME LIMIT_S OUTPUT_FILE COMMAND...: runs COMMAND with at most LIMIT_S seconds (less when the
# run's budget is nearly spent), its output appended to OUTPUT_FILE, and records status and time
part() {
    local name="$1" limit="$2" output="$3"
    shift 3
    local left
    left=$(( $(remaining) - 15 ))
    if [ "$left" -lt 10 ]; then
        PARTS+=("$name: not run, the run's ${BUDGET_S} s were spent")
        return 124
    fi
    [ "$limit" -gt "$left" ] && limit="$left"
    echo "=== $name (limit ${limit} s) $(date -u +%H:%M:%S)" >> "$LOG"
    local begin=$SECONDS rc
    timeout --kill-after=10 "$limit" "$@" >> "$output" 2>> "$LOG"
    rc=$?
    local took=$((SECONDS - begin)) verdict="ok"
    [ "$rc" -ne 0 ] && verdict="FAILED (exit $rc)"
    [ "$rc" -eq 124 ] && verdict="TIMED OUT after ${limit} s"
    PARTS+=("$name: $verdict, ${took} s")
    echo "=== $name: $verdict, ${took} s" >> "$LOG"
    return "$rc"
}

machine() {
    echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "uname: $(uname -a)"
    echo "cpus: $(nproc), load: $(cat /proc/loadavg)"
    head -3 "$BUNDLE/BUILD.txt"
    "${JAVA[0]}" -version 2>&1 | head -1
    "$PYTHON" -c 'import sys, torch, transformers; print("python", sys.version.split()[0], "torch", torch.__version__,
        "cuda", torch.version.cuda, "available", torch.cuda.is_available(), "transformers", transformers.__version__)' \
        2>&1 | tail -1
    if command -v nvidia-smi > /dev/null; then
        timeout 20 nvidia-smi --query-gpu=name,driver_version,memory.total,memory.used,utilization.gpu,clocks.sm,temperature.gpu \
            --format=csv
    else
        echo "nvidia-smi: not on this machine"
    fi
}

load_line() { # one JSON line: loadavg and the GPU's state now
    local gpu="none"
    command -v nvidia-smi > /dev/null \
        && gpu="$(timeout 20 nvidia-smi --query-gpu=utilization.gpu,memory.used,clocks.sm,temperature.gpu --format=csv,noheader \
            | head -1)"
    printf '{"load": "loadavg %s; gpu util, memory, sm clock, temperature: %s", "round": %s, "shape": "%s"}\n' \
        "$(cut -d' ' -f1-3 /proc/loadavg)" "$gpu" "$1" "$2"
}

if [ ! -x "${JAVA[0]}" ] || [ ! -f "$JAR" ]; then
    echo "no bundle at $BUNDLE: run gpu/build-bundle.sh and carry gpu/bundle" | tee "$SUMMARY"
    exit 0
fi

echo "=== machine" >> "$LOG"
machine >> "$LOG" 2>&1

# 1. the GPU tests: one JUnit XML report and the tree with every assertion's message
part "gpu tests" 240 "$OUT/gpu-tests.txt" "${JAVA[@]}" -jar "$JAR" execute --disable-banner --disable-ansi-colors \
    --details=tree --details-theme=ascii --fail-if-no-tests --include-engine junit-jupiter --include-tag gpu \
    --select-package io.textintel.serving.backend.cuda --reports-dir "$WORK/junit"
[ -f "$WORK/junit/TEST-junit-jupiter.xml" ] && cp "$WORK/junit/TEST-junit-jupiter.xml" "$OUT/gpu-tests.xml"

# 2. fixtures from transformers
COMMITTED_FIXTURES=model-serving/src/test/resources/io/textintel/serving/model/hf-fixtures
if part "fixtures" 150 "$LOG" "$PYTHON" gpu/make_fixtures.py "$WORK/hf-fixtures"; then
    tar -C "$WORK" -czf "$OUT/hf-fixtures.tar.gz" hf-fixtures
    python3 gpu/compare_fixtures.py "$WORK/hf-fixtures" "$COMMITTED_FIXTURES" > "$WORK/fixtures-compared.txt" 2>> "$LOG"
fi

# 3. throughput: save each shape once, then rounds that alternate which side runs first
SHAPES=()
for shape in minilm base; do
    part "save $shape" 120 "$LOG" "$PYTHON" gpu/torch_encoder_peer.py save "$shape" "$WORK/$shape" && SHAPES+=("$shape")
done
peer() {
    part "round $1 $2 transformers" 90 "$THROUGHPUT" "$PYTHON" gpu/torch_encoder_peer.py bench "$WORK/$2" \
        --shape "$2" --round "$1" --batches "$BATCHES" --iterations "$ITERATIONS"
}
ours() {
    part "round $1 $2 textintel" 120 "$THROUGHPUT" "${JAVA[@]}" -cp "$JAR" \
        io.textintel.serving.backend.cuda.CudaEncoderThroughput "$WORK/$2" --shape "$2" --round "$1" \
        --batches "$BATCHES" --iterations "$ITERATIONS" --backend "$ENCODER_BACKEND"
}
for round in $(seq 1 "$ROUNDS"); do
    for shape in "${SHAPES[@]}"; do
        load_line "$round" "$shape" >> "$THROUGHPUT"
        if [ $((round % 2)) -eq 1 ]; then
            peer "$round" "$shape"; ours "$round" "$shape"
        else
            ours "$round" "$shape"; peer "$round" "$shape"
        fi
    done
done
"$PYTHON" gpu/throughput_report.py "$THROUGHPUT" > "$OUT/throughput.txt" 2>> "$LOG" \
    || python3 gpu/throughput_report.py "$THROUGHPUT" > "$OUT/throughput.txt" 2>> "$LOG"

{
    echo "GPU run of $(head -1 "$BUNDLE/BUILD.txt"), $(( $(date +%s) - START )) s in all"
    printf '%s\n' "${PARTS[@]}"
    echo
    echo "gpu tests:"
    grep -E '^\[ +[0-9]+ tests (found|successful|failed|aborted|skipped) ' "$OUT/gpu-tests.txt" 2>/dev/null \
        || echo "  no test summary (see gpu-tests.txt and run.log)"
    # aborted tests are the ones an assumption skipped: say why, once per reason
    grep -o 'Assumption failed: .*' "$OUT/gpu-tests.txt" 2>/dev/null | sort | uniq -c | head -5
    # failed tests ([X] in the ASCII tree, whatever the machine's locale) with their messages' further lines
    awk '/\[X\]/ { shown = 1; print; next } shown && NF && !/(\+|'"'"')-- / { print; next } { shown = 0 }' \
        "$OUT/gpu-tests.txt" 2>/dev/null | head -150
    echo
    echo "fixtures made here against the committed ones:"
    cat "$WORK/fixtures-compared.txt" 2>/dev/null || echo "  none made"
    echo
    echo "throughput:"
    cat "$OUT/throughput.txt" 2>/dev/null
} > "$SUMMARY"
cat "$SUMMARY"
exit 0
