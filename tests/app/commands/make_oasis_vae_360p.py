"""The golden tiny ViT-VAE (tests/golden/oasis/vae.safetensors) with a patch of 20 pixels instead of 4, so
that scripts/convert-oasis --image 360x640 makes a tiny model at Oasis-500M's frame size (640x360 frames,
an 18x32 latent grid). Only the two patch-sized tensors change (deterministic random values); the
official names and every other shape stay.

usage: make_oasis_vae_360p.py GOLDEN_VAE OUT.safetensors"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "models"))
import safetensors_io  # noqa: E402

PATCH = 20


def main(src, out):
    tensors, metadata = safetensors_io.read(src)
    rng = np.random.RandomState(360)
    enc_dim = tensors["patch_embed.proj.weight"].shape[0]
    dec_dim = tensors["predictor.weight"].shape[1]
    fan_in = 3 * PATCH * PATCH
    tensors["patch_embed.proj.weight"] = (rng.randn(enc_dim, 3, PATCH, PATCH) / np.sqrt(fan_in)).astype(np.float32)
    tensors["predictor.weight"] = (rng.randn(fan_in, dec_dim) / np.sqrt(dec_dim)).astype(np.float32)
    tensors["predictor.bias"] = (0.1 * rng.randn(fan_in)).astype(np.float32)
    safetensors_io.write(out, tensors, metadata=metadata or None)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
