"""Noise schedules against the spec's reference values (§3) and the sampling-level map (§4)."""
import unittest

import pyref_common  # noqa: F401
import numpy as np

import schedule


class Schedules(unittest.TestCase):
    def test_sigmoid_reference_values(self):
        a = schedule.alphas_cumprod("sigmoid")
        self.assertEqual(a.shape, (1000,))
        self.assertEqual(a.dtype, np.float64)
        self.assertAlmostEqual(a[0], 0.99969971, places=7)
        self.assertAlmostEqual(a[14], 0.99532056, places=7)
        self.assertAlmostEqual(a[499], 0.5, places=7)
        self.assertLess(abs(a[999] / 3.0029e-7 - 1), 1e-4)

    def test_cosine_reference_values(self):
        a = schedule.alphas_cumprod("cosine")
        self.assertAlmostEqual(a[14], 0.99887115, places=7)
        self.assertLess(abs(a[999] / 2.4288e-9 - 1), 1e-4)
        self.assertTrue(np.all(np.diff(a) < 0))

    def test_betas_are_clipped(self):
        self.assertLessEqual(schedule.betas("cosine").max(), 0.999)

    def test_sampling_levels(self):
        self.assertEqual(schedule.sampling_timesteps(100).tolist(), [-1 + 10 * k for k in range(101)])
        self.assertEqual(schedule.sampling_timesteps(3).tolist(), [-1, 332, 665, 999])
        self.assertEqual(schedule.sampling_timesteps(1000).tolist(), list(range(-1, 1000)))
        # exact integers where float linspace would land below them: -1 + floor(k*1000/30)
        self.assertEqual(schedule.sampling_timesteps(30)[3], 99)


if __name__ == "__main__":
    unittest.main()
