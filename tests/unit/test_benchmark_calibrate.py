"""benchmarks/calibrate.py: the reference work is the same in every run and uses no tkctl code,
so its time says how fast the machine is, whatever tkctl's version (no time is asserted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_reference_work_is_fixed_and_imports_nothing_of_tkctl():
    script = ("import sys; sys.path.insert(0, sys.argv[1]); from benchmarks import calibrate; "
              "a, b = calibrate.work(), calibrate.work(); "
              "print(a == b, len(a), any(m == 'tkctl' or m.startswith('tkctl.') for m in sys.modules), "
              "calibrate.speed(rounds=1) > 0)")
    out = subprocess.run([sys.executable, "-c", script, str(ROOT)], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.split() == ["True", "64", "False", "True"]
