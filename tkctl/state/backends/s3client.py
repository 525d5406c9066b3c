"""The three S3 requests the s3 backend makes (get, conditional put, conditional delete), and
the one place that turns boto3's failures into messages people can act on.

Credentials come only from the standard AWS chain (environment, shared config and credentials
files, the named profile, SSO, instance roles): never from tkctl.yaml. The ones found are
registered as secrets before any request, and every message made from a boto3 exception passes
through `redact`, so no key or session token is ever printed.

boto3 is imported here and only here, when a config actually keeps its state in S3.
"""

from __future__ import annotations

import email.utils
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from tkctl import __version__
from tkctl.errors import StateError
from tkctl.secrets import redact, register
from tkctl.state.spec import S3StateSpec

CONNECT_TIMEOUT = 5
READ_TIMEOUT = 60
MAX_ATTEMPTS = 3  # boto3's "standard" retries: 5xx, throttling and dropped connections
_REFUSED_CREDENTIALS = {"InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken", "InvalidToken",
                        "TokenRefreshRequired", "InvalidClientTokenId"}
_DENIED = {"AccessDenied", "AllAccessDisabled", "Forbidden", "403"}
_WRONG_REGION = {"PermanentRedirect", "AuthorizationHeaderMalformed", "IllegalLocationConstraintException"}


class Conflict(Exception):
    """A conditional request failed: the object is not what the caller last saw (412 or 409)."""


@dataclass
class Found:
    body: bytes
    etag: str
    last_modified: datetime
    server_now: datetime  # the store's clock (its Date header): lock expiry never trusts ours


class S3Bucket:
    """One bucket of one S3-compatible store, reached with the AWS environment's credentials."""

    def __init__(self, spec: S3StateSpec, client: Any = None):
        self.spec = spec
        self._client = client
        self._client_lock = threading.Lock()

    # ------------------------------------------------------------ the client

    @property
    def client(self) -> Any:
        with self._client_lock:
            if self._client is None:
                self._client = self._make_client()
            return self._client

    def _make_client(self) -> Any:
        import boto3
        from botocore.config import Config
        from botocore.exceptions import BotoCoreError

        try:
            session = boto3.session.Session(profile_name=self.spec.profile, region_name=self.spec.region)
            credentials = session.get_credentials()
            if credentials is None:
                raise StateError(self._no_credentials())
            _register(credentials)
            config = Config(
                connect_timeout=CONNECT_TIMEOUT, read_timeout=READ_TIMEOUT,
                retries={"max_attempts": MAX_ATTEMPTS, "mode": "standard"},
                # Path-style requests are what MinIO and Ceph expect at a custom endpoint (R2 takes both).
                s3={"addressing_style": "path"} if self.spec.endpoint_url else None,
                # Checksum headers only where S3 requires them: several S3-compatible stores
                # reject the CRC headers newer boto3 versions send by default.
                request_checksum_calculation="when_required", response_checksum_validation="when_required",
                user_agent_extra=f"tkctl/{__version__}",
            )
            return session.client("s3", endpoint_url=self.spec.endpoint_url, config=config)
        except StateError:
            raise
        except BotoCoreError as exc:
            raise self.error(exc, "reach") from None

    @property
    def endpoint(self) -> str:
        """The endpoint as shown to people: the client's (AWS's regional one by default), no credentials."""
        url = self.spec.endpoint_url
        if self._client is not None:
            url = self._client.meta.endpoint_url
        if not url:
            return "AWS S3"
        parts = urlsplit(url)
        host = parts.hostname or ""
        netloc = host + (f":{parts.port}" if parts.port else "")
        return urlunsplit((parts.scheme, netloc, parts.path, "", ""))

    # ------------------------------------------------------------ requests

    def get(self, key: str, action: str, limit: int) -> Found | None:
        """The object at `key`, or None when there is none."""
        try:
            answer = self.client.get_object(Bucket=self.spec.bucket, Key=key)
            size = answer.get("ContentLength") or 0
            if size > limit:
                raise StateError(f"the state file s3://{self.spec.bucket}/{key} is larger than "
                                 f"{limit // (1024 * 1024)} MB: it is not a tkctl state")
            body = answer["Body"].read(limit + 1)
        except StateError:
            raise
        except Exception as exc:
            if _code(exc) in ("NoSuchKey", "404"):
                return None
            raise self.error(exc, action, key) from None
        return Found(body, answer.get("ETag", ""), answer.get("LastModified") or _now(), _server_now(answer))

    def put(self, key: str, body: bytes, action: str, *, if_match: str | None = None,
            if_absent: bool = False) -> str:
        """Write `key` only if it still has ETag `if_match`, or (`if_absent`) does not exist; its new ETag."""
        condition = {"IfMatch": if_match} if if_match else {"IfNoneMatch": "*"} if if_absent else {}
        try:
            answer = self.client.put_object(Bucket=self.spec.bucket, Key=key, Body=body,
                                            ContentType="application/json", **condition)
        except Exception as exc:
            if condition and _code(exc) in ("PreconditionFailed", "ConditionalRequestConflict", "412", "409"):
                raise Conflict() from None
            if if_match and _code(exc) in ("NoSuchKey", "404"):
                raise Conflict() from None  # deleted since we saw it
            raise self.error(exc, action, key) from None
        return answer.get("ETag", "")

    def list_keys(self, prefix: str, action: str) -> list[str]:
        """The keys that start with `prefix`, sorted (the state journal's objects)."""
        keys: list[str] = []
        try:
            for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.spec.bucket, Prefix=prefix):
                keys += [item["Key"] for item in page.get("Contents") or ()]
        except Exception as exc:
            raise self.error(exc, action, prefix) from None
        return sorted(keys)

    def delete_many(self, keys: list[str], action: str) -> None:
        """Delete `keys`, up to 1,000 a request (DeleteObjects); keys already gone are fine."""
        for start in range(0, len(keys), 1000):
            chunk = keys[start:start + 1000]
            try:
                answer = self.client.delete_objects(Bucket=self.spec.bucket, Delete={
                    "Objects": [{"Key": key} for key in chunk], "Quiet": True})
            except Exception as exc:
                raise self.error(exc, action, chunk[0]) from None
            failed = [e for e in answer.get("Errors") or () if e.get("Code") not in ("NoSuchKey",)]
            if failed:
                first = failed[0]
                raise StateError(f"the S3 store at {self.endpoint} did not {action} the state "
                                 f"s3://{self.spec.bucket}/{self.spec.key}: {first.get('Key')}: "
                                 f"{first.get('Code')}: {_short(str(first.get('Message') or ''))}")

    def delete(self, key: str, action: str, *, if_match: str | None = None) -> bool:
        """Delete `key` (only if it still has ETag `if_match`); False when it was not the one we saw."""
        condition = {"IfMatch": if_match} if if_match else {}
        try:
            self.client.delete_object(Bucket=self.spec.bucket, Key=key, **condition)
        except Exception as exc:
            if _code(exc) in ("PreconditionFailed", "ConditionalRequestConflict", "412", "409", "NoSuchKey", "404"):
                return False
            raise self.error(exc, action, key) from None
        return True

    # ------------------------------------------------------------ errors

    def error(self, exc: Exception, action: str, key: str | None = None) -> StateError:
        """A StateError naming the bucket, the endpoint and what to do; never a credential."""
        from botocore import exceptions as bx

        state = f"s3://{self.spec.bucket}/{self.spec.key}"
        endpoint, bucket = self.endpoint, self.spec.bucket
        if isinstance(exc, bx.ProfileNotFound):
            text = (f"the AWS profile {self.spec.profile!r} (`profile` under `state` in tkctl.yaml) is not in the AWS "
                    "config or credentials files")
        elif isinstance(exc, (bx.NoCredentialsError, bx.PartialCredentialsError, bx.CredentialRetrievalError)):
            text = self._no_credentials(str(exc))
        elif isinstance(exc, (bx.EndpointConnectionError, bx.ConnectTimeoutError, bx.ReadTimeoutError,
                              bx.ConnectionClosedError, bx.ProxyConnectionError, bx.SSLError)):
            text = (f"cannot reach the S3 endpoint {endpoint} (bucket {bucket}) to {action} the state {state}: "
                    f"{_short(str(exc))}")
        elif isinstance(exc, bx.ClientError):
            text = self._refusal(exc, action, state, f"s3://{bucket}/{key or self.spec.key}")
        else:
            text = f"S3 error at {endpoint} (bucket {bucket}) while trying to {action} the state {state}: {_short(str(exc))}"
        return StateError(redact(text))

    def _refusal(self, exc: Any, action: str, state: str, obj: str) -> str:
        error = exc.response.get("Error", {}) if isinstance(getattr(exc, "response", None), dict) else {}
        code = str(error.get("Code") or "")
        message = _short(str(error.get("Message") or ""))
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", "?")
        endpoint, bucket = self.endpoint, self.spec.bucket
        said = f"{code}: {message}" if message else code
        if code == "NoSuchBucket":
            return (f"the S3 bucket {bucket} does not exist at {endpoint}: create it, or fix `bucket` under "
                    "`state` in tkctl.yaml")
        if code in _REFUSED_CREDENTIALS:
            return (f"the S3 store at {endpoint} refused the AWS credentials ({said}); check AWS_ACCESS_KEY_ID and "
                    "AWS_SECRET_ACCESS_KEY, or the AWS profile")
        if code in _DENIED or status == 403:
            return (f"the S3 store at {endpoint} denied access to {obj} ({said}); check the AWS credentials and "
                    "the bucket's policy: tkctl needs s3:GetObject, s3:PutObject, s3:DeleteObject and s3:ListBucket")
        if code in _WRONG_REGION:
            return (f"the S3 bucket {bucket} is not in the region tkctl asked {endpoint} for ({said}); set `region` "
                    "under `state` in tkctl.yaml to the bucket's region")
        if code == "NotImplemented" or status == 501:
            return (f"the S3 store at {endpoint} does not support a request tkctl needs to {action} the state {state} "
                    f"({said}); "
                    "tkctl writes the state with conditional requests (If-Match, If-None-Match), which AWS S3, "
                    "MinIO, Cloudflare R2 and recent Ceph support")
        return f"the S3 store at {endpoint} refused to {action} the state {state}: HTTP {status} {said}"

    def _no_credentials(self, detail: str = "") -> str:
        profile = f" (profile {self.spec.profile!r})" if self.spec.profile else ""
        return (f"no AWS credentials found{profile} for the state s3://{self.spec.bucket}/{self.spec.key}: set "
                "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, or `profile` under `state` in "
                "tkctl.yaml (credentials themselves never go in tkctl.yaml)"
                + (f" ({_short(detail)})" if detail else ""))


def _register(credentials: Any) -> None:
    """Register the credentials found as secrets, so no message can ever show them."""
    frozen = credentials.get_frozen_credentials()
    for value in (frozen.access_key, frozen.secret_key, frozen.token):
        register(value)


def _code(exc: Exception) -> str:
    response = getattr(exc, "response", None)
    if not isinstance(response, dict):
        return ""
    code = str(response.get("Error", {}).get("Code") or "")
    return code or str(response.get("ResponseMetadata", {}).get("HTTPStatusCode") or "")


def _short(text: str, limit: int = 300) -> str:
    text = " ".join(redact(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _server_now(answer: dict) -> datetime:
    header = answer.get("ResponseMetadata", {}).get("HTTPHeaders", {}).get("date")
    if header:
        try:
            return email.utils.parsedate_to_datetime(header).astimezone(timezone.utc)
        except (TypeError, ValueError):
            pass
    return _now()
