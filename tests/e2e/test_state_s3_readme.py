"""README's "Remote state (S3)" example, exactly as written: its tkctl.yaml snippet and its
commands, in a shell, with the example clinic as `config/`, against moto's S3 server (reached
through AWS_ENDPOINT_URL_S3, as the snippet names no endpoint) and the emulator."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from tests.e2e.conftest import ROOT

HEADING = "## Remote state (S3)"


def readme_section() -> str:
    text = (ROOT / "README.md").read_text()
    section = text[text.index(HEADING) + len(HEADING):]
    return section[: section.index("\n## ")]


def test_the_remote_state_example_works_as_written(tk, s3, tmp_path):
    section = readme_section()
    snippet = yaml.safe_load(re.search(r"```yaml\n(.*?)```", section, re.S).group(1))
    commands = [line for line in re.search(r"```sh\n(.*?)```", section, re.S).group(1).splitlines()
                if line.strip() and not line.startswith("#")]
    assert [c.split()[1:3] for c in commands] == [["plan", "config/"], ["apply", "config/"], ["state", "pull"]]
    state = snippet["state"]
    assert state["backend"] == "s3" and "endpoint_url" not in state
    s3.client.create_bucket(Bucket=state["bucket"], CreateBucketConfiguration={"LocationConstraint": state["region"]})
    try:
        config = tmp_path / "config"
        shutil.copytree(ROOT / "examples" / "clinic", config, ignore=shutil.ignore_patterns(".tkctl"))
        settings = yaml.safe_load((config / "tkctl.yaml").read_text())
        (config / "tkctl.yaml").write_text(yaml.safe_dump({**settings, **snippet}))
        env = {**os.environ, "TIMEKIT_API_URL": tk.emulator.base_url, "TIMEKIT_APP_TOKEN": tk.emulator.token,
               "AWS_ENDPOINT_URL_S3": s3.endpoint_url, "NO_COLOR": "1",
               "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}

        def run(command: str) -> subprocess.CompletedProcess:
            return subprocess.run(["bash", "-c", command], cwd=tmp_path, env=env, capture_output=True, text=True,
                                  timeout=300)

        plan, apply, pull = (run(c) for c in commands)
        assert plan.returncode == 0, plan.stderr
        assert plan.stdout.rstrip().endswith("Plan: 18 to create, 0 to update, 0 to delete.")
        assert apply.returncode == 0, apply.stderr
        assert "Apply complete: 18 created, 0 updated, 0 deleted, 0 adopted." in apply.stdout
        assert pull.returncode == 0, pull.stderr
        stored = s3.client.get_object(Bucket=state["bucket"], Key=state["key"])["Body"].read().decode()
        assert (tmp_path / "state-backup.json").read_text() == stored
        assert len(json.loads(stored)["objects"]) == 18
        assert not (config / ".tkctl" / "state.json").exists()
        again = run(commands[0])
        assert again.stdout.rstrip().endswith("No changes. The live account matches the configuration.")
    finally:
        for item in s3.client.list_objects_v2(Bucket=state["bucket"]).get("Contents", []):
            s3.client.delete_object(Bucket=state["bucket"], Key=item["Key"])
        s3.client.delete_bucket(Bucket=state["bucket"])
