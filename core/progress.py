"""A progress bar for long management commands: done / total, rate and time left, on one line."""

from __future__ import annotations

import time


class ProgressBar:
    """`[#####.....] 120,000/1,000,000 12% · 1,850/s · ETA 7m55s` on one line (a terminal) or every ~10% (a log)."""

    width = 30

    def __init__(self, out, *, tty: bool, clock=time.monotonic):
        self.out, self.tty, self.clock = out, tty, clock
        self.started = None
        self.logged = -1

    def line(self, done: int, total: int) -> str:
        elapsed = self.clock() - self.started
        filled = self.width * done // total if total else self.width
        rate = done / elapsed if elapsed > 0 else 0.0
        eta = (total - done) / rate if rate else None
        pct = 100 * done // total if total else 100
        tail = (
            f" · {rate:,.0f}/s · ETA {_duration(eta)}" if done < total else f" · {rate:,.0f}/s · {_duration(elapsed)}"
        )
        return f"[{'#' * filled}{'.' * (self.width - filled)}] {done:,}/{total:,} {pct}%{tail}"

    def update(self, done: int, total: int) -> None:
        if self.started is None:
            self.started = self.clock()
        finished = done >= total
        if self.tty:
            self.out.write("\r" + self.line(done, total), ending="\n" if finished else "")
            self.out.flush()
        elif finished or (total and done * 10 // total > self.logged):
            # Redirected to a file: a line per tenth instead of a carriage-return animation.
            self.logged = done * 10 // total if total else 10
            self.out.write(self.line(done, total))


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    minutes, secs = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{secs:02d}s"
