#!/usr/bin/env bash
# Our image pipeline against the seed's Sharp pipeline, one thread each, in one
# sitting, on ../shared/bench's corpus. See BENCHMARKS.md for the figures.
#
#   bash benches/pipeline_vs_sharp.sh /tmp/anchor     # the folder holding bench/ (set up per its README)
#
# Needs: the anchor folder with bench/.venv (numpy, Pillow, scikit-image),
# bench/sharp/node_modules and bench/corpus; GNU time for peak RSS.
set -euo pipefail
anchor=${1:?usage: pipeline_vs_sharp.sh ANCHOR_DIR}
root=$(cd "$(dirname "$0")/.." && pwd)
corpus="$anchor/bench/corpus"
out="$anchor/out"
mkdir -p "$out/ours" "$out/sharp"

cargo build --release -q -p media-cli --manifest-path "$root/Cargo.toml"
cli="${CARGO_TARGET_DIR:-$root/target}/release/media-cli"
files=$(ls "$corpus"/*.jpg "$corpus"/*.png | sort)

echo "== ours (1 thread)"
/usr/bin/time -v "$cli" pipeline run --threads 1 --out "$out/ours" $files > "$out/ours.jsonl" 2> "$out/ours.time"
tail -1 "$out/ours.jsonl"
grep "Maximum resident" "$out/ours.time"

echo "== sharp (--concurrency 1)"
(cd "$anchor/bench/sharp" && /usr/bin/time -v node pipeline.mjs --concurrency 1 --out "$out/sharp" > "$out/sharp.jsonl" 2> "$out/sharp.time")
tail -1 "$out/sharp.jsonl"
grep "Maximum resident" "$out/sharp.time"

echo "== outputs: SSIM and size of ours against Sharp's"
"$anchor/bench/.venv/bin/python" "$root/benches/compare_outputs.py" "$out/ours" "$out/sharp"
