"""make_parity.py writes self-consistent parity cases: the expected output is what the stored weights
give, std ≈ 0.5, every parameter off its init, the documented file shapes.

The expectation is computed here without make_parity's code: the weights are read from the file by the
spec reader (safetensors_spec.py, not models/safetensors_io.py or model_file), the network is built from
the architecture in case.json, and the (T, B, ...) files are laid out for it by hand, in float64. On the
causal cases (per-frame GroupNorm) the first k frames alone must also give the first k expected frames,
which pins the frame order. The network's own anchor is the official golden data (tests/parity)."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

from pyref_common import MODELS
from safetensors_spec import spec_read
import numpy as np
import torch

import dfv_unet
import model_file
import safetensors_io


def independent_network(d, case):
    """The Unet3D of case.json's architecture with the file's weights as the spec reader sees them, float64."""
    with open(os.path.join(d, "model.safetensors"), "rb") as f:
        tensors, _ = spec_read(f.read())
    net = dfv_unet.Unet3D(case["architecture"], action_dim=case["actions"]).double().eval()
    state = {name: torch.tensor(values, dtype=torch.float64).reshape(shape)
             for name, (_, shape, values) in tensors.items()}
    freqs = state.pop(dfv_unet.ROTARY_FREQS_KEY, None)  # stored rotary frequencies live outside the state dict
    if freqs is not None:
        net.rotary_freqs.set(freqs.numpy())
    net.load_state_dict(state, strict=True)
    return net


def forward_by_hand(net, x, t, a):
    """x (T, B, C, H, W), t (T, B), a (T, B, A) or None, as the files hold them → (T, B, C, H, W)."""
    xb = torch.from_numpy(np.ascontiguousarray(x.transpose(1, 0, 2, 3, 4))).double()
    tb = torch.from_numpy(np.ascontiguousarray(t.T))
    ab = None if a is None else torch.from_numpy(np.ascontiguousarray(a.transpose(1, 0, 2))).double()
    with torch.no_grad():
        return net(xb, tb, ab).numpy().transpose(1, 0, 2, 3, 4)


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
        net = independent_network(d, case)
        expected = forward_by_hand(net, x, t, a)
        self.assertLess(np.abs(expected - v).max(), 1e-6)  # v: float64 results stored as float32
        if case["architecture"]["groupnorm_per_frame"]:  # causal: the first k frames alone give v[:k]
            k = T - 1
            head = forward_by_hand(net, x[:k], t[:k], None if a is None else a[:k])
            self.assertLess(np.abs(head - v[:k]).max(), 1e-6)
        model, _ = model_file.load_model(os.path.join(d, "model.safetensors"))
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
