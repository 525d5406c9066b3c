"""`tkctl completion SHELL`: the bash script, sourced in a real bash, completes tkctl's commands,
options and choices by running the installed tkctl; the zsh and fish scripts call tkctl the
same way, and tkctl answers their protocol."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent  # the virtualenv's bin: the `tkctl` entry point the scripts run


def env(**extra: str) -> dict[str, str]:
    return {**{k: v for k, v in os.environ.items() if not k.startswith("_TKCTL")},
            "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", **extra}


def bash_complete(words: list[str]) -> list[str]:
    """What bash offers after sourcing `tkctl completion bash` for the command line `words`
    (the last word is the one being completed)."""
    script = (
        'source <(tkctl completion bash)\n'
        f"COMP_WORDS=({' '.join(shlex.quote(w) for w in words)})\n"
        f"COMP_CWORD={len(words) - 1}\n"
        "COMPREPLY=()\n"
        # bash calls the function named by `complete -F` with the command's name.
        'fn=$(complete -p tkctl | sed -E "s/.*-F ([^ ]+).*/\\1/")\n'
        '"$fn" tkctl\n'
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    r = subprocess.run(["bash", "--norc", "--noprofile", "-c", script], env=env(), capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0, r.stderr
    return [line for line in r.stdout.splitlines() if line]


@pytest.mark.parametrize("words, expected", [
    (["tkctl", "pl"], ["plan"]),
    (["tkctl", "gr"], ["graph"]),
    (["tkctl", "st"], ["state"]),
    (["tkctl", "plan", "--format", ""], ["text", "markdown", "json", "html"]),
    (["tkctl", "graph", "--format", "m"], ["mermaid"]),
    (["tkctl", "completion", ""], ["bash", "zsh", "fish"]),
    (["tkctl", "--log"], ["--log-file"]),
])
def test_bash_completes_commands_options_and_choices(words, expected):
    assert bash_complete(words) == expected


def test_bash_offers_every_command():
    offered = bash_complete(["tkctl", ""])
    assert {"plan", "apply", "show", "drift", "graph", "completion", "validate"} <= set(offered)


@pytest.mark.parametrize("shell, marker", [
    ("bash", "complete -o nosort -F _tkctl_completion tkctl"),
    ("zsh", "compdef _tkctl_completion tkctl"),
    ("fish", "complete --no-files --command tkctl --arguments"),
])
def test_each_script_registers_tkctl_and_calls_it_back(shell, marker):
    r = subprocess.run(["tkctl", "completion", shell], env=env(), capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and r.stderr == ""
    assert marker in r.stdout
    assert f"_TKCTL_COMPLETE={shell}_complete" in r.stdout


@pytest.mark.parametrize("shell, cword, expected", [
    # zsh_complete: type, value and help on three lines; fish_complete: "type,value<TAB>help".
    ("zsh", "1", "plain\nplan\nCompare CONFIG_DIR (default: .) with the...\n"),
    ("fish", "pl", "plain,plan\tCompare CONFIG_DIR (default: .) with the...\n"),
])
def test_zsh_and_fish_protocols_are_answered(shell, cword, expected):
    # What the zsh and fish scripts run on TAB (neither shell is on this machine).
    r = subprocess.run(["tkctl"], env=env(_TKCTL_COMPLETE=f"{shell}_complete", COMP_WORDS="tkctl pl", COMP_CWORD=cword),
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout == expected


def test_an_unknown_shell_is_a_usage_error(tk):
    r = tk("completion", "powershell")
    assert r.code == 64
    assert "'powershell' is not one of 'bash', 'zsh', 'fish'" in r.err


def readme_install_lines() -> list[str]:
    from tests.e2e.conftest import ROOT

    text = (ROOT / "README.md").read_text()
    section = text[text.index("* **Shell completion:**"):]
    return [line.strip() for line in re.search(r"```sh\n(.*?)```", section, re.S).group(1).splitlines() if line.strip()]


@pytest.mark.parametrize("index", [0, 1])
def test_readmes_bash_install_lines_work(tmp_path, index):
    """Each bash line of README's install block, run in a fresh home; then a new shell, as a
    person would open one, completes `tkctl pl` with what was installed."""
    lines = readme_install_lines()
    assert len(lines) == 2
    home = {**env(), "HOME": str(tmp_path)}
    subprocess.run(["bash", "--norc", "--noprofile", "-c", lines[index]], env=home, check=True, timeout=60)
    load = ("source ~/.local/share/bash-completion/completions/tkctl" if index == 0 else "source ~/.bashrc")
    script = (f"{load}\nCOMP_WORDS=(tkctl pl)\nCOMP_CWORD=1\nCOMPREPLY=()\n_tkctl_completion tkctl\n"
              'printf "%s\\n" "${COMPREPLY[@]}"\n')
    r = subprocess.run(["bash", "--norc", "--noprofile", "-c", script], env=home, capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "plan\n"
