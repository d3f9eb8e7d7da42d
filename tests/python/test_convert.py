"""convert-official: a Lightning-style checkpoint of a perturbed tiny Unet3D converts, reloads strictly
into a fresh Unet3D and gives the same outputs; paper-branch and foreign checkpoints are refused."""
import os
import subprocess
import tempfile
import unittest

from pyref_common import ROOT, TINY_ARCH, perturb_all
import numpy as np
import torch

import dfv_unet
import model_file
import schedule

SCRIPT = os.path.join(ROOT, "scripts", "convert-official")


def lightning_checkpoint(model, alphas):
    """What the official trainer saves: prefixed weights, rotary freqs copies, schedule buffers, data stats."""
    state = {"diffusion_model.model." + k: v.clone() for k, v in model.state_dict().items()}
    dh = model.arch["dim_head"]
    freqs = 1.0 / (10000 ** (torch.arange(0, dh, 2).float() / dh))
    state["diffusion_model.model.rotary_time_pos_embedding.freqs"] = freqs
    for name in [k for k in model.state_dict() if k.endswith("attn_block.attn.to_qkv.weight")]:
        state["diffusion_model.model." + name.replace("to_qkv.weight", "rotary_emb.freqs")] = freqs
    a = torch.tensor(alphas, dtype=torch.float32)
    state["diffusion_model.alphas_cumprod"] = a
    state["diffusion_model.betas"] = 1 - a
    state["diffusion_model.sqrt_alphas_cumprod"] = a.sqrt()
    state["diffusion_model.snr"] = a / (1 - a)
    state["data_mean"] = torch.full((3, 1, 1), 0.5)
    state["data_std"] = torch.full((3, 1, 1), 0.5)
    return {"epoch": 3, "global_step": 1000, "pytorch-lightning_version": "2.1.0", "state_dict": state}


class Payload:
    """Any pickled class instance must be refused by the weights-only loader."""


class Convert(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.path = lambda n: os.path.join(self.dir.name, n)  # noqa: E731

    def tearDown(self):
        self.dir.cleanup()

    def run_script(self, *args):
        return subprocess.run([SCRIPT, *args], capture_output=True, text=True)

    def test_round_trip_strict_and_equal(self):
        torch.manual_seed(0)
        model = perturb_all(dfv_unet.Unet3D(TINY_ARCH)).eval()
        alphas = schedule.alphas_cumprod("sigmoid")
        torch.save(lightning_checkpoint(model, alphas), self.path("in.ckpt"))
        r = self.run_script(self.path("in.ckpt"), self.path("out.safetensors"), "--heads", "2", "--resolution", "8")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("wrote", r.stdout)
        back, cfg = model_file.load_model(self.path("out.safetensors"))  # strict load
        self.assertEqual(cfg["architecture"]["dim"], 16)
        self.assertEqual(cfg["architecture"]["dim_mults"], [1, 2])
        self.assertEqual(cfg["architecture"]["dim_head"], 8)
        self.assertEqual(cfg["architecture"]["groupnorm_per_frame"], False)
        self.assertEqual(cfg["diffusion"]["beta_schedule"], "sigmoid")
        np.testing.assert_allclose(cfg["diffusion"]["alphas_cumprod"], alphas.astype(np.float32), rtol=1e-7)
        self.assertEqual(cfg["data"], {"mean": 0.5, "std": 0.5})
        x = torch.randn(1, 3, 3, 8, 8)
        t = torch.tensor([[14, 500, 999]])
        with torch.no_grad():
            self.assertEqual((model(x, t) - back(x, t)).abs().max().item(), 0.0)
        r = self.run_script(self.path("in.ckpt"), self.path("h.safetensors"), "--heads", "2", "--resolution", "8",
                            "--dtype", "fp16")
        self.assertEqual(r.returncode, 0, r.stderr)
        half, _ = model_file.load_model(self.path("h.safetensors"))
        with torch.no_grad():
            ref = model(x, t)
            err = (half(x, t) - ref).abs().max().item()
        self.assertLess(err, 2e-2 * max(1.0, ref.abs().max().item()))

    def test_resolution_required_for_unknown_recipe(self):
        model = dfv_unet.Unet3D(TINY_ARCH)
        torch.save(lightning_checkpoint(model, schedule.alphas_cumprod("cosine")), self.path("in.ckpt"))
        r = self.run_script(self.path("in.ckpt"), self.path("o.safetensors"), "--heads", "2")
        self.assertEqual(r.returncode, 1)
        self.assertIn("--resolution", r.stderr)
        self.assertFalse(os.path.exists(self.path("o.safetensors")))

    def test_wrong_heads_refused(self):
        model = dfv_unet.Unet3D(TINY_ARCH)
        torch.save(lightning_checkpoint(model, schedule.alphas_cumprod("cosine")), self.path("in.ckpt"))
        r = self.run_script(self.path("in.ckpt"), self.path("o.safetensors"), "--heads", "3", "--resolution", "8")
        self.assertEqual(r.returncode, 1)
        self.assertIn("heads", r.stderr)

    def test_paper_branch_refused(self):
        state = {"diffusion_model.model.init_z": torch.zeros(1, 32, 8, 8),
                 "diffusion_model.model.gru.conv_gates.weight": torch.zeros(64, 96, 3, 3),
                 "diffusion_model.model.unet.init_conv.weight": torch.zeros(64, 15, 7, 7)}
        torch.save({"state_dict": state}, self.path("paper.ckpt"))
        r = self.run_script(self.path("paper.ckpt"), self.path("p.safetensors"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("paper-branch", r.stderr)
        self.assertEqual(len(r.stderr.strip().splitlines()), 1)

    def test_foreign_and_garbage_refused(self):
        torch.save({"state_dict": {"encoder.weight": torch.zeros(3, 3)}}, self.path("other.ckpt"))
        r = self.run_script(self.path("other.ckpt"), self.path("o.safetensors"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("not a Diffusion Forcing checkpoint", r.stderr)
        with open(self.path("junk.ckpt"), "wb") as f:
            f.write(b"this is not a pickle")
        r = self.run_script(self.path("junk.ckpt"), self.path("o.safetensors"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("weights-only", r.stderr)
        self.assertEqual(len(r.stderr.strip().splitlines()), 1)

    def test_pickled_objects_refused(self):
        model = dfv_unet.Unet3D(TINY_ARCH)
        ckpt = lightning_checkpoint(model, schedule.alphas_cumprod("cosine"))
        ckpt["hyper_parameters"] = Payload()
        torch.save(ckpt, self.path("obj.ckpt"))
        r = self.run_script(self.path("obj.ckpt"), self.path("o.safetensors"), "--heads", "2", "--resolution", "8")
        self.assertEqual(r.returncode, 1)
        self.assertIn("weights-only", r.stderr)

    def test_dmlab_recipe_needs_no_resolution(self):
        model = dfv_unet.Unet3D({"dim": 48, "dim_head": 32})
        torch.save(lightning_checkpoint(model, schedule.alphas_cumprod("cosine")), self.path("d.ckpt"))
        r = self.run_script(self.path("d.ckpt"), self.path("d.safetensors"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("18,653,523 parameters", r.stdout)
        cfg = model_file.read_config(self.path("d.safetensors"))
        self.assertEqual((cfg["architecture"]["resolution"], cfg["diffusion"]["window"]), (64, 16))
        self.assertEqual(cfg["diffusion"]["beta_schedule"], "cosine")


if __name__ == "__main__":
    unittest.main()
