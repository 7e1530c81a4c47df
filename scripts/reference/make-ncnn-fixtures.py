#!/usr/bin/python3
"""Makes the committed parity fixtures for the ncnn and ONNX importers.

ncnn: the Real-ESRGAN ncnn models in waifu2x@1.6.5 (npm; see scripts/fetch-test-models or the test's set-up)
are read here by a second, plain-Python reader of the .param/.bin (fp16 and fp32 blobs) into a state dict
for the published PyTorch architectures in sr_archs.py (SRVGGNetCompact, RRDBNet), which then run on small
real crops. realesr-animevideov3-x2/x3 are the x4 net followed by a bicubic resize inside the ncnn graph
(Interp 0=3, scale 0.5 / 0.75); the reference does the same with torch's F.interpolate(mode='bicubic').

ONNX: a small SRVGGNetCompact with seeded random weights exported by torch.onnx.export (opset 16) with an
input named `lr_image` and an output named `sr`, and the torch output for a crop.

Run with Debian's python3-torch and python3-opencv (`/usr/bin/python3 scripts/reference/make-ncnn-fixtures.py
[MODEL_DIR]`); the tests only read what this writes, so they never need Python.
"""
import json
import os
import struct
import sys

import cv2
import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
from sr_archs import RRDBNet, SRVGGNetCompact  # noqa: E402

ROOT = os.path.join(os.path.dirname(__file__), '..', '..')
PHOTOS = os.path.join(ROOT, 'test', 'fixtures', 'photos')
OUT = os.path.join(ROOT, 'test', 'fixtures', 'ncnn')
OUT_ONNX = os.path.join(ROOT, 'test', 'fixtures', 'onnx-import')
MODELS = sys.argv[1] if len(sys.argv) > 1 else os.path.expanduser('~/.cache/upscale-bench/waifu2x-1.6.5/package/real-esrgan/models')

torch.set_num_threads(2)


# ---------------------------------------------------------------- a minimal ncnn reader, written from the format docs
def read_param(path):
    with open(path) as f:
        lines = [l.split() for l in f if l.strip()]
    assert lines[0] == ['7767517'], 'not an ncnn .param'
    layers = []
    for t in lines[2:]:
        typ, name, n_in, n_out = t[0], t[1], int(t[2]), int(t[3])
        params = {}
        for kv in t[4 + n_in + n_out:]:
            k, v = kv.split('=')
            params[int(k)] = v
        layers.append((typ, name, params))
    return layers


def read_weights(param_path, bin_path):
    """[(layer type, layer name, [arrays])] for the layers that have weights, in file order."""
    data = open(bin_path, 'rb').read()
    off = 0

    def raw(n):
        nonlocal off
        a = np.frombuffer(data, '<f4', n, off).copy()
        off += 4 * n
        return a

    def tagged(n):
        nonlocal off
        tag = struct.unpack_from('<I', data, off)[0]
        off += 4
        if tag == 0:
            return raw(n)
        assert tag == 0x01306B47, 'unexpected tag %x' % tag
        a = np.frombuffer(data, '<f2', n, off).astype(np.float32)
        off += (2 * n + 3) // 4 * 4
        return a

    out = []
    for typ, name, p in read_param(param_path):
        if typ == 'Convolution':
            n_out, k, size = int(p[0]), int(p.get(1, 0)), int(p[6])
            w = tagged(size).reshape(n_out, size // (n_out * k * k), k, k)
            b = raw(n_out) if int(p.get(5, 0)) else None
            out.append((typ, name, [w, b]))
        elif typ == 'PReLU':
            out.append((typ, name, [raw(int(p[0]))]))
    assert off == len(data), 'weights left over'
    return out


def compact_state_dict(weights):
    sd = {}
    for i, (typ, _, arrays) in enumerate(weights):
        if typ == 'Convolution':
            sd['body.%d.weight' % i] = torch.from_numpy(arrays[0])
            sd['body.%d.bias' % i] = torch.from_numpy(arrays[1])
        else:
            sd['body.%d.weight' % i] = torch.from_numpy(arrays[0])
    return sd


def rrdb_state_dict(weights, blocks):
    names = ['conv_first']
    for b in range(blocks):
        for r in range(1, 4):
            names += ['body.%d.rdb%d.conv%d' % (b, r, j) for j in range(1, 6)]
    names += ['conv_body', 'conv_up1', 'conv_up2', 'conv_hr', 'conv_last']
    convs = [a for t, _, a in weights if t == 'Convolution']
    assert len(convs) == len(names), (len(convs), len(names))
    sd = {}
    for n, (w, b) in zip(names, convs):
        sd[n + '.weight'] = torch.from_numpy(w)
        sd[n + '.bias'] = torch.from_numpy(b)
    return sd


# ---------------------------------------------------------------- crops and outputs
def crop(photo, x, y, w, h):
    im = cv2.imread(os.path.join(PHOTOS, photo), cv2.IMREAD_COLOR)
    return np.ascontiguousarray(im[y:y + h, x:x + w, ::-1])  # RGB


def to_tensor(rgb):
    return torch.from_numpy(rgb.astype(np.float32).transpose(2, 0, 1)[None] / 255.0)


def to_png(t, path):
    a = t[0].detach().numpy().transpose(1, 2, 0) * 255.0
    a = np.clip(np.round(a), 0, 255).astype(np.uint8)
    cv2.imwrite(path, np.ascontiguousarray(a[:, :, ::-1]))


def save_rgb(rgb, path):
    cv2.imwrite(path, np.ascontiguousarray(rgb[:, :, ::-1]))


def main():
    os.makedirs(OUT, exist_ok=True)
    os.makedirs(OUT_ONNX, exist_ok=True)
    manifest = {'models': {}, 'note': 'made by scripts/reference/make-ncnn-fixtures.py'}
    crops = {
        'chelsea': crop('chelsea.png', 150, 60, 48, 40),
        'astronaut': crop('astronaut.png', 180, 80, 40, 48),
    }
    for name, rgb in crops.items():
        save_rgb(rgb, os.path.join(OUT, 'input-%s.png' % name))

    cases = [
        ('realesr-animevideov3-x2', 'compact', 2, 'chelsea'),
        ('realesr-animevideov3-x3', 'compact', 3, 'astronaut'),
        ('realesr-animevideov3-x4', 'compact', 4, 'chelsea'),
        ('realesrgan-x4plus-anime', 'rrdb', 4, 'astronaut'),
    ]
    for model, arch, scale, crop_name in cases:
        weights = read_weights(os.path.join(MODELS, model + '.param'), os.path.join(MODELS, model + '.bin'))
        if arch == 'compact':
            convs = [a for t, _, a in weights if t == 'Convolution']
            net = SRVGGNetCompact(3, 3, num_feat=convs[0][0].shape[0], num_conv=len(convs) - 2, upscale=4, act_type='prelu')
            net.load_state_dict(compact_state_dict(weights), strict=True)
        else:
            blocks = (len([1 for t, _, _ in weights if t == 'Convolution']) - 6) // 15
            net = RRDBNet(3, 3, scale=4, num_feat=64, num_block=blocks, num_grow_ch=32)
            net.load_state_dict(rrdb_state_dict(weights, blocks), strict=True)
        net.eval()
        with torch.no_grad():
            y = net(to_tensor(crops[crop_name]))
            if scale != 4:
                y = F.interpolate(y, scale_factor=scale / 4, mode='bicubic', align_corners=False)
        out = 'expected-%s.png' % model
        to_png(y, os.path.join(OUT, out))
        manifest['models'][model] = {'input': 'input-%s.png' % crop_name, 'expected': out, 'scale': scale, 'arch': arch}
        print(model, tuple(y.shape))
    with open(os.path.join(OUT, 'manifest.json'), 'w') as f:
        json.dump(manifest, f, indent=2)
        f.write('\n')

    # ONNX: a small Compact with random weights, odd I/O names, free height and width.
    torch.manual_seed(7)
    net = SRVGGNetCompact(3, 3, num_feat=16, num_conv=3, upscale=2, act_type='prelu').eval()
    with torch.no_grad():
        for p in net.parameters():
            p.mul_(0.5)
    rgb = crops['chelsea']
    x = to_tensor(rgb)
    torch.onnx.export(net, x, os.path.join(OUT_ONNX, 'compact-x2-lr_image.onnx'), opset_version=16,
                      input_names=['lr_image'], output_names=['sr'],
                      dynamic_axes={'lr_image': {0: 'n', 2: 'h', 3: 'w'}, 'sr': {0: 'n', 2: 'h2', 3: 'w2'}})
    # and the same net with its input size fixed by the export, as many published .onnx files are
    torch.onnx.export(net, x, os.path.join(OUT_ONNX, 'compact-x2-static.onnx'), opset_version=16,
                      input_names=['image'], output_names=['upscaled'])
    with torch.no_grad():
        to_png(net(x), os.path.join(OUT_ONNX, 'expected-compact-x2.png'))
    save_rgb(rgb, os.path.join(OUT_ONNX, 'input-chelsea.png'))
    print('onnx fixtures written')


if __name__ == '__main__':
    main()
