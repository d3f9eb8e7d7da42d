"""Reference sampler: scheduling matrices against hand-derived cases, DDIM step against the closed form
of the forward process, rollout with an oracle network, and the .npy CLI."""
import os
import subprocess
import sys
import tempfile
import unittest

from pyref_common import MODELS
import numpy as np

import sampler
import schedule


class Matrices(unittest.TestCase):
    def test_pyramid_hand_case(self):
        expect = [[3, 3, 3], [2, 3, 3], [1, 2, 3], [0, 1, 2], [0, 0, 1], [0, 0, 0]]
        np.testing.assert_array_equal(sampler.scheduling_matrix("pyramid:1", 3, 3), expect)

    def test_pyramid_fractional_uncertainty(self):
        # int(t·0.5): delays 0, 0, 1; height 3 + int(2·0.5) + 1
        expect = [[3, 3, 3], [2, 2, 3], [1, 1, 2], [0, 0, 1], [0, 0, 0]]
        np.testing.assert_array_equal(sampler.scheduling_matrix("pyramid:0.5", 3, 3), expect)

    def test_autoregressive_hand_case(self):
        expect = [[2, 2], [1, 2], [0, 2], [0, 1], [0, 0]]
        np.testing.assert_array_equal(sampler.scheduling_matrix("autoregressive", 2, 2), expect)

    def test_autoregressive_horizon_one_is_plain_countdown(self):
        m = sampler.scheduling_matrix("autoregressive", 100, 1)
        np.testing.assert_array_equal(m[:, 0], np.arange(100, -1, -1))

    def test_full_sequence(self):
        np.testing.assert_array_equal(sampler.scheduling_matrix("full_sequence", 2, 3),
                                      [[2, 2, 2], [1, 1, 1], [0, 0, 0]])

    def test_trapezoid_even_horizon_is_symmetric(self):
        expect = [[3, 3, 3, 3], [2, 3, 3, 2], [1, 2, 2, 1], [0, 1, 1, 0], [0, 0, 0, 0]]
        np.testing.assert_array_equal(sampler.scheduling_matrix("trapezoid:1", 3, 4), expect)

    def test_trapezoid_odd_horizon(self):
        expect = [[2, 2, 2, 2, 2], [1, 2, 2, 2, 1], [0, 1, 2, 1, 0], [0, 0, 1, 0, 0], [0, 0, 0, 0, 0]]
        np.testing.assert_array_equal(sampler.scheduling_matrix("trapezoid", 2, 5), expect)

    def test_all_kinds_start_at_S_end_at_0_and_never_rise(self):
        for kind in ("autoregressive", "pyramid:2", "full_sequence", "trapezoid:3"):
            for h in (1, 2, 5):
                m = sampler.scheduling_matrix(kind, 10, h)
                self.assertTrue(np.all(m[0] == 10) and np.all(m[-1] == 0), (kind, h))
                self.assertTrue(np.all(np.diff(m, axis=0) <= 0), (kind, h))
                np.testing.assert_array_equal(m, m[:, ::-1]) if kind.startswith("trap") else None

    def test_unknown_kind(self):
        with self.assertRaises(ValueError):
            sampler.scheduling_matrix("zigzag", 10, 2)


def forward_process(x0, eps, a):
    return np.sqrt(a) * x0 + np.sqrt(1 - a) * eps


class DdimStep(unittest.TestCase):
    steps = 10

    def setUp(self):
        rng = np.random.default_rng(3)
        self.alphas = schedule.alphas_cumprod("cosine")
        self.real = schedule.sampling_timesteps(self.steps)
        self.x0 = rng.standard_normal((3, 1, 3, 4, 4))
        self.eps = rng.standard_normal((3, 1, 3, 4, 4))
        self.noise = rng.standard_normal((3, 1, 3, 4, 4))

    def exact_case(self, objective, eta=0.0):
        k_from = np.array([0, 5, 10])
        k_to = np.array([0, 4, 7])
        a = np.array([self.alphas[14], self.alphas[self.real[5]], self.alphas[self.real[10]]])[:, None, None, None, None]
        x = forward_process(self.x0, self.eps, a)
        x[0] = self.x0[0]  # a clean context frame
        x_in, tc = sampler.model_inputs(x, k_from, self.alphas, self.steps, 15)
        self.assertEqual(tc.tolist(), [14, self.real[5], self.real[10]])
        np.testing.assert_allclose(x_in[0], np.sqrt(self.alphas[14]) * self.x0[0])
        np.testing.assert_array_equal(x_in[1:], x[1:])
        eps = self.eps.copy()
        eps[0] = 0.0
        out = {"pred_v": np.sqrt(a) * eps - np.sqrt(1 - a) * self.x0, "pred_noise": eps, "pred_x0": self.x0}[objective]
        new = sampler.ddim_update(x, x_in, out, k_from, k_to, self.alphas, self.steps, 15, objective, eta,
                                  self.noise)
        np.testing.assert_array_equal(new[0], x[0])
        return new, a

    def test_eta0_lands_on_forward_process(self):
        for objective in sampler.OBJECTIVES:
            new, _ = self.exact_case(objective)
            a_to = np.array([self.alphas[self.real[4]], self.alphas[self.real[7]]])[:, None, None, None, None]
            np.testing.assert_allclose(new[1:], forward_process(self.x0[1:], self.eps[1:], a_to), atol=1e-9)

    def test_eta1_adds_sigma_noise(self):
        new, a = self.exact_case("pred_v", eta=1.0)
        for f, k in ((1, 4), (2, 7)):
            an, ac = self.alphas[self.real[k]], a[f].item()
            sigma = np.sqrt((1 - ac / an) * (1 - an) / (1 - ac))
            expect = np.sqrt(an) * self.x0[f] + np.sqrt(1 - an - sigma ** 2) * self.eps[f] + sigma * np.clip(self.noise[f], -6, 6)
            np.testing.assert_allclose(new[f], expect, atol=1e-9)

    def test_last_step_returns_x0(self):
        a = self.alphas[self.real[1]]
        x = forward_process(self.x0, self.eps, a)
        v = np.sqrt(a) * self.eps - np.sqrt(1 - a) * self.x0
        new = sampler.ddim_update(x, x, v, np.ones(3, int), np.zeros(3, int), self.alphas, self.steps, 15,
                                  eta=1.0, noise=self.noise)
        np.testing.assert_allclose(new, self.x0, atol=1e-9)


class Rollout(unittest.TestCase):
    def test_oracle_network_recovers_targets_with_window(self):
        rng = np.random.default_rng(5)
        alphas = schedule.alphas_cumprod("sigmoid")
        target = rng.standard_normal((6, 1, 3, 4, 4))
        calls = []

        def oracle(x_in, tc, actions):
            # the network input is always the tail of the sequence, at most `window` frames
            n = x_in.shape[0]
            calls.append((n, actions.shape[0]))
            a = alphas[tc][:, None, None, None, None]
            x0 = target[end[0] - n:end[0]]
            return (np.sqrt(a) * x_in - x0) / np.sqrt(1 - a)

        end = [0]

        def model_fn(x_in, tc, actions):
            return oracle(x_in, tc, actions)

        # wrap rollout so the oracle knows where the window ends: frames grow one chunk at a time
        out = None
        frames = target[:2]
        actions = rng.standard_normal((6, 1, 2))
        for total in range(3, 7):
            end[0] = total
            out = sampler.rollout(frames, total, model_fn, alphas, steps=5, window=3, chunk=1, actions=actions,
                                  noise=sampler.NoiseStream(seed=total))
            frames = out
        np.testing.assert_allclose(out, target, atol=1e-8)
        self.assertEqual(len(calls), 4 * 5)
        self.assertTrue(all(n == min(3, n) and a == n for n, a in calls))
        self.assertEqual(calls[-1][0], 3)

    def test_chunked_pyramid_calls(self):
        alphas = schedule.alphas_cumprod("cosine")
        seen = []

        def model_fn(x_in, tc, actions):
            seen.append(x_in.shape[0])
            return np.zeros_like(x_in)

        stream = sampler.NoiseStream(np.zeros(4 * 2 * 3), seed=0)
        sampler.rollout(np.zeros((1, 1, 3, 1, 2)), 5, model_fn, alphas, steps=4, scheduling="pyramid:1",
                        chunk=2, window=4, noise=stream)
        # two chunks of 2 frames: pyramid height 4 + 1 + 1 = 6 → 5 calls each; windows 3 then 4 frames
        self.assertEqual(seen, [3] * 5 + [4] * 5)
        self.assertEqual(stream.pos, 4 * 6)
        with self.assertRaises(ValueError):
            sampler.NoiseStream(np.zeros(3)).take((2, 2))


class Cli(unittest.TestCase):
    def run_cli(self, *args):
        return subprocess.run([sys.executable, os.path.join(MODELS, "sampler.py"), *args],
                              capture_output=True, text=True)

    def test_matrix_and_ddim_step(self):
        with tempfile.TemporaryDirectory() as d:
            p = lambda n: os.path.join(d, n)  # noqa: E731
            r = self.run_cli("matrix", "--kind", "pyramid:2", "--steps", "10", "--horizon", "4", "--out", p("m.npy"))
            self.assertEqual(r.returncode, 0, r.stderr)
            np.testing.assert_array_equal(np.load(p("m.npy")), sampler.pyramid_matrix(10, 4, 2))
            rng = np.random.default_rng(0)
            x = rng.standard_normal((2, 1, 3, 2, 2)).astype(np.float32)
            v = rng.standard_normal((2, 1, 3, 2, 2)).astype(np.float32)
            alphas = schedule.alphas_cumprod("cosine").astype(np.float32)
            for name, arr in (("x", x), ("v", v), ("a", alphas), ("f", np.array([0, 10])), ("t", np.array([0, 9]))):
                np.save(p(name + ".npy"), arr)
            r = self.run_cli("ddim-step", "--x", p("x.npy"), "--v", p("v.npy"), "--from", p("f.npy"), "--to",
                             p("t.npy"), "--alphas", p("a.npy"), "--steps", "10", "--out", p("n.npy"),
                             "--model-timesteps", p("tc.npy"))
            self.assertEqual(r.returncode, 0, r.stderr)
            x_in, _ = sampler.model_inputs(x, [0, 10], alphas, 10, 15)
            expect = sampler.ddim_update(x, x_in, v, [0, 10], [0, 9], alphas, 10, 15)
            np.testing.assert_allclose(np.load(p("n.npy")), expect, atol=1e-6)
            self.assertEqual(np.load(p("tc.npy")).tolist(), [14, 999])
            r = self.run_cli("matrix", "--kind", "zigzag", "--steps", "3", "--horizon", "2", "--out", p("z.npy"))
            self.assertNotEqual(r.returncode, 0)
            self.assertIn("unknown scheduling", r.stderr)


if __name__ == "__main__":
    unittest.main()
