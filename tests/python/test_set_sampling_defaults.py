"""models/set_sampling_defaults.py: rewrites only the diffusion defaults of a model file's config; the
tensor bytes (and so provenance.weights_sha256) stay as they were, and the file still loads."""
import hashlib
import json
import os
import tempfile
import unittest

from pyref_common import TINY_ARCH
from safetensors_spec import spec_read
import numpy as np
import torch

import dfv_unet
import model_file
import safetensors_io
import set_sampling_defaults


class SetSamplingDefaults(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.path = os.path.join(self.dir.name, "m.safetensors")
        torch.manual_seed(0)
        self.model = dfv_unet.Unet3D(TINY_ARCH, 3)
        config = model_file.default_config(TINY_ARCH, window=8, action_dim=3)
        model_file.export_model(self.model, config, self.path, "fp16")

    def tearDown(self):
        self.dir.cleanup()

    def test_rewrites_the_defaults_and_keeps_the_tensor_bytes(self):
        before = safetensors_io.data_section(self.path)
        self.assertFalse(model_file.read_config(self.path)["diffusion"]["context_noise"])
        self.assertEqual(set_sampling_defaults.main([self.path, "--steps", "5", "--stabilization", "100",
                                                     "--eta", "0.5", "--context-noise", "on"]), 0)
        self.assertEqual(safetensors_io.data_section(self.path), before)
        config = model_file.read_config(self.path)
        d = config["diffusion"]
        self.assertEqual((d["sampling_steps"], d["stabilization_level"], d["eta"], d["context_noise"]),
                         (5, 100, 0.5, True))
        self.assertEqual(d["window"], 8)
        self.assertEqual(config["provenance"]["weights_sha256"], hashlib.sha256(before).hexdigest())
        # An independent reader agrees, and the model still loads strictly with the same weights.
        tensors, metadata = spec_read(open(self.path, "rb").read())
        self.assertEqual(json.loads(metadata["dfview"])["diffusion"]["sampling_steps"], 5)
        loaded, _ = model_file.load_model(self.path)
        for (name, a), b in zip(loaded.state_dict().items(), self.model.state_dict().values()):
            np.testing.assert_array_equal(a.numpy(), b.half().float().numpy(), name)

    def test_refuses_bad_values_and_leaves_the_file(self):
        before = open(self.path, "rb").read()
        for bad in (["--steps", "0"], ["--stabilization", "1001"], ["--window", "9"], ["--eta", "2"]):
            self.assertEqual(set_sampling_defaults.main([self.path, *bad]), 1, bad)
        self.assertEqual(open(self.path, "rb").read(), before)

    def test_out_leaves_the_original(self):
        before = open(self.path, "rb").read()
        other = os.path.join(self.dir.name, "o.safetensors")
        self.assertEqual(set_sampling_defaults.main([self.path, "--steps", "4", "--out", other]), 0)
        self.assertEqual(open(self.path, "rb").read(), before)
        self.assertEqual(model_file.read_config(other)["diffusion"]["sampling_steps"], 4)


if __name__ == "__main__":
    unittest.main(verbosity=2)
