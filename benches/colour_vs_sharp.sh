#!/usr/bin/env bash
# Wide-gamut and press files against Sharp (issue 13): corpus photos
# converted to Adobe RGB, Display P3 and ProPhoto with the profile embedded
# (moxcms), and to CMYK by Sharp with libvips' built-in press profile
# embedded (a 940 KB LUT profile; the untagged copy holds the same inks); for each,
# the mean CIE76 ΔE of the 800 px thumbnail against the thumbnail of the
# sRGB original made the same way — ours against ours, Sharp's against
# Sharp's. Needs ../shared/bench copied to ANCHOR with its corpus made and
# `npm ci` run in ANCHOR/bench/sharp (see its README).
#
#     bash benches/colour_vs_sharp.sh /tmp/anchor
set -euo pipefail
anchor=${1:?usage: colour_vs_sharp.sh ANCHOR (the folder holding bench/)}
corpus="$anchor/bench/corpus"
# Upright originals: the tagged copies carry no EXIF orientation.
stems="cam_01 cam_02 phone_01 noexif_01"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/in" "$work/ours" "$work/sharp"
cargo build --release --locked -q -p media-cli
tool() { cargo bench --locked -q --bench colour_delta -- "$@"; }
for s in $stems; do cp "$corpus/$s.jpg" "$work/in/"; done
tool make "$work/in" $(for s in $stems; do echo "$corpus/$s.jpg"; done) >/dev/null
(cd "$anchor/bench/sharp" && node -e '
  const sharp = require("sharp");
  const [dir, ...stems] = process.argv.slice(1);
  (async () => {
    for (const s of stems) {
      const cmyk = () => sharp(`${dir}/${s}.jpg`).toColourspace("cmyk");
      await cmyk().withIccProfile("cmyk").jpeg({ quality: 95 }).toFile(`${dir}/${s}-cmyk.jpg`);
      await cmyk().jpeg({ quality: 95 }).toFile(`${dir}/${s}-cmyk-untagged.jpg`);
    }
  })().catch((e) => { console.error(e); process.exit(1); });
' "$work/in" $stems)
target/release/media-cli pipeline run --out "$work/ours" "$work"/in/*.jpg >/dev/null
(cd "$anchor/bench/sharp" && node pipeline.mjs --files $(ls "$work"/in/*.jpg | grep -v untagged) --out "$work/sharp" --quiet >/dev/null)
printf '| file | profile | ours ΔE | Sharp ΔE | profile ignored (before) |\n|---|---|---|---|---|\n'
for s in $stems; do
  for p in adobe p3 prophoto cmyk; do
    ours=$(tool delta "$work/ours/$s.thumb800.jpg" "$work/ours/$s-$p.thumb800.jpg")
    theirs=$(tool delta "$work/sharp/$s.thumb800.jpg" "$work/sharp/$s-$p.thumb800.jpg")
    before=$(tool delta "$work/ours/$s.thumb800.jpg" "$work/ours/$s-$p-untagged.thumb800.jpg")
    printf '| %s | %s | %s | %s | %s |\n' "$s" "$p" "$ours" "$theirs" "$before"
  done
done
