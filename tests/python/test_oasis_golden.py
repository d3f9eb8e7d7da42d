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

    def assert_close(self, got, want, what):
        self.assertEqual(got.shape, want.shape, what)
        err = float(np.abs(got - want).max())
        self.assertLessEqual(err, TOLERANCE, f"{what}: max abs {err:.3g}")
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
