"""SSIM, size ratio and dimensions of each of our outputs against Sharp's.

usage: compare_outputs.py OURS_DIR SHARP_DIR
Prints one line per output and a summary; exits 1 if a target is missed
(SSIM >= 0.95, size <= 1.15 x Sharp's, identical dimensions).
"""
import sys
from pathlib import Path

import numpy as np
from PIL import Image
from skimage.metrics import structural_similarity


def main(ours: Path, sharp: Path) -> int:
    rows, worst_ssim, worst_ratio, bad_dims = [], 1.0, 0.0, 0
    for s in sorted(sharp.glob("*.jpg")):
        o = ours / s.name
        if not o.exists():
            print(f"{s.name}: missing in ours")
            bad_dims += 1
            continue
        a, b = Image.open(o).convert("L"), Image.open(s).convert("L")
        if a.size != b.size:
            print(f"{s.name}: dims {a.size} vs {b.size}")
            bad_dims += 1
            continue
        ssim = structural_similarity(np.asarray(a), np.asarray(b), data_range=255)
        ratio = o.stat().st_size / s.stat().st_size
        worst_ssim, worst_ratio = min(worst_ssim, ssim), max(worst_ratio, ratio)
        rows.append((s.name, ssim, ratio, o.stat().st_size, s.stat().st_size))
        print(f"{s.name:28s} ssim {ssim:.4f}  size {o.stat().st_size:>9d} / {s.stat().st_size:>9d} = {ratio:.3f}  {a.size[0]}x{a.size[1]}")
    total_o = sum(r[3] for r in rows)
    total_s = sum(r[4] for r in rows)
    print(f"outputs {len(rows)}  worst ssim {worst_ssim:.4f}  worst size ratio {worst_ratio:.3f}  "
          f"total bytes {total_o} / {total_s} = {total_o / max(total_s, 1):.3f}  dimension mismatches {bad_dims}")
    return 0 if worst_ssim >= 0.95 and worst_ratio <= 1.15 and bad_dims == 0 else 1


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))
