"""README's "Replicating one environment into another", exactly as written, against two
emulators running as real servers; then the two accounts compared object by object."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path


from tests.e2e.conftest import ROOT, api_items
from tests.e2e.test_export import build_account_by_hand
from tkctl.emulator.testing import running_emulator


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    section = text[text.index("### Replicating one environment into another"):]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    return [line for line in block.splitlines() if line.strip()]


def account(emulator) -> dict:
    """The account as comparable values: no ids, no tkctl tags; references by name."""
    def get(path, **params):
        return api_items(emulator, path, **params)

    def clean(obj, drop=()):
        out = {k: v for k, v in obj.items() if k not in ("id", "created_at", "updated_at", "api_token", *drop)}
        if isinstance(out.get("meta"), dict):
            out["meta"] = {k: v for k, v in out["meta"].items() if k != "tkctl_key"} or None
        return out

    resources = get("/resources", include="calendars,availability_constraints")
    projects = get("/projects", include="resources")
    return {
        "resources": sorted((clean(r, ("calendars",)) for r in resources), key=lambda r: r["name"]),
        "calendars": sorted(({**clean(c, ("provider_id",)), "resource": r["name"]}
                             for r in resources for c in r["calendars"]), key=lambda c: (c["resource"], c["name"])),
        "projects": sorted(({**clean(p, ("resources",)), "resources": [m["name"] for m in p["resources"]]}
                            for p in projects), key=lambda p: p["name"]),
    }


def test_replicating_staging_into_production_as_the_readme_says(tk, tmp_path):
    build_account_by_hand(tk)  # staging: built by hand, in the session emulator
    staging = tk.emulator
    with running_emulator(rate_limit=0) as production:
        (tmp_path / "accounts").mkdir()
        (tmp_path / "accounts" / "tkctl.yaml").write_text(
            "environments:\n"
            f"  staging: {{api_url: '{staging.base_url}', token_env: STAGING_TOKEN}}\n"
            f"  production: {{api_url: '{production.base_url}', token_env: PRODUCTION_TOKEN}}\n")
        subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
        env = {k: v for k, v in os.environ.items() if k not in ("TIMEKIT_API_URL", "TKCTL_ENV")}
        env.update(STAGING_TOKEN=staging.token, PRODUCTION_TOKEN=production.token, NO_COLOR="1",
                   GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@t", GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@t",
                   PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
        for command in readme_commands():
            r = subprocess.run(["bash", "-c", command], cwd=tmp_path, env=env, capture_output=True, text=True,
                               timeout=300)
            assert r.returncode == 0, (command, r.stdout, r.stderr)
        assert account(production) == account(staging)
        for name in ("staging", "production"):
            r = subprocess.run([sys.executable, "-m", "tkctl", "plan", "clinic/", "--env", name,
                                "--detailed-exitcode"], cwd=tmp_path, env=env, capture_output=True, text=True)
            assert r.returncode == 0, (name, r.stdout, r.stderr)
