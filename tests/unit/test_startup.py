"""What tkctl's start-up imports: httpx without its own command line (and rich's console and
pygments with it), and an httpx that still works."""

from __future__ import annotations

import subprocess
import sys


def test_httpx_comes_without_its_command_line():
    script = (
        "import sys\n"
        "import tkctl.timekit.client, httpx\n"
        "assert 'httpx._main' not in sys.modules or sys.modules['httpx._main'] is None\n"
        "assert 'rich.console' not in sys.modules and 'pygments' not in sys.modules, sorted(sys.modules)\n"
        "r = httpx.Client(transport=httpx.MockTransport(lambda q: httpx.Response(200, json={'ok': 1}))).get('http://x/')\n"
        "assert r.json() == {'ok': 1}\n"
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
