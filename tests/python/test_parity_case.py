"""make_parity.py writes self-consistent parity cases: the expected output is what the stored weights
give (rechecked in fp32), std ≈ 0.5, every parameter off its init, the documented file shapes."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

from pyref_common import MODELS
import numpy as np
import torch

import make_parity
import model_file
import safetensors_io


class ParityCase(unittest.TestCase):
    def make(self, *args):
        d = tempfile.mkdtemp(dir=self.dir.name)
        r = subprocess.run([sys.executable, os.path.join(MODELS, "make_parity.py"), d, *args],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(d, "case.json")) as f:
            return d, json.load(f)

    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.dir.cleanup()

    def check_case(self, d, case, actions=0):
        x, t, v = (np.load(os.path.join(d, n + ".npy")) for n in ("x", "t", "v"))
        T, r = case["frames"], case["architecture"]["resolution"]
        self.assertEqual((x.dtype, x.shape), (np.float32, (T, 1, 3, r, r)))
        self.assertEqual((t.dtype, t.shape), (np.int64, (T, 1)))
        self.assertEqual(t[:, 0].tolist(), [14] * (T - 2) + [500, 999])
        self.assertEqual(v.shape, x.shape)
        a = None
        if actions:
            a = np.load(os.path.join(d, "a.npy"))
            self.assertEqual(a.shape, (T, 1, actions))
            np.testing.assert_array_equal(a.sum(-1), 1.0)
        self.assertAlmostEqual(float(v.std()), 0.5, delta=0.05)
        model, _ = model_file.load_model(os.path.join(d, "model.safetensors"))
        again = make_parity.run_model(model, x, t, a, torch.float32)
        self.assertLess(np.abs(again - v).max(), 1e-4)
        for name, p in model.named_parameters():
            values = p.detach().flatten()
            self.assertFalse(bool(torch.all(values == values[0])), f"{name} is constant")
        return model, x, t, a, v

    def test_tiny_joint_groupnorm(self):
        d, case = self.make("--preset", "tiny")
        self.check_case(d, case)
        self.assertFalse(case["architecture"]["groupnorm_per_frame"])

    def test_tiny_per_frame_with_actions(self):
        d, case = self.make("--preset", "tiny", "--per-frame-gn", "--actions", "3", "--frames", "5", "--seed", "2")
        self.check_case(d, case, actions=3)
        self.assertTrue(case["architecture"]["groupnorm_per_frame"])

    def test_via_official_converter(self):
        d, case = self.make("--preset", "tiny", "--via-official")
        self.check_case(d, case)
        self.assertTrue(os.path.exists(os.path.join(d, "model.ckpt")))
        self.assertIn("converted", model_file.read_config(os.path.join(d, "model.safetensors"))["provenance"]["source"])

    def test_fp16_weights(self):
        d, case = self.make("--preset", "tiny", "--dtype", "fp16", "--frames", "3")
        self.check_case(d, case)
        tensors, _ = safetensors_io.read(os.path.join(d, "model.safetensors"), as_float32=False)
        self.assertTrue(all(v.dtype == np.float16 for v in tensors.values()))


if __name__ == "__main__":
    unittest.main()
