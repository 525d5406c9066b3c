"""`tkctl emulator`: serve the Timekit emulator until Ctrl-C or SIGTERM, then exit 0."""

from __future__ import annotations

import signal
import threading

import click

from tkctl.emulator.settings import DEFAULT_BURST, DEFAULT_DAILY_LIMIT, DEFAULT_RATE_LIMIT, Settings


@click.command(name="emulator")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on (0 = any free port).")
@click.option("--token", "tokens", multiple=True, metavar="TOKEN",
              help="Accepted app token (repeatable); one is generated when none is given. "
                   "Tokens starting test_ act as test-mode apps.")
@click.option("--data", "data_file", type=click.Path(dir_okay=False, writable=True),
              help="Keep the account in this SQLite file (default: in memory).")
@click.option("--latency", "latency_ms", default=0.0, type=click.FloatRange(min=0), metavar="MS",
              help="Milliseconds added to every /v2 response.")
@click.option("--fail-rate", default=0.0, type=click.FloatRange(0, 1), metavar="P",
              help="Probability of a random 500/503 answer.")
@click.option("--rate-limit", default=DEFAULT_RATE_LIMIT, type=click.IntRange(min=0), metavar="PER_MIN",
              show_default=True, help="Requests per minute per app token; 0 turns limits off.")
@click.option("--burst", default=DEFAULT_BURST, type=click.IntRange(min=1), show_default=True,
              help="Rate-limit bucket capacity.")
@click.option("--daily-limit", default=DEFAULT_DAILY_LIMIT, type=click.IntRange(min=0),
              show_default=True, help="Rolling 24-h cap for test_ tokens (429); 0 = off.")
def command(host: str, port: int, tokens: tuple[str, ...], data_file: str | None, latency_ms: float,
            fail_rate: float, rate_limit: int, burst: int, daily_limit: int) -> int:
    """Run a local Timekit API v2 emulator (see docs/emulator.md)."""
    from tkctl.emulator.server import ServerThread, build_runtime
    from tkctl.emulator.store import widget_key_for

    settings = Settings(latency_ms=latency_ms, fail_rate=fail_rate, rate_limit=rate_limit,
                        burst=burst, daily_limit=daily_limit)
    runtime = build_runtime(list(tokens), data_file, settings)
    try:
        server = ServerThread(runtime, host, port)
    except OSError as exc:
        runtime.store.close()
        raise click.UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    stop = threading.Event()
    # The server runs on a thread, so shutdown is ours to decide: both signals end it cleanly.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    server.start()
    base_url = server.root_url + "/v2"
    click.echo(f"Timekit emulator listening on {base_url}")
    click.echo(f"Control API: {server.root_url}/_emulator")
    # The only place tokens are printed: at start, so users can connect; the server logs no
    # requests, and its error log names the method and path only.
    for token in runtime.store.tokens:
        click.echo(f"App token: {token}")
        click.echo(f"Widget key: {widget_key_for(token)}")
    click.echo(f"export TIMEKIT_API_URL={base_url} TIMEKIT_APP_TOKEN={runtime.store.tokens[0]}")
    click.echo("Press Ctrl-C to stop.", err=True)
    while not stop.wait(0.5):
        pass
    server.stop()
    click.echo("Emulator stopped.", err=True)
    return 0
