"""The vendors' URLs and credentials as a Dagster resource, resolved from the environment.

A vendor is configured when its URL variable (transport.ENVIRONMENT) is set where the code
location loads. Its settings are then bound as `dg.EnvVar`s, which Dagster resolves only when a
run starts: the values never enter run config, the UI, the instance or the logs, and a
credential variable unset at that moment fails the run naming the variable (never its value).
"""

from __future__ import annotations

import os

import dagster as dg

from pipelines.sources.transport import ENVIRONMENT


class ConnectWiseApi(dg.Config):
    """Basic auth as `company+public_key:private_key`, and the `clientId` header."""

    url: str
    company: str
    public_key: str
    private_key: str
    client_id: str


class ServiceNowApi(dg.Config):
    """Basic auth with an integration user."""

    url: str
    user: str
    password: str


class JiraApi(dg.Config):
    """Basic auth with an Atlassian account's e-mail and API token."""

    url: str
    email: str
    token: str


class NinjaOneApi(dg.Config):
    """OAuth 2 client credentials."""

    url: str
    client_id: str
    client_secret: str


API_CONFIGS = {"connectwise": ConnectWiseApi, "servicenow": ServiceNowApi, "jira": JiraApi, "ninjaone": NinjaOneApi}


class VendorApis(dg.ConfigurableResource):
    """Each configured vendor's URL and credentials; None for a vendor that is not configured."""

    connectwise: ConnectWiseApi | None = None
    servicenow: ServiceNowApi | None = None
    jira: JiraApi | None = None
    ninjaone: NinjaOneApi | None = None

    def configured(self) -> list[str]:
        return [system for system in API_CONFIGS if getattr(self, system) is not None]

    def connection(self, system: str) -> dict[str, str]:
        """What the system's client takes (pipelines.sources.<system>)."""
        api = getattr(self, system)
        if api is None:
            raise dg.Failure(description=(
                f"{system} is not configured: set {ENVIRONMENT[system]['url']} and its credential variables "
                "where the code location loads (docs/live-ingestion.md)"))
        return {key: getattr(api, key) for key in ENVIRONMENT[system]}


def vendor_apis_from_environment(environ=os.environ) -> VendorApis:
    """Every vendor whose URL variable is set, with each of its settings as a `dg.EnvVar`."""
    return VendorApis(**{
        system: config(**{key: dg.EnvVar(variable) for key, variable in ENVIRONMENT[system].items()})
        for system, config in API_CONFIGS.items() if environ.get(ENVIRONMENT[system]["url"])
    })
