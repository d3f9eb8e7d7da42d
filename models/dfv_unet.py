"""Reference PyTorch implementation of the Diffusion Forcing `main`-branch Unet3D.

Written from the specification in shared/reference/diffusion-forcing.md §2. Module attribute names are
chosen so that `state_dict()` keys and shapes equal the official network's (minus the rotary `freqs`
copies), so official weights load with strict=True once the Lightning prefix and the rotary copies are
stripped (models/convert_official.py does that). The rotary frequencies are `model.rotary_freqs`, shared by
every temporal attention as in the official network, which USES the values a checkpoint stores; the model
file carries them as `rotary_time_pos_embedding.freqs` when they differ from the default (model_file.py).

Two extensions, both off for official models:
  * `groupnorm_per_frame`: GroupNorm statistics per frame instead of over the whole window, which makes
    earlier frames independent of later ones (temporal attention is causal) and allows cached context.
  * action conditioning (`action_dim > 0`): `action_mlp` (Linear(A, 4·dim) → SiLU → Linear(4·dim, 4·dim))
    of the per-frame action vector is added to the noise-level embedding. The first frame of the window
    has no preceding action, so its action vector is zeroed.

Layout: forward takes x (B, T, C, H, W) and t (B, T) integer timesteps; internally the official
(B, C, T, H, W) layout is used so Conv3d weights keep their official (out, in, 1, k, k) shapes.
Runs on torch 1.13 (CPU) and torch 2.x (CUDA, autocast); uses scaled_dot_product_attention when present.
"""
import math

import torch
import torch.nn.functional as F
from torch import nn

OFFICIAL_DEFAULTS = {
    "type": "unet3d", "channels": 3, "resolution": 64, "frame_stack": 1,
    "dim": 48, "dim_mults": [1, 2, 4, 8], "heads": 4, "dim_head": 32,
    "linear_attention": True, "init_kernel": 7,
    "groupnorm_groups": 8, "groupnorm_eps": 1e-6, "groupnorm_per_frame": False,
    "layernorm_eps": 1e-5, "rotary": True, "causal": True,
}


def complete_arch(arch):
    """The architecture dict with every missing key filled from the official defaults."""
    full = dict(OFFICIAL_DEFAULTS)
    full.update(arch or {})
    full["dim_mults"] = [int(m) for m in full["dim_mults"]]
    return full


def level_widths(arch):
    """dims = [dim, dim·m0, dim·m1, ...]; level i goes dims[i] → dims[i+1]."""
    return [arch["dim"]] + [arch["dim"] * m for m in arch["dim_mults"]]


def spatial_attention_is_linear(arch, where, index):
    """The official rule: linear on every down level but the last, every up level but the first."""
    levels = len(arch["dim_mults"])
    if not arch["linear_attention"] or where == "mid":
        return False
    if where == "down":
        return index != levels - 1
    return index > 0


_HAS_SDPA = hasattr(F, "scaled_dot_product_attention")
_SDPA_MAX_BATCH = 32768


class WindowGroupNorm(nn.GroupNorm):
    """GroupNorm on (B, C, T, H, W): statistics over the whole window (official) or per frame."""

    def __init__(self, groups, channels, eps, per_frame):
        super().__init__(groups, channels, eps=eps)
        self.per_frame = per_frame

    def forward(self, x):
        # Statistics in the weights' precision: CPU autocast (bf16) leaves norms to the caller.
        x = x.to(self.weight.dtype)
        if not self.per_frame:
            return super().forward(x)
        b, c, t, h, w = x.shape
        frames = x.permute(0, 2, 1, 3, 4).reshape(b * t, c, h, w)
        out = super().forward(frames)
        return out.reshape(b, t, c, h, w).permute(0, 2, 1, 3, 4)


def frame_conv(c_in, c_out, kernel, stride=1):
    """A per-frame 2D convolution stored as the official Conv3d with kernel (1, k, k)."""
    pad = kernel // 2
    return nn.Conv3d(c_in, c_out, kernel_size=(1, kernel, kernel), stride=(1, stride, stride),
                     padding=(0, pad, pad))


class ResnetBlock(nn.Module):
    def __init__(self, c_in, c_out, emb_dim, arch):
        super().__init__()
        groups, eps, per_frame = arch["groupnorm_groups"], arch["groupnorm_eps"], arch["groupnorm_per_frame"]
        self.in_layers = nn.Sequential(WindowGroupNorm(groups, c_in, eps, per_frame), nn.SiLU(),
                                       frame_conv(c_in, c_out, 3))
        self.out_layers = nn.Sequential(WindowGroupNorm(groups, c_out, eps, per_frame), nn.SiLU(),
                                        frame_conv(c_out, c_out, 3))
        self.emb_layers = nn.Sequential(nn.SiLU(), nn.Linear(emb_dim, 2 * c_out)) if emb_dim else None
        self.skip_conv = nn.Conv3d(c_in, c_out, 1) if c_in != c_out else nn.Identity()

    def forward(self, x, emb=None):
        h = self.in_layers(x)
        if self.emb_layers is None:
            h = self.out_layers(h)
        else:
            # emb (B, T, E) → per-frame scale and shift broadcast over (H, W).
            mod = self.emb_layers(emb).permute(0, 2, 1)[..., None, None]
            scale, shift = mod.chunk(2, dim=1)
            h = self.out_layers[0](h) * (1 + scale) + shift
            h = self.out_layers[2](self.out_layers[1](h))
        return self.skip_conv(x) + h


ROTARY_FREQS_KEY = "rotary_time_pos_embedding.freqs"


def default_rotary_freqs(dim_head):
    """What rotary_embedding_torch computes when nothing is stored: 1/10000^(2i/d) in float32."""
    return 1.0 / (10000 ** (torch.arange(0, dim_head, 2)[:dim_head // 2].float() / dim_head))


class RotaryFrequencies:
    """The pair frequencies of the temporal attention, one set shared by every layer (the official
    RotaryEmbedding module is shared the same way). Held as float32 outside the module tree, not as a
    buffer: model.to(float16) must not round them, and state_dict keys stay the official Unet3D's."""

    def __init__(self, dim_head):
        self.dim_head = dim_head
        self.values = default_rotary_freqs(dim_head)
        self._cache = {}

    def set(self, values):
        values = torch.as_tensor(values, dtype=torch.float32).reshape(-1).clone()
        if values.numel() != self.dim_head // 2:
            raise ValueError(f"{values.numel()} rotary frequencies for dim_head {self.dim_head}")
        self.values, self._cache = values, {}

    def is_default(self):
        return torch.equal(self.values, default_rotary_freqs(self.dim_head))

    def get(self, device, dtype):
        key = (str(device), dtype)
        if key not in self._cache:
            self._cache[key] = self.values.to(device=device, dtype=dtype)
        return self._cache[key]


def apply_rotary(x, freqs=None, offset=0):
    """Interleaved-pair rotary embedding over the token axis (-2) of x (..., n, d), the tokens at positions
    offset, offset + 1, ...; computed in fp32 (fp64 for fp64 inputs, so the double-precision reference
    stays exact). freqs: a RotaryFrequencies (None: the default)."""
    n, d = x.shape[-2], x.shape[-1]
    work = torch.float64 if x.dtype == torch.float64 else torch.float32
    freqs = freqs or RotaryFrequencies(d)
    inv_freq = freqs.get(x.device, work)
    angles = torch.arange(offset, offset + n, device=x.device, dtype=work)[:, None] * inv_freq[None, :]
    cos, sin = angles.cos(), angles.sin()
    pairs = x.to(work).reshape(*x.shape[:-1], d // 2, 2)
    even, odd = pairs[..., 0], pairs[..., 1]
    rotated = torch.stack((even * cos - odd * sin, odd * cos + even * sin), dim=-1)
    return rotated.reshape(x.shape).to(x.dtype)


def _plain_attention(q, k, v, causal):
    scores = torch.matmul(q, k.transpose(-1, -2)) * (q.shape[-1] ** -0.5)
    if causal:
        n = q.shape[-2]
        mask = torch.ones(n, n, dtype=torch.bool, device=q.device).triu(1)
        scores = scores.masked_fill(mask, float("-inf"))
    return torch.matmul(scores.softmax(dim=-1), v)


def softmax_attention(q, k, v, causal, fused_chunk=0):
    """q, k, v (b, heads, n, d) → (b, heads, n, d); scale 1/sqrt(d).

    The fused CUDA kernels fail on very large batches (temporal attention has one sequence per pixel:
    batch·H·W of them, e.g. 262,144 at batch 64 and 64×64). Above _SDPA_MAX_BATCH sequences the batch runs
    as fused calls of `fused_chunk` sequences each, or (fused_chunk 0) as plain matmuls."""
    if not _HAS_SDPA:
        return _plain_attention(q, k, v, causal)
    if q.shape[0] < _SDPA_MAX_BATCH:
        return F.scaled_dot_product_attention(q, k, v, is_causal=causal)
    if fused_chunk <= 0:
        return _plain_attention(q, k, v, causal)
    parts = zip(q.split(fused_chunk), k.split(fused_chunk), v.split(fused_chunk))
    return torch.cat([F.scaled_dot_product_attention(qc, kc, vc, is_causal=causal) for qc, kc, vc in parts])


def set_fused_attention_chunk(model, sequences):
    """Sequences per fused call for the model's large attention batches (0: plain matmuls there)."""
    for module in model.modules():
        if isinstance(module, Attention):
            module.fused_chunk = sequences


class Attention(nn.Module):
    def __init__(self, dim, heads, dim_head, rotary=False, causal=False):
        super().__init__()
        self.heads, self.dim_head = heads, dim_head
        self.rotary, self.causal = rotary, causal
        self.rotary_freqs = None  # set by Unet3D: its shared RotaryFrequencies
        self.fused_chunk = 0
        self.to_qkv = nn.Linear(dim, 3 * heads * dim_head, bias=False)
        self.to_out = nn.Linear(heads * dim_head, dim)

    def split_heads(self, t):
        b, n, _ = t.shape
        return t.reshape(b, n, self.heads, self.dim_head).transpose(1, 2)

    def forward(self, x):
        q, k, v = (self.split_heads(t) for t in self.to_qkv(x).chunk(3, dim=-1))
        if self.rotary:
            q, k = apply_rotary(q, self.rotary_freqs), apply_rotary(k, self.rotary_freqs)
        out = softmax_attention(q, k, v, self.causal, self.fused_chunk)
        b, _, n, _ = out.shape
        return self.to_out(out.transpose(1, 2).reshape(b, n, self.heads * self.dim_head))


class LinearAttention(nn.Module):
    def __init__(self, dim, heads, dim_head):
        super().__init__()
        self.heads, self.dim_head = heads, dim_head
        self.to_qkv = nn.Linear(dim, 3 * heads * dim_head, bias=False)
        self.to_out = nn.Linear(heads * dim_head, dim)

    def forward(self, x):
        b, n, _ = x.shape
        # each (b, heads, d, n)
        q, k, v = (t.reshape(b, n, self.heads, self.dim_head).permute(0, 2, 3, 1)
                   for t in self.to_qkv(x).chunk(3, dim=-1))
        q = q.softmax(dim=-2) * (self.dim_head ** -0.5)
        k = k.softmax(dim=-1)
        context = torch.matmul(k, v.transpose(-1, -2))          # (b, h, d, e)
        out = torch.matmul(context.transpose(-1, -2), q)        # (b, h, e, n)
        return self.to_out(out.permute(0, 3, 1, 2).reshape(b, n, self.heads * self.dim_head))


class AttentionBlock(nn.Module):
    """x + attn(LayerNorm(x)) on tokens (b, n, c)."""

    def __init__(self, dim, arch, linear=False, rotary=False, causal=False):
        super().__init__()
        self.norm = nn.LayerNorm(dim, eps=arch["layernorm_eps"])
        if linear:
            self.attn = LinearAttention(dim, arch["heads"], arch["dim_head"])
        else:
            self.attn = Attention(dim, arch["heads"], arch["dim_head"], rotary=rotary, causal=causal)

    def forward(self, x):
        return x + self.attn(self.norm(x.to(self.norm.weight.dtype)))


class _Holder(nn.Module):
    """Only gives the official key nesting (`wrapper.module.…`)."""

    def __init__(self, module):
        super().__init__()
        self.module = module


class _TemporalInner(nn.Module):
    def __init__(self, block):
        super().__init__()
        self.attn_block = block


class SpatialAttentionBlock(nn.Module):
    """Tokens are the H·W pixels of one frame."""

    def __init__(self, dim, arch, linear):
        super().__init__()
        self.wrapper = _Holder(AttentionBlock(dim, arch, linear=linear))

    def forward(self, x):
        b, c, t, h, w = x.shape
        tokens = x.permute(0, 2, 3, 4, 1).reshape(b * t, h * w, c)
        out = self.wrapper.module(tokens)
        return out.reshape(b, t, h, w, c).permute(0, 4, 1, 2, 3)


def rotary_matrices(n, d, dtype, device, freqs=None):
    """(n, d, d) matrices R with apply_rotary(x, freqs)[..., p, :] = R[p] @ x[..., p, :], read off
    apply_rotary itself (rotating the basis vectors), so they follow its formula and frequencies."""
    basis = torch.eye(d, dtype=dtype, device=device)[:, None, :].expand(d, n, d)
    return apply_rotary(basis, freqs).permute(1, 2, 0)


class TemporalAttentionBlock(nn.Module):
    """Tokens are the T frames at one pixel; causal, rotary positions 0..T-1.

    `fast` (set by the trainer) computes the same function with far fewer, larger operations: the tokens
    are laid out frame-major (T, pixels, C), the rotary rotation and the 1/sqrt(d) scale are folded into
    per-frame copies of the q/k projection (one batched matmul of T large products instead of the
    element-wise rotation of every q and k), and the causal mask is an additive bias. The reference path
    (below) is what the engine and the parity tests follow; tests/python/test_unet.py checks the two agree.

    `cache_mode` is set by Unet3D.cache_context ("record": keep the frames' keys and values) and
    Unet3D.forward_new ("extend": attend from new frames to the kept ones and to each other) for the
    duration of one call; None otherwise."""

    def __init__(self, dim, arch):
        super().__init__()
        block = AttentionBlock(dim, arch, rotary=arch["rotary"], causal=arch["causal"])
        self.wrapper = _Holder(_TemporalInner(block))
        self.fast = False
        self.cache_mode = None
        self.cached_k = self.cached_v = None  # (B·H·W, heads, K, d), keys already rotated

    def forward(self, x):
        if self.cache_mode == "record":
            self._record_keys_values(x)
            return self._forward_fast(x)  # the same function as the reference path, in fewer operations
        if self.cache_mode == "extend":
            return self._forward_after_cache(x)
        if self.fast:
            return self._forward_fast(x)
        b, c, t, h, w = x.shape
        tokens = x.permute(0, 3, 4, 2, 1).reshape(b * h * w, t, c)
        out = self.wrapper.module.attn_block(tokens)
        return out.reshape(b, h, w, t, c).permute(0, 4, 3, 1, 2)

    def _tokens_qkv(self, x):
        """Tokens (B·H·W, T, C) of x (B, C, T, H, W) as the reference path lays them out, and their q, k, v
        (B·H·W, heads, T, d) before the rotary rotation."""
        b, c, t, h, w = x.shape
        tokens = x.permute(0, 3, 4, 2, 1).reshape(b * h * w, t, c)
        block = self.wrapper.module.attn_block
        normed = block.norm(tokens.to(block.norm.weight.dtype))
        return tokens, tuple(block.attn.split_heads(p) for p in block.attn.to_qkv(normed).chunk(3, dim=-1))

    def _record_keys_values(self, x):
        attn = self.wrapper.module.attn_block.attn
        _, (_, k, v) = self._tokens_qkv(x)
        self.cached_k = apply_rotary(k, attn.rotary_freqs) if attn.rotary else k
        self.cached_v = v

    def _forward_after_cache(self, x):
        """The new frames x (B, C, N, H, W) at window positions K.. after the K recorded ones."""
        b, c, t, h, w = x.shape
        attn = self.wrapper.module.attn_block.attn
        tokens, (q, k, v) = self._tokens_qkv(x)
        past = self.cached_k.shape[2]
        if attn.rotary:
            q, k = apply_rotary(q, attn.rotary_freqs, past), apply_rotary(k, attn.rotary_freqs, past)
        scale = q.shape[-1] ** -0.5
        # Scores against the cached keys and the new ones apart (no copy of the cache per call).
        scores_new = torch.matmul(q, k.transpose(-1, -2)) * scale
        if attn.causal:
            mask = torch.ones(t, t, dtype=torch.bool, device=x.device).triu(1)
            scores_new = scores_new.masked_fill(mask, float("-inf"))
        scores = torch.cat((torch.matmul(q, self.cached_k.transpose(-1, -2)) * scale, scores_new), dim=-1)
        weights = scores.softmax(dim=-1)
        out = torch.matmul(weights[..., :past], self.cached_v) + torch.matmul(weights[..., past:], v)
        out = tokens + attn.to_out(out.transpose(1, 2).reshape(b * h * w, t, attn.heads * attn.dim_head))
        return out.reshape(b, h, w, t, c).permute(0, 4, 3, 1, 2)

    def _frame_projections(self, t, dtype):
        """(t, C, 3·inner): the q | k | v projection for each frame position, rotary and scale folded in."""
        attn = self.wrapper.module.attn_block.attn
        heads, d = attn.heads, attn.dim_head
        weight = attn.to_qkv.weight                                  # (3·inner, C)
        c = weight.shape[1]
        wq, wk, wv = (part.reshape(heads, d, c) for part in weight.chunk(3, dim=0))
        if attn.rotary:
            work = torch.float64 if dtype == torch.float64 else torch.float32
            rot = rotary_matrices(t, d, work, weight.device, attn.rotary_freqs).to(weight.dtype)  # (t, d, d)
            wq = torch.einsum("pij,hjc->phic", rot, wq)
            wk = torch.einsum("pij,hjc->phic", rot, wk)
        else:
            wq, wk = wq.expand(t, heads, d, c), wk.expand(t, heads, d, c)
        wq = wq * (d ** -0.5)
        wv = wv.expand(t, heads, d, c)
        return torch.cat((wq, wk, wv), dim=1).reshape(t, 3 * heads * d, c).transpose(1, 2)

    def _forward_fast(self, x):
        b, c, t, h, w = x.shape
        block = self.wrapper.module.attn_block
        attn = block.attn
        heads, d = attn.heads, attn.dim_head
        n = b * h * w
        tokens = x.permute(2, 0, 3, 4, 1).reshape(t, n, c)            # frame-major
        normed = block.norm(tokens.to(block.norm.weight.dtype))
        qkv = torch.matmul(normed, self._frame_projections(t, normed.dtype))   # (t, n, 3·inner)
        q, k, v = qkv.reshape(t, n, 3, heads, d).permute(2, 1, 3, 0, 4).reshape(3, n * heads, t, d).unbind(0)
        scores = torch.matmul(q, k.transpose(1, 2))                   # (n·heads, t, t)
        if attn.causal:
            mask = torch.full((t, t), float("-inf"), device=x.device, dtype=scores.dtype).triu(1)
            scores = scores + mask
        out = torch.matmul(scores.softmax(dim=-1), v)                 # (n·heads, t, d)
        out = out.reshape(n, heads, t, d).permute(2, 0, 1, 3).reshape(t, n, heads * d)
        out = tokens + attn.to_out(out)
        return out.reshape(t, b, h, w, c).permute(1, 4, 0, 2, 3)


def set_fast_training_paths(model, enable):
    """Switches the reference network to its fast (same function, fewer operations) training paths."""
    for module in model.modules():
        if isinstance(module, TemporalAttentionBlock):
            module.fast = enable


class Downsample(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.conv = frame_conv(dim, dim, 3, stride=2)

    def forward(self, x):
        return self.conv(x)


class Upsample(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.conv = frame_conv(dim, dim, 3)

    def forward(self, x):
        b, c, t, h, w = x.shape
        x = x[:, :, :, :, None, :, None].expand(b, c, t, h, 2, w, 2).reshape(b, c, t, 2 * h, 2 * w)
        return self.conv(x)


class EmbSequential(nn.Sequential):
    """Passes the per-frame embedding to the ResnetBlocks in the sequence."""

    def forward(self, x, emb):
        for module in self:
            x = module(x, emb) if isinstance(module, ResnetBlock) else module(x)
        return x


class _NoiseLevelMLP(nn.Module):
    """Official TimestepEmbedding key names: linear_1, linear_2."""

    def __init__(self, dim, emb_dim):
        super().__init__()
        self.linear_1 = nn.Linear(dim, emb_dim)
        self.linear_2 = nn.Linear(emb_dim, emb_dim)

    def forward(self, x):
        return self.linear_2(F.silu(self.linear_1(x.to(self.linear_1.weight.dtype))))


class SinusoidalLevels(nn.Module):
    """[cos(t·f), sin(t·f)] with f_i = exp(-ln(10000)·i/half), computed in fp32."""

    def __init__(self, dim):
        super().__init__()
        self.dim = dim

    def forward(self, t):
        half = self.dim // 2
        freqs = torch.exp(-math.log(10000.0) * torch.arange(half, device=t.device, dtype=torch.float32) / half)
        angles = t.float()[..., None] * freqs
        return torch.cat((angles.cos(), angles.sin()), dim=-1)


class Unet3D(nn.Module):
    def __init__(self, arch: dict, action_dim: int = 0):
        super().__init__()
        arch = complete_arch(arch)
        self.arch = arch
        self.action_dim = int(action_dim)
        dim = arch["dim"]
        emb_dim = 4 * dim
        in_channels = arch["channels"] * arch["frame_stack"]
        dims = level_widths(arch)
        pairs = list(zip(dims[:-1], dims[1:]))
        levels = len(pairs)

        self.noise_level_pos_embedding = nn.Sequential(SinusoidalLevels(dim), _NoiseLevelMLP(dim, emb_dim))
        if self.action_dim > 0:
            self.action_mlp = nn.Sequential(nn.Linear(self.action_dim, emb_dim), nn.SiLU(),
                                            nn.Linear(emb_dim, emb_dim))
        self.init_conv = frame_conv(in_channels, dim, arch["init_kernel"])
        self.init_temporal_attn = TemporalAttentionBlock(dim, arch)

        self.down_blocks = nn.ModuleList()
        for i, (c_in, c_out) in enumerate(pairs):
            last = i == levels - 1
            block = EmbSequential(
                ResnetBlock(c_in, c_out, emb_dim, arch),
                ResnetBlock(c_out, c_out, emb_dim, arch),
                SpatialAttentionBlock(c_out, arch, spatial_attention_is_linear(arch, "down", i)),
                TemporalAttentionBlock(c_out, arch))
            self.down_blocks.append(nn.ModuleList([block, nn.Identity() if last else Downsample(c_out)]))

        mid = dims[-1]
        self.mid_block = EmbSequential(
            ResnetBlock(mid, mid, emb_dim, arch),
            SpatialAttentionBlock(mid, arch, False),
            TemporalAttentionBlock(mid, arch),
            ResnetBlock(mid, mid, emb_dim, arch))

        self.up_blocks = nn.ModuleList()
        for j, (c_in, c_out) in enumerate(reversed(pairs)):
            last = j == levels - 1
            self.up_blocks.append(EmbSequential(
                ResnetBlock(2 * c_out, c_in, emb_dim, arch),
                ResnetBlock(c_in, c_in, emb_dim, arch),
                SpatialAttentionBlock(c_in, arch, spatial_attention_is_linear(arch, "up", j)),
                TemporalAttentionBlock(c_in, arch),
                nn.Identity() if last else Upsample(c_in)))

        self.out = nn.Sequential(ResnetBlock(2 * dim, dim, 0, arch), nn.Conv3d(dim, in_channels, 1))
        self.rotary_freqs = RotaryFrequencies(arch["dim_head"])
        for module in self.modules():
            if isinstance(module, Attention) and module.rotary:
                module.rotary_freqs = self.rotary_freqs

    def embedding(self, t, actions):
        emb = self.noise_level_pos_embedding(t)
        if self.action_dim > 0:
            if actions is None:
                actions = torch.zeros(*t.shape, self.action_dim, device=t.device, dtype=emb.dtype)
            # The first frame has no action leading into it.
            actions = torch.cat((torch.zeros_like(actions[:, :1]), actions[:, 1:]), dim=1)
            emb = emb + self.action_mlp(actions.to(self.action_mlp[0].weight.dtype))
        return emb

    def forward(self, x, t, actions=None):
        """x (B, T, C, H, W), t (B, T) integer timesteps, actions (B, T, A) or None → v (B, T, C, H, W)."""
        return self.forward_embedded(x, self.embedding(t, actions))

    def forward_embedded(self, x, emb):
        """The network after the embedding: x (B, T, C, H, W) in the weights' dtype, emb from embedding()."""
        h = self.init_conv(x.to(self.init_conv.weight.dtype).permute(0, 2, 1, 3, 4))
        h = self.init_temporal_attn(h)
        first = h
        skips = []
        for block, down in self.down_blocks:
            h = block(h, emb)
            skips.append(h)
            h = down(h)
        h = self.mid_block(h, emb)
        for block in self.up_blocks:
            h = block(torch.cat((h, skips.pop()), dim=1), emb)
        h = self.out[0](torch.cat((h, first), dim=1))
        return self.out[1](h).permute(0, 2, 1, 3, 4)

    # --- cached context: the app's path (dfv_unet_cache_context) -----------------------------------------
    # The context frames go through the network once and every temporal attention keeps their keys and
    # values; new frames then run alone, about window times fewer FLOPs per sampling step, with the same
    # function as the full-window call (tests/python/test_unet.py, test_eval_rollouts.py).

    def can_cache_context(self):
        """Whether earlier frames are independent of later ones (per-frame GroupNorm, causal temporal
        attention), which is what lets the context's keys and values stand for a full-window call."""
        return bool(self.arch["groupnorm_per_frame"]) and bool(self.arch["causal"])

    def cache_context(self, x, emb):
        """Keeps every temporal attention's keys and values of the context frames x (B, K, C, H, W); emb:
        their rows of embedding(), which do not depend on the new frames' levels."""
        if not self.can_cache_context():
            raise ValueError("cache_context needs groupnorm_per_frame and causal temporal attention")
        self._run_cache_mode("record", x, emb)

    def forward_new(self, x, emb):
        """v of new frames x (B, N, C, H, W) that follow the cached context, emb their rows of embedding():
        the last N outputs of forward_embedded on the whole window."""
        if self.init_temporal_attn.cached_k is None:
            raise RuntimeError("forward_new without a cached context (call cache_context first)")
        return self._run_cache_mode("extend", x, emb)

    def clear_context_cache(self):
        """Drops the kept keys and values (window·B·H·W·inner values per temporal attention)."""
        for block in self._temporal_blocks():
            block.cached_k = block.cached_v = None

    def _temporal_blocks(self):
        return [m for m in self.modules() if isinstance(m, TemporalAttentionBlock)]

    def _run_cache_mode(self, mode, x, emb):
        blocks = self._temporal_blocks()
        for block in blocks:
            block.cache_mode = mode
        try:
            return self.forward_embedded(x, emb)
        finally:  # the plain forward never sees a mode, whatever happened
            for block in blocks:
                block.cache_mode = None


def count_parameters(model):
    return sum(p.numel() for p in model.parameters())


def count_flops(arch, frames, action_dim=0):
    """Multiply-add FLOPs (2 per MAC) of one call on a window of `frames`, batch 1, counted the way
    PyTorch's FLOP counter does: convolutions, linear layers and attention matmuls (full T×T for
    causal attention); norms, activations and resampling are not counted."""
    arch = complete_arch(arch)
    dim, heads, dh = arch["dim"], arch["heads"], arch["dim_head"]
    inner = heads * dh
    emb_dim = 4 * dim
    res = arch["resolution"]
    dims = level_widths(arch)
    pairs = list(zip(dims[:-1], dims[1:]))
    total = 0

    def conv(ci, co, k, pixels):
        return 2 * ci * co * k * k * pixels * frames

    def res_block(ci, co, pixels, with_emb=True):
        f = conv(ci, co, 3, pixels) + conv(co, co, 3, pixels)
        if ci != co:
            f += conv(ci, co, 1, pixels)
        if with_emb:
            f += 2 * emb_dim * 2 * co * frames
        return f

    def projections(c, tokens):
        return 2 * c * 3 * inner * tokens + 2 * inner * c * tokens

    def spatial(c, pixels, linear):
        f = projections(c, pixels * frames)
        if linear:
            f += 2 * 2 * heads * dh * dh * pixels * frames
        else:
            f += 2 * 2 * heads * pixels * pixels * dh * frames
        return f

    def temporal(c, pixels):
        return projections(c, pixels * frames) + 2 * 2 * heads * frames * frames * dh * pixels

    total += 2 * (dim * emb_dim + emb_dim * emb_dim) * frames
    if action_dim:
        total += 2 * (action_dim * emb_dim + emb_dim * emb_dim) * frames
    in_ch = arch["channels"] * arch["frame_stack"]
    px = res * res
    total += conv(in_ch, dim, arch["init_kernel"], px) + temporal(dim, px)
    side = res
    for i, (ci, co) in enumerate(pairs):
        px = side * side
        total += res_block(ci, co, px) + res_block(co, co, px)
        total += spatial(co, px, spatial_attention_is_linear(arch, "down", i)) + temporal(co, px)
        if i != len(pairs) - 1:
            side //= 2
            total += conv(co, co, 3, side * side)
    px = side * side
    mid = dims[-1]
    total += 2 * res_block(mid, mid, px) + spatial(mid, px, False) + temporal(mid, px)
    for j, (ci, co) in enumerate(reversed(pairs)):
        px = side * side
        total += res_block(2 * co, ci, px) + res_block(ci, ci, px)
        total += spatial(ci, px, spatial_attention_is_linear(arch, "up", j)) + temporal(ci, px)
        if j != len(pairs) - 1:
            side *= 2
            total += conv(ci, ci, 3, side * side)
    px = res * res
    total += res_block(2 * dim, dim, px, with_emb=False) + conv(dim, in_ch, 1, px)
    return total


def gflop_per_frame(arch, frames, action_dim=0):
    return count_flops(arch, frames, action_dim) / 1e9 / frames
