"""Oasis DiT and ViT-VAE in numpy (float64), written the way dfview's engine computes them.

Not a port of the official code: it is the engine's decomposition, checked against the official outputs
(tests/golden/oasis, tests/python/test_oasis_golden.py) before any shader runs it. Activations are
channel-planar per frame, {frames, channels, h, w}, like every dfview tensor; each function below is
one engine op:
  patch embedding       conv2d, kernel = stride = patch
  Linear on tokens      1x1 conv2d (a Linear weight (n, k) is a {n, k, 1, 1} conv weight)
  adaLN                 layer norm without affine, then x·(1 + scale[frame]) + shift[frame]
  gated residual        x + gate[frame] · y
  rotary                pairs (2i, 2i+1) of each head rotated by a per-position angle table
                        computed once from the stored frequencies, in float32 as the official code does
  unpatchify            pixel shuffle, channel = c·p² + row·p + col (the converter reorders the DiT's
                        final Linear, whose official order is (row, col, c))
State dicts use the official key names; `dit_config` / `vae_config` describe the sizes.
"""
import math

import numpy as np

TIMESTEP_FREQ_DIM = 256  # TimestepEmbedder's frequency_embedding_size


def float32_linspace(start, end, steps):
    """torch.linspace in float32: the first half counted up from start, the rest down from end."""
    if steps == 1:
        return np.array([start], np.float32)
    step = np.float32((end - start) / (steps - 1))
    out = np.empty(steps, np.float32)
    for i in range(steps):
        out[i] = np.float32(start) + step * np.float32(i) if i < steps // 2 else \
            np.float32(end) - step * np.float32(steps - 1 - i)
    return out


def axial_angles(freqs, height, width):
    """(height·width, 2·len(freqs)) angles: the first len(freqs) pairs turn with the row position, the
    rest with the column position, positions evenly spaced over [-1, 1] ("pixel" rotary)."""
    freqs = np.asarray(freqs, np.float32)
    rows = np.outer(float32_linspace(-1, 1, height), freqs).astype(np.float32)
    cols = np.outer(float32_linspace(-1, 1, width), freqs).astype(np.float32)
    grid = np.concatenate([np.repeat(rows[:, None, :], width, 1), np.repeat(cols[None, :, :], height, 0)], -1)
    return grid.reshape(height * width, -1)


def sequence_angles(freqs, length):
    """(length, len(freqs)) angles at positions 0, 1, ... ("lang" rotary)."""
    return np.outer(np.arange(length, dtype=np.float32), np.asarray(freqs, np.float32)).astype(np.float32)


def pixel_rotary_freqs(dim, max_freq):
    """RotaryEmbedding(dim, freqs_for="pixel", max_freq).freqs: not stored by the VAE, so computed."""
    return (float32_linspace(1.0, max_freq / 2, dim // 2) * np.float32(math.pi)).astype(np.float32)


def rotate(x, angles, heads, dim_head):
    """x {F, heads·dim_head, P} (P positions); angles (P, pairs) with pairs ≤ dim_head/2: pair i of each
    head is (2i, 2i+1), rotated by angles[p, i]; channels past 2·pairs pass through."""
    f, _, p = x.shape
    pairs = angles.shape[1]
    cos, sin = np.cos(angles.astype(np.float64)).T, np.sin(angles.astype(np.float64)).T  # (pairs, P)
    y = x.reshape(f, heads, dim_head, p).copy()
    even, odd = y[:, :, 0:2 * pairs:2, :].copy(), y[:, :, 1:2 * pairs:2, :].copy()
    y[:, :, 0:2 * pairs:2, :] = even * cos - odd * sin
    y[:, :, 1:2 * pairs:2, :] = odd * cos + even * sin
    return y.reshape(x.shape)


def conv1x1(x, weight, bias=None):
    y = np.einsum("nk,fkp->fnp", weight.astype(np.float64), x)
    return y if bias is None else y + bias[None, :, None]


def layer_norm(x, eps, gamma=None, beta=None):
    """Over the channels of each position of x {F, C, P}."""
    mean = x.mean(1, keepdims=True)
    var = ((x - mean) ** 2).mean(1, keepdims=True)
    y = (x - mean) / np.sqrt(var + eps)
    if gamma is not None:
        y = y * gamma[None, :, None] + beta[None, :, None]
    return y


def gelu(x, tanh_form):
    if tanh_form:
        return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))
    erf = np.vectorize(math.erf)
    return 0.5 * x * (1 + erf(x / math.sqrt(2)))


def silu(x):
    return x / (1 + np.exp(-x))


def attention(qkv, heads, dim_head, causal=False):
    """qkv {S, 3·heads·dim_head, L}: S independent sequences of L tokens; softmax(q kᵀ/√d) v."""
    s, _, length = qkv.shape
    inner = heads * dim_head
    q, k, v = (qkv[:, i * inner:(i + 1) * inner].reshape(s, heads, dim_head, length) for i in range(3))
    scores = np.einsum("shdi,shdj->shij", q, k) / math.sqrt(dim_head)
    if causal:
        scores = np.where(np.tril(np.ones((length, length), bool)), scores, -np.inf)
    scores = np.exp(scores - scores.max(-1, keepdims=True))
    scores /= scores.sum(-1, keepdims=True)
    return np.einsum("shij,shdj->shdi", scores, v).reshape(s, inner, length)


def patch_embed(x, weight, bias, patch):
    """Conv2d with kernel = stride = patch on x {F, C, H, W} -> {F, D, H/p, W/p}."""
    f, c, height, width = x.shape
    h, w = height // patch, width // patch
    patches = x.reshape(f, c, h, patch, w, patch).transpose(0, 2, 4, 1, 3, 5).reshape(f, h, w, -1)
    y = patches @ weight.reshape(weight.shape[0], -1).T.astype(np.float64) + bias
    return y.transpose(0, 3, 1, 2)


def pixel_shuffle(x, patch):
    """{F, C·p², h, w} -> {F, C, h·p, w·p}, channel = c·p² + row·p + col."""
    f, cp, h, w = x.shape
    c = cp // (patch * patch)
    return x.reshape(f, c, patch, patch, h, w).transpose(0, 1, 4, 2, 5, 3).reshape(f, c, h * patch, w * patch)


def dit_final_rows_to_pixel_shuffle(weight, patch, channels):
    """The DiT's final Linear emits (row, col, c); reorder its rows (or a bias) to c·p² + row·p + col."""
    order = [(r * patch + q) * channels + c for c in range(channels) for r in range(patch) for q in range(patch)]
    return weight[order]


def timestep_embedding(t, dim=TIMESTEP_FREQ_DIM):
    half = dim // 2
    freqs = np.exp(-math.log(10000) * np.arange(half, dtype=np.float32) / half).astype(np.float32)
    args = (np.asarray(t, np.float32)[:, None] * freqs[None]).astype(np.float32)
    return np.concatenate([np.cos(args.astype(np.float64)), np.sin(args.astype(np.float64))], -1)


def find_alias(state, *names):
    """The first of names present (safetensors' save_model keeps one name per shared tensor)."""
    for name in names:
        if name in state:
            return state[name]
    raise KeyError(names[0])


def dit_forward(state, cfg, x, t, actions):
    """x (B, T, C, H, W), t (B, T) ints, actions (B, T, A) -> v (B, T, C, H, W)."""
    st = {k: np.asarray(v, np.float64) for k, v in state.items()}
    b, frames, c, height, width = x.shape
    p, d, heads = cfg["patch_size"], cfg["hidden_size"], cfg["num_heads"]
    dh = d // heads
    h, w = height // p, width // p
    depth = cfg["depth"]
    spatial = axial_angles(find_alias(state, "spatial_rotary_emb.freqs", "blocks.0.s_attn.rotary_emb.freqs"), h, w)
    temporal = sequence_angles(find_alias(state, "temporal_rotary_emb.freqs", "blocks.0.t_attn.rotary_emb.freqs"),
                               frames)

    tokens = patch_embed(x.reshape(b * frames, c, height, width).astype(np.float64), st["x_embedder.proj.weight"],
                         st["x_embedder.proj.bias"], p).reshape(b * frames, d, h * w)
    emb = timestep_embedding(t.reshape(-1))
    emb = silu(emb @ st["t_embedder.mlp.0.weight"].T + st["t_embedder.mlp.0.bias"])
    cond = emb @ st["t_embedder.mlp.2.weight"].T + st["t_embedder.mlp.2.bias"]
    cond = cond + actions.reshape(b * frames, -1) @ st["external_cond.weight"].T + st["external_cond.bias"]
    cond_act = silu(cond)  # (B·T, D), shared by every adaLN Linear

    def modulated(xs, mod, i):
        return layer_norm(xs, 1e-6) * (1 + mod[:, (i + 1) * d:(i + 2) * d, None]) + mod[:, i * d:(i + 1) * d, None]

    def mlp(xs, prefix):
        hidden = gelu(conv1x1(xs, st[prefix + "fc1.weight"], st[prefix + "fc1.bias"]), tanh_form=True)
        return conv1x1(hidden, st[prefix + "fc2.weight"], st[prefix + "fc2.bias"])

    def to_time_major(xs):  # {B·T, C, P} -> {B·P, C, T}: the frames at one token in a row
        return xs.reshape(b, frames, -1, h * w).transpose(0, 3, 2, 1).reshape(b * h * w, -1, frames)

    def from_time_major(xs):
        return xs.reshape(b, h * w, -1, frames).transpose(0, 3, 2, 1).reshape(b * frames, -1, h * w)

    for i in range(depth):
        pre = f"blocks.{i}."
        for kind, angles in (("s", spatial), ("t", temporal)):
            mod = cond_act @ st[pre + kind + "_adaLN_modulation.1.weight"].T + st[pre + kind + "_adaLN_modulation.1.bias"]
            qkv = conv1x1(modulated(tokens, mod, 0), st[pre + kind + "_attn.to_qkv.weight"])
            if kind == "s":
                qkv[:, :2 * d] = rotate(qkv[:, :2 * d], angles, 2 * heads, dh)
                att = attention(qkv, heads, dh)
            else:
                seq = to_time_major(qkv)
                seq[:, :2 * d] = rotate(seq[:, :2 * d], angles, 2 * heads, dh)
                att = from_time_major(attention(seq, heads, dh, causal=True))
            out = conv1x1(att, st[pre + kind + "_attn.to_out.weight"], st[pre + kind + "_attn.to_out.bias"])
            tokens = tokens + mod[:, 2 * d:3 * d, None] * out
            tokens = tokens + mod[:, 5 * d:6 * d, None] * mlp(modulated(tokens, mod, 3), pre + kind + "_mlp.")
    mod = cond_act @ st["final_layer.adaLN_modulation.1.weight"].T + st["final_layer.adaLN_modulation.1.bias"]
    weight = dit_final_rows_to_pixel_shuffle(st["final_layer.linear.weight"], p, c)
    bias = dit_final_rows_to_pixel_shuffle(st["final_layer.linear.bias"], p, c)
    out = conv1x1(modulated(tokens, mod, 0), weight, bias).reshape(b * frames, -1, h, w)
    return pixel_shuffle(out, p).reshape(b, frames, c, height, width)


def _vae_block(st, prefix, tokens, heads, angles):
    dim = tokens.shape[1]
    dh = dim // heads
    normed = layer_norm(tokens, 1e-6, st[prefix + "norm1.weight"], st[prefix + "norm1.bias"])
    qkv = conv1x1(normed, st[prefix + "attn.qkv.weight"], st[prefix + "attn.qkv.bias"])
    qkv[:, :2 * dim] = rotate(qkv[:, :2 * dim], angles, 2 * heads, dh)
    att = attention(qkv, heads, dh)
    tokens = tokens + conv1x1(att, st[prefix + "attn.proj.weight"], st[prefix + "attn.proj.bias"])
    normed = layer_norm(tokens, 1e-6, st[prefix + "norm2.weight"], st[prefix + "norm2.bias"])
    hidden = gelu(conv1x1(normed, st[prefix + "mlp.fc1.weight"], st[prefix + "mlp.fc1.bias"]), tanh_form=False)
    return tokens + conv1x1(hidden, st[prefix + "mlp.fc2.weight"], st[prefix + "mlp.fc2.bias"])


def _vae_angles(dim, heads, h, w):
    dh = dim // heads
    return axial_angles(pixel_rotary_freqs(dh // 4, h * w), h, w)


def _depth(state, prefix):
    return len({k.split(".")[1] for k in state if k.startswith(prefix + ".")})


def vae_encode(state, cfg, img, scaling_factor):
    """img (N, 3, H, W) in [-1, 1] -> the scaled latent mean (N, latent, h, w)."""
    st = {k: np.asarray(v, np.float64) for k, v in state.items()}
    p, latent = cfg["patch_size"], cfg["latent_dim"]
    h, w = img.shape[2] // p, img.shape[3] // p
    tokens = patch_embed(img.astype(np.float64), st["patch_embed.proj.weight"], st["patch_embed.proj.bias"], p)
    tokens = tokens.reshape(img.shape[0], -1, h * w)
    angles = _vae_angles(tokens.shape[1], cfg["enc_heads"], h, w)
    for i in range(_depth(state, "encoder")):
        tokens = _vae_block(st, f"encoder.{i}.", tokens, cfg["enc_heads"], angles)
    tokens = layer_norm(tokens, 1e-6, st["enc_norm.weight"], st["enc_norm.bias"])
    mean = conv1x1(tokens, st["quant_conv.weight"][:latent], st["quant_conv.bias"][:latent])
    return (mean * scaling_factor).reshape(img.shape[0], latent, h, w)


def vae_decode(state, cfg, z, scaling_factor):
    """z (N, latent, h, w) as the DiT sees it -> (N, 3, H, W) before it becomes pixels."""
    st = {k: np.asarray(v, np.float64) for k, v in state.items()}
    p = cfg["patch_size"]
    n, _, h, w = z.shape
    tokens = conv1x1(z.reshape(n, -1, h * w) / scaling_factor, st["post_quant_conv.weight"],
                     st["post_quant_conv.bias"])
    angles = _vae_angles(tokens.shape[1], cfg["dec_heads"], h, w)
    for i in range(_depth(state, "decoder")):
        tokens = _vae_block(st, f"decoder.{i}.", tokens, cfg["dec_heads"], angles)
    tokens = layer_norm(tokens, 1e-6, st["dec_norm.weight"], st["dec_norm.bias"])
    patches = conv1x1(tokens, st["predictor.weight"], st["predictor.bias"]).reshape(n, -1, h, w)
    return pixel_shuffle(patches, p)


def sigmoid_alphas_cumprod(timesteps=1000, start=-3.0, end=3.0, tau=1.0):
    """generate.py's alphas_cumprod, bit for bit as torch makes it: utils.sigmoid_beta_schedule in float64
    except v_start / v_end (0-dim float32 tensors there), betas then float32, 1 - betas in float32, and
    torch's CPU cumprod, which accumulates in double and rounds each output to float32."""
    t = np.linspace(0, timesteps, timesteps + 1, dtype=np.float64) / timesteps
    sigmoid = lambda v: 1.0 / (1.0 + np.exp(-v))  # noqa: E731
    v_start, v_end = float(np.float32(sigmoid(start / tau))), float(np.float32(sigmoid(end / tau)))
    alphas = (-sigmoid((t * (end - start) + start) / tau) + v_end) / (v_end - v_start)
    alphas = alphas / alphas[0]
    betas = np.clip(1 - alphas[1:] / alphas[:-1], 0, 0.999).astype(np.float32)
    return np.cumprod((np.float32(1) - betas).astype(np.float64)).astype(np.float32)


def ddim_levels(steps, max_level=1000):
    """generate.py's noise levels: linspace(-1, max_level - 1, steps + 1) in float32, truncated to integers."""
    return float32_linspace(-1.0, float(max_level - 1), steps + 1).astype(np.int64)


def sample(dit_state, dit_cfg, vae_state, vae_cfg, scaling_factor, prompt, actions, noise, steps, max_frames,
           stabilization_level=15, noise_abs_max=20.0):
    """generate.py's loop: prompt (1, P, 3, H, W) in [0, 1], actions (1, T, A), noise (T - P, 1, C, h, w) the
    new frames' draws in order. Returns the latents (1, T, C, h, w) and vae.decode's output (T, 3, H, W)."""
    n_prompt, total = prompt.shape[1], actions.shape[1]
    z = vae_encode(vae_state, vae_cfg, prompt[0] * 2 - 1, scaling_factor)
    x = z[None].astype(np.float64)  # (1, P, C, h, w)
    alphas = sigmoid_alphas_cumprod().astype(np.float64)
    levels = ddim_levels(steps)
    for i in range(n_prompt, total):
        chunk = np.clip(noise[i - n_prompt], -noise_abs_max, noise_abs_max)[None]  # (1, 1, C, h, w)
        x = np.concatenate([x, chunk], axis=1)
        start = max(0, i + 1 - max_frames)
        for k in reversed(range(1, steps + 1)):
            t_new, t_next_new = levels[k], levels[k - 1] if levels[k - 1] >= 0 else levels[k]
            t = np.array([stabilization_level - 1] * i + [t_new])[start:]
            t_next = np.array([stabilization_level - 1] * i + [t_next_new])[start:]
            x_curr = x[:, start:]
            v = dit_forward(dit_state, dit_cfg, x_curr, t[None], actions[:, start:i + 1])
            a = alphas[t][None, :, None, None, None]
            x_start = np.sqrt(a) * x_curr - np.sqrt(1 - a) * v
            x_noise = (np.sqrt(1 / a) * x_curr - x_start) / np.sqrt(1 / a - 1)
            a_next = alphas[t_next][None, :, None, None, None].copy()
            a_next[:, :-1] = 1
            if k == 1:
                a_next[:, -1:] = 1
            x_pred = np.sqrt(a_next) * x_start + x_noise * np.sqrt(1 - a_next)
            x[:, -1:] = x_pred[:, -1:]
    decoded = vae_decode(vae_state, vae_cfg, x[0], scaling_factor)
    return x, decoded
