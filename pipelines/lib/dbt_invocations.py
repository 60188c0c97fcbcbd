"""dbt's leftovers on disk: one target folder per dagster-dbt invocation, kept for the newest few."""

import shutil
from pathlib import Path

KEPT_INVOCATIONS = 10
"""dagster-dbt gives each dbt invocation its own target folder (compiled SQL, dbt.log,
run_results.json: about 16 MB here). Nightly runs for years would fill the disk, so only the
newest are kept, for looking into a recent run."""


def prune_invocation_folders(current: Path, keep: int = KEPT_INVOCATIONS) -> list[Path]:
    """Delete all but the `keep` newest invocation folders beside `current` (never `current`); the removed.

    An invocation folder is one holding a `dbt.log` (dagster-dbt points DBT_LOG_PATH there), whatever
    its name: `<asset>-<run>-<id>` for the dbt assets, a bare id for `run-operation` calls."""

    def modified(folder: Path) -> float:
        try:
            return folder.stat().st_mtime
        except OSError:  # removed meanwhile
            return 0.0

    folders = sorted((p for p in current.parent.iterdir() if p.is_dir() and (p / "dbt.log").exists()),
                     key=modified, reverse=True)
    removed = [p for p in folders[keep:] if p != current]
    for folder in removed:
        shutil.rmtree(folder, ignore_errors=True)
    return removed
