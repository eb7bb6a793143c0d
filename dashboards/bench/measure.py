"""Clocks, percentiles and the peak memory of this process."""

from __future__ import annotations

import ctypes
import gc
import math
import os
import resource
import statistics
import time
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field


class Rollback(Exception):
    """Raised at the end of a transaction whose writes must not be kept."""


@contextmanager
def rolled_back():
    """Run the block in a transaction that is always rolled back."""
    from django.db import transaction

    try:
        with transaction.atomic():
            yield
            raise Rollback
    except Rollback:
        pass


@dataclass
class Clock:
    seconds: float = 0.0


@contextmanager
def clock():
    watch = Clock()
    started = time.perf_counter()
    try:
        yield watch
    finally:
        watch.seconds = time.perf_counter() - started


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (share 0.95 for p95)."""
    ordered = sorted(values)
    rank = min(len(ordered), max(1, math.ceil(share * len(ordered))))
    return ordered[rank - 1]


def median(values: list[float]) -> float:
    return statistics.median(values)


def reset_peak() -> bool:
    """Reset this process's peak resident memory (Linux: VmHWM); False when
    the system cannot, and the peak is then that of the whole run. Freed
    memory is first handed back to the system, so what an earlier section
    left in the allocator does not count."""
    gc.collect()
    with suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
        return True
    except OSError:
        return False


def peak_mb() -> float:
    """Peak resident memory of this process since the last reset, in MB."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_mb() -> float:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


@contextmanager
def one_core():
    """Pin this process to one CPU for the block (where the system allows)."""
    try:
        before = os.sched_getaffinity(0)
        os.sched_setaffinity(0, {min(before)})
    except (AttributeError, OSError):
        yield
        return
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)


@dataclass
class Row:
    """One line of the printed table."""

    item: str
    measure: str
    figure: str
    reference: str = ""
    ratio: str = ""
    target: str = ""
    verdict: str = ""


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, *args, **kwargs) -> Row:
        row = Row(*args, **kwargs)
        self.rows.append(row)
        return row
