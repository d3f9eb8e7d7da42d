"""convert-oasis (models/convert_oasis.py) on the official-layout golden checkpoints (tests/golden/oasis):
the converted file still computes the official outputs, .pt inputs with every rotary alias convert to the
same file, and bad inputs or flags get one-line refusals."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GOLDEN = os.path.join(ROOT, "tests", "golden", "oasis")
sys.path.insert(0, os.path.join(ROOT, "models"))
sys.path.insert(0, os.path.join(ROOT, "models", "oasis"))

import convert_oasis  # noqa: E402
import oasis_np  # noqa: E402
import safetensors_io  # noqa: E402

DIT, VAE = os.path.join(GOLDEN, "dit.safetensors"), os.path.join(GOLDEN, "vae.safetensors")
TINY = dict(dit_heads=4, vae_heads=2, image="24x32")


def load(name):
    return np.load(os.path.join(GOLDEN, name + ".npy"))


def split(tensors, prefix):
    return {k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)}


class ConvertOasis(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.out = os.path.join(self.tmp.name, "tiny.safetensors")

    def tearDown(self):
        self.tmp.cleanup()

    def convert(self, dit=DIT, vae=VAE, **flags):
        return convert_oasis.convert(dit, vae, self.out, **dict(TINY, **flags))

    def test_converted_file_computes_the_official_outputs(self):
        self.convert()
        tensors, metadata = safetensors_io.read(self.out)
        config = json.loads(metadata["dfview"])
        d, v = config["architecture"]["dit"], config["architecture"]["vae"]
        self.assertEqual((d["hidden"], d["depth"], d["heads"], d["patch"], d["input_h"], d["input_w"]),
                         (64, 2, 4, 2, 6, 8))
        self.assertEqual((v["latent"], v["patch"], v["enc_dim"], v["dec_dim"], v["enc_depth"], v["dec_depth"]),
                         (4, 4, 64, 32, 1, 2))
        dit_cfg = {"patch_size": d["patch"], "hidden_size": d["hidden"], "num_heads": d["heads"], "depth": d["depth"]}
        got = oasis_np.dit_forward(split(tensors, "dit."), dit_cfg, load("dit_x"), load("dit_t"), load("dit_a"))
        self.assertLessEqual(float(np.abs(got - load("dit_v")).max()), 1e-4)
        vae_cfg = {"patch_size": v["patch"], "latent_dim": v["latent"], "enc_heads": v["heads"], "dec_heads": v["heads"]}
        z = oasis_np.vae_encode(split(tensors, "vae."), vae_cfg, load("vae_img"), v["scaling_factor"])
        self.assertLessEqual(float(np.abs(z - load("vae_z")).max()), 1e-4)
        img = oasis_np.vae_decode(split(tensors, "vae."), vae_cfg, load("vae_zin"), v["scaling_factor"])
        self.assertLessEqual(float(np.abs(img - load("vae_dec")).max()), 1e-4)
        # the rotary frequencies once, under the DiT's own names; the sampler's schedule in the metadata
        self.assertIn("dit.spatial_rotary_emb.freqs", tensors)
        self.assertFalse([k for k in tensors if "rotary_emb.freqs" in k and not k.startswith("dit.s")
                          and not k.startswith("dit.t")])
        alphas = np.array(config["diffusion"]["alphas_cumprod"], np.float32)
        self.assertEqual(alphas.shape, (1000,))
        self.assertTrue(np.all(np.diff(alphas) < 0) and 0 < alphas[-1] < alphas[0] < 1)
        # the schedule generate.py builds (utils.sigmoid_beta_schedule, float32 cumprod), as torch computes it
        import torch  # utils.sigmoid_beta_schedule's arithmetic, as generate.py then uses it
        t = torch.linspace(0, 1000, 1001, dtype=torch.float64) / 1000
        v_start, v_end = torch.tensor(-3.0).sigmoid(), torch.tensor(3.0).sigmoid()
        ac = (-((t * 6 - 3)).sigmoid() + v_end) / (v_end - v_start)
        ac = ac / ac[0]
        betas = torch.clip(1 - ac[1:] / ac[:-1], 0, 0.999).float()
        want = torch.cumprod(1.0 - betas, dim=0).numpy()
        np.testing.assert_array_equal(alphas, want)

    def test_pt_state_dict_with_every_alias_converts_identically(self):
        import torch
        tensors, _ = safetensors_io.read(DIT)
        state = {k: torch.from_numpy(np.array(v)) for k, v in tensors.items()}
        spatial, temporal = state.pop("blocks.0.s_attn.rotary_emb.freqs"), state.pop("blocks.0.t_attn.rotary_emb.freqs")
        state["spatial_rotary_emb.freqs"], state["temporal_rotary_emb.freqs"] = spatial, temporal
        for i in range(2):  # what model.state_dict() holds: every block's alias
            state[f"blocks.{i}.s_attn.rotary_emb.freqs"] = spatial
            state[f"blocks.{i}.t_attn.rotary_emb.freqs"] = temporal
        pt = os.path.join(self.tmp.name, "dit.pt")
        torch.save(state, pt)
        self.convert()
        want, _ = safetensors_io.read(self.out)
        self.convert(dit=pt)
        got, _ = safetensors_io.read(self.out)
        self.assertEqual(sorted(want), sorted(got))
        for k in want:
            np.testing.assert_array_equal(want[k], got[k])

    def test_fp16_output(self):
        self.convert(dtype="fp16")
        tensors, _ = safetensors_io.read(self.out, as_float32=False)
        self.assertTrue(all(v.dtype == np.float16 for v in tensors.values()))

    def refuses(self, text, **kwargs):
        with self.assertRaises(convert_oasis.ConversionError) as caught:
            self.convert(**kwargs)
        self.assertIn(text, str(caught.exception))
        self.assertNotIn("\n", str(caught.exception))

    def write_variant(self, source, edit):
        tensors, _ = safetensors_io.read(source)
        edit(tensors)
        path = os.path.join(self.tmp.name, "variant.safetensors")
        safetensors_io.write(path, tensors)
        return path

    def test_refusals(self):
        self.refuses("rotary frequencies", dit_heads=2)  # 4 heads' frequencies, 2 heads claimed
        self.refuses("does not split", dit_heads=5)
        self.refuses("does not split the decoder width 32", vae_heads=4)  # encoder head dim 16, decoder 8
        self.refuses("does not split the encoder width 64", vae_heads=8)
        self.refuses("expected HxW", image="24by32")
        self.refuses("not divisible by the VAE patch", image="26x32")
        self.refuses("latent grid 5x8 is not divisible by the DiT patch", image="20x32")
        self.refuses("--max-frames", max_frames=0)
        self.refuses("no such file", dit=os.path.join(self.tmp.name, "missing.safetensors"))
        self.refuses("not an open-oasis DiT", dit=VAE)

        def mismatch(t):
            t["blocks.1.s_attn.rotary_emb.freqs"] = t["blocks.0.s_attn.rotary_emb.freqs"] * 2
        self.refuses("differ between copies", dit=self.write_variant(DIT, mismatch))
        self.refuses("lacks blocks.1.t_mlp.fc2.bias",
                     dit=self.write_variant(DIT, lambda t: t.pop("blocks.1.t_mlp.fc2.bias")))

        def extra(t):
            t["pos_embed"] = np.zeros((1, 12, 64), np.float32)
        self.refuses("does not: pos_embed", dit=self.write_variant(DIT, extra))

        def wrong_shape(t):
            t["decoder.1.mlp.fc1.bias"] = t["decoder.1.mlp.fc1.bias"][:5]
        self.refuses("decoder.1.mlp.fc1.bias has shape [5]", vae=self.write_variant(VAE, wrong_shape))
        with open(os.path.join(self.tmp.name, "junk.safetensors"), "wb") as f:
            f.write(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json}      ")
        self.refuses("not a readable safetensors file", vae=os.path.join(self.tmp.name, "junk.safetensors"))

    def test_command_line(self):
        script = os.path.join(ROOT, "scripts", "convert-oasis")
        ok = subprocess.run([script, DIT, VAE, self.out, "--dit-heads", "4", "--vae-heads", "2", "--image", "24x32"],
                            capture_output=True, text=True)
        self.assertEqual(ok.returncode, 0, ok.stderr)
        self.assertIn("411,700 parameters", ok.stdout)
        bad = subprocess.run([script, DIT, VAE, self.out], capture_output=True, text=True)
        self.assertEqual(bad.returncode, 1)
        self.assertEqual(len(bad.stderr.strip().splitlines()), 1, bad.stderr)
        self.assertTrue(bad.stderr.startswith("convert-oasis: "), bad.stderr)


if __name__ == "__main__":
    unittest.main()
