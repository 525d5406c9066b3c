"""The Timekit emulator: a real HTTP server faithful to the Timekit API v2 contract.

Layout (moto-style): urls.py (routes) -> handlers/ (request -> model call -> answer) ->
models/ (objects and rules, no HTTP) -> store.py (+ persistence.py); errors.py, paginator.py,
query.py; asgi.py (request pipeline), control.py (/_emulator), server.py (uvicorn),
testing.py (`running_emulator`). See docs/emulator.md.
"""
