"""One-off checks on a CUDA machine with torch 2.x (not part of the meson suite; no GPU here):
SDPA path == explicit attention path, CUDA fp32 == CPU fp32, bf16 autocast training step, FLOP count
vs torch's FlopCounterMode, our safetensors files vs the `safetensors` package. Prints one line each."""
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "models"))
import numpy as np
import torch

import dfv_unet as U
import safetensors_io

DMLAB = {"dim": 48, "dim_head": 32, "resolution": 64}


def perturb(m, seed=0):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in m.parameters():
            p.add_(torch.randn(p.shape, generator=g) * 0.05 * (p.std().item() if p.dim() >= 2 else 1.0))
    return m


def main():
    print("torch", torch.__version__, torch.cuda.get_device_name(0), "sdpa", U._HAS_SDPA)
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.manual_seed(0)
    m = perturb(U.Unet3D(DMLAB)).eval()
    x = torch.randn(1, 4, 3, 64, 64)
    t = torch.tensor([[14, 14, 500, 999]])
    with torch.no_grad():
        cpu = m(x, t)
        U._HAS_SDPA = False
        cpu_manual = m(x, t)
        U._HAS_SDPA = True
        g = m.cuda()(x.cuda(), t.cuda()).cpu()
    print(f"cpu sdpa vs manual max {float((cpu - cpu_manual).abs().max()):.2e}; cuda fp32 vs cpu max "
          f"{float((g - cpu).abs().max()):.2e} (std {float(cpu.std()):.3f})")

    arch = dict(DMLAB, groupnorm_per_frame=True)
    net = perturb(U.Unet3D(arch, action_dim=4)).cuda().train()
    opt = torch.optim.AdamW(net.parameters(), lr=1e-4)
    xb = torch.randn(8, 16, 3, 64, 64, device="cuda")
    tb = torch.randint(0, 1000, (8, 16), device="cuda")
    ab = torch.nn.functional.one_hot(torch.randint(0, 4, (8, 16), device="cuda"), 4).float()
    for i in range(6):
        if i == 2:
            torch.cuda.synchronize()
            start = time.time()
        with torch.autocast("cuda", dtype=torch.bfloat16):
            loss = (net(xb, tb, ab).float() - xb).pow(2).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    torch.cuda.synchronize()
    finite = all(torch.isfinite(p.grad).all() for p in net.parameters())
    print(f"bf16 autocast train B8 T16 DMLab: loss {loss.item():.4f}, grads finite {finite}, "
          f"{(time.time() - start) / 4 * 1000:.1f} ms/step")
    net.eval()
    with torch.no_grad():
        ref = net.float()(xb[:1], tb[:1], ab[:1])
        with torch.autocast("cuda", dtype=torch.bfloat16):
            low = net(xb[:1], tb[:1], ab[:1]).float()
    print(f"bf16 vs fp32 forward max {float((low - ref).abs().max()):.3e} std {float(ref.std()):.3f}")

    from torch.utils.flop_counter import FlopCounterMode
    for frames in (1, 16):
        mm = U.Unet3D(DMLAB).cuda().eval()
        with torch.no_grad(), FlopCounterMode(display=False) as fc:
            mm(torch.randn(1, frames, 3, 64, 64, device="cuda"), torch.zeros(1, frames, dtype=torch.long, device="cuda"))
        print(f"flops T={frames}: counter {fc.get_total_flops() / 1e9:.3f} G, count_flops "
              f"{U.count_flops(DMLAB, frames) / 1e9:.3f} G")

    import safetensors.numpy as stn
    import safetensors.torch as stt
    rng = np.random.default_rng(0)
    arrays = {"a": rng.standard_normal((3, 5)).astype(np.float32), "b.c": rng.standard_normal(7).astype(np.float32)}
    with tempfile.TemporaryDirectory() as d:
        ok = True
        for kind in ("F32", "F16", "BF16"):
            p = os.path.join(d, kind + ".safetensors")
            safetensors_io.write(p, arrays, kind, {"dfview": "{\"x\":1}"})
            theirs = stt.load_file(p)
            mine, _ = safetensors_io.read(p)
            for k in arrays:
                ok &= bool(np.array_equal(theirs[k].float().numpy(), mine[k]))
            tdtype = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16}[kind]
            q = os.path.join(d, kind + "_theirs.safetensors")
            stt.save_file({k: torch.from_numpy(v).to(tdtype) for k, v in arrays.items()}, q, metadata={"dfview": "{}"})
            back, meta = safetensors_io.read(q)
            for k, v in arrays.items():
                ok &= bool(np.array_equal(back[k], torch.from_numpy(v).to(tdtype).float().numpy()))
            ok &= meta == {"dfview": "{}"}
        print("safetensors package agrees both ways (F32, F16, BF16):", ok)


if __name__ == "__main__":
    main()
