"""The trainer's live status line: a budget bar, step, loss, frames/s and time left, redrawn in place
at most twice a second on a terminal and silent otherwise (logs and pipes get the periodic report lines)."""
import sys
import time

BAR_WIDTH = 24


def format_duration(seconds):
    seconds = max(0, int(seconds))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


class ProgressLine:
    def __init__(self, stream=None, period=0.5, enabled=None, clock=time.monotonic):
        self.stream = stream or sys.stdout
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.period, self.clock = period, clock
        self.last_draw, self.shown = None, False

    def due(self):
        """Whether update() would draw now (so a caller can skip reading a GPU value otherwise)."""
        return self.enabled and (self.last_draw is None or self.clock() - self.last_draw >= self.period)

    def update(self, fraction, step, loss, frames_per_s, elapsed):
        """fraction of the budget used (None when the run has none)."""
        if not self.due():
            return
        self.last_draw = self.clock()
        if fraction is None:
            bar, left = "", ""
        else:
            fraction = min(1.0, max(0.0, fraction))
            filled = int(fraction * BAR_WIDTH)
            bar = f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {fraction * 100:3.0f}% "
            left = f" left {format_duration(elapsed / fraction - elapsed)}" if fraction > 0 else ""
        loss_text = "?" if loss is None else f"{loss:.4f}"
        self.stream.write(f"\r{bar}step {step} loss {loss_text} {frames_per_s:,.0f} frames/s{left}\033[K")
        self.stream.flush()
        self.shown = True

    def clear(self):
        """Before a normal line is printed: the status line goes and is redrawn on the next update."""
        if self.shown:
            self.stream.write("\r\033[K")
            self.stream.flush()
            self.shown = False
            self.last_draw = None
