"""Reads a whole account one object at a time with the real python-timekit client (PyPI 1.0.2).

What a hand-written script does without tkctl, for scale.py to compare with `tkctl plan`: list
the ids (pages of 1,000, the API's largest), then GET each resource with its calendars and
constraints, and each project and its members. It keeps to the rate limit itself (`--rate`
requests a minute, 0 = unpaced) and waits a second and retries on a 429, as a careful script
would. Prints `objects=N requests=M` on its last line.

    TIMEKIT_API_URL=... TIMEKIT_APP_TOKEN=... python benchmarks/scale_client.py [--rate 600]
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import timekit
import timekit.components.base as timekit_base
from timekit.components.base import Response


class Paced:
    """Calls at most `per_minute` a minute; retries a call that got 429."""

    def __init__(self, per_minute: float):
        self.gap = 60 / per_minute if per_minute else 0.0
        self.next = time.monotonic()
        self.requests = 0

    def __call__(self, call, *args, **kwargs) -> Response:
        while True:
            wait = self.next - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            self.next = max(self.next, time.monotonic()) + self.gap
            self.requests += 1
            answer = call(*args, **kwargs)
            if answer.status != 429:
                if answer.status >= 400:
                    raise SystemExit(f"{answer.status}: {answer.data}")
                return answer
            time.sleep(1)


def ids(send: Paced, component) -> list[str]:
    found, page = [], 1
    while True:
        body = send(component.list, limit=1000, page=page).data
        found += [item["id"] for item in body["data"]]
        if page >= int(body.get("last_page") or 1):
            return found
        page += 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=600, help="requests per minute (0 = unpaced)")
    args = parser.parse_args(argv)
    # python-timekit builds its URLs from this module constant (see tests/emulator/test_python_timekit.py).
    timekit_base.BASE_URL_V2 = os.environ["TIMEKIT_API_URL"]
    client = timekit.TimekitAPI(os.environ["TIMEKIT_APP_TOKEN"])
    send = Paced(args.rate)
    objects = 0
    for resource_id in ids(send, client.resources):
        body = send(client.resources.retrieve, resource_id,
                    dynamic_includes=["calendars", "availability_constraints"]).data["data"]
        objects += 1 + len(body.get("calendars") or [])
    for project_id in ids(send, client.projects):
        send(client.projects.retrieve, project_id)
        send(client.projects.get_resources, project_id)
        objects += 1
    print(f"objects={objects} requests={send.requests}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
