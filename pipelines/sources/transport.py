"""The one HTTP helper every vendor client uses: httpx, retries, and failures that say where.

429, 5xx, timeouts and dropped connections are retried with exponential backoff and jitter
(a `Retry-After` header wins when it asks for longer) up to `RetryPolicy.attempts`; then the
pull fails with `PullError`, naming the system, the endpoint and the cursor it stood at; such a
failure is `resumable`: the same pull run again may get past it. Other answers fail at once: a
401 or 403 as a `SetupError` naming the variables whose credentials were refused and the URL
that refused them, as is an unset variable (what the user must fix, not retry). Credentials come
only from the environment and never appear in a message or a log line: URLs carry no secret,
headers are never logged.
"""

from __future__ import annotations

import email.utils
import logging
import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx

from pipelines.errors import UserError

log = logging.getLogger("usm.pull")

# Per vendor: the environment variable of each setting. `url` is the base URL.
ENVIRONMENT = {
    "connectwise": {"url": "USM_CONNECTWISE_URL", "company": "USM_CONNECTWISE_COMPANY",
                    "public_key": "USM_CONNECTWISE_PUBLIC_KEY", "private_key": "USM_CONNECTWISE_PRIVATE_KEY",
                    "client_id": "USM_CONNECTWISE_CLIENT_ID"},
    "servicenow": {"url": "USM_SERVICENOW_URL", "user": "USM_SERVICENOW_USER", "password": "USM_SERVICENOW_PASSWORD"},
    "jira": {"url": "USM_JIRA_URL", "email": "USM_JIRA_EMAIL", "token": "USM_JIRA_TOKEN"},
    "ninjaone": {"url": "USM_NINJAONE_URL", "client_id": "USM_NINJAONE_CLIENT_ID",
                 "client_secret": "USM_NINJAONE_CLIENT_SECRET"},
}


class PullError(Exception):
    """A pull that cannot go on: which system, which endpoint, at which cursor, and why."""

    def __init__(self, message: str, *, resumable: bool = False):
        super().__init__(message)
        self.resumable = resumable
        """A network failure or server errors that outlasted the retries: running the pull again
        resumes from the last page written and may get past it."""


class SetupError(PullError, UserError):
    """What the user must fix before anything can be pulled: an unset variable, refused credentials."""


def credential_variables(system: str) -> list[str]:
    return [variable for key, variable in ENVIRONMENT[system].items() if key != "url"]


def require_settings(systems, environ=os.environ) -> None:
    """Fails naming every variable of `systems` that is unset, before anything is pulled."""
    missing = [variable for system in systems for variable in ENVIRONMENT[system].values()
               if not environ.get(variable)]
    if missing:
        raise SetupError(f"set {', '.join(missing)} in the environment (each system's API URL and credentials; "
                         "`usm serve-api` prints them for its emulator)")


def settings_from_env(system: str, environ=os.environ) -> dict[str, str]:
    """The system's URL and credentials; fails naming the variables that are missing."""
    require_settings((system,), environ)
    return {key: environ[variable] for key, variable in ENVIRONMENT[system].items()}


def credentials_from_env(environ=os.environ) -> dict[str, dict[str, str]]:
    """For `usm serve-api`: each vendor's credentials when all its variables are set."""
    found = {}
    for system, names in ENVIRONMENT.items():
        values = {key: environ.get(variable) for key, variable in names.items() if key != "url"}
        if all(values.values()):
            found[system] = values
    return found


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 6
    """Tries per request, the first included."""
    base_seconds: float = 0.5
    max_seconds: float = 30.0
    max_retry_after: float = 120.0
    """Longest Retry-After honoured as asked; longer ones are cut to this."""
    timeout: float = 30.0

    def backoff(self, retry: int, rng: random.Random) -> float:
        """Exponential with equal jitter: half the step fixed, half random."""
        step = min(self.max_seconds, self.base_seconds * 2 ** (retry - 1))
        return step / 2 + rng.uniform(0, step / 2)


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        return max(0.0, (when - datetime.now(UTC)).total_seconds())


RETRY_STATUS = {429, 500, 502, 503, 504}


class Transport:
    """An httpx client on one base URL that retries what can be retried."""

    def __init__(self, system: str, base_url: str, *, auth: httpx.Auth | tuple[str, str] | None = None,
                 headers: dict[str, str] | None = None, policy: RetryPolicy | None = None,
                 sleep: Callable[[float], None] = time.sleep, seed: int | None = None):
        self.system = system
        self.base_url = base_url.rstrip("/")
        self.policy = policy or RetryPolicy()
        self.client = httpx.Client(base_url=self.base_url + "/", auth=auth, headers=headers or {},
                                   timeout=self.policy.timeout)
        self.sleep = sleep
        self.rng = random.Random(seed)
        self.retries = 0
        """Retries made so far (for reports and tests)."""

    def close(self) -> None:
        self.client.close()

    def request(self, method: str, path: str, *, cursor: object = None, idempotent: bool = True,
                **kwargs) -> httpx.Response:
        """The response of a successful request (2xx); PullError otherwise.

        A request that is not idempotent (a POST that creates) is not sent again after a timeout
        or a dropped connection, when the server may have done it already; 429 and 5xx answers
        mean it was not done, so those are retried.
        """
        where = f"{self.system} {method} {path}"
        last = "no attempt"
        for attempt in range(1, self.policy.attempts + 1):
            wait = None
            try:
                response = self.client.request(method, path, **kwargs)
            except (httpx.TimeoutException, httpx.TransportError) as failure:
                last = f"{type(failure).__name__}: {failure}"
                if not idempotent and not isinstance(failure, httpx.ConnectError):
                    raise PullError(f"{where} at cursor {cursor!r}: {last}; not sent again, "
                                    "it may have been done: check before retrying") from failure
            else:
                if response.is_success:
                    return response
                last = f"HTTP {response.status_code}: {' '.join(response.text[:200].split())}"  # one line
                if response.status_code in {401, 403}:
                    raise SetupError(f"{self.system}: the credentials in {', '.join(credential_variables(self.system))}"
                                     f" were refused by {self.base_url} ({where}: {last})")
                if response.status_code == 404:  # most often a base URL with a part missing or extra
                    raise PullError(f"{where} failed at cursor {cursor!r}: {last}; is "
                                    f"{ENVIRONMENT[self.system]['url']}={self.base_url} right?")
                if response.status_code not in RETRY_STATUS:
                    raise PullError(f"{where} failed at cursor {cursor!r}: {last}")
                asked = _retry_after(response)
                if asked is not None:
                    wait = min(asked, self.policy.max_retry_after)
            if attempt == self.policy.attempts:
                break
            backoff = self.policy.backoff(attempt, self.rng)
            wait = backoff if wait is None else max(wait, 0.0)
            self.retries += 1
            log.warning("%s: %s; retry %d of %d in %.2fs (cursor %r)", where, last.split(":")[0],
                        attempt, self.policy.attempts - 1, wait, cursor)
            self.sleep(wait)
        raise PullError(f"{where}: gave up after {self.policy.attempts} attempts at cursor {cursor!r}: {last}",
                        resumable=True)

    def get_json(self, path: str, *, cursor: object = None, **kwargs):
        response = self.request("GET", path, cursor=cursor, **kwargs)
        try:
            return response.json(), response
        except ValueError as failure:
            raise PullError(f"{self.system} GET {path} at cursor {cursor!r}: not JSON ({failure})") from failure
