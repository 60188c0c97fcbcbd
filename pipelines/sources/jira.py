"""Jira Cloud client: `/rest/api/3/search/jql` with `nextPageToken` and the changelog.

JQL `updated >= "yyyy-MM-dd HH:mm" ORDER BY updated ASC, id ASC` (JQL dates have minutes, so
`since` is floored to the minute; the overlap window covers the rest), `fields=*all` (the
endpoint returns only ids otherwise), `expand=changelog`; pages follow `nextPageToken` until
`isLast`. Basic auth with the account's email and an API token.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from pipelines.sources.pull import Page, Stream
from pipelines.sources.transport import RetryPolicy, Transport, settings_from_env

BEGINNING = "2000-01-01 00:00"
"""search/jql wants a bounded query: a first pull asks for everything updated since this."""


def jql(since: str | None) -> str:
    start = datetime.fromisoformat(since).strftime("%Y-%m-%d %H:%M") if since else BEGINNING
    return f'updated >= "{start}" ORDER BY updated ASC, id ASC'


class JiraClient:
    system = "jira"

    def __init__(self, settings: dict[str, str], policy: RetryPolicy | None = None):
        self.transport = Transport(self.system, settings["url"], auth=(settings["email"], settings["token"]),
                                   headers={"Accept": "application/json"}, policy=policy)

    @classmethod
    def from_env(cls, policy: RetryPolicy | None = None) -> JiraClient:
        return cls(settings_from_env(cls.system), policy)

    def close(self) -> None:
        self.transport.close()

    def streams(self) -> list[Stream]:
        return [Stream("issues", "issues")]

    def pages(self, stream: Stream, since: str | None, resume: dict | None, page_size: int) -> Iterator[Page]:
        token = (resume or {}).get("nextPageToken")
        while True:
            params = {"jql": jql(since), "maxResults": page_size, "fields": "*all", "expand": "changelog"}
            if token:
                params["nextPageToken"] = token
            body, _ = self.transport.get_json("rest/api/3/search/jql", params=params,
                                              cursor={"since": since, "nextPageToken": token})
            token = None if body.get("isLast", True) else body.get("nextPageToken")
            yield Page(body.get("issues", []), {"nextPageToken": token} if token else None)
            if not token:
                return
