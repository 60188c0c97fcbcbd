"""Jira Cloud client: `/rest/api/3/search/jql` with `nextPageToken` and the changelog.

JQL `updated >= "yyyy-MM-dd HH:mm" ORDER BY updated ASC, id ASC` (JQL dates have minutes, so
`since` is floored to the minute; the overlap window covers the rest), `fields=*all` (the
endpoint returns only ids otherwise), `expand=changelog`; pages follow `nextPageToken` until
`isLast`. Basic auth with the account's email and an API token.

A search result carries at most 40 histories of an issue's changelog: where its `total` says
there are more, the rest is read from `/rest/api/3/issue/{id}/changelog` (paged, oldest first)
and the landing file holds the whole changelog, or the issue's response time and pauses would
be read from part of its history.
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
            issues = [self._with_whole_changelog(issue) for issue in body.get("issues", [])]
            yield Page(issues, {"nextPageToken": token} if token else None)
            if not token:
                return

    def _with_whole_changelog(self, issue: dict) -> dict:
        changelog = issue.get("changelog")
        if not isinstance(changelog, dict):
            return issue
        histories = list(changelog.get("histories") or [])
        total = changelog.get("total") or 0
        if total <= len(histories):
            return issue
        start = changelog.get("startAt") or 0
        # the rest of the changelog, after what the search carried
        start += len(histories)
        while start < total:
            body, _ = self.transport.get_json(
                f"rest/api/3/issue/{issue['id']}/changelog", params={"startAt": start, "maxResults": 100},
                cursor={"issue": issue["id"], "startAt": start},
            )
            values = body.get("values") or []
            histories.extend(values)
            start += len(values)
            if not values or body.get("isLast", True):
                break
        return {**issue, "changelog": {"startAt": 0, "maxResults": len(histories), "total": total,
                                       "histories": histories}}
