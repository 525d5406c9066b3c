"""tkctl/log.py: which level the flags and TKCTL_LOG give, the one redacting formatter, and
bodies cut only after they are masked."""

from __future__ import annotations

import io
import logging

import pytest

from tkctl import log, secrets
from tkctl.log import DEBUG, INFO, NORMAL, QUIET, LogSettingError, body_text, level_of

TOKEN = "live_api_key_logtest000000000000000000"


@pytest.fixture(autouse=True)
def _clean(monkeypatch):
    monkeypatch.setattr(secrets, "_secrets", set())
    yield
    log.reset()


@pytest.mark.parametrize("verbose, quiet, env, level", [
    (0, False, {}, NORMAL), (1, False, {}, INFO), (2, False, {}, DEBUG), (5, False, {}, DEBUG),
    (0, True, {}, QUIET),
    (0, False, {"TKCTL_LOG": "debug"}, DEBUG), (0, False, {"TKCTL_LOG": " Info "}, INFO),
    (0, False, {"TKCTL_LOG": "warning"}, NORMAL), (0, False, {"TKCTL_LOG": ""}, NORMAL),
    (1, False, {"TKCTL_LOG": "debug"}, INFO),  # a flag wins over the environment
    (0, True, {"TKCTL_LOG": "debug"}, QUIET),
])
def test_levels(verbose, quiet, env, level):
    assert level_of(verbose, quiet, env) == level


@pytest.mark.parametrize("verbose, quiet, env, message", [
    (1, True, {}, "-q and -v contradict each other: use one of them"),
    (0, False, {"TKCTL_LOG": "trace"}, "TKCTL_LOG must be one of warning, info, debug (got 'trace')"),
])
def test_level_errors(verbose, quiet, env, message):
    with pytest.raises(LogSettingError) as err:
        level_of(verbose, quiet, env)
    assert str(err.value) == message


def test_every_record_is_redacted_traceback_included():
    secrets.register(TOKEN)
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(log.RedactingFormatter("%(message)s"))
    logger = logging.getLogger("tkctl.test-redaction")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        try:
            raise ValueError(f"boom {TOKEN}")
        except ValueError:
            logger.exception("token %s and %s", TOKEN, '{"api_token": "unregistered-secret-1"}')
    finally:
        logger.removeHandler(handler)
    text = out.getvalue()
    assert "Traceback" in text and "ValueError: boom ***" in text
    assert TOKEN not in text and "unregistered-secret-1" not in text
    assert 'token *** and {"api_token": "***"}' in text


@pytest.mark.parametrize("cut_inside", [5, 20, 39])
def test_a_cut_never_leaves_part_of_a_secret(cut_inside):
    field_secret = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmn"  # 40 characters
    secrets.register(TOKEN)
    tail = "y" * 200  # long enough that the masked body is still cut
    for secret, body in ((field_secret, '{"pad": "' + "x" * 100 + '", "api_token": "' + field_secret + '", "t": "' + tail
                          + '"}'), (TOKEN, "p" * 100 + " token " + TOKEN + " " + tail)):
        limit = body.index(secret) + cut_inside  # the cut would fall inside the secret
        shown = body_text(body, limit)
        assert "characters in all)" in shown
        assert secret[:5] not in shown


def test_a_long_body_is_redacted_only_where_it_is_shown(monkeypatch):
    """A 10 MB page against thousands of registered secrets took seconds to redact whole (42 s
    of -vv on a 5,000-resource plan); only the shown start and a margin past it are redacted,
    and a secret across the cut is still masked whole."""
    for n in range(3000):
        secrets.register(f"registered-secret-{n:05d}")
    items = [f'{{"id": {n}, "api_token": "registered-secret-{n % 3000:05d}", "pad": "{"x" * 60}"}}'
             for n in range(20_000)]
    body = "[" + ", ".join(items) + "]"
    redacted: list[int] = []
    real = log.redact
    monkeypatch.setattr(log, "redact", lambda text: redacted.append(len(text)) or real(text))
    limit = body.index("registered-secret-00007") + 6  # the cut falls inside a secret
    shown = body_text(body, limit)
    assert redacted == [limit + log.REDACT_MARGIN]
    assert shown.endswith(f"... ({len(body):,} characters in all)")
    assert "registered" not in shown and "-0000" not in shown
    assert '{"id": 7, "api_token": "***"' in shown  # the secret the cut fell in, masked whole


@pytest.mark.parametrize("body, shown", [(None, "(none)"), (b"", "(empty)"), (b"  ", "(empty)"),
                                         (b'{"a": 1}', '{"a": 1}'), (b"\xff\xfeok", "\ufffd\ufffdok")])
def test_body_text(body, shown):
    assert body_text(body) == shown


def test_the_log_file_and_what_it_leaves_out(tmp_path, capsys):
    path = tmp_path / "run.log"
    log.start("tkctl plan")
    log.configure(INFO, str(path))
    logging.getLogger("tkctl.http").info("GET /app -> 200")
    logging.getLogger("tkctl.http").debug("a body")  # below -v: not in the file
    logging.getLogger("tkctl.emulator").error("the embedded emulator's own log")
    log.reset()
    lines = path.read_text().splitlines()
    assert [line.split(" ", 2)[2] for line in lines] == [
        f"INFO tkctl: tkctl {log.__version__} (pid {__import__('os').getpid()}): tkctl plan",
        "INFO tkctl.http: GET /app -> 200"]
    assert capsys.readouterr().err == "info: GET /app -> 200\n"
    assert logging.getLogger("tkctl").handlers == [] and not log.quiet()
