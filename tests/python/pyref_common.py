"""Shared helpers for the Python reference tests: puts models/ on sys.path."""
import os
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
MODELS = os.path.join(ROOT, "models")
if MODELS not in sys.path:
    sys.path.insert(0, MODELS)

TINY_ARCH = {"dim": 16, "dim_mults": [1, 2], "heads": 2, "dim_head": 8, "resolution": 8}


def perturb_all(model, seed=0, scale=0.2):
    """Move every parameter off its init so that no layer is an identity or zero."""
    import torch
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn(p.shape, generator=gen) * scale)
    return model
