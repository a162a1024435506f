"""What every benchmark here measures: one whole process, its wall time and its own peak RSS."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time


def run_measured(cmd: list[str]) -> tuple[float, float, str]:
    """Seconds, peak RSS in MiB and stdout of `cmd`; exits the benchmark if the command fails."""
    with tempfile.TemporaryFile("w+", encoding="utf-8") as out, tempfile.TemporaryFile("w+", encoding="utf-8") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, text=True)
        # wait4, not Popen.wait: it returns this child's own rusage, so its own peak RSS
        _pid, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            sys.exit(f"benchmark command failed ({proc.returncode}): {' '.join(cmd)}\n{err.read()}")
        return elapsed, usage.ru_maxrss / 1024, out.read()
