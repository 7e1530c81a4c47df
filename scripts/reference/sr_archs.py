"""
The published PyTorch definitions of the super-resolution architectures Upscale Bench imports, used as the
independent reference for the parity fixtures (make-model-fixtures.py, and the ncnn fixtures). Transcribed
faithfully, with only device/typing noise removed; each class names its source.

- RRDBNet (Real-ESRGAN layout): xinntao/BasicSR basicsr/archs/rrdbnet_arch.py (Apache-2.0), the network
  Real-ESRGAN's RealESRGAN_x4plus / x2plus weights load into. Keys conv_first, body.N.rdbK.convJ, conv_body,
  conv_up1/2, conv_hr, conv_last; scale 2 and 1 pixel-unshuffle the input by 2 and 4.
- OldRRDBNet (ESRGAN "old arch", keys model.N…): xinntao/ESRGAN block.py / architecture.py as kept by
  chaiNNer-org/spandrel architectures/ESRGAN/__arch/RRDB.py (mode CNA, LeakyReLU 0.2, nearest upconv), with
  spandrel's pixel-unshuffle handling (reflect-pad to a multiple, crop the output).
- SRVGGNetCompact: xinntao/Real-ESRGAN realesrgan/archs/srvgg_arch.py (BSD-3-Clause).
- SPAN: hongyuanyu/SPAN as kept by chaiNNer-org/spandrel architectures/SPAN/__arch/span.py (six SPABs,
  Conv3XC re-parameterised on every forward; `.cuda()` on the mean removed).
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


# ---------------------------------------------------------------- BasicSR RRDBNet (Real-ESRGAN layout)
def pixel_unshuffle(x, scale):
    b, c, hh, hw = x.size()
    out_channel = c * (scale**2)
    assert hh % scale == 0 and hw % scale == 0
    h = hh // scale
    w = hw // scale
    x_view = x.view(b, c, h, scale, w, scale)
    return x_view.permute(0, 1, 3, 5, 2, 4).reshape(b, out_channel, h, w)


class ResidualDenseBlock(nn.Module):
    def __init__(self, num_feat=64, num_grow_ch=32):
        super().__init__()
        self.conv1 = nn.Conv2d(num_feat, num_grow_ch, 3, 1, 1)
        self.conv2 = nn.Conv2d(num_feat + num_grow_ch, num_grow_ch, 3, 1, 1)
        self.conv3 = nn.Conv2d(num_feat + 2 * num_grow_ch, num_grow_ch, 3, 1, 1)
        self.conv4 = nn.Conv2d(num_feat + 3 * num_grow_ch, num_grow_ch, 3, 1, 1)
        self.conv5 = nn.Conv2d(num_feat + 4 * num_grow_ch, num_feat, 3, 1, 1)
        self.lrelu = nn.LeakyReLU(negative_slope=0.2, inplace=True)

    def forward(self, x):
        x1 = self.lrelu(self.conv1(x))
        x2 = self.lrelu(self.conv2(torch.cat((x, x1), 1)))
        x3 = self.lrelu(self.conv3(torch.cat((x, x1, x2), 1)))
        x4 = self.lrelu(self.conv4(torch.cat((x, x1, x2, x3), 1)))
        x5 = self.conv5(torch.cat((x, x1, x2, x3, x4), 1))
        return x5 * 0.2 + x


class RRDB(nn.Module):
    def __init__(self, num_feat, num_grow_ch=32):
        super().__init__()
        self.rdb1 = ResidualDenseBlock(num_feat, num_grow_ch)
        self.rdb2 = ResidualDenseBlock(num_feat, num_grow_ch)
        self.rdb3 = ResidualDenseBlock(num_feat, num_grow_ch)

    def forward(self, x):
        out = self.rdb1(x)
        out = self.rdb2(out)
        out = self.rdb3(out)
        return out * 0.2 + x


class RRDBNet(nn.Module):
    def __init__(self, num_in_ch, num_out_ch, scale=4, num_feat=64, num_block=23, num_grow_ch=32):
        super().__init__()
        self.scale = scale
        if scale == 2:
            num_in_ch = num_in_ch * 4
        elif scale == 1:
            num_in_ch = num_in_ch * 16
        self.conv_first = nn.Conv2d(num_in_ch, num_feat, 3, 1, 1)
        self.body = nn.Sequential(*[RRDB(num_feat, num_grow_ch) for _ in range(num_block)])
        self.conv_body = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
        self.conv_up1 = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
        self.conv_up2 = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
        self.conv_hr = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
        self.conv_last = nn.Conv2d(num_feat, num_out_ch, 3, 1, 1)
        self.lrelu = nn.LeakyReLU(negative_slope=0.2, inplace=True)

    def forward(self, x):
        if self.scale == 2:
            feat = pixel_unshuffle(x, scale=2)
        elif self.scale == 1:
            feat = pixel_unshuffle(x, scale=4)
        else:
            feat = x
        feat = self.conv_first(feat)
        body_feat = self.conv_body(self.body(feat))
        feat = feat + body_feat
        feat = self.lrelu(self.conv_up1(F.interpolate(feat, scale_factor=2, mode="nearest")))
        feat = self.lrelu(self.conv_up2(F.interpolate(feat, scale_factor=2, mode="nearest")))
        out = self.conv_last(self.lrelu(self.conv_hr(feat)))
        return out


def pad_to_multiple(x, multiple, mode="reflect"):
    """spandrel __arch_helpers/padding.py: pad bottom/right up to a multiple."""
    _, _, h, w = x.size()
    ph = (multiple - h % multiple) % multiple
    pw = (multiple - w % multiple) % multiple
    if ph == 0 and pw == 0:
        return x
    return F.pad(x, (0, pw, 0, ph), mode=mode)


class PaddedUnshuffle(nn.Module):
    """spandrel's RRDBNet.forward for pixel-unshuffle nets: any input size, output cropped back."""

    def __init__(self, net, shuffle, true_scale):
        super().__init__()
        self.net, self.shuffle, self.true_scale = net, shuffle, true_scale

    def forward(self, x):
        _, _, h, w = x.size()
        out = self.net(pad_to_multiple(x, self.shuffle))
        return out[:, :, : h * self.true_scale, : w * self.true_scale]


# ---------------------------------------------------------------- ESRGAN old arch (model.N keys)
class ShortcutBlock(nn.Module):
    def __init__(self, sub):
        super().__init__()
        self.sub = sub

    def forward(self, x):
        return x + self.sub(x)


def conv_block(in_nc, out_nc, act=True):
    layers = [nn.Conv2d(in_nc, out_nc, 3, 1, 1)]
    if act:
        layers.append(nn.LeakyReLU(0.2, True))
    return nn.Sequential(*layers)


class OldResidualDenseBlock5C(nn.Module):
    def __init__(self, nf, gc=32):
        super().__init__()
        self.conv1 = conv_block(nf, gc)
        self.conv2 = conv_block(nf + gc, gc)
        self.conv3 = conv_block(nf + 2 * gc, gc)
        self.conv4 = conv_block(nf + 3 * gc, gc)
        self.conv5 = conv_block(nf + 4 * gc, nf, act=False)

    def forward(self, x):
        x1 = self.conv1(x)
        x2 = self.conv2(torch.cat((x, x1), 1))
        x3 = self.conv3(torch.cat((x, x1, x2), 1))
        x4 = self.conv4(torch.cat((x, x1, x2, x3), 1))
        x5 = self.conv5(torch.cat((x, x1, x2, x3, x4), 1))
        return x5 * 0.2 + x


class OldRRDB(nn.Module):
    def __init__(self, nf, gc=32):
        super().__init__()
        self.RDB1 = OldResidualDenseBlock5C(nf, gc)
        self.RDB2 = OldResidualDenseBlock5C(nf, gc)
        self.RDB3 = OldResidualDenseBlock5C(nf, gc)

    def forward(self, x):
        out = self.RDB3(self.RDB2(self.RDB1(x)))
        return out * 0.2 + x


class OldRRDBNet(nn.Module):
    """model.0 conv, model.1 shortcut(RRDBs + conv), [Upsample, conv, LeakyReLU] per x2, HR conv + act, last conv."""

    def __init__(self, in_nc=3, out_nc=3, nf=64, nb=23, scale=4, gc=32, shuffle_factor=None):
        super().__init__()
        self.shuffle_factor = shuffle_factor
        self.scale = scale
        ups = []
        for _ in range(int(math.log(scale, 2))):
            ups += [nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(nf, nf, 3, 1, 1), nn.LeakyReLU(0.2, True)]
        self.model = nn.Sequential(
            nn.Conv2d(in_nc, nf, 3, 1, 1),
            ShortcutBlock(nn.Sequential(*[OldRRDB(nf, gc) for _ in range(nb)], nn.Conv2d(nf, nf, 3, 1, 1))),
            *ups,
            nn.Conv2d(nf, nf, 3, 1, 1),
            nn.LeakyReLU(0.2, True),
            nn.Conv2d(nf, out_nc, 3, 1, 1),
        )

    def forward(self, x):
        if self.shuffle_factor:
            true_scale = self.scale // self.shuffle_factor
            _, _, h, w = x.size()
            x = pad_to_multiple(x, self.shuffle_factor, mode="reflect")
            x = torch.pixel_unshuffle(x, downscale_factor=self.shuffle_factor)
            x = self.model(x)
            return x[:, :, : h * true_scale, : w * true_scale]
        return self.model(x)


# ---------------------------------------------------------------- Real-ESRGAN Compact
class SRVGGNetCompact(nn.Module):
    def __init__(self, num_in_ch=3, num_out_ch=3, num_feat=64, num_conv=16, upscale=4, act_type="prelu"):
        super().__init__()
        self.num_in_ch = num_in_ch
        self.num_out_ch = num_out_ch
        self.num_feat = num_feat
        self.num_conv = num_conv
        self.upscale = upscale
        self.act_type = act_type

        self.body = nn.ModuleList()
        self.body.append(nn.Conv2d(num_in_ch, num_feat, 3, 1, 1))
        self.body.append(self._act(act_type, num_feat))
        for _ in range(num_conv):
            self.body.append(nn.Conv2d(num_feat, num_feat, 3, 1, 1))
            self.body.append(self._act(act_type, num_feat))
        self.body.append(nn.Conv2d(num_feat, num_out_ch * upscale * upscale, 3, 1, 1))
        self.upsampler = nn.PixelShuffle(upscale)

    @staticmethod
    def _act(act_type, num_feat):
        if act_type == "relu":
            return nn.ReLU(inplace=True)
        if act_type == "prelu":
            return nn.PReLU(num_parameters=num_feat)
        return nn.LeakyReLU(negative_slope=0.1, inplace=True)

    def forward(self, x):
        out = x
        for i in range(0, len(self.body)):
            out = self.body[i](out)
        out = self.upsampler(out)
        base = F.interpolate(x, scale_factor=self.upscale, mode="nearest")
        out += base
        return out


# ---------------------------------------------------------------- SPAN
class Conv3XC(nn.Module):
    def __init__(self, c_in, c_out, gain1=1, s=1, bias=True, relu=False):
        super().__init__()
        self.stride = s
        self.has_relu = relu
        gain = gain1
        self.sk = nn.Conv2d(c_in, c_out, kernel_size=1, padding=0, stride=s, bias=bias)
        self.conv = nn.Sequential(
            nn.Conv2d(c_in, c_in * gain, kernel_size=1, padding=0, bias=bias),
            nn.Conv2d(c_in * gain, c_out * gain, kernel_size=3, stride=s, padding=0, bias=bias),
            nn.Conv2d(c_out * gain, c_out, kernel_size=1, padding=0, bias=bias),
        )
        self.eval_conv = nn.Conv2d(c_in, c_out, kernel_size=3, padding=1, stride=s, bias=bias)

    def update_params(self):
        w1 = self.conv[0].weight.data.clone().detach()
        b1 = self.conv[0].bias.data.clone().detach()
        w2 = self.conv[1].weight.data.clone().detach()
        b2 = self.conv[1].bias.data.clone().detach()
        w3 = self.conv[2].weight.data.clone().detach()
        b3 = self.conv[2].bias.data.clone().detach()
        w = F.conv2d(w1.flip(2, 3).permute(1, 0, 2, 3), w2, padding=2, stride=1).flip(2, 3).permute(1, 0, 2, 3)
        b = (w2 * b1.reshape(1, -1, 1, 1)).sum((1, 2, 3)) + b2
        weight_concat = F.conv2d(w.flip(2, 3).permute(1, 0, 2, 3), w3, padding=0, stride=1).flip(2, 3).permute(1, 0, 2, 3)
        bias_concat = (w3 * b.reshape(1, -1, 1, 1)).sum((1, 2, 3)) + b3
        sk_w = F.pad(self.sk.weight.data.clone().detach(), [1, 1, 1, 1])
        self.eval_conv.weight.data = (weight_concat + sk_w).contiguous()
        self.eval_conv.bias.data = (bias_concat + self.sk.bias.data.clone().detach()).contiguous()

    def forward(self, x):
        self.update_params()
        out = self.eval_conv(x)
        if self.has_relu:
            out = F.leaky_relu(out, negative_slope=0.05)
        return out


class SPAB(nn.Module):
    def __init__(self, in_channels, mid_channels=None, out_channels=None, bias=False):
        super().__init__()
        mid_channels = mid_channels or in_channels
        out_channels = out_channels or in_channels
        self.in_channels = in_channels
        self.c1_r = Conv3XC(in_channels, mid_channels, gain1=2, s=1)
        self.c2_r = Conv3XC(mid_channels, mid_channels, gain1=2, s=1)
        self.c3_r = Conv3XC(mid_channels, out_channels, gain1=2, s=1)
        self.act1 = torch.nn.SiLU(inplace=True)
        self.act2 = nn.LeakyReLU(0.1, True)

    def forward(self, x):
        out1 = self.c1_r(x)
        out1_act = self.act1(out1)
        out2 = self.c2_r(out1_act)
        out2_act = self.act1(out2)
        out3 = self.c3_r(out2_act)
        sim_att = torch.sigmoid(out3) - 0.5
        out = (out3 + x) * sim_att
        return out, out1, sim_att


class SPAN(nn.Module):
    def __init__(self, num_in_ch, num_out_ch, feature_channels=48, upscale=4, bias=True, norm=True, img_range=255.0, rgb_mean=(0.4488, 0.4371, 0.4040)):
        super().__init__()
        self.in_channels = num_in_ch
        self.out_channels = num_out_ch
        self.img_range = img_range
        self.mean = torch.Tensor(rgb_mean).view(1, 3, 1, 1)
        if not norm:
            self.register_buffer("no_norm", torch.zeros(1))
        else:
            self.no_norm = None
        self.conv_1 = Conv3XC(self.in_channels, feature_channels, gain1=2, s=1)
        self.block_1 = SPAB(feature_channels, bias=bias)
        self.block_2 = SPAB(feature_channels, bias=bias)
        self.block_3 = SPAB(feature_channels, bias=bias)
        self.block_4 = SPAB(feature_channels, bias=bias)
        self.block_5 = SPAB(feature_channels, bias=bias)
        self.block_6 = SPAB(feature_channels, bias=bias)
        self.conv_cat = nn.Conv2d(feature_channels * 4, feature_channels, kernel_size=1, bias=True)
        self.conv_2 = Conv3XC(feature_channels, feature_channels, gain1=2, s=1)
        self.upsampler = nn.Sequential(nn.Conv2d(feature_channels, self.out_channels * upscale**2, 3, 1, 1), nn.PixelShuffle(upscale))

    def forward(self, x):
        if self.no_norm is None:
            x = (x - self.mean.type_as(x)) * self.img_range
        out_feature = self.conv_1(x)
        out_b1, _, _ = self.block_1(out_feature)
        out_b2, _, _ = self.block_2(out_b1)
        out_b3, _, _ = self.block_3(out_b2)
        out_b4, _, _ = self.block_4(out_b3)
        out_b5, _, _ = self.block_5(out_b4)
        out_b6, out_b5_2, _ = self.block_6(out_b5)
        out_b6 = self.conv_2(out_b6)
        out = self.conv_cat(torch.cat([out_feature, out_b6, out_b1, out_b5_2], 1))
        return self.upsampler(out)


# ---------------------------------------------------------------- OmniSR
# Omni Aggregation Networks (Wang et al., CVPR 2023; Francis0625/Omni-SR, Apache-2.0) as kept by
# chaiNNer-org/spandrel architectures/OmniSR/__arch/{OmniSR,OSAG,OSA,esa,layernorm,pixelshuffle}.py.
# Debian has no einops: each einops rearrange is written as the equivalent view/permute, named in a comment.
class LayerNorm2d(nn.Module):
    def __init__(self, channels, eps=1e-6):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(channels))
        self.bias = nn.Parameter(torch.zeros(channels))
        self.eps = eps

    def forward(self, x):
        N, C, H, W = x.size()
        mu = x.mean(1, keepdim=True)
        var = (x - mu).pow(2).mean(1, keepdim=True)
        y = (x - mu) / (var + self.eps).sqrt()
        return self.weight.view(1, C, 1, 1) * y + self.bias.view(1, C, 1, 1)


class _MeanHW(nn.Module):  # Reduce("b c h w -> b c", "mean")
    def forward(self, x):
        return x.mean(dim=(2, 3))


class _ToBC11(nn.Module):  # Rearrange("b c -> b c 1 1")
    def forward(self, x):
        return x[:, :, None, None]


class SqueezeExcitation(nn.Module):
    def __init__(self, dim, shrinkage_rate=0.25):
        super().__init__()
        hidden_dim = int(dim * shrinkage_rate)
        self.gate = nn.Sequential(_MeanHW(), nn.Linear(dim, hidden_dim, bias=False), nn.SiLU(), nn.Linear(hidden_dim, dim, bias=False), nn.Sigmoid(), _ToBC11())

    def forward(self, x):
        return x * self.gate(x)


class MBConvResidual(nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, x):
        return self.fn(x) + x


def MBConv(dim_in, dim_out, expansion_rate=1, shrinkage_rate=0.25):
    hidden_dim = int(expansion_rate * dim_out)
    net = nn.Sequential(
        nn.Conv2d(dim_in, hidden_dim, 1),
        nn.GELU(),
        nn.Conv2d(hidden_dim, hidden_dim, 3, stride=1, padding=1, groups=hidden_dim),
        nn.GELU(),
        SqueezeExcitation(hidden_dim, shrinkage_rate=shrinkage_rate),
        nn.Conv2d(hidden_dim, dim_out, 1),
    )
    return MBConvResidual(net)


class PreNormResidual(nn.Module):
    def __init__(self, dim, fn):
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.fn = fn

    def forward(self, x):
        return self.fn(self.norm(x)) + x


class Conv_PreNormResidual(nn.Module):
    def __init__(self, dim, fn):
        super().__init__()
        self.norm = LayerNorm2d(dim)
        self.fn = fn

    def forward(self, x):
        return self.fn(self.norm(x)) + x


class Gated_Conv_FeedForward(nn.Module):
    def __init__(self, dim, mult=1, bias=False):
        super().__init__()
        hidden = int(dim * mult)
        self.project_in = nn.Conv2d(dim, hidden * 2, kernel_size=1, bias=bias)
        self.dwconv = nn.Conv2d(hidden * 2, hidden * 2, kernel_size=3, stride=1, padding=1, groups=hidden * 2, bias=bias)
        self.project_out = nn.Conv2d(hidden, dim, kernel_size=1, bias=bias)

    def forward(self, x):
        x = self.project_in(x)
        x1, x2 = self.dwconv(x).chunk(2, dim=1)
        return self.project_out(F.gelu(x1) * x2)


class Attention(nn.Module):
    def __init__(self, dim, dim_head=32, window_size=7, with_pe=True):
        super().__init__()
        self.heads = dim // dim_head
        self.scale = dim_head**-0.5
        self.with_pe = with_pe
        self.to_qkv = nn.Linear(dim, dim * 3, bias=False)
        self.attend = nn.Sequential(nn.Softmax(dim=-1), nn.Dropout(0.0))
        self.to_out = nn.Sequential(nn.Linear(dim, dim, bias=False), nn.Dropout(0.0))
        if with_pe:
            self.rel_pos_bias = nn.Embedding((2 * window_size - 1) ** 2, self.heads)
            pos = torch.arange(window_size)
            grid = torch.stack(torch.meshgrid(pos, pos, indexing="ij"))  # c i j
            grid = grid.permute(1, 2, 0).reshape(-1, 2)  # "c i j -> (i j) c"
            rel_pos = grid[:, None, :] - grid[None, :, :]
            rel_pos += window_size - 1
            self.register_buffer("rel_pos_indices", (rel_pos * torch.tensor([2 * window_size - 1, 1])).sum(dim=-1), persistent=False)

    def forward(self, x):
        batch, height, width, wh, ww, d = x.shape
        h = self.heads
        x = x.reshape(batch * height * width, wh * ww, d)  # "b x y w1 w2 d -> (b x y) (w1 w2) d"
        q, k, v = self.to_qkv(x).chunk(3, dim=-1)
        q, k, v = (t.reshape(t.shape[0], t.shape[1], h, -1).permute(0, 2, 1, 3) for t in (q, k, v))  # "b n (h d) -> b h n d"
        q = q * self.scale
        sim = torch.einsum("b h i d, b h j d -> b h i j", q, k)
        if self.with_pe:
            bias = self.rel_pos_bias(self.rel_pos_indices)
            sim = sim + bias.permute(2, 0, 1)  # "i j h -> h i j"
        attn = self.attend(sim)
        out = torch.einsum("b h i j, b h j d -> b h i d", attn, v)
        out = out.permute(0, 2, 1, 3).reshape(out.shape[0], wh, ww, -1)  # "b h (w1 w2) d -> b w1 w2 (h d)"
        out = self.to_out(out)
        return out.reshape(batch, height, width, wh, ww, d)  # "(b x y) ... -> b x y ..."


class _ToBlocks(nn.Module):  # Rearrange("b d (x w1) (y w2) -> b x y w1 w2 d")
    def __init__(self, w):
        super().__init__()
        self.w = w

    def forward(self, x):
        b, d, H, W = x.shape
        return x.view(b, d, H // self.w, self.w, W // self.w, self.w).permute(0, 2, 4, 3, 5, 1)


class _FromBlocks(nn.Module):  # Rearrange("b x y w1 w2 d -> b d (x w1) (y w2)")
    def forward(self, x):
        b, X, Y, w1, w2, d = x.shape
        return x.permute(0, 5, 1, 3, 2, 4).reshape(b, d, X * w1, Y * w2)


class _ToGrid(nn.Module):  # Rearrange("b d (w1 x) (w2 y) -> b x y w1 w2 d")
    def __init__(self, w):
        super().__init__()
        self.w = w

    def forward(self, x):
        b, d, H, W = x.shape
        return x.view(b, d, self.w, H // self.w, self.w, W // self.w).permute(0, 3, 5, 2, 4, 1)


class _FromGrid(nn.Module):  # Rearrange("b x y w1 w2 d -> b d (w1 x) (w2 y)")
    def forward(self, x):
        b, X, Y, w1, w2, d = x.shape
        return x.permute(0, 5, 3, 1, 4, 2).reshape(b, d, w1 * X, w2 * Y)


class Channel_Attention(nn.Module):
    def __init__(self, dim, heads, bias=False, window_size=7, grid=False):
        super().__init__()
        self.heads = heads
        self.temperature = nn.Parameter(torch.ones(heads, 1, 1))
        self.ps = window_size
        self.grid = grid
        self.qkv = nn.Conv2d(dim, dim * 3, kernel_size=1, bias=bias)
        self.qkv_dwconv = nn.Conv2d(dim * 3, dim * 3, kernel_size=3, stride=1, padding=1, groups=dim * 3, bias=bias)
        self.project_out = nn.Conv2d(dim, dim, kernel_size=1, bias=bias)

    def forward(self, x):
        b, c, h, w = x.shape
        p, hd = self.ps, self.heads
        qkv = self.qkv_dwconv(self.qkv(x)).chunk(3, dim=1)
        # view as b head d hh ph ww pw
        split = [t.view(b, hd, c // hd, h // p, p, w // p, p) for t in qkv]
        if self.grid:  # "b (head d) (h ph) (w pw) -> b (ph pw) head d (h w)"
            q, k, v = (t.permute(0, 4, 6, 1, 2, 3, 5).reshape(b, p * p, hd, c // hd, (h // p) * (w // p)) for t in split)
        else:  # "b (head d) (h ph) (w pw) -> b (h w) head d (ph pw)"
            q, k, v = (t.permute(0, 3, 5, 1, 2, 4, 6).reshape(b, (h // p) * (w // p), hd, c // hd, p * p) for t in split)
        q = F.normalize(q, dim=-1)
        k = F.normalize(k, dim=-1)
        attn = (q @ k.transpose(-2, -1)) * self.temperature
        attn = attn.softmax(dim=-1)
        out = attn @ v
        if self.grid:  # "b (ph pw) head d (h w) -> b (head d) (h ph) (w pw)"
            out = out.view(b, p, p, hd, c // hd, h // p, w // p).permute(0, 3, 4, 5, 1, 6, 2).reshape(b, c, h, w)
        else:  # "b (h w) head d (ph pw) -> b (head d) (h ph) (w pw)"
            out = out.view(b, h // p, w // p, hd, c // hd, p, p).permute(0, 3, 4, 1, 5, 2, 6).reshape(b, c, h, w)
        return self.project_out(out)


class OSA_Block(nn.Module):
    def __init__(self, channel_num=64, window_size=8, with_pe=False):
        super().__init__()
        w = window_size
        self.layer = nn.Sequential(
            MBConv(channel_num, channel_num, expansion_rate=1, shrinkage_rate=0.25),
            _ToBlocks(w),
            PreNormResidual(channel_num, Attention(dim=channel_num, dim_head=channel_num // 4, window_size=w, with_pe=with_pe)),
            _FromBlocks(),
            Conv_PreNormResidual(channel_num, Gated_Conv_FeedForward(dim=channel_num)),
            Conv_PreNormResidual(channel_num, Channel_Attention(dim=channel_num, heads=4, window_size=w)),
            Conv_PreNormResidual(channel_num, Gated_Conv_FeedForward(dim=channel_num)),
            _ToGrid(w),
            PreNormResidual(channel_num, Attention(dim=channel_num, dim_head=channel_num // 4, window_size=w, with_pe=with_pe)),
            _FromGrid(),
            Conv_PreNormResidual(channel_num, Gated_Conv_FeedForward(dim=channel_num)),
            Conv_PreNormResidual(channel_num, Channel_Attention(dim=channel_num, heads=4, window_size=w, grid=True)),
            Conv_PreNormResidual(channel_num, Gated_Conv_FeedForward(dim=channel_num)),
        )

    def forward(self, x):
        return self.layer(x)


class ESA(nn.Module):
    def __init__(self, esa_channels, n_feats):
        super().__init__()
        f = esa_channels
        self.conv1 = nn.Conv2d(n_feats, f, kernel_size=1)
        self.conv_f = nn.Conv2d(f, f, kernel_size=1)
        self.conv2 = nn.Conv2d(f, f, kernel_size=3, stride=2, padding=0)
        self.conv3 = nn.Conv2d(f, f, kernel_size=3, padding=1)
        self.conv4 = nn.Conv2d(f, n_feats, kernel_size=1)
        self.sigmoid = nn.Sigmoid()

    def forward(self, x):
        c1_ = self.conv1(x)
        c1 = self.conv2(c1_)
        v_max = F.max_pool2d(c1, kernel_size=7, stride=3)
        c3 = self.conv3(v_max)
        c3 = F.interpolate(c3, (x.size(2), x.size(3)), mode="bilinear", align_corners=False)
        cf = self.conv_f(c1_)
        c4 = self.conv4(c3 + cf)
        return x * self.sigmoid(c4)


class OSAG(nn.Module):
    def __init__(self, channel_num=64, bias=True, block_num=4, window_size=0, pe=False):
        super().__init__()
        group_list = [OSA_Block(channel_num, window_size=window_size, with_pe=pe) for _ in range(block_num)]
        group_list.append(nn.Conv2d(channel_num, channel_num, 1, 1, 0, bias=bias))
        self.residual_layer = nn.Sequential(*group_list)
        self.esa = ESA(max(channel_num // 4, 16), channel_num)

    def forward(self, x):
        return self.esa(self.residual_layer(x) + x)


class OmniSR(nn.Module):
    def __init__(self, num_in_ch=3, num_out_ch=3, num_feat=64, block_num=1, pe=True, window_size=8, res_num=1, up_scale=4, bias=True):
        super().__init__()
        self.up_scale = up_scale
        self.window_size = window_size
        self.residual_layer = nn.Sequential(*[OSAG(channel_num=num_feat, bias=bias, block_num=block_num, window_size=window_size, pe=pe) for _ in range(res_num)])
        self.input = nn.Conv2d(num_in_ch, num_feat, kernel_size=3, stride=1, padding=1, bias=bias)
        self.output = nn.Conv2d(num_feat, num_feat, kernel_size=3, stride=1, padding=1, bias=bias)
        self.up = nn.Sequential(nn.Conv2d(num_feat, num_out_ch * up_scale**2, 3, padding=1, bias=bias), nn.PixelShuffle(up_scale))

    def forward(self, x):
        H, W = x.shape[2:]
        x = pad_to_multiple(x, self.window_size, mode="constant")
        residual = self.input(x)
        out = self.residual_layer(residual)
        out = torch.add(self.output(out), residual)
        out = self.up(out)
        return out[:, :, : H * self.up_scale, : W * self.up_scale]


# ---------------------------------------------------------------- RealPLKSR
# Partial Large Kernel CNNs for Efficient Super-Resolution (dslisleedh/PLKSR; the "Real" variant by
# neosr) as kept by chaiNNer-org/spandrel architectures/PLKSR/__arch/RealPLKSR.py, without DySample.
class PLKLayerNorm(nn.Module):
    def __init__(self, dim, eps=1e-6):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.bias = nn.Parameter(torch.zeros(dim))
        self.eps = eps

    def forward(self, x):
        u = x.mean(1, keepdim=True)
        s = (x - u).pow(2).mean(1, keepdim=True)
        x = (x - u) / torch.sqrt(s + self.eps)
        return self.weight[:, None, None] * x + self.bias[:, None, None]


class DCCM(nn.Sequential):
    def __init__(self, dim):
        super().__init__(nn.Conv2d(dim, dim * 2, 3, 1, 1), nn.Mish(), nn.Conv2d(dim * 2, dim, 3, 1, 1))


class PLKConv2d(nn.Module):
    def __init__(self, dim, kernel_size):
        super().__init__()
        self.conv = nn.Conv2d(dim, dim, kernel_size, 1, kernel_size // 2)
        self.idx = dim

    def forward(self, x):
        x1, x2 = torch.split(x, [self.idx, x.size(1) - self.idx], dim=1)
        return torch.cat([self.conv(x1), x2], dim=1)


class EA(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.f = nn.Sequential(nn.Conv2d(dim, dim, 3, 1, 1), nn.Sigmoid())

    def forward(self, x):
        return x * self.f(x)


class PLKBlock(nn.Module):
    def __init__(self, dim, kernel_size, split_ratio, use_ea=True, norm_groups=4, use_layer_norm=False):
        super().__init__()
        self.layer_norm = PLKLayerNorm(dim) if use_layer_norm else nn.Identity()
        self.channel_mixer = DCCM(dim)
        self.lk = PLKConv2d(int(dim * split_ratio), kernel_size)
        self.attn = EA(dim) if use_ea else nn.Identity()
        self.refine = nn.Conv2d(dim, dim, 1, 1, 0)
        self.norm = nn.GroupNorm(norm_groups, dim) if not use_layer_norm else nn.Identity()

    def forward(self, x):
        x_skip = x
        x = self.layer_norm(x)
        x = self.channel_mixer(x)
        x = self.lk(x)
        x = self.attn(x)
        x = self.refine(x)
        x = self.norm(x)
        return x + x_skip


class RealPLKSR(nn.Module):
    def __init__(self, dim=64, n_blocks=28, upscaling_factor=4, kernel_size=17, split_ratio=0.25, use_ea=True, norm_groups=4, layer_norm=False):
        super().__init__()
        in_ch = out_ch = 3
        self.feats = nn.Sequential(
            *[nn.Conv2d(in_ch, dim, 3, 1, 1)]
            + [PLKBlock(dim, kernel_size, split_ratio, use_ea, norm_groups, layer_norm) for _ in range(n_blocks)]
            + [nn.Dropout2d(0)]
            + [nn.Conv2d(dim, out_ch * upscaling_factor**2, 3, 1, 1)]
        )
        self.s = upscaling_factor
        self.to_img = nn.PixelShuffle(upscaling_factor)

    def forward(self, x):
        x = self.feats(x) + torch.repeat_interleave(x, repeats=self.s**2, dim=1)
        return self.to_img(x)


# ---------------------------------------------------------------- SwinIR
# SwinIR: Image Restoration Using Swin Transformer (Liang et al.; JingyunLiang/SwinIR, Apache-2.0) as kept
# by chaiNNer-org/spandrel architectures/SwinIR/__arch/SwinIR.py (inference parts; no dropout/drop-path,
# no absolute position embedding, no pixel-unshuffle stem).
def window_partition(x, window_size):
    B, H, W, C = x.shape
    x = x.view(B, H // window_size, window_size, W // window_size, window_size, C)
    return x.permute(0, 1, 3, 2, 4, 5).contiguous().view(-1, window_size, window_size, C)


def window_reverse(windows, window_size, H, W):
    B = int(windows.shape[0] / (H * W / window_size / window_size))
    x = windows.view(B, H // window_size, W // window_size, window_size, window_size, -1)
    return x.permute(0, 1, 3, 2, 4, 5).contiguous().view(B, H, W, -1)


class SwinMlp(nn.Module):
    def __init__(self, in_features, hidden_features):
        super().__init__()
        self.fc1 = nn.Linear(in_features, hidden_features)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(hidden_features, in_features)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class WindowAttention(nn.Module):
    def __init__(self, dim, window_size, num_heads, qkv_bias=True):
        super().__init__()
        self.dim = dim
        self.window_size = window_size
        self.num_heads = num_heads
        head_dim = dim // num_heads
        self.scale = head_dim**-0.5
        self.relative_position_bias_table = nn.Parameter(torch.zeros((2 * window_size[0] - 1) * (2 * window_size[1] - 1), num_heads))
        coords = torch.stack(torch.meshgrid([torch.arange(window_size[0]), torch.arange(window_size[1])], indexing="ij"))
        coords_flatten = torch.flatten(coords, 1)
        relative_coords = (coords_flatten[:, :, None] - coords_flatten[:, None, :]).permute(1, 2, 0).contiguous()
        relative_coords[:, :, 0] += window_size[0] - 1
        relative_coords[:, :, 1] += window_size[1] - 1
        relative_coords[:, :, 0] *= 2 * window_size[1] - 1
        self.register_buffer("relative_position_index", relative_coords.sum(-1))
        self.qkv = nn.Linear(dim, dim * 3, bias=qkv_bias)
        self.proj = nn.Linear(dim, dim)
        nn.init.trunc_normal_(self.relative_position_bias_table, std=0.02)
        self.softmax = nn.Softmax(dim=-1)

    def forward(self, x, mask=None):
        B_, N, C = x.shape
        qkv = self.qkv(x).reshape(B_, N, 3, self.num_heads, C // self.num_heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        q = q * self.scale
        attn = q @ k.transpose(-2, -1)
        n = self.window_size[0] * self.window_size[1]
        bias = self.relative_position_bias_table[self.relative_position_index.view(-1)].view(n, n, -1).permute(2, 0, 1).contiguous()
        attn = attn + bias.unsqueeze(0)
        if mask is not None:
            nW = mask.shape[0]
            attn = attn.view(B_ // nW, nW, self.num_heads, N, N) + mask.unsqueeze(1).unsqueeze(0)
            attn = attn.view(-1, self.num_heads, N, N)
        attn = self.softmax(attn)
        x = (attn @ v).transpose(1, 2).reshape(B_, N, C)
        return self.proj(x)


class SwinTransformerBlock(nn.Module):
    def __init__(self, dim, input_resolution, num_heads, window_size=7, shift_size=0, mlp_ratio=4.0):
        super().__init__()
        self.dim = dim
        self.input_resolution = input_resolution
        self.window_size = window_size
        self.shift_size = shift_size
        if min(self.input_resolution) <= self.window_size:
            self.shift_size = 0
            self.window_size = min(self.input_resolution)
        self.norm1 = nn.LayerNorm(dim)
        self.attn = WindowAttention(dim, window_size=(self.window_size, self.window_size), num_heads=num_heads)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = SwinMlp(dim, int(dim * mlp_ratio))
        self.register_buffer("attn_mask", self.calculate_mask(self.input_resolution) if self.shift_size > 0 else None)

    def calculate_mask(self, x_size):
        H, W = x_size
        img_mask = torch.zeros((1, H, W, 1))
        slices = (slice(0, -self.window_size), slice(-self.window_size, -self.shift_size), slice(-self.shift_size, None))
        cnt = 0
        for h in slices:
            for w in slices:
                img_mask[:, h, w, :] = cnt
                cnt += 1
        mask_windows = window_partition(img_mask, self.window_size).view(-1, self.window_size * self.window_size)
        attn_mask = mask_windows.unsqueeze(1) - mask_windows.unsqueeze(2)
        return attn_mask.masked_fill(attn_mask != 0, -100.0).masked_fill(attn_mask == 0, 0.0)

    def forward(self, x, x_size):
        H, W = x_size
        B, L, C = x.shape
        shortcut = x
        x = self.norm1(x).view(B, H, W, C)
        shifted_x = torch.roll(x, shifts=(-self.shift_size, -self.shift_size), dims=(1, 2)) if self.shift_size > 0 else x
        x_windows = window_partition(shifted_x, self.window_size).view(-1, self.window_size * self.window_size, C)
        mask = self.attn_mask if self.input_resolution == x_size else (self.calculate_mask(x_size) if self.shift_size > 0 else None)
        attn_windows = self.attn(x_windows, mask=mask).view(-1, self.window_size, self.window_size, C)
        shifted_x = window_reverse(attn_windows, self.window_size, H, W)
        x = torch.roll(shifted_x, shifts=(self.shift_size, self.shift_size), dims=(1, 2)) if self.shift_size > 0 else shifted_x
        x = shortcut + x.view(B, H * W, C)
        return x + self.mlp(self.norm2(x))


class BasicLayer(nn.Module):
    def __init__(self, dim, input_resolution, depth, num_heads, window_size, mlp_ratio=4.0):
        super().__init__()
        self.blocks = nn.ModuleList(
            [SwinTransformerBlock(dim, input_resolution, num_heads, window_size, 0 if (i % 2 == 0) else window_size // 2, mlp_ratio) for i in range(depth)]
        )

    def forward(self, x, x_size):
        for blk in self.blocks:
            x = blk(x, x_size)
        return x


def _resi_conv(dim, resi_connection):
    if resi_connection == "1conv":
        return nn.Conv2d(dim, dim, 3, 1, 1)
    return nn.Sequential(
        nn.Conv2d(dim, dim // 4, 3, 1, 1), nn.LeakyReLU(negative_slope=0.2, inplace=True), nn.Conv2d(dim // 4, dim // 4, 1, 1, 0), nn.LeakyReLU(negative_slope=0.2, inplace=True), nn.Conv2d(dim // 4, dim, 3, 1, 1)
    )


def _embed(x):  # PatchEmbed without norm: B C H W -> B HW C
    return x.flatten(2).transpose(1, 2)


def _unembed(x, x_size):  # PatchUnEmbed
    B, HW, C = x.shape
    return x.transpose(1, 2).view(B, C, x_size[0], x_size[1])


class RSTB(nn.Module):
    def __init__(self, dim, input_resolution, depth, num_heads, window_size, mlp_ratio, resi_connection):
        super().__init__()
        self.residual_group = BasicLayer(dim, input_resolution, depth, num_heads, window_size, mlp_ratio)
        self.conv = _resi_conv(dim, resi_connection)

    def forward(self, x, x_size):
        return _embed(self.conv(_unembed(self.residual_group(x, x_size), x_size))) + x


class _PatchEmbedNorm(nn.Module):
    def __init__(self, dim, patch_norm):
        super().__init__()
        self.norm = nn.LayerNorm(dim) if patch_norm else None

    def forward(self, x):
        x = _embed(x)
        return self.norm(x) if self.norm is not None else x


class SwinIR(nn.Module):
    def __init__(self, img_size=64, in_chans=3, embed_dim=96, depths=(6, 6, 6, 6), num_heads=(6, 6, 6, 6), window_size=7, mlp_ratio=4.0, patch_norm=True, upscale=1, img_range=1.0, upsampler="", resi_connection="1conv", num_feat=64):
        super().__init__()
        num_in_ch = num_out_ch = in_chans
        self.img_range = img_range
        self.mean = torch.Tensor((0.4488, 0.4371, 0.4040)).view(1, 3, 1, 1) if in_chans == 3 else torch.zeros(1, 1, 1, 1)
        self.upscale = upscale
        self.upsampler = upsampler
        self.window_size = window_size
        self.conv_first = nn.Conv2d(num_in_ch, embed_dim, 3, 1, 1)
        self.patch_embed = _PatchEmbedNorm(embed_dim, patch_norm)
        self.layers = nn.ModuleList([RSTB(embed_dim, (img_size, img_size), depths[i], num_heads[i], window_size, mlp_ratio, resi_connection) for i in range(len(depths))])
        self.norm = nn.LayerNorm(embed_dim)
        self.conv_after_body = _resi_conv(embed_dim, resi_connection)
        if upsampler == "pixelshuffle":
            self.conv_before_upsample = nn.Sequential(nn.Conv2d(embed_dim, num_feat, 3, 1, 1), nn.LeakyReLU(inplace=True))
            m = []
            if (upscale & (upscale - 1)) == 0:
                for _ in range(int(math.log(upscale, 2))):
                    m += [nn.Conv2d(num_feat, 4 * num_feat, 3, 1, 1), nn.PixelShuffle(2)]
            else:
                m += [nn.Conv2d(num_feat, 9 * num_feat, 3, 1, 1), nn.PixelShuffle(3)]
            self.upsample = nn.Sequential(*m)
            self.conv_last = nn.Conv2d(num_feat, num_out_ch, 3, 1, 1)
        elif upsampler == "pixelshuffledirect":
            self.upsample = nn.Sequential(nn.Conv2d(embed_dim, (upscale**2) * num_out_ch, 3, 1, 1), nn.PixelShuffle(upscale))
        elif upsampler == "nearest+conv":
            self.conv_before_upsample = nn.Sequential(nn.Conv2d(embed_dim, num_feat, 3, 1, 1), nn.LeakyReLU(inplace=True))
            self.conv_up1 = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
            if upscale >= 4:
                self.conv_up2 = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
            if upscale == 8:
                self.conv_up3 = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
            self.conv_hr = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
            self.conv_last = nn.Conv2d(num_feat, num_out_ch, 3, 1, 1)
            self.lrelu = nn.LeakyReLU(negative_slope=0.2, inplace=True)
        else:
            self.conv_last = nn.Conv2d(embed_dim, num_out_ch, 3, 1, 1)

    def forward_features(self, x):
        x_size = (x.shape[2], x.shape[3])
        x = self.patch_embed(x)
        for layer in self.layers:
            x = layer(x, x_size)
        return _unembed(self.norm(x), x_size)

    def forward(self, x):
        H, W = x.shape[2:]
        x = pad_to_multiple(x, self.window_size, mode="reflect")
        x = (x - self.mean.type_as(x)) * self.img_range
        up = lambda t: F.interpolate(t, scale_factor=2, mode="nearest")  # noqa: E731
        if self.upsampler == "pixelshuffle":
            x = self.conv_first(x)
            x = self.conv_after_body(self.forward_features(x)) + x
            x = self.conv_last(self.upsample(self.conv_before_upsample(x)))
        elif self.upsampler == "pixelshuffledirect":
            x = self.conv_first(x)
            x = self.upsample(self.conv_after_body(self.forward_features(x)) + x)
        elif self.upsampler == "nearest+conv":
            x = self.conv_first(x)
            x = self.conv_before_upsample(self.conv_after_body(self.forward_features(x)) + x)
            x = self.lrelu(self.conv_up1(up(x)))
            if self.upscale >= 4:
                x = self.lrelu(self.conv_up2(up(x)))
            if self.upscale == 8:
                x = self.lrelu(self.conv_up3(up(x)))
            x = self.conv_last(self.lrelu(self.conv_hr(x)))
        else:
            x_first = self.conv_first(x)
            res = self.conv_after_body(self.forward_features(x_first)) + x_first
            x = x + self.conv_last(res)
        x = x / self.img_range + self.mean
        return x[:, :, : H * self.upscale, : W * self.upscale]
