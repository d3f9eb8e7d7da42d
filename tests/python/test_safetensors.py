"""safetensors writer/reader round trips, BF16 rounding, header validation, model export."""
import hashlib
import json
import os
import struct
import tempfile
import unittest

from pyref_common import TINY_ARCH, perturb_all
import numpy as np
import torch

import dfv_unet
import model_file
import safetensors_io as st


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


class RoundTrip(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.path = os.path.join(self.dir.name, "t.safetensors")
        rng = np.random.default_rng(0)
        self.tensors = {"a.weight": rng.standard_normal((3, 4, 1, 2, 2)).astype(np.float32),
                        "b": rng.standard_normal(5).astype(np.float32)}

    def tearDown(self):
        self.dir.cleanup()

    def test_f32_exact(self):
        st.write(self.path, self.tensors, "F32", {"dfview": "{}"})
        back, meta = st.read(self.path)
        self.assertEqual(meta, {"dfview": "{}"})
        for k, v in self.tensors.items():
            np.testing.assert_array_equal(back[k], v)

    def test_layout_is_standard(self):
        st.write(self.path, self.tensors, "F32")
        blob = read_bytes(self.path)
        (n,) = struct.unpack("<Q", blob[:8])
        self.assertEqual((8 + n) % 8, 0)
        header = json.loads(blob[8:8 + n])
        self.assertEqual(header["a.weight"], {"dtype": "F32", "shape": [3, 4, 1, 2, 2], "data_offsets": [0, 192]})
        self.assertEqual(header["b"]["data_offsets"], [192, 212])
        raw = np.frombuffer(blob[8 + n + 192:8 + n + 212], dtype="<f4")
        np.testing.assert_array_equal(raw, self.tensors["b"])

    def test_f16(self):
        st.write(self.path, self.tensors, "F16")
        back, _ = st.read(self.path)
        for k, v in self.tensors.items():
            np.testing.assert_array_equal(back[k], v.astype(np.float16).astype(np.float32))

    def test_bf16_rounds_to_nearest_even(self):
        values = np.array([1.0, 1.0 + 2 ** -8, 1.0 + 3 * 2 ** -8, -2.5, 1e-30, 3.0e38], dtype=np.float32)
        st.write(self.path, {"x": values}, "BF16")
        back, _ = st.read(self.path)
        # bf16 keeps 8 significant bits: ties go to the even mantissa
        expect = np.array([1.0, 1.0, 1.0 + 4 * 2 ** -8, -2.5], dtype=np.float32)
        np.testing.assert_array_equal(back["x"][:4], expect)
        self.assertLess(abs(back["x"][4] / 1e-30 - 1), 2 ** -8)
        self.assertLess(abs(back["x"][5] / 3.0e38 - 1), 2 ** -8)

    def test_truncated_and_bad_headers_are_refused(self):
        st.write(self.path, self.tensors, "F32")
        blob = read_bytes(self.path)
        cases = [blob[:5], blob[:-4], struct.pack("<Q", 10 ** 6) + blob[8:],
                 struct.pack("<Q", 4) + b"{no}" + blob[12:]]
        for case in cases:
            with self.assertRaises(st.SafetensorsError):
                st.parse_header(case)
        bad = blob.replace(b'"F32"', b'"I64"', 1)
        with self.assertRaises(st.SafetensorsError):
            st.parse_header(bad)


class ModelExport(unittest.TestCase):
    def test_export_and_reload_strict(self):
        torch.manual_seed(0)
        model = perturb_all(dfv_unet.Unet3D(dict(TINY_ARCH, groupnorm_per_frame=True), action_dim=2)).eval()
        config = model_file.default_config(model.arch, name="tiny", action_dim=2, window=4)
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "m.safetensors")
            written = model_file.export_model(model, config, path)
            data = st.data_section(path)
            self.assertEqual(written["provenance"]["weights_sha256"], hashlib.sha256(data).hexdigest())
            back, cfg = model_file.load_model(path)
        self.assertEqual(cfg["architecture"]["groupnorm_per_frame"], True)
        self.assertEqual(cfg["actions"]["dim"], 2)
        self.assertEqual(len(cfg["diffusion"]["alphas_cumprod"]), 1000)
        x = torch.randn(1, 3, 3, 8, 8)
        t = torch.tensor([[14, 500, 999]])
        a = torch.randn(1, 3, 2)
        with torch.no_grad():
            self.assertEqual((model(x, t, a) - back(x, t, a)).abs().max().item(), 0.0)


if __name__ == "__main__":
    unittest.main()
