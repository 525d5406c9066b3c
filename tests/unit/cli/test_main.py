"""The one place that maps outcomes to exit codes and one-line messages (tkctl/cli/__init__.py)."""

from __future__ import annotations

import click
import pytest

from tkctl import cli
from tkctl.errors import ApiError
from tkctl.secrets import register

SECRET = "live_api_key_secretsecretsecretsecret0001"


def boom(exc: BaseException):
    @click.command(name="boom")
    def command() -> None:
        raise exc
    return command


@pytest.fixture
def run(capsys):
    """Run main() with an extra `boom` command raising the given exception."""
    def go(argv, exc=None):
        if exc is not None:
            cli.cli.add_command(boom(exc))
        code = cli.main(argv)
        out = capsys.readouterr()
        cli.cli.commands.pop("boom", None)
        return code, out.out, out.err
    return go


@pytest.mark.parametrize(
    "argv, exc, code, stream, expected",
    [
        ([], None, 0, "out", "Usage: tkctl [OPTIONS] COMMAND [ARGS]..."),
        (["--version"], None, 0, "out", "tkctl, version 0.1.0"),
        (["nope"], None, 64, "err", "No such command 'nope'"),
        (["boom"], ApiError("Invalid credentials supplied", status=401, method="GET", path="/app"), 1, "err",
         "error: Timekit API error 401 on GET /app: Invalid credentials supplied\n"),
        (["boom"], KeyboardInterrupt(), 130, "err", "Aborted."),  # Ctrl-C
        (["boom"], click.exceptions.Abort(), 130, "err", "Aborted."),
        (["boom"], ValueError("bad thing"), 3, "err",  # a bug: its own exit code, a request for a report
         "error: tkctl hit a bug (ValueError: bad thing). Please report it to the tkctl maintainers with the "
         "command you ran; TKCTL_DEBUG=1 shows the details.\n"),
    ],
)
def test_exit_codes_and_messages(run, argv, exc, code, stream, expected):
    rc, out, err = run(argv, exc)
    assert rc == code
    assert expected in (out if stream == "out" else err)
    assert "Traceback" not in out + err


@pytest.mark.parametrize("debug", ["", "1"])
def test_token_never_printed_even_in_a_debug_traceback(run, monkeypatch, debug):
    register(SECRET)
    if debug:
        monkeypatch.setenv("TKCTL_DEBUG", debug)
    else:
        monkeypatch.delenv("TKCTL_DEBUG", raising=False)
    rc, out, err = run(["boom"], RuntimeError(f"Authorization: Basic :{SECRET}"))
    assert rc == 3
    assert SECRET not in out + err and ":***" in err
    assert ("Traceback" in err) is bool(debug)
