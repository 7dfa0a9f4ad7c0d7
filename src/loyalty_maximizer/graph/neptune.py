"""Amazon Neptune over HTTPS: openCypher queries and the bulk loader, signed with SigV4.

``NeptuneClient`` is a ``CypherRunner``, so ``KnowledgeRepository`` runs the same queries
on Neptune as on the embedded graph. Credentials and the HTTP session are injected; every
request carries a timeout, and every failure becomes a ``NeptuneError`` that says what
Neptune answered.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import quote, urlencode, urlsplit

import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from loyalty_maximizer.errors import LoyaltyError

SERVICE = "neptune-db"
DEFAULT_PORT = 8182

LOAD_COMPLETED = "LOAD_COMPLETED"
# Every other status a load reports is final and a failure (LOAD_FAILED,
# LOAD_CANCELLED_DUE_TO_ERRORS, LOAD_S3_ACCESS_DENIED_ERROR, ...).
LOAD_PENDING = frozenset({"LOAD_NOT_STARTED", "LOAD_IN_QUEUE", "LOAD_IN_PROGRESS"})


class CredentialsSource(Protocol):
    """A boto3 or botocore session: anything that resolves AWS credentials."""

    def get_credentials(self) -> Credentials | None: ...


@dataclass(frozen=True)
class LoadStatus:
    """Where a bulk load stands (``GET /loader/<loadId>``)."""

    load_id: str
    status: str
    total_records: int
    errors: list[dict[str, Any]] = field(default_factory=list)  # Neptune's errorLogs

    @property
    def pending(self) -> bool:
        return self.status in LOAD_PENDING


class NeptuneError(LoyaltyError):
    """Neptune refused a request, failed, or could not be reached."""

    code = "neptune"

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        neptune_code: str | None = None,
        detailed_message: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.neptune_code = neptune_code  # Neptune's "code", e.g. MalformedQueryException
        self.detailed_message = detailed_message

    def to_json(self) -> dict[str, Any]:
        error = super().to_json()
        error["error"] |= {"statusCode": self.status_code, "neptuneCode": self.neptune_code}
        return error


class NeptuneLoadError(NeptuneError):
    """A bulk load that ended in a status other than LOAD_COMPLETED."""

    code = "neptune_load"

    def __init__(self, message: str, load: LoadStatus) -> None:
        super().__init__(message)
        self.load = load


class NeptuneLoadTimeout(NeptuneLoadError):
    """A bulk load still running when the wait ran out."""

    code = "neptune_load_timeout"


def _base_url(endpoint: str) -> str:
    """``host``, ``host:port`` or a URL, as the https URL of the cluster endpoint."""
    url = endpoint if "://" in endpoint else f"https://{endpoint}"
    parts = urlsplit(url)
    if not parts.hostname:
        raise ValueError(f"Neptune endpoint {endpoint!r} names no host")
    port = parts.port or DEFAULT_PORT
    return f"{parts.scheme}://{parts.hostname}:{port}"


def _describe_errors(load: LoadStatus) -> str:
    shown = [
        f"{e.get('fileName', '?')}:{e.get('recordNum', '?')}: "
        f"{e.get('errorCode', '')} {e.get('errorMessage', '')}".strip()
        for e in load.errors[:5]
    ]
    return "; ".join(shown) if shown else "Neptune reported no error details"


class NeptuneClient:
    """openCypher and bulk-loader calls to one Neptune cluster endpoint."""

    def __init__(
        self,
        endpoint: str,
        region: str,
        credentials: Credentials,
        http: requests.Session,
        *,
        timeout: float | tuple[float, float] = (5.0, 60.0),
    ) -> None:
        self.base_url = _base_url(endpoint)
        self.region = region
        self._credentials = credentials
        self._http = http
        self._timeout = timeout  # seconds: connect and read, on every request

    @classmethod
    def from_session(
        cls,
        endpoint: str,
        region: str,
        session: CredentialsSource,
        http: requests.Session,
        *,
        timeout: float | tuple[float, float] = (5.0, 60.0),
    ) -> NeptuneClient:
        """A client signing with a session's credentials (refreshed as they expire)."""
        credentials = session.get_credentials()
        if credentials is None:
            raise NeptuneError(
                "no AWS credentials to sign Neptune requests with: set AWS_PROFILE or the "
                "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY variables, or run with an IAM role"
            )
        return cls(endpoint, region, credentials, http, timeout=timeout)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> NeptuneClient:
        """A Lambda's client: ``NEPTUNE_ENDPOINT``, and the region and credentials of the
        default boto3 session (the function's role)."""
        import boto3

        env = os.environ if environ is None else environ
        if not env.get("NEPTUNE_ENDPOINT"):
            raise NeptuneError("NEPTUNE_ENDPOINT is not set: the function's configuration needs it")
        session = boto3.Session()
        region = session.region_name or env.get("AWS_REGION", "")
        return cls.from_session(env["NEPTUNE_ENDPOINT"], region, session, requests.Session())

    def _request(
        self,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        content_type: str | None = None,
    ) -> Any:
        url = self.base_url + path
        headers = {"Accept": "application/json"}
        if content_type is not None:
            headers["Content-Type"] = content_type
        signed = AWSRequest(method=method, url=url, data=body, headers=headers)
        # One frozen copy per request: refreshable credentials could otherwise change between
        # reading the key and the secret.
        frozen = self._credentials.get_frozen_credentials()
        SigV4Auth(frozen, SERVICE, self.region).add_auth(signed)
        where = f"{method} {self.base_url}{path.split('?')[0]}"
        try:
            response = self._http.request(
                method, url, data=body, headers=dict(signed.headers.items()), timeout=self._timeout
            )
        except requests.Timeout as exc:
            raise NeptuneError(f"{where}: Neptune did not answer in time: {exc}") from exc
        except requests.RequestException as exc:
            raise NeptuneError(f"{where}: could not reach Neptune: {exc}") from exc
        if response.status_code >= 400:
            raise _http_error(where, response)
        try:
            return response.json()
        except ValueError as exc:
            raise NeptuneError(
                f"{where}: answered {response.status_code} with a body that is not JSON: "
                f"{response.text[:200]!r}",
                status_code=response.status_code,
            ) from exc

    def query(self, text: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Run openCypher; the rows of its ``results``."""
        form = {"query": text}
        if params:
            form["parameters"] = json.dumps(params, separators=(",", ":"), ensure_ascii=False)
        answer = self._request(
            "POST",
            "/openCypher",
            body=urlencode(form).encode(),
            content_type="application/x-www-form-urlencoded",
        )
        results = answer.get("results") if isinstance(answer, dict) else None
        if not isinstance(results, list):
            raise NeptuneError(f"/openCypher answered without a results list: {answer!r:.200}")
        return results

    def start_load(
        self,
        source: str,
        iam_role_arn: str,
        *,
        fail_on_error: bool = True,
        parallelism: str = "MEDIUM",
        update_single_cardinality_properties: bool = True,
        queue_request: bool = True,
    ) -> str:
        """Start a bulk load of the openCypher CSV files under ``source`` (s3://bucket/prefix/)."""
        request = {
            "source": source,
            "format": "opencypher",
            "iamRoleArn": iam_role_arn,
            "region": self.region,
            "failOnError": "TRUE" if fail_on_error else "FALSE",
            "parallelism": parallelism,
            "updateSingleCardinalityProperties": (
                "TRUE" if update_single_cardinality_properties else "FALSE"
            ),
            "queueRequest": "TRUE" if queue_request else "FALSE",
        }
        answer = self._request(
            "POST", "/loader", body=json.dumps(request).encode(), content_type="application/json"
        )
        try:
            load_id = answer["payload"]["loadId"]
        except (KeyError, TypeError) as exc:
            raise NeptuneError(f"/loader answered without a loadId: {answer!r:.200}") from exc
        return str(load_id)

    def load_status(self, load_id: str) -> LoadStatus:
        """The status of a bulk load, with its first error records."""
        query = urlencode({"details": "TRUE", "errors": "TRUE"})
        answer = self._request("GET", f"/loader/{quote(load_id, safe='')}?{query}")
        try:
            payload = answer["payload"]
            overall = payload["overallStatus"]
            return LoadStatus(
                load_id=load_id,
                status=str(overall["status"]),
                total_records=int(overall.get("totalRecords", 0)),
                errors=list(payload.get("errors", {}).get("errorLogs", [])),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise NeptuneError(
                f"/loader/{load_id} answered without an overallStatus: {answer!r:.200}"
            ) from exc

    def wait_for_load(
        self,
        load_id: str,
        *,
        poll_seconds: float = 10.0,
        timeout_seconds: float = 1800.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> LoadStatus:
        """Poll until the load completes; raise ``NeptuneLoadError`` if it fails.

        The timeout counts the time slept between polls (the last pause is shortened to
        end on it), so an injected ``sleep`` makes the wait deterministic.
        """
        waited = 0.0
        while True:
            load = self.load_status(load_id)
            if load.status == LOAD_COMPLETED:
                return load
            if not load.pending:
                raise NeptuneLoadError(
                    f"Neptune load {load_id} ended {load.status} after {load.total_records} "
                    f"record(s): {_describe_errors(load)}",
                    load,
                )
            if waited >= timeout_seconds:
                raise NeptuneLoadTimeout(
                    f"Neptune load {load_id} is still {load.status} after {waited:g} s; check "
                    f"it with GET /loader/{load_id} or wait longer",
                    load,
                )
            pause = min(poll_seconds, timeout_seconds - waited)
            sleep(pause)
            waited += pause


def _http_error(where: str, response: requests.Response) -> NeptuneError:
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        neptune_code = body.get("code")
        detail = body.get("detailedMessage") or body.get("errorMessage") or body.get("message")
    else:
        neptune_code, detail = None, response.text[:500]
    label = " ".join(str(p) for p in (response.status_code, neptune_code) if p is not None)
    return NeptuneError(
        f"{where}: Neptune answered {label}: {detail or response.reason}",
        status_code=response.status_code,
        neptune_code=str(neptune_code) if neptune_code is not None else None,
        detailed_message=str(detail) if detail is not None else None,
    )
