"""Random-weight checkpoints of the official open-oasis networks at full size, for benchmarks.

usage: make_random.py UPSTREAM_DIR OUT_DIR [--seed S]

Builds the official `DiT_models["DiT-S/2"]` (Oasis-500M: 16 blocks, width 1024, 16 heads) and
`VAE_models["vit-l-20-shallow-encoder"]` (ViT-L/20, 360x640) from the official sources in UPSTREAM_DIR
(with the stand-ins of make_golden.py), perturbs every parameter as make_golden.py does, and writes
OUT_DIR/dit.safetensors and OUT_DIR/vae.safetensors in the official layout (about 2.3 GB and 0.9 GB,
float32). Convert them with scripts/convert-oasis (its defaults are these sizes).
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import make_golden  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("upstream")
    parser.add_argument("out_dir")
    parser.add_argument("--seed", type=int, default=500)
    args = parser.parse_args(argv)
    import torch
    make_golden.install_stand_ins(torch)
    sys.path.insert(0, os.path.abspath(args.upstream))
    import dit as dit_module
    import vae as vae_module
    os.makedirs(args.out_dir, exist_ok=True)
    generator = torch.Generator().manual_seed(args.seed)
    torch.manual_seed(args.seed)
    for name, build in (("dit", dit_module.DiT_models["DiT-S/2"]),
                        ("vae", vae_module.VAE_models["vit-l-20-shallow-encoder"])):
        model = build().eval()
        make_golden.perturb(torch, model, generator)
        keys = make_golden.save_like_safetensors(torch, model, os.path.join(args.out_dir, name + ".safetensors"))
        params = sum(p.numel() for p in model.parameters())
        print(f"{name}: {params:,} parameters, {len(keys)} tensors")
        del model


if __name__ == "__main__":
    main()
