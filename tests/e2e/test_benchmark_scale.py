"""benchmarks/scale.py end to end at a tiny size: it runs, and its table is complete and sane.

No timing is asserted (a test must not depend on machine speed): only that every operation
has a row of numbers, that no operation made fewer requests than the minimum the API allows
(which would mean the minimum is wrong, or an operation skipped a read), and that the goals
are all judged.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OPERATIONS = ["validate", "plan, no change", "plan, no change, config cached", "plan, 1% changed", "plan, no state file", "export",
              "read one by one (python-timekit)", "apply 5 creates", "tkctl --version (best of 5)",
              "validate examples/clinic (best of 5)"]


def _number(cell: str) -> float:
    assert re.fullmatch(r"[\d,]+(\.\d+)?", cell), cell
    return float(cell.replace(",", ""))


def test_scale_benchmark_prints_a_complete_table(tmp_path):
    # A fast, unpaced-enough emulator: 100 requests a second, no latency, 5 creates.
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "scale.py"), "--sizes", "20", "--creates", "5",
         "--latency", "0", "--rate", "6000", "--keep", str(tmp_path)],
        capture_output=True, text=True, timeout=240, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = [line.strip("|").split("|") for line in proc.stdout.splitlines()
            if line.startswith("| ") and not line.startswith("| size")]
    table = {cells[1].strip(): [c.strip() for c in cells] for cells in rows}
    assert list(table) == OPERATIONS
    for name, cells in table.items():
        size, _, requests, minimum, wall, floor, ratio, cpu, emulator_cpu, peak = cells
        for cell in (requests, minimum, wall, floor, cpu, peak):
            _number(cell)
        assert _number(requests) >= _number(minimum), name
        assert _number(peak) > 0
        if size == "–":  # --version and the tiny validate run without the emulator
            assert (requests, emulator_cpu) == ("0", "–")
        else:
            assert size == "20"
            _number(emulator_cpu)
            if _number(floor) > 0:
                _number(ratio)
    # The account's reads: GET /app, one page of resources, one of projects.
    assert table["plan, no change"][3] == "3"
    assert table["plan, no change, config cached"][3] == "3"
    assert table["apply 5 creates"][3] == "8" and _number(table["apply 5 creates"][2]) >= 8
    assert "apply at 20: 5 writes" in proc.stdout and "0 requests failed" in proc.stdout
    speed = re.search(r"reference work \(benchmarks/calibrate.py\) took (\d+) ms before the run and (\d+) ms after", proc.stdout)
    assert speed and all(int(ms) > 0 for ms in speed.groups()), proc.stdout[-2000:]
    # validate and the plans run three times (--repeat's default); the table keeps the quickest
    # run's time and the highest of the runs' peak memory.
    for name in OPERATIONS[:5]:
        runs = re.search(rf"- {re.escape(name)} at 20: runs of ([\d.]+), ([\d.]+), ([\d.]+) s", proc.stdout)
        assert runs, name
        assert _number(table[name][4]) == min(float(w) for w in runs.groups()), name
        peaks = re.search(rf"- {re.escape(name)} at 20: peaks of (\d+), (\d+), (\d+) MB", proc.stdout)
        assert peaks, name
        assert _number(table[name][9]) == max(int(m) for m in peaks.groups()), name
    goals = [line for line in proc.stdout.splitlines() if line.startswith("- [")]
    assert len(goals) >= 10 and all(re.match(r"- \[(met|NOT MET|not measured)\] ", g) for g in goals)
    assert (tmp_path / "size-20" / "config" / "new.yaml").is_file()
