"""What every benchmark here measures: one whole process, its wall time and its own peak RSS."""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# Every chanops a bench starts runs this checkout's code: the venv's editable install may
# point at another checkout (a git worktree shares the main checkout's venv), and PYTHONPATH
# comes before it on sys.path. Set here, so children inherit it.
SRC = Path(__file__).resolve().parents[1] / "src"
os.environ["PYTHONPATH"] = os.pathsep.join([str(SRC), *filter(None, [os.environ.get("PYTHONPATH")])])
CHANOPS = str(Path(sys.executable).with_name("chanops"))


def check_code() -> None:
    """Exit unless a child Python imports chanops from this checkout (what the figures are of)."""
    found = subprocess.run(
        [sys.executable, "-c", "import chanops; print(chanops.__file__)"], capture_output=True, text=True, check=True
    ).stdout.strip()
    if not Path(found).resolve().is_relative_to(SRC):
        sys.exit(f"chanops would run from {found}, not from this checkout ({SRC})")
    print(f"chanops code: {Path(found).parent}")


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


SMOKE = False


def parse_args(parser: argparse.ArgumentParser, **tiny) -> argparse.Namespace:
    """The bench's arguments; with --smoke (what `make bench-smoke` and CI run) the `tiny`
    sizes and one run: the answers are still compared, the time and RSS targets are not
    (at a tiny scale start-up is all there is to time)."""
    global SMOKE
    parser.add_argument("--smoke", action="store_true", help="tiny scale, one run: compare answers only")
    args = parser.parse_args()
    check_code()
    if args.smoke:
        SMOKE = True
        for name, value in tiny.items():
            setattr(args, name, value)
        if hasattr(args, "repeat"):
            args.repeat = 1
    return args


def missed(ratio: float, target_ratio: float, rss_mib: float, target_rss_mib: float) -> bool:
    """A time or memory target missed; never at smoke scale."""
    return not SMOKE and (ratio > target_ratio or rss_mib > target_rss_mib)


class Comparison:
    """Paired runs of a hand-written reference and of chanops, alternately (reference first),
    R pairs. Each pair gives a ratio with both sides under the same machine load; the figure is
    the median of those ratios, and the timings shown are each side's median. Peak RSS is each
    side's largest."""

    def __init__(self, ref_cmd: list[str], ours_cmd: list[str], repeat: int, before_each=None):
        self.pairs: list[tuple[float, float]] = []
        self.ref_rss = self.ours_rss = 0.0
        self.ref_out = self.ours_out = ""
        for attempt in range(repeat):
            if before_each:
                before_each()
            seconds, rss, self.ref_out = run_measured(ref_cmd)
            self.ref_rss = max(self.ref_rss, rss)
            seconds2, rss2, self.ours_out = run_measured(ours_cmd)
            self.ours_rss = max(self.ours_rss, rss2)
            self.pairs.append((seconds, seconds2))
            print(
                f"run {attempt + 1}: reference {seconds:.2f}s ({rss:.0f} MiB), chanops {seconds2:.2f}s "
                f"({rss2:.0f} MiB), ratio {seconds2 / seconds:.2f}{_load_note()}",
                flush=True,
            )

    @property
    def ref_s(self) -> float:
        return statistics.median(ref for ref, _ in self.pairs)

    @property
    def ours_s(self) -> float:
        return statistics.median(ours for _, ours in self.pairs)

    @property
    def ratio(self) -> float:
        return statistics.median(ours / ref for ref, ours in self.pairs)

    def ratios(self) -> str:
        return ", ".join(f"{ours / ref:.2f}" for ref, ours in self.pairs)

    def report(self, what: str, equal: bool, target_ratio: float, target_rss_mib: float, detail: str = "") -> bool:
        """Print the figures; False if the answers differ or a target is missed."""
        print(f"reference: {self.ref_s:.2f}s (median), peak RSS {self.ref_rss:.0f} MiB")
        print(f"{what}: {self.ours_s:.2f}s (median), peak RSS {self.ours_rss:.0f} MiB")
        unchecked = ", not checked at smoke scale" if SMOKE else ""
        print(
            f"ratio: {self.ratio:.2f}, median of {self.ratios()} (target ≤ {target_ratio}{unchecked}); "
            f"{detail}answers equal: {equal}"
        )
        return equal and not missed(self.ratio, target_ratio, self.ours_rss, target_rss_mib)

    def verdict(self, what: str, equal: bool, target_ratio: float, target_rss_mib: float, detail: str = "") -> None:
        """Print the figures; exit 1 if the answers differ or a target is missed."""
        if not self.report(what, equal, target_ratio, target_rss_mib, detail):
            sys.exit(1)


def _load_note() -> str:
    """The machine's load average as the run ended: other work on the machine stretches both
    sides, the ratio less so."""
    try:
        return f", load average {os.getloadavg()[0]:.1f}"
    except OSError:
        return ""


def sample_orders_and_contacts(chanops: str, db, work, rows: int) -> None:
    """`chanops sample --rows N` (≈N orders, ≈5N contacts) loaded into `db`, unless it exists."""
    if db.exists():
        return
    started = time.perf_counter()
    subprocess.run(
        [chanops, "sample", "--out", str(work / "data"), "--rows", str(rows), "--format", "parquet"],
        check=True,
        stderr=subprocess.DEVNULL,
    )
    for kind in ("orders", "contacts"):
        subprocess.run(
            [chanops, "load", kind, str(work / "data" / f"{kind}.parquet"), "--db", str(db)],
            check=True,
            stderr=subprocess.DEVNULL,
        )
    print(f"generated and loaded {rows:,} orders in {time.perf_counter() - started:.0f}s")
