"""Where a state lives, as `tkctl.yaml` says: a local file or an object in an S3-compatible store.

These are plain values: building one touches no disk and no network, and imports no AWS code,
so reading the settings stays fast for configs that keep their state in a local file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class LocalStateSpec:
    path: Path  # absolute

    backend = "local"


@dataclass(frozen=True)
class S3StateSpec:
    bucket: str
    key: str
    region: str | None = None  # None: the AWS environment's (AWS_REGION, the profile), else us-east-1
    endpoint_url: str | None = None  # None: AWS, or AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL if set
    profile: str | None = None  # None: the AWS environment's (AWS_PROFILE, else the default chain)

    backend = "s3"

    @property
    def url(self) -> str:
        return f"s3://{self.bucket}/{self.key}"


StateSpec = LocalStateSpec | S3StateSpec
