"""The `pull_apis` job: `usm pull` inside Dagster, so the instance records every pull.

It writes pages into the landing folder and materializes nothing itself: the
`new_extract_files` sensor (automation.py) then runs the pipeline for the dates that changed.
Credentials come only from the environment, through the `vendor_apis` resource (vendor_apis.py).
"""

import dagster as dg

from pipelines import settings
from pipelines.defs.ingestion.vendor_apis import VendorApis
from pipelines.sources.pull import SYSTEMS, pull
from pipelines.sources.transport import PullError


class PullConfig(dg.Config):
    systems: list[str] | None = None
    """None: every configured vendor."""
    page_size: int = 1000


@dg.op(description="Pull the vendors' APIs into the landing folder, from each entity's last cursor.")
def pull_vendor_apis(context: dg.OpExecutionContext, config: PullConfig, vendor_apis: VendorApis) -> dg.Output[int]:
    systems = config.systems if config.systems is not None else vendor_apis.configured()
    unknown = sorted(set(systems) - set(SYSTEMS))
    if unknown:
        raise dg.Failure(description=f"unknown system(s) {unknown}; one of {list(SYSTEMS)}")
    if not systems:
        raise dg.Failure(description="no vendor API is configured: set its URL and credential variables "
                                     "(docs/live-ingestion.md)")
    connections = {system: vendor_apis.connection(system) for system in systems}
    landing = settings.landing_dir()
    try:
        results = pull(landing, tuple(systems), page_size=config.page_size, connections=connections)
    except PullError as failure:
        hint = " (the next run resumes from the last page written)" if failure.resumable else ""
        raise dg.Failure(description=f"{failure}{hint}") from failure
    records = sum(r.records for r in results)
    for result in results:
        if result.records:
            context.log.info(f"{result.key}: {result.records} records in {result.pages} pages")
    return dg.Output(records, metadata={
        "records": records,
        "pages": sum(r.pages for r in results),
        "files": dg.MetadataValue.json(sorted(f for r in results for f in r.files)[:200]),
    })


@dg.job(description="Pull the vendors' APIs into the landing folder (usm pull).")
def pull_apis():
    pull_vendor_apis()
