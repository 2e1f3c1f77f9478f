#!/bin/bash
# One sitting, one thread each, alternated: media-faces' criterion bench
# (the SSD pass, the recognition net, a face) and this crate's in-process
# comparison (media-faces vs candle, round by round), twice, with the load
# average logged between steps.
# Usage (from this directory): ./sitting.sh OUT_DIR
set -euo pipefail
OUT=$1; mkdir -p "$OUT"
ROOT=$(cd ../.. && pwd)
export RAYON_NUM_THREADS=1
log() { echo "{\"step\":\"$1\",\"at\":\"$(date -Is)\",\"load\":\"$(uptime | sed 's/.*load average: //')\"}" >> "$OUT/load.jsonl"; }
: > "$OUT/load.jsonl"; log start
cargo build --release --locked
for i in 1 2; do
  (cd "$ROOT" && cargo bench -p media-faces --bench engine -- --noplot 'ssd_pass|per_face|recognition_net') > "$OUT/criterion_$i.txt" 2>&1; log "after_criterion_$i"
  cargo run --release --locked -- time 11 > "$OUT/engines_$i.txt" 2> "$OUT/engines_$i.rounds"; log "after_engines_$i"
done
