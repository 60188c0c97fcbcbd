"""The `pull_apis` job: `usm pull` inside Dagster, so the instance records every pull.

It writes pages into the landing folder and materializes nothing itself: the
`new_extract_files` sensor (automation.py) then runs the pipeline for the dates that changed.
Credentials come only from the environment (README, Live ingestion), read by the clients.
"""

import dagster as dg

from pipelines import settings
from pipelines.sources.pull import SYSTEMS, pull
from pipelines.sources.transport import PullError


class PullConfig(dg.Config):
    systems: list[str] = list(SYSTEMS)
    page_size: int = 1000


@dg.op(description="Pull the vendors' APIs into the landing folder, from each entity's last cursor.")
def pull_vendor_apis(context: dg.OpExecutionContext, config: PullConfig) -> dg.Output[int]:
    unknown = sorted(set(config.systems) - set(SYSTEMS))
    if unknown:
        raise dg.Failure(description=f"unknown system(s) {unknown}; one of {list(SYSTEMS)}")
    landing = settings.landing_dir()
    try:
        results = pull(landing, tuple(config.systems), page_size=config.page_size)
    except PullError as failure:
        raise dg.Failure(description=f"{failure} (the next run resumes from the last page written)") from failure
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
