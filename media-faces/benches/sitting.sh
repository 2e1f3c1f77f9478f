#!/bin/bash
# One sitting, one thread each: face-api 1.7.15 (tfjs WASM, Node), dlib
# (face_recognition, OMP_NUM_THREADS=1) and this engine's criterion bench,
# back to back, with the load average logged between steps.
# Usage: media-faces/benches/sitting.sh FACEREF_DIR OUT_DIR
# (FACEREF_DIR: the reference tools of issue 24 with node_modules, .venv and
# package/demo installed, as its README says.)
set -euo pipefail
REF=$1; OUT=$2; mkdir -p "$OUT"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
log() { echo "{\"step\":\"$1\",\"at\":\"$(date -Is)\",\"load\":\"$(uptime | sed 's/.*load average: //')\"}" >> "$OUT/load.jsonl"; }
: > "$OUT/load.jsonl"; log start
(cd "$REF" && node timing.mjs 3 package/demo/sample{1..6}.jpg) > "$OUT/faceapi_timing.json"; log after_faceapi
(cd "$ROOT" && cargo bench -p media-faces --bench engine -- --noplot) > "$OUT/engine_bench.txt" 2>&1; log after_engine
(cd "$REF" && OMP_NUM_THREADS=1 .venv/bin/python dlib_reference.py package/demo/sample{1..6}.jpg) > "$OUT/dlib.jsonl"; log after_dlib
(cd "$REF" && OMP_NUM_THREADS=1 .venv/bin/python dlib_at_boxes.py boxes_orig.jsonl package/demo) > "$OUT/dlib_at_boxes.jsonl"; log end
