"""app/metrics/metrics.c's PSNR and SSIM against numpy references written here from their definitions, at
values well inside (0, 1) — the C tests pin SSIM only at 1 and on constant frames.

SSIM as Wang et al. (2004) define it: per channel, an 11x11 Gaussian window (sigma 1.5, normalised) at
every position where it fits, local means, variances and covariance, C1 = (0.01 * 255)^2,
C2 = (0.03 * 255)^2, the map averaged over positions and the three channels. Frames smaller than the
window use one uniform window over the whole frame (dfview's documented convention).

usage: test_metrics_reference.py path/to/metrics_cli
"""
import os
import subprocess
import sys
import tempfile

import numpy as np

C1, C2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2


def gaussian_window(size=11, sigma=1.5):
    x = np.arange(size) - (size - 1) / 2
    g = np.exp(-x * x / (2 * sigma * sigma))
    g /= g.sum()
    return np.outer(g, g)


def local_sums(x, window):
    """The window-weighted sum at every position where the window fits (valid correlation)."""
    k = window.shape[0]
    views = np.lib.stride_tricks.sliding_window_view(x, (k, k))
    return np.einsum("ijkl,kl->ij", views, window)


def ssim_reference(a, b):
    a, b = a.astype(np.float64), b.astype(np.float64)
    h, w, _ = a.shape
    window = gaussian_window() if min(h, w) >= 11 else None
    scores = []
    for c in range(3):
        x, y = a[:, :, c], b[:, :, c]
        if window is None:
            mx, my = x.mean(), y.mean()
            vx, vy, cov = (x * x).mean() - mx * mx, (y * y).mean() - my * my, (x * y).mean() - mx * my
        else:
            mx, my = local_sums(x, window), local_sums(y, window)
            vx = local_sums(x * x, window) - mx * mx
            vy = local_sums(y * y, window) - my * my
            cov = local_sums(x * y, window) - mx * my
        ssim_map = (2 * mx * my + C1) * (2 * cov + C2) / ((mx * mx + my * my + C1) * (vx + vy + C2))
        scores.append(np.mean(ssim_map))
    return float(np.mean(scores))


def psnr_reference(a, b):
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float("inf") if mse == 0 else float(10 * np.log10(255.0 ** 2 / mse))


def smooth_picture(rng, h, w):
    """Random blobs: smooth structure, so blur, noise and shifts move SSIM by different amounts."""
    coarse = rng.uniform(0, 255, (h // 4 + 2, w // 4 + 2, 3))
    up = np.kron(coarse, np.ones((4, 4, 1)))[:h, :w]
    kernel = np.ones(5) / 5
    for axis in (0, 1):
        up = np.apply_along_axis(lambda v: np.convolve(v, kernel, mode="same"), axis, up)
    return np.clip(up, 0, 255).astype(np.uint8)


def cases(rng):
    a = smooth_picture(rng, 48, 64)
    noisy = np.clip(a + rng.normal(0, 20, a.shape), 0, 255).astype(np.uint8)
    very_noisy = np.clip(a + rng.normal(0, 70, a.shape), 0, 255).astype(np.uint8)
    shifted = np.roll(a, 3, axis=1)
    darker = (a * 0.6 + 30).astype(np.uint8)
    other = smooth_picture(rng, 48, 64)
    small = smooth_picture(rng, 8, 8)
    small_noisy = np.clip(small + rng.normal(0, 25, small.shape), 0, 255).astype(np.uint8)
    return [("noise 20", a, noisy), ("noise 70", a, very_noisy), ("shift 3 px", a, shifted),
            ("contrast 0.6", a, darker), ("unrelated", a, other), ("8x8 frame, noise 25", small, small_noisy)]


def main():
    tool = sys.argv[1]
    rng = np.random.default_rng(11)
    failures, spread = 0, []
    with tempfile.TemporaryDirectory() as tmp:
        for name, a, b in cases(rng):
            paths = [os.path.join(tmp, n) for n in ("a.rgb", "b.rgb")]
            for path, frame in zip(paths, (a, b)):
                with open(path, "wb") as f:
                    f.write(np.ascontiguousarray(frame).tobytes())
            out = subprocess.run([tool, str(a.shape[1]), str(a.shape[0]), *paths], capture_output=True, text=True,
                                 check=True).stdout.split()
            got_psnr, got_ssim = float(out[0]), float(out[1])
            want_psnr, want_ssim = psnr_reference(a, b), ssim_reference(a, b)
            ok = abs(got_ssim - want_ssim) <= 1e-9 and abs(got_psnr - want_psnr) <= 1e-9
            spread.append(want_ssim)
            print(f"{'ok  ' if ok else 'FAIL'} {name}: SSIM {got_ssim:.12f} vs numpy {want_ssim:.12f}, "
                  f"PSNR {got_psnr:.9f} vs {want_psnr:.9f} dB")
            failures += not ok
    # The cases must exercise the formula away from its fixed points.
    if not (min(spread) < 0.3 and any(0.3 < s < 0.9 for s in spread) and max(spread) < 0.999):
        print(f"FAIL the cases do not spread SSIM over (0, 1): {spread}")
        failures += 1
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
