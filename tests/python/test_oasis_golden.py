"""The engine's decomposition of Oasis (models/oasis/oasis_np.py, float64) against the official open-oasis
outputs in tests/golden/oasis (made by models/oasis/make_golden.py from the official code), and the
golden data against itself (every parameter perturbed, so a dropped tensor would show)."""
import json
import os
import sys
import unittest

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GOLDEN = os.path.join(ROOT, "tests", "golden", "oasis")
sys.path.insert(0, os.path.join(ROOT, "models"))
sys.path.insert(0, os.path.join(ROOT, "models", "oasis"))

import oasis_np  # noqa: E402
import safetensors_io  # noqa: E402

TOLERANCE = 1e-4  # max abs, the fp32 parity bound


def load(name):
    return np.load(os.path.join(GOLDEN, name + ".npy"))


class OasisGolden(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with open(os.path.join(GOLDEN, "case.json")) as f:
            cls.case = json.load(f)
        cls.dit, _ = safetensors_io.read(os.path.join(GOLDEN, "dit.safetensors"))
        cls.vae, _ = safetensors_io.read(os.path.join(GOLDEN, "vae.safetensors"))

    def assert_close(self, got, want, what, relative=False):
        """max |got - want| <= 1e-4, or with `relative` 1e-4 · max(1, max |want|) (the op harness's rule)."""
        self.assertEqual(got.shape, want.shape, what)
        err = float(np.abs(got - want).max())
        bound = TOLERANCE * (max(1.0, float(np.abs(want).max())) if relative else 1.0)
        self.assertLessEqual(err, bound, f"{what}: max abs {err:.3g} > {bound:.3g}")
        return err

    def test_dit_forward(self):
        v = oasis_np.dit_forward(self.dit, self.case["dit"]["config"], load("dit_x"), load("dit_t"), load("dit_a"))
        self.assert_close(v, load("dit_v"), "DiT forward")

    def test_dit_forward_sees_every_tensor(self):
        """Zeroing any one tensor (the rotary frequencies included) moves the output past the tolerance."""
        cfg, want = self.case["dit"]["config"], load("dit_v")
        for name in sorted(self.dit):
            broken = dict(self.dit)
            broken[name] = np.zeros_like(broken[name]) if "freqs" not in name else broken[name] * 0.5
            v = oasis_np.dit_forward(broken, cfg, load("dit_x"), load("dit_t"), load("dit_a"))
            self.assertGreater(float(np.abs(v - want).max()), 10 * TOLERANCE, name)

    def test_vae_sees_every_tensor(self):
        """Zeroing any one VAE tensor moves the encoder's or the decoder's output past the tolerance."""
        cfg, scale = self.case["vae"]["config"], self.case["vae"]["scaling_factor"]
        for name in sorted(self.vae):
            broken = dict(self.vae)
            broken[name] = np.zeros_like(broken[name])
            z = oasis_np.vae_encode(broken, cfg, load("vae_img"), scale)
            img = oasis_np.vae_decode(broken, cfg, load("vae_zin"), scale)
            err = max(float(np.abs(z - load("vae_z")).max()), float(np.abs(img - load("vae_dec")).max()))
            self.assertGreater(err, 10 * TOLERANCE, name)

    def test_vae_encode(self):
        z = oasis_np.vae_encode(self.vae, self.case["vae"]["config"], load("vae_img"), self.case["vae"]["scaling_factor"])
        self.assert_close(z, load("vae_z"), "VAE encode")

    def test_vae_decode(self):
        img = oasis_np.vae_decode(self.vae, self.case["vae"]["config"], load("vae_zin"),
                                  self.case["vae"]["scaling_factor"])
        self.assert_close(img, load("vae_dec"), "VAE decode")

    def test_sampling_loop(self):
        """generate.py's whole loop (VAE encode, 3 new frames x 3 DDIM steps with a sliding window of 3, VAE
        decode) with the official run's noise, against the official run."""
        cfg = dict(self.case["dit"]["config"])
        s = self.case["sampling"]
        latents, decoded = oasis_np.sample(self.dit, cfg, self.vae, self.case["vae"]["config"],
                                           self.case["vae"]["scaling_factor"], load("sample_prompt"),
                                           load("sample_actions"), load("sample_noise"), s["ddim_steps"],
                                           s["max_frames"])
        self.assert_close(latents, load("sample_latents"), "sampled latents")  # measured 2.0e-5
        # The decoder sees latents / 0.0784 (x12.75): the official float32 run's own rounding in the
        # latents comes out ~1e-4 in frames of size ~4 (measured 9.2e-5), hence the relative bound here.
        self.assert_close(decoded, load("sample_decoded"), "sampled frames, decoded", relative=True)

    def test_ddim_levels_match_generate(self):
        import torch
        for steps in (3, 10, 100):
            want = torch.linspace(-1, 999, steps + 1).long().numpy()  # torch.full(..., dtype=long) truncates
            np.testing.assert_array_equal(oasis_np.ddim_levels(steps), want)

    def test_float32_linspace_matches_torch(self):
        """Within float32 rounding of the range: torch's vectorised CPU kernel rounds differently per SIMD
        width, so its last bits are not a fixed target."""
        import torch
        for steps in (1, 2, 3, 6, 9, 16, 18, 32):
            want = torch.linspace(-1, 1, steps).numpy()
            np.testing.assert_allclose(oasis_np.float32_linspace(-1, 1, steps), want, rtol=0, atol=2.4e-7)
        want = torch.linspace(1.0, 288.0, 16).numpy()
        np.testing.assert_allclose(oasis_np.float32_linspace(1.0, 288.0, 16), want, rtol=0, atol=288 * 1.2e-7)


if __name__ == "__main__":
    unittest.main()
