"""Training data streamed from the C worlds: `dfview-dataset --out -` runs beside the trainer and keeps
sending new episodes (format in worlds/dataset.h), so no dataset is written to disk and the network sees
fresh worlds for as long as it trains.

The trainer samples windows from a pool of episodes held on its device (as with a dataset on disk); a
reader thread queues the episodes arriving from the pipe and the sampler swaps a few of them into the pool
before each batch. Swapping happens on the training thread, between steps, so no batch ever mixes two
episodes in one window.
"""
import json
import os
import queue
import shutil
import subprocess
import threading

import numpy as np

from data import ALIGN_BEFORE, DatasetError, EpisodeDataset

STREAM_FORMAT = "dfview-dataset-stream"


def find_dataset_tool(explicit=None):
    """The dfview-dataset executable: --dataset-tool, $DFVIEW_DATASET_TOOL, this checkout's build, PATH."""
    here = os.path.dirname(os.path.abspath(__file__))
    candidates = [explicit, os.environ.get("DFVIEW_DATASET_TOOL"),
                  os.path.join(here, "..", "build", "worlds", "dfview-dataset"), shutil.which("dfview-dataset")]
    if explicit:
        candidates = candidates[:1]
    for path in candidates:
        if path and os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    if explicit:
        raise DatasetError(f"stream: --dataset-tool {explicit} is not an executable file")
    raise DatasetError("stream: dfview-dataset not found (run scripts/build, set DFVIEW_DATASET_TOOL or pass "
                       "--dataset-tool)")


class StreamingDataset(EpisodeDataset):
    """A pool of `pool` episodes of WORLD that keeps being refreshed from a running dfview-dataset: an
    EpisodeDataset (the pool) plus fresh(limit), the episodes that arrived since the last call, and close()."""

    def __init__(self, world, *, pool, frames, size, seed, tool=None, threads=0):
        self.tool = find_dataset_tool(tool)
        cmd = [self.tool, "--world", world, "--episodes", "0", "--frames", str(frames), "--size", str(size),
               "--seed", str(seed), "--out", "-", "--quiet", "--threads", str(threads)]
        # Its own session: a Ctrl-C meant for the trainer (which then exports) must not end the stream first.
        self.process = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        self.error = None
        try:
            self.manifest = self._read_header(world)
            self._layout()
            first = [self._read_episode() for _ in range(pool)]
        except DatasetError:
            self.close()
            raise
        super().__init__(np.stack([f for f, _ in first]), np.stack([a for _, a in first]), self.manifest,
                         f"stream:{world}")
        self.queue = queue.Queue(maxsize=max(8, pool))
        self.reader = threading.Thread(target=self._read_forever, name="dfview-dataset reader", daemon=True)
        self.reader.start()

    # --- the pipe -----------------------------------------------------------------------------------

    def _tool_failure(self):
        try:
            self.process.wait(timeout=5)
            last = (self.process.stderr.read().decode("utf-8", "replace").strip().splitlines() or [""])[-1]
        except subprocess.TimeoutExpired:
            last = "it stopped sending"
        return DatasetError(f"stream: {os.path.basename(self.tool)} failed: {last or 'no message'}")

    def _read_header(self, world):
        line = self.process.stdout.readline()
        if not line.endswith(b"\n"):
            raise self._tool_failure()
        try:
            header = json.loads(line)
        except ValueError:
            raise DatasetError(f"stream: {self.tool} sent a header that is not JSON: {line[:80]!r}") from None
        if header.get("format") != STREAM_FORMAT or header.get("version") != 1 or header.get("world") != world:
            raise DatasetError(f"stream: {self.tool} is not a dfview-dataset stream v1 for {world}: {header}")
        header["action_alignment"] = ALIGN_BEFORE
        return header

    def _layout(self):
        m = self.manifest
        length, size = int(m["frames_per_episode"]), int(m["size"])
        self.frame_shape = (length, size, size, 3)
        self.action_shape = (length, int(m["action_count"]))

    def _read_into(self, array):
        view, done = memoryview(array).cast("B"), 0
        while done < len(view):
            got = self.process.stdout.readinto(view[done:])
            if not got:
                raise self._tool_failure()
            done += got
        return array

    def _read_episode(self):
        frames = self._read_into(np.empty(self.frame_shape, np.uint8))
        actions = self._read_into(np.empty(self.action_shape, "<f4"))
        return frames, actions.astype(np.float32, copy=False)

    def _read_forever(self):
        try:
            while True:
                self.queue.put(self._read_episode())
        except DatasetError as e:
            self.error = e
        except (OSError, ValueError):
            pass  # the pipe was closed by close()

    # --- what the trainer uses ----------------------------------------------------------------------

    def describe(self):
        m = self.manifest
        return (f"{m['world']} world streamed from dfview-dataset (world seeds {m['seed']} on, a pool of "
                f"{self.episodes} episodes x {self.length} frames at {self.resolution}x{self.resolution} "
                f"refreshed as they arrive), action kind {self.action_kind}")

    def fresh(self, limit):
        """Up to `limit` episodes that arrived since the last call (never waits)."""
        got = []
        while len(got) < limit:
            try:
                got.append(self.queue.get_nowait())
            except queue.Empty:
                break
        if not got and self.error is not None:
            raise self.error
        return got

    def close(self):
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        for pipe in (self.process.stdout, self.process.stderr):
            pipe.close()
