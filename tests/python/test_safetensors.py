"""safetensors writer/reader round trips, BF16 rounding, header validation, model export; the writer
checked against a reader written here from the format's spec (and the reader against a writer written
here), so that a fault shared by models/safetensors_io.py's writer and reader cannot hide."""
import hashlib
import json
import os
import struct
import tempfile
import unittest

from pyref_common import TINY_ARCH, perturb_all
from safetensors_spec import spec_read, spec_write
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


class AgainstTheSpec(unittest.TestCase):
    """The writer read back by spec_read; the reader given files made by spec_write."""

    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.path = os.path.join(self.dir.name, "t.safetensors")

    def tearDown(self):
        self.dir.cleanup()

    def test_writer_f32_f16_bf16_read_by_the_spec(self):
        rng = np.random.default_rng(3)
        tensors = {"w": rng.standard_normal((2, 3, 1, 2)).astype(np.float32),
                   "b": rng.standard_normal(5).astype(np.float32), "s": np.float32([0.5])}
        for dtype in ("F32", "F16", "BF16"):
            st.write(self.path, tensors, dtype, {"dfview": '{"a": 1}', "n": "2"})
            got, meta = spec_read(read_bytes(self.path))
            self.assertEqual(meta, {"dfview": '{"a": 1}', "n": "2"})
            self.assertEqual(set(got), set(tensors))
            for name, array in tensors.items():
                kind, shape, values = got[name]
                self.assertEqual((kind, shape), (dtype, list(array.shape)), name)
                flat = [float(v) for v in array.reshape(-1)]
                if dtype == "F32":
                    expect = flat
                elif dtype == "F16":  # IEEE half by the standard library's own packing
                    expect = [struct.unpack("<e", struct.pack("<e", v))[0] for v in flat]
                else:  # bf16: within half an ulp of 8 significant bits
                    expect = flat
                    for v, e in zip(values, expect):
                        self.assertLessEqual(abs(v - e), abs(e) * 2 ** -8, name)
                    continue
                self.assertEqual(values, expect, f"{name} {dtype}")

    def test_bf16_ties_to_even_read_by_the_spec(self):
        values = np.array([1.0 + 2 ** -8, 1.0 + 3 * 2 ** -8, -2.5], dtype=np.float32)
        st.write(self.path, {"x": values}, "BF16")
        _, _, got = spec_read(read_bytes(self.path))[0]["x"]
        self.assertEqual(got, [1.0, 1.0 + 4 * 2 ** -8, -2.5])

    def test_reader_takes_a_file_written_by_the_spec(self):
        entries = {"z.last": ("F32", [2, 2], [1.5, -2.0, 3.25, 0.0]),
                   "a.half": ("F16", [3], [0.5, -1.0, 65504.0]),
                   "m.bf16": ("BF16", [1, 2], [0x3F80, 0xC020])}  # 1.0, -2.5 as bf16 bit patterns
        spec_write(self.path, entries, {"dfview": "{}"}, pad=5)
        back, meta = st.read(self.path)
        self.assertEqual(meta, {"dfview": "{}"})
        np.testing.assert_array_equal(back["z.last"], np.float32([[1.5, -2.0], [3.25, 0.0]]))
        np.testing.assert_array_equal(back["a.half"], np.float32([0.5, -1.0, 65504.0]))
        np.testing.assert_array_equal(back["m.bf16"], np.float32([[1.0, -2.5]]))

    def test_exported_model_holds_every_parameter_exactly(self):
        torch.manual_seed(1)
        model = perturb_all(dfv_unet.Unet3D(dict(TINY_ARCH), action_dim=3)).eval()
        config = model_file.default_config(model.arch, name="tiny", action_dim=3, window=4)
        model_file.export_model(model, config, self.path)
        got, meta = spec_read(read_bytes(self.path))
        self.assertEqual(json.loads(meta["dfview"])["architecture"]["dim"], TINY_ARCH["dim"])
        state = model.state_dict()
        self.assertEqual(set(got), set(state))
        for name, tensor in state.items():
            kind, shape, values = got[name]
            self.assertEqual((kind, shape), ("F32", list(tensor.shape)), name)
            self.assertEqual(values, [float(v) for v in tensor.reshape(-1).tolist()], name)


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
