"""Trainer tests (models/train.py, models/data.py) on a tiny network and a tiny synthetic dataset.

Run through meson (suite 'train'): the test() definition names the build's programs in DFVIEW,
DFVIEW_ENGINE and DFVIEW_DATASET, and a test that needs one fails when it is missing.
"""
import contextlib
import io
import json
import math
import os
import subprocess
import sys
import tempfile
import time
import unittest
from unittest import mock

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "models"))

import data  # noqa: E402
import data_stream  # noqa: E402
import model_file  # noqa: E402
import progress  # noqa: E402
import safetensors_io  # noqa: E402
import schedule  # noqa: E402
import train  # noqa: E402
from dfv_unet import Unet3D  # noqa: E402

TINY = ["--preset", "tiny", "--window", "4", "--context-frames", "2", "--batch", "4", "--lr", "2e-3",
        "--warmup", "5", "--lr-decay", "none", "--log-every", "5", "--sampling-steps", "4", "--name", "tiny"]


def built(variable):
    """A program of the build under test, named by the meson test() definition (DFVIEW, DFVIEW_ENGINE,
    DFVIEW_DATASET); a missing one fails the test instead of skipping it."""
    path = os.environ.get(variable)
    if not path:
        raise AssertionError(f"{variable} is not set: run this through meson (suite 'train'), which names the "
                             "build's programs")
    if not os.access(path, os.X_OK):
        raise AssertionError(f"{variable}={path}: not an executable file (is the build complete?)")
    return path


def run_trainer(args):
    """(exit code, stdout, stderr) of the trainer's entry point."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = train.main(args)
    return code, out.getvalue(), err.getvalue()


def logged_losses(out_dir):
    with open(os.path.join(out_dir, "train.log"), encoding="utf-8") as f:
        return [r["loss"] for r in map(json.loads, f) if "loss" in r]


def official_fused_weights(alphas_cumprod, t):
    """Independent reference: the official compute_loss_weights loop, frame-major, in float64."""
    a = np.asarray(alphas_cumprod, dtype=np.float64)[t]          # (B, T)
    snr = a / (1 - a)
    n_clip = np.minimum(snr, 5.0) / 5.0
    n_raw = snr / 5.0
    batch, frames = t.shape
    weights = np.zeros((batch, frames))
    for b in range(batch):
        running = np.zeros(frames)
        for f in range(frames):
            running[f] = n_clip[b, f] if f == 0 else 0.96 * running[f - 1] + 0.04 * n_clip[b, f]
        for f in range(frames):
            cum = 0.0 if f == 0 else running[f - 1]
            fused_c = 1 - (1 - cum * 0.96) * (1 - n_clip[b, f])
            fused = 1 - (1 - cum * 0.96) * (1 - n_raw[b, f])
            weights[b, f] = fused_c * 5.0 / (fused * 5.0 + 1)
    return weights


class LossTests(unittest.TestCase):
    def test_fused_snr_weights_match_the_official_loop(self):
        ac = schedule.alphas_cumprod("cosine", 1000)
        rng = np.random.default_rng(3)
        t = rng.integers(0, 1000, size=(5, 9))
        t[0] = [0, 999, 14, 500, 0, 0, 999, 999, 1]   # extremes: huge and tiny SNR
        got = train.fused_snr_weights(torch.tensor(ac, dtype=torch.float32), torch.tensor(t)).numpy()
        want = official_fused_weights(np.float32(ac), t)
        np.testing.assert_allclose(got, want, rtol=2e-5, atol=1e-7)

    def test_rollout_windows_share_one_low_context_level(self):
        gen = torch.Generator().manual_seed(5)
        steps = train.training_levels(4000, 8, 1000, torch.device("cpu"), 0.25, 300, gen)
        context = steps[:, :-1]
        rollout_like = (context == context[:, :1]).all(dim=1) & (context[:, 0] < 300)
        # Independent uniform levels almost never give 7 equal values below 300 by chance.
        self.assertAlmostEqual(rollout_like.float().mean().item(), 0.25, delta=0.03)
        self.assertGreater(steps[rollout_like, -1].float().std().item(), 200)  # the last frame stays uniform
        self.assertLess(steps[~rollout_like].float().mean().item() - 499.5, 10)
        plain = train.training_levels(3, 8, 1000, torch.device("cpu"), generator=torch.Generator().manual_seed(1))
        want = torch.randint(0, 1000, (3, 8), generator=torch.Generator().manual_seed(1))
        self.assertTrue(torch.equal(plain, want))  # share 0: Diffusion Forcing's levels, draw for draw

    def test_noisy_inputs_and_v_targets_invert_to_the_clean_frames(self):
        ac = torch.tensor(schedule.alphas_cumprod("sigmoid", 1000), dtype=torch.float32)
        x0 = torch.rand(3, 5, 3, 8, 8) * 2 - 1
        noisy, steps, v = train.diffusion_inputs(x0, ac)
        self.assertEqual(tuple(steps.shape), (3, 5))
        a = ac[steps].view(3, 5, 1, 1, 1).double()
        # x0 = sqrt(a)·x_t − sqrt(1−a)·v and eps = sqrt(1−a)·x_t + sqrt(a)·v, |eps| ≤ 6 (clamped).
        rebuilt = a.sqrt() * noisy.double() - (1 - a).sqrt() * v.double()
        eps = (1 - a).sqrt() * noisy.double() + a.sqrt() * v.double()
        np.testing.assert_allclose(rebuilt.numpy(), x0.double().numpy(), atol=2e-5)
        self.assertLessEqual(float(eps.abs().max()), 6.0 + 1e-4)

    def test_warmup_then_cosine_decay(self):
        args = train.parse_args(["--data", "d", "--out", "o", "--lr", "1e-3", "--warmup", "10",
                                 "--min-lr-ratio", "0.1"])
        self.assertAlmostEqual(train.learning_rate(args, 0, 0.0), 1e-4)
        self.assertAlmostEqual(train.learning_rate(args, 9, 0.0), 1e-3)
        self.assertAlmostEqual(train.learning_rate(args, 100, 0.5), 1e-3 * (0.1 + 0.9 * 0.5))
        self.assertAlmostEqual(train.learning_rate(args, 100, 1.0), 1e-4)


class SpeedOptionTests(unittest.TestCase):
    def test_2d_frame_convs_and_channels_last_give_the_same_network(self):
        arch = train.complete_arch(dict(train.PRESETS["tiny"], resolution=16, groupnorm_per_frame=True))
        torch.manual_seed(4)
        model = Unet3D(arch, 5)
        for p in model.parameters():          # no layer left at its zero/one init
            p.data.add_(torch.randn_like(p) * 0.05)
        x, t = torch.randn(2, 3, 3, 16, 16), torch.randint(0, 1000, (2, 3))
        a = torch.rand(2, 3, 5)
        with torch.no_grad():
            want = model(x, t, a)
            train.use_2d_frame_convs(model, True)
            train.set_channels_last(model, True)
            got = model(x, t, a)
            train.use_2d_frame_convs(model, False)
            back = model(x, t, a)
        torch.testing.assert_close(got, want, rtol=1e-4, atol=1e-5)
        torch.testing.assert_close(back, want, rtol=1e-4, atol=1e-5)
        self.assertEqual(set(model.state_dict()), set(Unet3D(arch, 5).state_dict()))

    def test_speed_trials_leave_the_training_state_untouched(self):
        with tempfile.TemporaryDirectory() as tmp:
            data.write_synthetic_dataset(tmp, episodes=4, length=6, size=16, seed=3)
            ds = data.load_dataset(tmp)
            args = train.parse_args(["--data", tmp, "--out", tmp] + TINY)
            state = train.build_state(args, ds, torch.device("cpu"), lambda line: None)
            sampler = data.WindowSampler(ds, 4)
            autocast = train.autocast_for(torch.device("cpu"), "fp32")
            step = train.make_train_step(state, args, autocast, state.model)
            step(*sampler.sample(2), 1e-3)                 # optimizer state exists before the trial
            before = train.checkpoint_tensors(state)
            seconds = train.measure_speed(state, sampler, args, autocast, steps=2, warmup=1)
            lines = []
            layouts = [("conv3d", False), ("conv2d", True)]
            args.batch = 1
            best = train.fastest_layout(state, sampler, args, autocast, layouts, lines.append)
            train.apply_layout(state.model, ("conv3d", False))
            after = train.checkpoint_tensors(state)
            self.assertGreater(seconds, 0.0)
            self.assertIn(best, layouts)
            self.assertEqual(len(lines), 2)
            for key, value in before.items():
                if not key.startswith(("meta.wall", "meta.cpu", "meta.rng")):
                    self.assertTrue(torch.equal(after[key], value), key)


    def test_compile_auto_only_for_long_cuda_runs(self):
        cuda, cpu = torch.device("cuda"), torch.device("cpu")

        def wants(*extra, device=cuda):
            return train.wants_compile(train.parse_args(["--data", "d", "--out", "o", *extra]), device)

        self.assertFalse(wants("--minutes", "9"))
        self.assertTrue(wants("--minutes", "45"))
        self.assertFalse(wants("--minutes", "45", device=cpu))
        self.assertFalse(wants("--minutes", "45", "--safe"))
        self.assertTrue(wants("--minutes", "1", "--compile"))
        self.assertFalse(wants("--compile", "off"))
        self.assertTrue(wants())                                     # no budget: a long run
        self.assertFalse(wants("--steps", "500"))

    def test_large_attention_batches_split_into_fused_calls_give_plain_attention(self):
        import dfv_unet
        calls = []

        def fused(q, k, v, is_causal):
            calls.append(q.shape[0])
            return dfv_unet._plain_attention(q, k, v, is_causal)

        torch.manual_seed(3)
        q, k, v = (torch.randn(20, 2, 5, 4, dtype=torch.float64) for _ in range(3))
        with mock.patch.object(dfv_unet, "_HAS_SDPA", True), mock.patch.object(dfv_unet, "_SDPA_MAX_BATCH", 8), \
                mock.patch.object(dfv_unet.F, "scaled_dot_product_attention", fused, create=True):
            got = dfv_unet.softmax_attention(q, k, v, True, fused_chunk=6)
        self.assertEqual(calls, [6, 6, 6, 2])
        qn, kn, vn = q.numpy(), k.numpy(), v.numpy()
        want = np.zeros_like(qn)
        for b in range(20):
            for h in range(2):
                for i in range(5):   # causal: query i sees keys 0..i
                    w = np.exp(qn[b, h, i] @ kn[b, h, :i + 1].T / 2.0)
                    want[b, h, i] = (w / w.sum()) @ vn[b, h, :i + 1]
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-10, atol=1e-12)


class ProgressLineTests(unittest.TestCase):
    def test_redraws_in_place_at_most_once_a_period_and_only_on_a_terminal(self):
        now = [100.0]
        out = io.StringIO()
        line = progress.ProgressLine(out, period=0.5, enabled=True, clock=lambda: now[0])
        line.update(0.25, 7, 0.123456, 1234.4, 30.0)
        self.assertEqual(out.getvalue(), "\r[######..................]  25% step 7 loss 0.1235 1,234 frames/s "
                                         "left 0:01:30\033[K")
        now[0] += 0.2
        line.update(0.5, 8, 0.1, 1000.0, 31.0)          # within the period: nothing
        self.assertEqual(out.getvalue().count("\r"), 1)
        line.clear()
        self.assertTrue(out.getvalue().endswith("\r\033[K"))
        line.update(None, 9, None, 10.0, 32.0)            # cleared lines redraw at once; no budget, no bar
        self.assertTrue(out.getvalue().endswith("\rstep 9 loss ? 10 frames/s\033[K"))
        quiet = io.StringIO()
        progress.ProgressLine(quiet, enabled=False).update(0.5, 1, 0.1, 1.0, 1.0)
        self.assertEqual(quiet.getvalue(), "")


class PreviewTests(unittest.TestCase):
    def test_preview_rollout_matches_the_reference_sampler(self):
        import sampler
        arch = train.complete_arch(dict(train.PRESETS["tiny"], resolution=8, groupnorm_per_frame=True))
        torch.manual_seed(9)
        model = Unet3D(arch, 5).eval()
        for p in model.parameters():
            p.data.add_(torch.randn_like(p) * 0.05)
        ac = schedule.alphas_cumprod("cosine")
        context = torch.rand(1, 2, 3, 8, 8) * 2 - 1
        actions = torch.nn.functional.one_hot(torch.randint(0, 5, (1, 6)), 5).float()
        gen = torch.Generator().manual_seed(5)
        got = train.preview_rollout(model, torch.tensor(ac, dtype=torch.float32), context, actions, 4,
                                    sampling_steps=5, stabilization=15, window=4, generator=gen)
        gen = torch.Generator().manual_seed(5)
        flat = torch.cat([torch.randn((1, 1, 3, 8, 8), generator=gen).flatten() for _ in range(4)])
        want = sampler.rollout(context.permute(1, 0, 2, 3, 4).double().numpy(), 6, sampler.torch_model_fn(model),
                               ac, steps=5, window=4, stabilization=15, actions=actions.permute(1, 0, 2).numpy(),
                               noise=sampler.NoiseStream(flat.double().numpy()))
        np.testing.assert_allclose(got.permute(1, 0, 2, 3, 4).numpy(), want, atol=2e-4)


class DataTests(unittest.TestCase):
    def test_windows_follow_the_episodes_and_their_actions(self):
        with tempfile.TemporaryDirectory() as tmp:
            data.write_synthetic_dataset(tmp, episodes=6, length=10, size=16, seed=5, shards=3)
            ds = data.load_dataset(tmp)
            self.assertEqual((ds.episodes, ds.length, ds.resolution, ds.action_dim), (6, 10, 16, 5))
            sampler = data.WindowSampler(ds, window=3, frame_skip=2)
            torch.manual_seed(0)
            frames, actions = sampler.sample(64)
            self.assertEqual(tuple(frames.shape), (64, 3, 3, 16, 16))
            self.assertLessEqual(float(frames.max()), 1.0)
            self.assertGreaterEqual(float(frames.min()), -1.0)
            raw = np.concatenate([np.load(os.path.join(tmp, s["frames"])) for s in ds.manifest["shards"]])
            acts = np.concatenate([np.load(os.path.join(tmp, s["actions"])) for s in ds.manifest["shards"]])
            for b in range(64):
                pixels = ((frames[b].permute(0, 2, 3, 1).numpy() + 1) * 127.5).round().astype(np.uint8)
                hits = [(e, s) for e in range(6) for s in range(1, 10 - 4)
                        if np.array_equal(raw[e, s:s + 5:2], pixels)]
                self.assertTrue(hits, "a sampled window is not frames s, s+2, s+4 of an episode")
                # A still square can make several windows look alike: one of them must give the actions.
                expected = [np.stack([(acts[e, s + 2 * j] + acts[e, s + 2 * j - 1]) / 2 for j in range(3)])
                            for e, s in hits]
                self.assertTrue(any(np.array_equal(actions[b].numpy(), w) for w in expected))

    def test_square_moves_with_the_action_that_produced_the_frame(self):
        with tempfile.TemporaryDirectory() as tmp:
            data.write_synthetic_dataset(tmp, episodes=3, length=20, size=16, seed=2)
            ds = data.load_dataset(tmp)
            moves = {1: (-1, 0), 2: (1, 0), 3: (0, -1), 4: (0, 1)}
            for e in range(3):
                for l in range(1, 20):
                    def corner(f):
                        ys, xs = np.nonzero(np.any(f != f[0, 0], axis=-1) if f[0, 0].sum() else f.sum(-1))
                        return ys.min(), xs.min()
                    a = int(np.argmax(ds.actions[e, l]))
                    (y0, x0), (y1, x1) = corner(ds.frames[e, l - 1]), corner(ds.frames[e, l])
                    dy, dx = np.sign(y1 - y0), np.sign(x1 - x0)
                    if a == 0:
                        self.assertEqual((dy, dx), (0, 0))
                    elif (dy, dx) != (0, 0):
                        self.assertEqual((dy, dx), moves[a])

    def test_after_frame_alignment_is_shifted(self):
        with tempfile.TemporaryDirectory() as tmp:
            data.write_synthetic_dataset(tmp, episodes=2, length=6, size=8, seed=1)
            before = data.load_dataset(tmp).actions
            path = os.path.join(tmp, "manifest.json")
            manifest = json.load(open(path))
            manifest["action_alignment"] = "after_frame"
            json.dump(manifest, open(path, "w"))
            after = data.load_dataset(tmp).actions
            np.testing.assert_array_equal(after[:, 1:], before[:, :-1])
            self.assertEqual(float(np.abs(after[:, 0]).sum()), 0.0)

    def test_bad_datasets_give_one_line_errors(self):
        with tempfile.TemporaryDirectory() as tmp:
            with self.assertRaisesRegex(data.DatasetError, "manifest.json: not found"):
                data.load_dataset(tmp)
            data.write_synthetic_dataset(tmp, episodes=2, length=6, size=8, seed=1)
            np.save(os.path.join(tmp, "shard_0000_actions.npy"), np.zeros((2, 5, 5), np.float32))
            with self.assertRaisesRegex(data.DatasetError, "does not match frames"):
                data.load_dataset(tmp)
            os.remove(os.path.join(tmp, "shard_0000_frames.npy"))
            with self.assertRaisesRegex(data.DatasetError, "shard file not found"):
                data.load_dataset(tmp)


class TrainerTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        torch.set_num_threads(1)
        cls.tmp = tempfile.TemporaryDirectory()
        cls.data_dir = os.path.join(cls.tmp.name, "data")
        data.write_synthetic_dataset(cls.data_dir, episodes=24, length=10, size=16, seed=7, shards=2)
        cls.straight = os.path.join(cls.tmp.name, "straight")
        code, cls.stdout, err = run_trainer(["--data", cls.data_dir, "--out", cls.straight, "--steps", "30",
                                             "--rollout-minutes", "1e-6", "--rollout-frames", "3"] + TINY)
        assert code == 0, err

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_loss_decreases(self):
        losses = logged_losses(self.straight)
        self.assertEqual(len(losses), 6)
        self.assertLess(losses[-1], 0.8 * losses[0], f"losses {losses}")
        self.assertIn("frames/s", self.stdout)

    def test_export_loads_back_and_matches_the_trained_ema_network(self):
        path = os.path.join(self.straight, "tiny.safetensors")
        exported, config = model_file.load_model(path)
        flat = train.load_checkpoint(os.path.join(self.straight, "tiny-ckpt-00.pt"))
        reference = Unet3D(config["architecture"], 5)
        reference.load_state_dict({k[4:]: v for k, v in flat.items() if k.startswith("ema.")})
        reference.eval()
        torch.manual_seed(11)
        x = torch.randn(2, 4, 3, 16, 16)
        t = torch.tensor([[14, 14, 500, 999], [0, 300, 999, 650]])
        a = torch.nn.functional.one_hot(torch.randint(0, 5, (2, 4)), 5).float()
        with torch.no_grad():
            want = reference(x, t, a)
            got = exported(x, t, a)
            # Weights are stored in fp16: the same network with fp16-rounded weights must agree exactly.
            reference.load_state_dict({k: v.half().float() for k, v in reference.state_dict().items()})
            rounded = reference(x, t, a)
        self.assertLess(float((got - rounded).abs().max()), 1e-5)
        self.assertLess(float((got - want).abs().max()), 2e-2 * float(want.abs().max()) + 1e-3)
        self.assertTrue(any(not torch.equal(v, flat["model." + k]) for k, v in
                            reference.state_dict().items()), "EMA and raw weights should differ")
        # The file itself: fp16 tensors and the metadata the app needs.
        _, metadata = safetensors_io.read(path, as_float32=False)
        tensors, _ = safetensors_io.read(path, as_float32=False)
        self.assertTrue(all(v.dtype == np.float16 for v in tensors.values()))
        arch, diffusion = config["architecture"], config["diffusion"]
        self.assertTrue(arch["groupnorm_per_frame"] and arch["causal"])
        self.assertEqual((arch["dim"], arch["dim_mults"], arch["resolution"]), (8, [1, 2], 16))
        self.assertEqual((diffusion["window"], diffusion["context_frames"], diffusion["sampling_steps"],
                          diffusion["stabilization_level"]), (4, 2, 4, 15))
        np.testing.assert_allclose(diffusion["alphas_cumprod"], schedule.alphas_cumprod("cosine"), rtol=1e-6)
        self.assertEqual(config["actions"]["names"], data.SYNTHETIC_ACTIONS)
        self.assertEqual(config["actions"]["bindings"]["up"], ["W", "Up"])
        prov = config["provenance"]
        self.assertEqual(prov["steps"], 30)
        self.assertIn("synthetic-squares", prov["training_data"])
        self.assertTrue(math.isfinite(prov["final_loss"]) and prov["wall_seconds"] > 0)
        self.assertIn("CPU", prov["hardware"])

    def test_export_runs_in_dfview_like_the_python_network(self):
        dfview = built("DFVIEW")
        path = os.path.join(self.straight, "tiny.safetensors")
        model, _ = model_file.load_model(path)
        rng = np.random.default_rng(1)
        x = rng.standard_normal((4, 2, 3, 16, 16)).astype(np.float32)            # (T, B, C, H, W)
        t = np.array([[14, 14], [14, 300], [500, 999], [999, 0]], dtype=np.int64)
        a = np.eye(5, dtype=np.float32)[rng.integers(0, 5, (4, 2))]
        files = {n: os.path.join(self.tmp.name, f"fwd_{n}.npy") for n in ("x", "t", "a", "v")}
        np.save(files["x"], x), np.save(files["t"], t), np.save(files["a"], a)
        result = subprocess.run([dfview, "forward", "--model", path, "--input", files["x"], "--timesteps",
                                 files["t"], "--actions", files["a"], "--output", files["v"]],
                                capture_output=True, text=True, timeout=300)
        self.assertEqual(result.returncode, 0, result.stderr)
        with torch.no_grad():
            want = model(torch.from_numpy(x).transpose(0, 1), torch.from_numpy(t).T,
                         torch.from_numpy(a).transpose(0, 1)).transpose(0, 1).numpy()
        got = np.load(files["v"])
        self.assertEqual(got.shape, want.shape)
        self.assertLess(float(np.abs(got - want).max()), 1e-3)

    def test_rollout_png_is_written(self):
        with open(os.path.join(self.straight, "rollout.png"), "rb") as f:
            blob = f.read()
        self.assertEqual(blob[:8], b"\x89PNG\r\n\x1a\n")
        width, height = int.from_bytes(blob[16:20], "big"), int.from_bytes(blob[20:24], "big")
        self.assertEqual((width, height), (16 * 5, 16))

    def test_resume_continues_exactly_where_it_stopped(self):
        split = os.path.join(self.tmp.name, "split")
        code, _, err = run_trainer(["--data", self.data_dir, "--out", split, "--steps", "20"] + TINY)
        self.assertEqual(code, 0, err)
        code, out, err = run_trainer(["--data", self.data_dir, "--out", split, "--steps", "30",
                                      "--resume", os.path.join(split, "tiny-ckpt-00.pt")] + TINY)
        self.assertEqual(code, 0, err)
        resumed = train.load_checkpoint(os.path.join(split, "tiny-ckpt-00.pt"))
        straight = train.load_checkpoint(os.path.join(self.straight, "tiny-ckpt-00.pt"))
        self.assertEqual(int(resumed["meta.step"]), 30)
        for key, value in straight.items():
            if key.startswith(("model.", "ema.", "optimizer.")):
                torch.testing.assert_close(resumed[key], value, rtol=1e-5, atol=1e-6, msg=key)

    def test_weights_only_state_resumes_with_a_fresh_optimizer_a_new_warmup_and_the_ema_from_the_weights(self):
        import train_state
        kept = os.path.join(self.tmp.name, "kept")
        with contextlib.redirect_stdout(io.StringIO()):
            self.assertEqual(train_state.main([os.path.join(self.straight, "tiny-ckpt-00.pt"), kept]), 0)
        full = train.load_checkpoint(os.path.join(self.straight, "tiny-ckpt-00.pt"))
        light = train.load_checkpoint(os.path.join(kept, "tiny-ckpt-00.pt"))
        self.assertFalse(any(k.startswith(("optimizer.", "ema.")) for k in light))
        self.assertEqual(set(light), {k for k in full if not k.startswith(("optimizer.", "ema."))})
        for key, value in light.items():
            weight = key.startswith("model.") and full[key].is_floating_point()
            self.assertTrue(torch.equal(full[key].half() if weight else full[key], value), key)
            if weight:
                self.assertEqual(value.dtype, torch.float16, key)
        # About a quarter of the state kept before (model and EMA weights in fp32), written the same way.
        with_ema = os.path.join(self.tmp.name, "with-ema")
        train.save_checkpoint({k: v for k, v in full.items() if not k.startswith("optimizer.")}, with_ema, "tiny",
                              2**30)
        ratio = (os.path.getsize(os.path.join(kept, "tiny-ckpt-00.pt"))
                 / os.path.getsize(os.path.join(with_ema, "tiny-ckpt-00.pt")))
        self.assertLess(ratio, 0.35)
        self.assertGreater(ratio, 0.2)
        # At resume the EMA is the raw weights, and one line says so; a state with an EMA (a full checkpoint,
        # or a state kept before the EMA was left out) resumes its own, silently.
        dataset = data.load_dataset(self.data_dir)
        for source, saved, want_ema, want_lines in ((kept, light, "model.", 1), (with_ema, full, "ema.", 0)):
            lines = []
            args = train.parse_args(["--data", self.data_dir, "--out", source,
                                     "--resume", os.path.join(source, "tiny-ckpt-00.pt")] + TINY)
            state = train.build_state(args, dataset, torch.device("cpu"), lines.append)
            ema = state.ema.state_dict()
            for name, value in state.model.state_dict().items():
                self.assertEqual(value.dtype, full["model." + name].dtype, name)  # loaded into fp32 parameters
                self.assertTrue(torch.equal(value, saved["model." + name].to(value.dtype)), name)
                self.assertTrue(torch.equal(ema[name], saved[want_ema + name].to(value.dtype)), name)
            self.assertEqual(len(lines), want_lines, lines)
            self.assertTrue(all("EMA starts as a copy of the model's weights" in line for line in lines), lines)
        self.assertFalse(torch.equal(full["ema.out.1.weight"], full["model.out.1.weight"]))  # a real difference
        out = os.path.join(self.tmp.name, "from-kept")
        code, _, err = run_trainer(["--data", self.data_dir, "--out", out, "--steps", "5",
                                    "--resume", os.path.join(kept, "tiny-ckpt-00.pt")] + TINY)
        self.assertEqual(code, 0, err)
        with open(os.path.join(out, "train.log"), encoding="utf-8") as f:
            records = list(map(json.loads, f))
        self.assertEqual(sum("EMA starts as a copy" in r.get("message", "") for r in records), 1)
        self.assertEqual([r for r in records if "loss" in r][0]["step"], 35)  # 30 kept + the 5 asked for
        code, _, err = run_trainer(["--data", self.data_dir, "--out", out, "--steps", "1",
                                    "--resume", os.path.join(kept, "tiny-ckpt-00.pt")] + TINY)
        self.assertEqual(code, 0, err)
        with open(os.path.join(out, "train.log"), encoding="utf-8") as f:
            last = [r for r in map(json.loads, f) if "loss" in r][-1]
        self.assertEqual(last["step"], 31)
        self.assertAlmostEqual(last["lr"], 2e-3 / 5)  # warm-up step 1 of 5 again

    def test_resumed_runs_keep_the_checkpoints_sampling_defaults_unless_given(self):
        ckpt = os.path.join(self.straight, "tiny-ckpt-00.pt")
        bare = [a for i, a in enumerate(TINY) if a != "--sampling-steps" and TINY[i - 1] != "--sampling-steps"]
        for extra, want in (([], (4, 15)), (["--sampling-steps", "3", "--stabilization", "100"], (3, 100))):
            out = os.path.join(self.tmp.name, "defaults-" + str(want[0]))
            code, _, err = run_trainer(["--data", self.data_dir, "--out", out, "--steps", "1", "--resume", ckpt]
                                       + bare + extra)
            self.assertEqual(code, 0, err)
            diffusion = model_file.read_config(os.path.join(out, "tiny.safetensors"))["diffusion"]
            self.assertEqual((diffusion["sampling_steps"], diffusion["stabilization_level"]), want)

    def test_bad_weights_only_state_input_is_one_line(self):
        import train_state
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            self.assertEqual(train_state.main([os.path.join(self.tmp.name, "missing-ckpt-00.pt"),
                                               self.tmp.name]), 1)
        self.assertEqual(len(err.getvalue().strip().splitlines()), 1)

    def test_checkpoint_splits_into_parts_and_init_continues_step_count(self):
        parts = os.path.join(self.tmp.name, "parts")
        code, _, err = run_trainer(["--data", self.data_dir, "--out", parts, "--steps", "2",
                                    "--checkpoint-part-mb", "0.05",
                                    "--init", os.path.join(self.straight, "tiny.safetensors")] + TINY)
        self.assertEqual(code, 0, err)
        names = sorted(n for n in os.listdir(parts) if "-ckpt-" in n)
        self.assertGreater(len(names), 2)
        for name in names:
            self.assertLessEqual(os.path.getsize(os.path.join(parts, name)), 0.05 * 2**20 + 64 * 1024)
        flat = train.load_checkpoint(os.path.join(parts, names[-1]))
        self.assertEqual(int(flat["meta.step"]), 32)   # 30 from the init model + 2

    def test_device_script_runs_end_to_end_on_the_cpu(self):
        out = os.path.join(self.tmp.name, "device")
        env = dict(os.environ, PYTHON=sys.executable, OUT=out, DATA_DIR=os.path.join(self.tmp.name, "maze"),
                   CKPT_DIR=os.path.join(self.tmp.name, "device-ckpt"),
                   MINUTES="0.5", EPISODES="4", FRAMES="12", BATCH="1",
                   EXTRA="--preset tiny --window 4 --log-every 1 --rollout-frames 2 --sampling-steps 2")
        env.update(EVAL="1", EVAL_EPISODES="2", EVAL_FRAMES="2", ENGINE=built("DFVIEW_ENGINE"))
        result = subprocess.run([os.path.join(ROOT, "scripts", "train-device.sh")], env=env,
                                capture_output=True, text=True, timeout=600)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        with open(os.path.join(out, "eval", "summary.json"), encoding="utf-8") as f:
            summary = json.load(f)
        self.assertEqual((summary["episodes"], summary["frames"]), (2, 2))
        self.assertTrue(summary["model"].startswith("rollouts:"))
        self.assertIn("frames/s", result.stdout)
        model, config = model_file.load_model(os.path.join(out, "maze.safetensors"))
        self.assertEqual(config["actions"]["names"], ["none", "forward", "backward", "turn_left",
                                                      "turn_right", "strafe_left", "strafe_right"])
        self.assertEqual(config["architecture"]["resolution"], 64)
        self.assertIn("maze world, 4 episodes x 12 frames", config["provenance"]["training_data"])
        self.assertTrue(os.path.exists(os.path.join(self.tmp.name, "device-ckpt", "maze-ckpt-00.pt")))
        self.assertFalse(any("-ckpt-" in name for name in os.listdir(out)), "checkpoints go to CKPT_DIR")

    def test_streamed_training_draws_the_worlds_the_dataset_tool_writes(self):
        tool = built("DFVIEW_DATASET")
        disk = os.path.join(self.tmp.name, "maze-disk")
        subprocess.run([tool, "--world", "maze", "--episodes", "7", "--frames", "6", "--size", "16", "--seed", "50",
                        "--out", disk, "--quiet"], check=True)
        truth = data.load_dataset(disk)
        stream = data_stream.StreamingDataset("maze", pool=3, frames=6, size=16, seed=50, tool=tool, threads=2)
        try:
            np.testing.assert_array_equal(stream.frames, truth.frames[:3])
            np.testing.assert_array_equal(stream.actions, truth.actions[:3])
            sampler = data.WindowSampler(stream, 4, device="cpu", refresh=2)
            deadline = time.monotonic() + 30
            while stream.queue.qsize() < 4 and time.monotonic() < deadline:
                time.sleep(0.05)
            sampler.sample(2)   # swaps seeds 53 and 54 into slots 0 and 1
            sampler.sample(2)   # and 55, 56 into slots 2 and 0
            np.testing.assert_array_equal(sampler.frames[1].numpy(), truth.frames[4])
            np.testing.assert_array_equal(sampler.frames[2].numpy(), truth.frames[5])
            np.testing.assert_array_equal(sampler.frames[0].numpy(), truth.frames[6])
            np.testing.assert_array_equal(sampler.actions[0].numpy(), truth.actions[6])
        finally:
            stream.close()
        out = os.path.join(self.tmp.name, "streamed")
        code, stdout, err = run_trainer(["--stream", "maze", "--stream-size", "16", "--stream-frames", "8",
                                         "--stream-pool", "4", "--out", out, "--steps", "4"] + TINY)
        self.assertEqual(code, 0, err)
        _, config = model_file.load_model(os.path.join(out, "tiny.safetensors"))
        self.assertIn("maze world streamed from dfview-dataset", config["provenance"]["training_data"])
        self.assertEqual(config["actions"]["names"][:2], ["none", "forward"])
        # Continuing it without --stream-size streams the model's own frame size (16, not the default 64).
        for how in (["--resume", os.path.join(out, "tiny-ckpt-00.pt")],
                    ["--init", os.path.join(out, "tiny.safetensors")]):
            code, _, err = run_trainer(["--stream", "maze", "--stream-frames", "8", "--stream-pool", "4",
                                        "--out", os.path.join(self.tmp.name, "continued"), "--steps", "6"]
                                       + how + TINY)
            self.assertEqual(code, 0, err)
            _, config = model_file.load_model(os.path.join(self.tmp.name, "continued", "tiny.safetensors"))
            self.assertIn("at 16x16", config["provenance"]["training_data"])

    def test_cpu_minutes_budget_stops_in_bf16_and_counts_cpu_seconds_across_resumes(self):
        out = os.path.join(self.tmp.name, "cpu-budget")
        budget = 0.03  # 1.8 CPU seconds
        begin = time.process_time()
        code, _, err = run_trainer(["--data", self.data_dir, "--out", out] + TINY +
                                   ["--cpu-minutes", str(budget), "--precision", "bf16", "--log-every", "1"])
        used = time.process_time() - begin
        self.assertEqual(code, 0, err)
        with open(os.path.join(out, "train.log"), encoding="utf-8") as f:
            records = [r for r in map(json.loads, f) if "loss" in r]
        self.assertGreater(len(records), 1)
        self.assertTrue(all(math.isfinite(r["loss"]) for r in records))
        # the run stops at the first step past the budget, and reports CPU seconds and CPU throughput
        self.assertGreaterEqual(records[-1]["cpu_s"], budget * 60 - records[-1]["cpu_s"] / len(records) - 0.5)
        self.assertLess(records[-1]["cpu_s"], used)
        self.assertGreater(records[-1]["gflop_per_cpu_s"], 0)
        _, config = model_file.load_model(os.path.join(out, "tiny.safetensors"))
        self.assertEqual(config["provenance"]["steps"], len(records))
        first_cpu = config["provenance"]["cpu_seconds"]
        self.assertGreater(first_cpu, 0)
        code, _, err = run_trainer(["--data", self.data_dir, "--out", out, "--steps", str(2 * len(records)),
                                    "--resume", os.path.join(out, "tiny-ckpt-00.pt")] + TINY)
        self.assertEqual(code, 0, err)
        _, config = model_file.load_model(os.path.join(out, "tiny.safetensors"))
        self.assertGreater(config["provenance"]["cpu_seconds"], first_cpu + 0.5)

    def test_profile_names_the_operators_and_leaves_the_step_count(self):
        out = os.path.join(self.tmp.name, "profiled")
        code, stdout, err = run_trainer(["--data", self.data_dir, "--out", out, "--steps", "2",
                                         "--profile-steps", "1"] + TINY)
        self.assertEqual(code, 0, err)
        with open(os.path.join(out, "profile.txt"), encoding="utf-8") as f:
            text = f.read()
        self.assertIn("aten::", text)
        self.assertIn("1 training steps of 4 x 4 frames", text)
        _, config = model_file.load_model(os.path.join(out, "tiny.safetensors"))
        self.assertEqual(config["provenance"]["steps"], 2)

    def test_a_stream_that_dies_mid_run_leaves_training_on_the_pool(self):
        tool = built("DFVIEW_DATASET")
        dying = os.path.join(self.tmp.name, "dying-dataset-tool")
        with open(dying, "w", encoding="utf-8") as f:   # six episodes, then an error
            f.write(f"#!/bin/sh\n\"{tool}\" $(echo \"$@\" | sed 's/--episodes 0/--episodes 6/')\n"
                    "echo 'dataset: boom' >&2\nexit 3\n")
        os.chmod(dying, 0o755)
        out = os.path.join(self.tmp.name, "dying")
        code, stdout, err = run_trainer(["--stream", "maze", "--stream-size", "16", "--stream-frames", "8",
                                         "--stream-pool", "4", "--stream-refresh", "2", "--dataset-tool", dying,
                                         "--out", out, "--steps", "20"] + TINY)
        self.assertEqual(code, 0, err)
        self.assertIn("warning: stream: dying-dataset-tool failed: dataset: boom; training goes on with the 4 "
                      "episodes already held", stdout)
        _, config = model_file.load_model(os.path.join(out, "tiny.safetensors"))
        self.assertEqual(config["provenance"]["steps"], 20)

    def test_torchrun_processes_average_their_gradients_and_export_once(self):
        out = os.path.join(self.tmp.name, "torchrun")
        env = dict(os.environ, PROCESSES="2", PYTHON=sys.executable, OMP_NUM_THREADS="1")
        result = subprocess.run([os.path.join(ROOT, "scripts", "train"), "--data", self.data_dir, "--out", out,
                                 "--steps", "6", "--log-every", "3", "--device", "cpu"] + TINY,
                                env=env, capture_output=True, text=True, timeout=300)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertIn("2 processes, weights agree", result.stdout)
        with open(os.path.join(out, "train.log"), encoding="utf-8") as f:
            exports = [line for line in f if "exported" in line]
        self.assertEqual(len(exports), 1, "only the main process writes the log and the files")
        _, config = model_file.load_model(os.path.join(out, "tiny.safetensors"))
        batch, window = int(TINY[TINY.index("--batch") + 1]), int(TINY[TINY.index("--window") + 1])
        self.assertEqual(config["provenance"]["steps"], 6)
        self.assertEqual(config["provenance"]["frames_seen"], 6 * batch * window * 2)

    def test_bad_input_exits_with_one_line(self):
        code, _, err = run_trainer(["--data", os.path.join(self.tmp.name, "missing"),
                                    "--out", os.path.join(self.tmp.name, "x")] + TINY)
        self.assertEqual(code, 1)
        self.assertEqual(len(err.strip().splitlines()), 1, err)
        self.assertIn("manifest.json: not found", err)
        code, _, err = run_trainer(["--data", self.data_dir, "--out", os.path.join(self.tmp.name, "y"),
                                    "--window", "40"] + TINY[:2])
        self.assertEqual(code, 1)
        self.assertIn("needs 40", err)
        code, _, err = run_trainer(["--stream", "maze", "--dataset-tool", self.data_dir,
                                    "--out", os.path.join(self.tmp.name, "z")] + TINY)
        self.assertEqual((code, len(err.strip().splitlines())), (1, 1), err)
        self.assertIn("is not an executable file", err)
        code, _, err = run_trainer(["--stream", "maze", "--stream-size", "4", "--dataset-tool", built("DFVIEW_DATASET"),
                                    "--out", os.path.join(self.tmp.name, "z")] + TINY)
        self.assertEqual((code, len(err.strip().splitlines())), (1, 1), err)
        self.assertIn("dfview-dataset failed: dataset: --size expects an integer in 8..1024", err)


if __name__ == "__main__":
    unittest.main(verbosity=2)
