"""Reference Unet3D: official key layout, parameter and FLOP counts, causality, extensions."""
import math
import unittest

import pyref_common
from pyref_common import TINY_ARCH, perturb_all
import torch

import dfv_unet as U

DMLAB = {"dim": 48, "dim_mults": [1, 2, 4, 8], "dim_head": 32, "resolution": 64}
MINECRAFT = {"dim": 64, "dim_mults": [1, 2, 4, 8], "dim_head": 64, "resolution": 128}


class Counts(unittest.TestCase):
    def test_dmlab_recipe_parameters(self):
        self.assertEqual(U.count_parameters(U.Unet3D(DMLAB)), 18_653_523)

    def test_minecraft_parameters(self):
        self.assertEqual(U.count_parameters(U.Unet3D(MINECRAFT)), 34_518_467)

    def test_flops_match_measured_counter(self):
        # Figures measured with PyTorch's FLOP counter on the official network (spec §2).
        self.assertAlmostEqual(U.count_flops(DMLAB, 1) / 1e9, 8.03, delta=0.01)
        self.assertAlmostEqual(U.count_flops(DMLAB, 16) / 1e9, 130.3, delta=0.1)
        self.assertAlmostEqual(U.count_flops(MINECRAFT, 1) / 1e9, 64.3, delta=0.1)
        self.assertAlmostEqual(U.count_flops(MINECRAFT, 10) / 1e9, 648.9, delta=0.1)


class OfficialLayout(unittest.TestCase):
    def test_known_official_keys_and_shapes(self):
        sd = U.Unet3D(DMLAB).state_dict()
        expect = {
            "noise_level_pos_embedding.1.linear_1.weight": (192, 48),
            "init_conv.weight": (48, 3, 1, 7, 7),
            "init_temporal_attn.wrapper.module.attn_block.attn.to_qkv.weight": (384, 48),
            "down_blocks.0.0.0.in_layers.0.weight": (48,),
            "down_blocks.1.0.0.skip_conv.weight": (96, 48, 1, 1, 1),
            "down_blocks.1.0.0.emb_layers.1.weight": (192, 192),
            "down_blocks.2.1.conv.weight": (192, 192, 1, 3, 3),
            "down_blocks.3.0.2.wrapper.module.attn.to_qkv.weight": (384, 384),
            "down_blocks.3.0.3.wrapper.module.attn_block.norm.bias": (384,),
            "mid_block.3.out_layers.2.weight": (384, 384, 1, 3, 3),
            "up_blocks.0.0.in_layers.2.weight": (192, 768, 1, 3, 3),
            "up_blocks.0.4.conv.weight": (192, 192, 1, 3, 3),
            "up_blocks.3.1.out_layers.0.bias": (48,),
            "out.0.in_layers.0.weight": (96,),
            "out.1.weight": (3, 48, 1, 1, 1),
        }
        for key, shape in expect.items():
            self.assertIn(key, sd)
            self.assertEqual(tuple(sd[key].shape), shape, key)
        self.assertFalse(any("freqs" in k for k in sd))
        self.assertFalse(any(k.startswith("out.0.emb_layers") for k in sd))

    def test_attention_kinds_follow_official_rule(self):
        m = U.Unet3D(DMLAB)
        kinds = [type(b[0][2].wrapper.module.attn).__name__ for b in m.down_blocks]
        self.assertEqual(kinds, ["LinearAttention"] * 3 + ["Attention"])
        kinds = [type(b[2].wrapper.module.attn).__name__ for b in m.up_blocks]
        self.assertEqual(kinds, ["Attention"] + ["LinearAttention"] * 3)
        self.assertEqual(type(m.mid_block[1].wrapper.module.attn).__name__, "Attention")


def naive_rotary(x):
    n, d = x.shape[-2], x.shape[-1]
    y = torch.empty_like(x)
    for p in range(n):
        for i in range(d // 2):
            theta = 10000.0 ** (-2.0 * i / d)
            c, s = math.cos(p * theta), math.sin(p * theta)
            a, b = x[..., p, 2 * i], x[..., p, 2 * i + 1]
            y[..., p, 2 * i] = a * c - b * s
            y[..., p, 2 * i + 1] = b * c + a * s
    return y


class Ops(unittest.TestCase):
    def test_rotary_matches_pairwise_formula(self):
        x = torch.randn(2, 3, 5, 8, dtype=torch.float64)
        self.assertLess((U.apply_rotary(x.float()).double() - naive_rotary(x)).abs().max().item(), 1e-5)

    def test_linear_attention_matches_formula(self):
        torch.manual_seed(1)
        att = U.LinearAttention(6, heads=2, dim_head=4).double()
        x = torch.randn(1, 5, 6, dtype=torch.float64)
        qkv = att.to_qkv(x)[0]  # (n, 3·h·d)
        out = torch.zeros(5, 8, dtype=torch.float64)
        for h in range(2):
            q = qkv[:, h * 4:(h + 1) * 4].T.softmax(0) * 0.5          # (d, n), softmax over d
            k = qkv[:, 8 + h * 4:8 + (h + 1) * 4].T.softmax(1)          # softmax over n
            v = qkv[:, 16 + h * 4:16 + (h + 1) * 4].T
            ctx = torch.einsum("dn,en->de", k, v)
            out[:, h * 4:(h + 1) * 4] = torch.einsum("de,dn->ne", ctx, q)
        ref = att.to_out(out)
        self.assertLess((att(x)[0] - ref).abs().max().item(), 1e-12)

    def test_causal_attention_masks_future(self):
        q, k, v = (torch.randn(1, 1, 4, 8, dtype=torch.float64) for _ in range(3))
        out = U.softmax_attention(q, k, v, causal=True)
        for i in range(4):
            w = (q[0, 0, i] @ k[0, 0, :i + 1].T / math.sqrt(8)).softmax(-1)
            self.assertLess((out[0, 0, i] - w @ v[0, 0, :i + 1]).abs().max().item(), 1e-12)

    def test_upsample_is_nearest_then_conv(self):
        up = U.Upsample(4).double()
        x = torch.randn(1, 4, 2, 3, 5, dtype=torch.float64)
        ref = up.conv(torch.nn.functional.interpolate(x, scale_factor=(1, 2, 2), mode="nearest"))
        self.assertLess((up(x) - ref).abs().max().item(), 1e-12)

    def test_noise_embedding_is_cos_then_sin(self):
        emb = U.SinusoidalLevels(8)(torch.tensor([[3]]))[0, 0]
        f = [math.exp(-math.log(10000) * i / 4) for i in range(4)]
        ref = [math.cos(3 * x) for x in f] + [math.sin(3 * x) for x in f]
        self.assertLess(max(abs(a - b) for a, b in zip(emb.tolist(), ref)), 1e-6)


class Causality(unittest.TestCase):
    def run_pair(self, per_frame, actions=False):
        torch.manual_seed(0)
        arch = dict(TINY_ARCH, groupnorm_per_frame=per_frame)
        m = perturb_all(U.Unet3D(arch, action_dim=3 if actions else 0)).double().eval()
        x = torch.randn(1, 3, 3, 8, 8, dtype=torch.float64)
        t = torch.tensor([[14, 500, 999]])
        a = torch.randn(1, 3, 3, dtype=torch.float64) if actions else None
        x2 = x.clone()
        x2[:, 2] += torch.randn_like(x2[:, 2])
        with torch.no_grad():
            return m(x, t, a), m(x2, t, a)

    def test_per_frame_groupnorm_is_causal(self):
        y1, y2 = self.run_pair(True, actions=True)
        self.assertLess((y1[:, :2] - y2[:, :2]).abs().max().item(), 1e-10)
        self.assertGreater((y1[:, 2] - y2[:, 2]).abs().max().item(), 1e-3)

    def test_joint_groupnorm_leaks_later_frames(self):
        y1, y2 = self.run_pair(False)
        self.assertGreater((y1[:, :2] - y2[:, :2]).abs().max().item(), 1e-4)

    def test_first_frame_action_is_ignored(self):
        torch.manual_seed(0)
        m = perturb_all(U.Unet3D(TINY_ARCH, action_dim=3)).double().eval()
        x = torch.randn(1, 2, 3, 8, 8, dtype=torch.float64)
        t = torch.tensor([[14, 500]])
        a = torch.randn(1, 2, 3, dtype=torch.float64)
        b = a.clone()
        b[:, 0] += 5.0
        c = a.clone()
        c[:, 1] += 5.0
        with torch.no_grad():
            self.assertLess((m(x, t, a) - m(x, t, b)).abs().max().item(), 1e-12)
            self.assertGreater((m(x, t, a) - m(x, t, c)).abs().max().item(), 1e-4)

    def test_flexible_depth_runs(self):
        for mults in ([1], [1, 2, 2]):
            arch = dict(TINY_ARCH, dim_mults=mults)
            m = U.Unet3D(arch).eval()
            with torch.no_grad():
                y = m(torch.randn(1, 2, 3, 8, 8), torch.tensor([[0, 999]]))
            self.assertEqual(tuple(y.shape), (1, 2, 3, 8, 8))


class CachedContext(unittest.TestCase):
    """cache_context + forward_new (the app's cached path) give the full window's outputs for the new frames."""

    def model(self, **arch_changes):
        torch.manual_seed(0)
        arch = dict(TINY_ARCH, groupnorm_per_frame=True)
        arch.update(arch_changes)
        model = perturb_all(U.Unet3D(arch, action_dim=3)).double().eval()
        model.rotary_freqs.set(torch.tensor([0.9, 0.3, 0.05, 0.011]))   # stored, not the default ones
        return model

    def test_new_frames_after_the_cached_context_are_the_full_window(self):
        model = self.model()
        x = torch.randn(2, 5, 3, 8, 8, dtype=torch.float64)
        t = torch.tensor([[14, 14, 14, 500, 999], [15, 15, 15, 3, 250]])
        a = torch.randn(2, 5, 3, dtype=torch.float64)
        with torch.no_grad():
            emb = model.embedding(t, a)
            full = model.forward_embedded(x, emb)
            model.cache_context(x[:, :3], emb[:, :3])
            for new in (1, 2):  # one frame, and two that attend to each other causally
                got = model.forward_new(x[:, 3:3 + new], emb[:, 3:3 + new])
                self.assertLess((got - full[:, 3:3 + new]).abs().max().item(), 1e-12)
            # The cache stays until cleared, and the plain forward is untouched by it.
            self.assertTrue(torch.equal(model.forward_embedded(x, emb), full))
            model.clear_context_cache()
            with self.assertRaisesRegex(RuntimeError, "cache_context first"):
                model.forward_new(x[:, 3:4], emb[:, 3:4])

    def test_only_causal_per_frame_models_cache(self):
        for changes in ({"groupnorm_per_frame": False}, {"causal": False}):
            model = self.model(**changes)
            self.assertFalse(model.can_cache_context())
            x, t = torch.randn(1, 2, 3, 8, 8, dtype=torch.float64), torch.tensor([[14, 14]])
            with self.assertRaisesRegex(ValueError, "groupnorm_per_frame and causal"):
                model.cache_context(x, model.embedding(t, None))


class FastTrainingPaths(unittest.TestCase):
    """The trainer's fast temporal attention computes the reference network's function (and gradients)."""

    def pair(self, **arch_changes):
        torch.manual_seed(0)
        arch = dict(TINY_ARCH, groupnorm_per_frame=True, **arch_changes)
        model = perturb_all(U.Unet3D(arch, action_dim=3)).double()
        model.rotary_freqs.set(torch.tensor([0.9, 0.3, 0.05, 0.011]))   # stored, not the default ones
        x = torch.randn(2, 5, 3, 8, 8, dtype=torch.float64)
        t = torch.tensor([[14, 500, 999, 3, 250], [0, 1, 998, 600, 40]])
        a = torch.randn(2, 5, 3, dtype=torch.float64)
        results = []
        for fast in (False, True):
            U.set_fast_training_paths(model, fast)
            model.zero_grad()
            out = model(x, t, a)
            (out * torch.linspace(-1, 1, out.numel(), dtype=torch.float64).view_as(out)).sum().backward()
            results.append((out.detach(), [p.grad.clone() for p in model.parameters()]))
        return results

    def assert_same(self, results):
        (ref, ref_grads), (fast, fast_grads) = results
        self.assertGreater(ref.abs().max().item(), 0.1)
        self.assertLess((ref - fast).abs().max().item(), 1e-10)
        for a, b in zip(ref_grads, fast_grads):
            self.assertLess((a - b).abs().max().item(), 1e-9 * (1 + a.abs().max().item()))

    def test_rotary_causal_temporal_attention(self):
        self.assert_same(self.pair())

    def test_without_rotary_or_causality(self):
        self.assert_same(self.pair(rotary=False, causal=False))

    def test_rotary_matrices_rotate_like_apply_rotary(self):
        x = torch.randn(3, 6, 8, dtype=torch.float64)
        for freqs in (None, U.RotaryFrequencies(8)):
            if freqs is not None:
                freqs.set(torch.tensor([0.9, 0.3, 0.05, 0.011]))
            rot = U.rotary_matrices(6, 8, torch.float64, x.device, freqs)
            rotated = torch.einsum("pij,bpj->bpi", rot, x)
            self.assertLess((rotated - U.apply_rotary(x, freqs)).abs().max().item(), 1e-12)

    def test_bf16_cpu_autocast_stays_close_to_fp32(self):
        torch.manual_seed(0)
        model = perturb_all(U.Unet3D(dict(TINY_ARCH, groupnorm_per_frame=True), action_dim=3), scale=0.05)
        U.set_fast_training_paths(model, True)
        x, t = torch.randn(1, 4, 3, 8, 8), torch.tensor([[14, 500, 999, 3]])
        with torch.no_grad():
            ref = model(x, t, None)
            with torch.autocast(device_type="cpu", dtype=torch.bfloat16):
                low = model(x, t, None).float()
        self.assertLess((low - ref).abs().max().item(), 0.05 * ref.abs().max().item())


if __name__ == "__main__":
    unittest.main()
