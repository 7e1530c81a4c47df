#!/usr/bin/python3
"""
Full-size DAT and HAT models with random weights, for timing and seam measurements only (no registry
package ships real DAT or HAT weights): the published configurations of DAT, DAT-S, DAT-2, DAT-light
(zhengchen1999/DAT options/Test) and HAT-S, HAT, HAT-L (XPixelGroup/HAT options/test), all x4, written as
.pth files the way BasicSR saves them (`params`), derived buffers included. Outputs are tamed to 0..1 on a
photo crop so seam comparisons are not hidden by clipping. Never committed (60-160 MB each).

    /usr/bin/python3 scripts/reference/make-transformer-bench-models.py OUT_DIR [NAME…]
    upscale-bench models add OUT_DIR/DAT-x4.pth     # prints the speed on this CPU
"""
import os
import sys

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, os.path.dirname(__file__))
import dat_arch  # noqa: E402
import hat_arch  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
torch.set_grad_enabled(False)
torch.manual_seed(7)
crop = np.asarray(Image.open(os.path.join(ROOT, "test", "fixtures", "photos", "astronaut.png")).convert("RGB").crop((100, 50, 164, 114)), dtype=np.float32) / 255
x = torch.from_numpy(crop).permute(2, 0, 1)[None]

VARIANTS = {
    "DAT": lambda: dat_arch.DAT(img_size=64, embed_dim=180, split_size=[8, 32], depth=[6] * 6, num_heads=[6] * 6, expansion_factor=4.0, upscale=4),
    "DAT-S": lambda: dat_arch.DAT(img_size=64, embed_dim=180, split_size=[8, 16], depth=[6] * 6, num_heads=[6] * 6, expansion_factor=2.0, upscale=4),
    "DAT-2": lambda: dat_arch.DAT(img_size=64, embed_dim=180, split_size=[8, 32], depth=[6] * 6, num_heads=[6] * 6, expansion_factor=2.0, upscale=4),
    "DAT-light": lambda: dat_arch.DAT(img_size=64, embed_dim=60, split_size=[8, 32], depth=[18], num_heads=[6], expansion_factor=2.0, upscale=4, resi_connection="3conv", upsampler="pixelshuffledirect"),
    "HAT-S": lambda: hat_arch.HAT(img_size=64, embed_dim=144, depths=[6] * 6, num_heads=[6] * 6, window_size=16, compress_ratio=24, squeeze_factor=24, overlap_ratio=0.5, mlp_ratio=2, upscale=4),
    "HAT": lambda: hat_arch.HAT(img_size=64, embed_dim=180, depths=[6] * 6, num_heads=[6] * 6, window_size=16, compress_ratio=3, squeeze_factor=30, overlap_ratio=0.5, mlp_ratio=2, upscale=4),
    "HAT-L": lambda: hat_arch.HAT(img_size=64, embed_dim=180, depths=[6] * 12, num_heads=[6] * 12, window_size=16, compress_ratio=3, squeeze_factor=30, overlap_ratio=0.5, mlp_ratio=2, upscale=4),
}


def tame(m, last):
    """Scale the last conv so the output has real contrast around mid-grey (the same architecture)."""
    last.bias.zero_()
    y = m(x)
    last.weight.mul_(0.15 / max(float(np.mean([y[0, c].std() for c in range(3)])), 1e-9))
    last.bias.add_(0.5 - float(m(x).mean()))


out = sys.argv[1]
os.makedirs(out, exist_ok=True)
for name in sys.argv[2:] or VARIANTS:
    m = VARIANTS[name]().eval()
    tame(m, m.upsample[0] if getattr(m, "upsampler", "pixelshuffle") == "pixelshuffledirect" else m.conv_last)
    path = os.path.join(out, f"{name}-x4.pth")
    torch.save({"params": m.state_dict()}, path)
    print(f"{name}: {path} ({os.path.getsize(path) / 1e6:.0f} MB)")
