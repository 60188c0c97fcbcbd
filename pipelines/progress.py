"""Progress of a run on the terminal, read from the Dagster instance as the run writes it.

The run executes in this process; a thread follows its event log and prints one line per
finished step: how many of how many, how long, and the records loaded so far.
"""

from __future__ import annotations

import sys
import threading

import dagster as dg

FOLLOWED = {
    dg.DagsterEventType.STEP_START,
    dg.DagsterEventType.STEP_SUCCESS,
    dg.DagsterEventType.STEP_FAILURE,
    dg.DagsterEventType.STEP_SKIPPED,
    dg.DagsterEventType.ASSET_MATERIALIZATION,
}


class RunProgress(threading.Thread):
    def __init__(self, instance: dg.DagsterInstance, run_id: str, out=sys.stdout, interval: float = 0.5):
        super().__init__(daemon=True)
        self.instance, self.run_id, self.out, self.interval = instance, run_id, out, interval
        self._stop_event = threading.Event()
        self._cursor = None
        self._total_steps: int | None = None
        self._finished = 0
        self._step_started_at: dict[str, float] = {}
        # A range run records one materialization per partition, each with the step's whole
        # metadata: keep one figure per step, not one per event.
        self._records_by_step: dict[str, int] = {}

    def stop(self) -> None:
        self._stop_event.set()
        self.join()
        self._poll()  # whatever arrived after the last poll

    def run(self) -> None:
        while not self._stop_event.wait(self.interval):
            self._poll()

    def _steps_in_plan(self) -> int | None:
        run = self.instance.get_run_by_id(self.run_id)
        if run is None or run.execution_plan_snapshot_id is None:
            return None
        return len(self.instance.get_execution_plan_snapshot(run.execution_plan_snapshot_id).steps)

    def _poll(self) -> None:
        if self._total_steps is None:
            self._total_steps = self._steps_in_plan()
        records = self.instance.get_records_for_run(self.run_id, cursor=self._cursor, of_type=FOLLOWED, limit=1000)
        self._cursor = records.cursor
        for record in records.records:
            event = record.event_log_entry.dagster_event
            kind = event.event_type
            if kind == dg.DagsterEventType.STEP_START:
                self._step_started_at[event.step_key] = record.event_log_entry.timestamp
            elif kind == dg.DagsterEventType.ASSET_MATERIALIZATION:
                loaded = event.step_materialization_data.materialization.metadata.get("records_loaded")
                if loaded is not None:
                    self._records_by_step[event.step_key] = int(loaded.value)
            else:
                self._finished += 1
                ended = record.event_log_entry.timestamp
                took = ended - self._step_started_at.get(event.step_key, ended)
                verdict = {"STEP_SUCCESS": "ok", "STEP_FAILURE": "FAILED", "STEP_SKIPPED": "skipped"}[kind.value]
                total = self._total_steps or "?"
                print(
                    f"[{self._finished:>3}/{total}] {verdict:<7} {event.step_key:<60} {took:6.1f} s"
                    f"   records loaded so far: {sum(self._records_by_step.values()):,}",
                    file=self.out,
                    flush=True,
                )
