"""Run a composite action's steps the way a GitHub runner does, for the end-to-end tests.

Each `run:` step is executed with `bash --noprofile --norc -eo pipefail` (GitHub's `shell: bash`)
in the step's working directory, with the environment GitHub gives a step: the GITHUB_* and
RUNNER_* variables, a fresh GITHUB_OUTPUT and GITHUB_STEP_SUMMARY file per step, and the step's
own `env:` with its `${{ }}` expressions evaluated. `uses:` steps (setup-python,
upload-artifact) are not run: the run records the inputs they would have received. A step
without `always()` is skipped once one has failed, as on GitHub.

The expressions evaluated are the ones our action and examples use: context references
(`inputs.x`, `steps.id.outputs.x`, `github.x.y`, `secrets.X`), string literals, `==`, `!=`,
`&&`, `always()`. Anything else fails the test loudly rather than being guessed at.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[3]
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
REFERENCE = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z_][A-Za-z0-9_-]*)*$")


@dataclass
class StepResult:
    name: str
    id: str | None
    skipped: bool = False
    uses: str | None = None
    with_: dict[str, str] = field(default_factory=dict)
    code: int = 0
    stdout: str = ""
    stderr: str = ""
    outputs: dict[str, str] = field(default_factory=dict)
    summary: str = ""


@dataclass
class ActionRun:
    steps: list[StepResult]
    outputs: dict[str, str]

    @property
    def failed(self) -> bool:
        return any(s.code != 0 for s in self.steps)

    def step(self, name_or_id: str) -> StepResult:
        return next(s for s in self.steps if name_or_id in (s.id, s.name))

    @property
    def uses(self) -> list[StepResult]:
        return [s for s in self.steps if s.uses and not s.skipped]

    @property
    def text(self) -> str:
        """Everything the run printed."""
        return "".join(s.stdout + s.stderr for s in self.steps)

    @property
    def summary(self) -> str:
        return "".join(s.summary for s in self.steps)


def parse_outputs(text: str) -> dict[str, str]:
    """GITHUB_OUTPUT's two forms: `name=value` and `name<<DELIMITER` ... `DELIMITER`."""
    out: dict[str, str] = {}
    lines = iter(text.splitlines())
    for line in lines:
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            value = []
            for inner in lines:
                if inner == delimiter:
                    break
                value.append(inner)
            out[name] = "\n".join(value)
        elif "=" in line:
            name, value = line.split("=", 1)
            out[name] = value
    return out


class Expressions:
    """`${{ }}` evaluation over a context of nested dicts."""

    def __init__(self, context: dict[str, Any]):
        self.context = context

    def value(self, expr: str) -> Any:
        expr = expr.strip()
        if expr.startswith("'") and expr.endswith("'"):
            return expr[1:-1].replace("''", "'")
        if expr in ("true", "false"):
            return expr == "true"
        if not REFERENCE.match(expr):
            raise AssertionError(f"expression not supported by the test runner: {expr!r}")
        node: Any = self.context
        for part in expr.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        return node

    def text(self, template: Any) -> str:
        def one(match: re.Match) -> str:
            return _string(self.value(match.group(1)))

        return EXPRESSION.sub(one, str(template))

    def condition(self, expr: str | None, failed: bool) -> bool:
        if expr is None:
            return not failed
        expr = EXPRESSION.sub(lambda m: m.group(1), str(expr)).strip()
        if "||" in expr:
            raise AssertionError(f"`||` not supported by the test runner: {expr!r}")
        terms = [t.strip() for t in expr.split("&&")]
        if "always()" not in terms and failed:
            return False
        for term in terms:
            if term == "always()":
                continue
            for op in ("!=", "=="):
                if op in term:
                    left, right = (_string(self.value(side)) for side in term.split(op, 1))
                    if (left == right) != (op == "=="):
                        return False
                    break
            else:
                if not self.value(term):
                    return False
        return True


def _string(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class ActionRunner:
    """Runs `action.yml` (the repository root's) with given inputs in a workspace folder."""

    def __init__(self, workspace: Path, temp: Path, env: dict[str, str], github: dict[str, Any],
                 secrets: dict[str, str] | None = None, action_path: Path = ROOT):
        self.workspace = workspace
        self.temp = temp
        self.env = env
        self.github = github
        self.secrets = secrets or {}
        self.action_path = action_path
        self.action = yaml.safe_load((action_path / "action.yml").read_text())

    def base_env(self) -> dict[str, str]:
        bin_dir = str(Path(sys.executable).parent)
        return {
            "PATH": f"{bin_dir}{os.pathsep}/usr/local/bin{os.pathsep}/usr/bin{os.pathsep}/bin",
            "HOME": os.environ.get("HOME", str(self.temp)),
            "LANG": "C.UTF-8",
            "CI": "true",
            "GITHUB_ACTIONS": "true",
            "GITHUB_WORKSPACE": str(self.workspace),
            "RUNNER_TEMP": str(self.temp),
            "GITHUB_ACTION_PATH": str(self.action_path),
            **self.env,
        }

    def run(self, inputs: dict[str, str]) -> ActionRun:
        declared = self.action["inputs"]
        unknown = set(inputs) - set(declared)
        assert not unknown, f"inputs the action does not declare: {sorted(unknown)}"
        context: dict[str, Any] = {"github": self.github, "secrets": self.secrets, "steps": {}, "env": self.env}
        expressions = Expressions(context)
        context["inputs"] = {name: (str(inputs[name]) if name in inputs else expressions.text(spec.get("default", "")))
                             for name, spec in declared.items()}
        results: list[StepResult] = []
        for step in self.action["runs"]["steps"]:
            result = self._step(step, expressions, failed=any(r.code for r in results))
            results.append(result)
            if result.id:
                context["steps"][result.id] = {"outputs": result.outputs,
                                               "outcome": "failure" if result.code else "success"}
        outputs = {name: expressions.text(spec["value"]) for name, spec in self.action["outputs"].items()}
        return ActionRun(results, outputs)

    def _step(self, step: dict[str, Any], expressions: Expressions, failed: bool) -> StepResult:
        name = expressions.text(step.get("name", step.get("id", "")))
        result = StepResult(name=name, id=step.get("id"), uses=step.get("uses"))
        if not expressions.condition(step.get("if"), failed):
            result.skipped = True
            return result
        if "uses" in step:
            result.with_ = {k: expressions.text(v) for k, v in (step.get("with") or {}).items()}
            return result
        assert step.get("shell") == "bash", f"step {name!r}: every run step must say shell: bash"
        files = Path(tempfile.mkdtemp(prefix="step-", dir=self.temp))
        output_file, summary_file, script = files / "output", files / "summary", files / "script.sh"
        output_file.touch()
        summary_file.touch()
        script.write_text(step["run"])
        env = {**self.base_env(), "GITHUB_OUTPUT": str(output_file), "GITHUB_STEP_SUMMARY": str(summary_file)}
        env.update({k: expressions.text(v) for k, v in (step.get("env") or {}).items()})
        cwd = self.workspace / expressions.text(step.get("working-directory", "."))
        done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], cwd=cwd, env=env,
                              capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)
        result.code, result.stdout, result.stderr = done.returncode, done.stdout, done.stderr
        result.outputs = parse_outputs(output_file.read_text())
        result.summary = summary_file.read_text()
        return result
