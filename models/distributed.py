"""Several GPUs (or CPU processes) under torchrun: one trainer process per device, gradients averaged by
DistributedDataParallel, every decision that ends the loop taken together so that no process waits for a
partner that has already left.

    torchrun --standalone --nproc_per_node=N models/train.py ...

Without torchrun's environment (WORLD_SIZE unset or 1) every method is a cheap no-op and the trainer is
the plain single-process one.
"""
import os

import torch
import torch.distributed as dist


class Distributed:
    def __init__(self):
        self.world = int(os.environ.get("WORLD_SIZE", "1"))
        self.rank = int(os.environ.get("RANK", "0"))
        self.local_rank = int(os.environ.get("LOCAL_RANK", "0"))
        self.device = None

    @property
    def active(self):
        return self.world > 1

    @property
    def main(self):
        """The process that logs, checkpoints, exports and renders previews."""
        return self.rank == 0

    def start(self, device):
        """Joins the process group; on CUDA each process takes the GPU of its local rank."""
        self.device = device
        if not self.active:
            return device
        if device.type == "cuda":
            device = torch.device("cuda", self.local_rank)
            torch.cuda.set_device(device)
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
        self.device = device
        return device

    def wrap(self, model):
        if not self.active:
            return model
        ids = [self.device.index] if self.device.type == "cuda" else None
        # The buffers are constants of the architecture: identical everywhere, nothing to broadcast.
        return torch.nn.parallel.DistributedDataParallel(model, device_ids=ids, broadcast_buffers=False)

    def any(self, flag):
        """True on every process when it is true on any (stop signals, deadlines, step budgets)."""
        if not self.active:
            return bool(flag)
        t = torch.tensor([1.0 if flag else 0.0], device=self.device)
        dist.all_reduce(t, op=dist.ReduceOp.MAX)
        return bool(t.item() > 0)

    def mean(self, value):
        if not self.active:
            return float(value)
        t = torch.tensor([float(value)], dtype=torch.float64, device=self.device)
        dist.all_reduce(t)
        return float(t.item()) / self.world

    def from_main(self, obj):
        """The main process's value of a picklable choice (e.g. the measured fastest layout)."""
        if not self.active:
            return obj
        box = [obj]
        dist.broadcast_object_list(box, src=0)
        return box[0]

    def parameters_agree(self, model):
        """Whether every process ended with the same weights (a cheap fingerprint per process)."""
        if not self.active:
            return True
        with torch.no_grad():
            fingerprint = torch.stack([p.double().sum() for p in model.parameters()]).sum().reshape(1)
            prints = [torch.zeros_like(fingerprint) for _ in range(self.world)]
            dist.all_gather(prints, fingerprint)
        return all(torch.equal(p, prints[0]) for p in prints)

    def close(self):
        if self.active and dist.is_initialized():
            dist.destroy_process_group()
