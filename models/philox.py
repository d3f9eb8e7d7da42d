"""dfview's noise in Python: Philox4x32-10 with Box-Muller normals, the layout of compute/rng.h.

So a Python rollout can be given exactly the noise dfview draws: every value is a pure function of
(seed, purpose, frame, step, element). Vectorised over blocks with numpy uint64 arithmetic.
"""
import numpy as np

NOISE_INITIAL, NOISE_STEP = 0, 1
_M0, _M1 = np.uint64(0xD2511F53), np.uint64(0xCD9E8D57)
_W0, _W1 = 0x9E3779B9, 0xBB67AE85
_LOW = np.uint64(0xFFFFFFFF)


def philox4x32_10(counter, key):
    """counter: (N, 4) uint32-valued, key: two ints → (N, 4) uint32 blocks."""
    c = [np.asarray(counter, dtype=np.uint64)[:, i].copy() for i in range(4)]
    k0, k1 = int(key[0]) & 0xFFFFFFFF, int(key[1]) & 0xFFFFFFFF
    for rnd in range(10):
        if rnd:
            k0, k1 = (k0 + _W0) & 0xFFFFFFFF, (k1 + _W1) & 0xFFFFFFFF
        p0, p1 = _M0 * c[0], _M1 * c[2]
        c = [(p1 >> np.uint64(32)) ^ c[1] ^ np.uint64(k0), p1 & _LOW, (p0 >> np.uint64(32)) ^ c[3] ^ np.uint64(k1),
             p0 & _LOW]
    return np.stack(c, axis=1).astype(np.uint32)


def normals(seed, purpose, frame, step, count):
    """float32 standard normals for elements [0, count) of one (frame, step, purpose) address."""
    blocks = (count + 3) // 4
    counter = np.zeros((blocks, 4), dtype=np.uint64)
    counter[:, 0] = np.arange(blocks)
    counter[:, 1] = frame & 0xFFFFFFFF
    counter[:, 2] = step
    counter[:, 3] = purpose | (((frame >> 32) & 0xFFFF) << 16)
    w = philox4x32_10(counter, (seed & 0xFFFFFFFF, seed >> 32)).astype(np.float64)
    u = (w + 0.5) * (1.0 / 4294967296.0)
    radius01, angle01 = np.sqrt(-2.0 * np.log(u[:, 0])), 2.0 * np.pi * u[:, 1]
    radius23, angle23 = np.sqrt(-2.0 * np.log(u[:, 2])), 2.0 * np.pi * u[:, 3]
    z = np.stack([radius01 * np.cos(angle01), radius01 * np.sin(angle01),
                  radius23 * np.cos(angle23), radius23 * np.sin(angle23)], axis=1)
    return z.reshape(-1)[:count].astype(np.float32)
