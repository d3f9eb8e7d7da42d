"""models/eval_rollouts.py: its batched rollout against the reference sampler (models/sampler.py, itself
tested against the app's C sampler) fed the same noise, and its 8-bit round trip against the app's
formulas."""
import unittest

from pyref_common import MODELS  # noqa: F401  (puts models/ on the path)
import numpy as np
import torch

import dfv_unet
import eval_rollouts
import model_file
import sampler

ARCH = {"dim": 8, "dim_mults": [1, 2], "heads": 2, "dim_head": 8, "resolution": 16, "groupnorm_per_frame": True,
        "causal": True}


class EvalRollouts(unittest.TestCase):
    def test_batched_rollout_is_the_reference_sampler_with_the_same_noise(self):
        torch.manual_seed(5)
        model = dfv_unet.Unet3D(ARCH, 3).double().eval()
        config = model_file.default_config(ARCH, context_frames=2, window=3, action_dim=3)
        config["diffusion"]["stabilization_level"] = 20
        rng = np.random.default_rng(2)
        context = rng.integers(0, 256, (2, 2, 16, 16, 3), dtype=np.uint8)          # (B, C, R, R, 3)
        actions = np.eye(3)[rng.integers(0, 3, (2, 5))]                             # (B, 2 + 3, A)
        noise = rng.standard_normal((3, 2, 3, 16, 16)) * 2.5                        # some beyond the ±6 clip
        taken = iter(noise)
        got = eval_rollouts.generate(model, config, context, torch.from_numpy(actions), 3, 4,
                                     lambda shape: torch.from_numpy(next(taken)), quantize=False)
        alphas = np.asarray(config["diffusion"]["alphas_cumprod"])
        x0 = (context.astype(np.float64) / 255.0 - 0.5) / 0.5
        want = sampler.rollout(np.moveaxis(x0, -1, -3).swapaxes(0, 1), 5, sampler.torch_model_fn(model), alphas,
                               steps=4, window=3, stabilization=20, actions=actions.swapaxes(0, 1),
                               noise=sampler.NoiseStream(noise.ravel()))
        np.testing.assert_allclose(got.numpy(), want.swapaxes(0, 1), rtol=1e-6, atol=1e-6)

    def test_cached_context_is_the_full_window(self):
        # The cached path (context keys/values kept, the network run on the new frame only) computes the
        # same frames as the full-window calls of models/train.py, at the model's and at a high
        # stabilization level, with the window full and sliding.
        torch.manual_seed(7)
        model = dfv_unet.Unet3D(ARCH, 3).double().eval()
        self.assertTrue(model.can_cache_context())
        config = model_file.default_config(ARCH, context_frames=2, window=4, action_dim=3)
        rng = np.random.default_rng(3)
        context = rng.integers(0, 256, (2, 2, 16, 16, 3), dtype=np.uint8)
        actions = torch.from_numpy(np.eye(3)[rng.integers(0, 3, (2, 7))])
        noise = torch.from_numpy(rng.standard_normal((5, 2, 3, 16, 16)))
        for level in (15, 300):
            runs = []
            for cached in (False, True):
                taken = iter(noise)
                runs.append(eval_rollouts.generate(model, config, context, actions, 5, 3, lambda shape: next(taken),
                                                   quantize=False, stabilization=level, cached=cached))
            np.testing.assert_allclose(runs[1].numpy(), runs[0].numpy(), rtol=1e-9, atol=1e-9)
        # The rollout leaves no cache behind.
        blocks = [m for m in model.modules() if isinstance(m, dfv_unet.TemporalAttentionBlock)]
        self.assertTrue(all(b.cache_mode is None and b.cached_k is None and b.cached_v is None for b in blocks))

    def test_levers_change_the_rollout_only_when_set(self):
        torch.manual_seed(8)
        model = dfv_unet.Unet3D(ARCH, 0).double().eval()
        config = model_file.default_config(ARCH, context_frames=1, window=3)
        context = np.full((1, 1, 16, 16, 3), 90, dtype=np.uint8)

        def run(**levers):
            g = torch.Generator().manual_seed(1)
            return eval_rollouts.generate(model, config, context, None, 3, 4,
                                          lambda shape: torch.randn(shape, generator=g, dtype=torch.float64),
                                          quantize=False, **levers)
        plain = run()
        np.testing.assert_allclose(run(cached=True, eta=0.0).numpy(), plain.numpy(), atol=1e-9)
        for levers in ({"eta": 1.0}, {"context_noise": True}, {"clip_x0": 0.5}, {"stabilization": 200}):
            self.assertGreater(float((run(cached=True, **levers) - plain).abs().max()), 1e-4, levers)

    def test_quantized_frames_feed_back_as_the_app_rounds_them(self):
        torch.manual_seed(6)
        model = dfv_unet.Unet3D(ARCH, 0).eval()
        config = model_file.default_config(ARCH, context_frames=1, window=2)
        context = np.full((1, 1, 16, 16, 3), 77, dtype=np.uint8)
        made = eval_rollouts.generate(model, config, context, None, 2, 2, torch.randn)
        rgb = eval_rollouts.to_rgb(made, 0.5, 0.5)
        # Every frame, context and generated, is exactly an 8-bit image in model units.
        np.testing.assert_array_equal(eval_rollouts.to_model(rgb, 0.5, 0.5).numpy(), made.numpy())
        values = np.arange(256, dtype=np.uint8).reshape(1, 1, 256 // 16 // 1, 16, 1).repeat(3, -1)[..., :16, :]
        x = eval_rollouts.to_model(values, 0.5, 0.5)
        np.testing.assert_allclose(x.numpy(), np.moveaxis(values / 255.0 * 2 - 1, -1, -3), atol=1e-6)
        # model_to_rgb in app/core/session.c: lrintf((x·std + mean)·255) clamped; halves go to even there too.
        edge = torch.tensor([-1.5, -1.0, 0.0, 1.0, 2.0, 1 / 255.0 - 1.0]).reshape(1, 1, 6).repeat(3, 1, 1)
        np.testing.assert_array_equal(eval_rollouts.to_rgb(edge, 0.5, 0.5)[..., 0].numpy().ravel(),
                                      [0, 0, 128, 255, 255, 0])


if __name__ == "__main__":
    unittest.main(verbosity=2)
