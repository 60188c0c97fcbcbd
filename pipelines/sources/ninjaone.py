"""NinjaOne public API v2 client.

OAuth 2 client credentials (`POST /ws/oauth/token`, scope `monitoring`) for a Bearer token,
fetched again when it expires or is refused. Organizations and devices are snapshots paged by
`after` (the last id seen); alerts are one list (the API has no cursor for them); activities
are incremental by `newerThan` (the newest activity id pulled, kept between pulls).
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx

from pipelines.sources.pull import Page, Stream
from pipelines.sources.transport import PullError, RetryPolicy, Transport, settings_from_env

SCOPE = "monitoring"


class _BearerAuth(httpx.Auth):
    """Adds the token; on a 401 fetches a new one and tries once more."""

    def __init__(self, client: NinjaOneClient):
        self.client = client

    def auth_flow(self, request):
        request.headers["Authorization"] = f"Bearer {self.client.token()}"
        response = yield request
        if response.status_code == 401:
            request.headers["Authorization"] = f"Bearer {self.client.token(refresh=True)}"
            yield request


class NinjaOneClient:
    system = "ninjaone"

    def __init__(self, settings: dict[str, str], policy: RetryPolicy | None = None):
        self.settings = settings
        self._token: str | None = None
        self._expires = 0.0
        self.oauth = Transport(self.system, settings["url"], policy=policy)
        self.transport = Transport(self.system, settings["url"], auth=_BearerAuth(self),
                                   headers={"Accept": "application/json"}, policy=policy)

    @classmethod
    def from_env(cls, policy: RetryPolicy | None = None) -> NinjaOneClient:
        return cls(settings_from_env(cls.system), policy)

    def close(self) -> None:
        self.oauth.close()
        self.transport.close()

    def token(self, refresh: bool = False) -> str:
        if refresh or self._token is None or time.monotonic() >= self._expires:
            response = self.oauth.request("POST", "ws/oauth/token", cursor="token", data={
                "grant_type": "client_credentials", "client_id": self.settings["client_id"],
                "client_secret": self.settings["client_secret"], "scope": SCOPE,
            })
            body = response.json()
            if "access_token" not in body:
                raise PullError("ninjaone POST ws/oauth/token: no access_token in the answer")
            self._token = body["access_token"]
            self._expires = time.monotonic() + max(60, int(body.get("expires_in", 3600))) - 30
        return self._token

    def streams(self) -> list[Stream]:
        return [Stream("devices", "devices", "snapshot"), Stream("alerts", "alerts", "snapshot"),
                Stream("activities", "activities", "id"), Stream("organizations", "organizations", "snapshot")]

    def pages(self, stream: Stream, since: str | None, resume: dict | None, page_size: int) -> Iterator[Page]:
        if stream.entity == "alerts":
            records, _ = self.transport.get_json("v2/alerts", cursor=None)
            yield Page(records, None)
            return
        if stream.entity == "activities":
            newer = (resume or {}).get("newerThan") or since
            while True:
                params = {"pageSize": page_size, **({"newerThan": newer} if newer else {})}
                body, _ = self.transport.get_json("v2/activities", params=params, cursor={"newerThan": newer})
                records = body.get("activities", [])
                if not records:
                    yield Page([], None, high_water=newer)
                    return
                newer = str(max(int(r["id"]) for r in records))
                yield Page(records, {"newerThan": newer}, high_water=newer)
        after = (resume or {}).get("after")
        while True:
            params = {"pageSize": page_size, **({"after": after} if after else {})}
            records, _ = self.transport.get_json(f"v2/{stream.entity}", params=params, cursor={"after": after})
            if not records:
                yield Page([], None)
                return
            after = str(records[-1]["id"])
            yield Page(records, {"after": after})
