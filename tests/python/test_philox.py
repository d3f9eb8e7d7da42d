"""models/philox.py: the Random123 known-answer vectors, and its normals follow rng.h's layout.

The C generator passes the same vectors (tests/model/test_sampler.c); the end-to-end rollout in
tests/parity/test_official.py shows the two give dfview's exact noise."""
import math
import os
import sys
import unittest

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "models"))
import philox  # noqa: E402

# Random123 tests/kat_vectors, "philox4x32 10": counter, key, expected output.
KAT = [
    ((0, 0, 0, 0), (0, 0), (0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8)),
    ((0xffffffff,) * 4, (0xffffffff,) * 2, (0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd)),
    ((0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344), (0xa4093822, 0x299f31d0),
     (0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1)),
]


class PhiloxTest(unittest.TestCase):
    def test_known_answers(self):
        for counter, key, want in KAT:
            got = philox.philox4x32_10(np.array([counter]), key)[0]
            self.assertEqual([int(v) for v in got], list(want))

    def test_normals_layout(self):
        """Element 5 of (seed, purpose 1, frame 2^32 + 3, step 9) is z1 of block 1, by hand from rng.h."""
        seed, frame = 0x1234_5678_9ABC, (1 << 32) + 3
        w = philox.philox4x32_10(np.array([[1, frame & 0xFFFFFFFF, 9, 1 | (1 << 16)]]), (seed & 0xFFFFFFFF, seed >> 32))[0]
        u0, u1 = (float(w[0]) + 0.5) / 2 ** 32, (float(w[1]) + 0.5) / 2 ** 32
        want = math.sqrt(-2 * math.log(u0)) * math.sin(2 * math.pi * u1)
        got = philox.normals(seed, philox.NOISE_STEP, frame, 9, 7)
        self.assertEqual(got.dtype, np.float32)
        self.assertEqual(got.shape, (7,))
        self.assertEqual(got[5], np.float32(want))

    def test_normal_statistics(self):
        z = philox.normals(3, philox.NOISE_INITIAL, 0, 0, 200_000).astype(np.float64)
        self.assertLess(abs(z.mean()), 0.01)
        self.assertLess(abs(z.std() - 1), 0.01)


if __name__ == "__main__":
    unittest.main()
