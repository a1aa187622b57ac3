"""Scale: 10,000 jobs in flight in one bot process — its memory, the punctuality of status
checks, and the database work the reconciler does.

A real `python -m trt run` (polling mode, callbacks configured, default check schedule) runs on a
scratch PostgreSQL database, with the KIE simulator and the Bot API emulator in this process.
Its resident memory is sampled idle; then `--jobs` KIE tasks are created through the
simulator's create API (held running, so they never finish and no callback comes), and one
running job per task is inserted straight into the jobs table as the reconciler would have left
it: submitted uniformly over the last `--spread` seconds (40% image, 20% each of two video models,
20% audio), `next_check_at` and `check_count` following `CheckSchedule` from submission. For
`--duration` seconds the bot does the checks that come due (KIE lists each task as running).

Measured: resident memory (VmRSS) of the process, idle vs the largest sample under load;
lateness of every check = time the simulator received the record query - when the schedule
made it due (the previous check's time + CheckSchedule's delay; the app takes `now` slightly
after the query arrives, so this over-states lateness by that gap), with due checks still not
made at the end counted as late by at least the time since; the oldest due job seen unclaimed in
the jobs table (sampled every second) as a cross-check; the database work from PostgreSQL's
counters (pg_stat_database transactions, pg_stat_user_tables scans and row updates on `jobs`;
pg_stat_statements is not loaded on this server), less this script's own sampling.
Targets: memory growth <= 20 MB; every due check within 1 s of its schedule.
"""

import argparse
import asyncio
import random
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import free_port, percentile, report
from harness import (
    RunningJob,
    app_env,
    bot_process,
    create_sim_tasks,
    doubles,
    insert_running_jobs,
    insert_users,
    pg_counters,
    profiled,
    scratch_database,
    summarize_profile,
)

from trt.domain.catalog import ModelSpec, load_catalog
from trt.domain.jobs import DEFAULT_EXPECTED_SECONDS, EXPECTED_SECONDS, CheckSchedule
from trt.sandbox.kie import Behaviour
from trt.storage.database import Database

MB = 1024 * 1024
MIX = (("nano-banana", 0.4), ("kling-2-6-t2v", 0.2), ("veo-3-1-fast-t2v", 0.2), ("suno-v4-5", 0.2))
SETTLE_SECONDS = 3.0  # between the end of the inserts and the first check that comes due
OVERDUE_SQL = sa.text(
    "SELECT count(*), coalesce(extract(epoch FROM max(now() - next_check_at)), 0) FROM jobs "
    "WHERE status IN ('pending', 'submitted', 'running') AND next_check_at < now()"
)


def expected_of(model: ModelSpec) -> float:
    return EXPECTED_SECONDS.get(model.result.value, DEFAULT_EXPECTED_SECONDS)


def plan(
    schedule: CheckSchedule, *, submitted: float, first_due_after: float, expected: float
) -> tuple[float, int]:
    """The first check at or after `first_due_after`, and how many came before it."""
    at = submitted + schedule.next_delay(elapsed=0.0, expected=expected, callbacks=True)
    done = 0
    while at < first_due_after:
        done += 1
        at += schedule.next_delay(elapsed=at - submitted, expected=expected, callbacks=True)
    return at, done


def lateness_of(
    schedule: CheckSchedule,
    *,
    submitted: float,
    expected: float,
    first_due: float,
    queries: list[float],
    end: float,
) -> tuple[list[float], int]:
    """Lateness of each check in the window (s), and how many checks came due in it."""
    late: list[float] = []
    due = first_due
    came_due = 0
    for query in sorted(queries):
        came_due += 1
        late.append(query - due)
        due = query + schedule.next_delay(
            elapsed=query - submitted, expected=expected, callbacks=True
        )
    if due < end:  # due in the window and not made by its end
        came_due += 1
        late.append(end - due)
    return late, came_due


async def main_async(args: argparse.Namespace) -> None:
    catalog = load_catalog()
    schedule = CheckSchedule()
    rng = random.Random(9)
    models = [catalog.get(model_id) for model_id, _ in MIX]
    weights = [weight for _, weight in MIX]
    async with scratch_database() as db_url, doubles() as (telegram, kie):
        kie.set_behaviour(Behaviour(latency=1.0, hold=True))
        port = free_port()
        env = app_env(port=port, db_url=db_url, telegram=telegram, kie=kie)
        db = Database(db_url, pool_size=2)
        async with bot_process(env, port=port) as app:
            await telegram.wait_until(lambda: bool(telegram.calls("getMe")), timeout=60)
            await asyncio.sleep(args.idle)
            idle_samples = []
            for _ in range(6):
                idle_samples.append(app.rss_bytes())
                await asyncio.sleep(0.5)
            idle_rss = statistics.median(idle_samples)

            started = time.monotonic()
            picks = rng.choices(models, weights=weights, k=args.jobs)
            # Held tasks never call back; Suno's create API insists on a callback URL anyway.
            hook = f"http://127.0.0.1:{port}/callbacks/kie"
            task_ids = await create_sim_tasks(kie, [(model, hook) for model in picks])
            tasks_s = time.monotonic() - started
            users = list(range(100_001, 100_001 + max(1, args.jobs // 5)))
            await insert_users(db, users)
            first_due_after = time.time() + 10.0  # past the inserts, see below
            rows = []
            for n, (model, task_id) in enumerate(zip(picks, task_ids, strict=True)):
                submitted = first_due_after - rng.uniform(0, args.spread)
                due, done = plan(
                    schedule,
                    submitted=submitted,
                    first_due_after=first_due_after,
                    expected=expected_of(model),
                )
                rows.append(
                    RunningJob(
                        user_id=users[n % len(users)],
                        model=model,
                        task_id=task_id,
                        submitted_at=datetime.fromtimestamp(submitted, UTC),
                        next_check_at=datetime.fromtimestamp(due, UTC),
                        check_count=done,
                    )
                )
            inserted = time.monotonic()
            ids = await insert_running_jobs(db, rows)
            insert_s = time.monotonic() - inserted
            if time.time() > first_due_after - SETTLE_SECONDS:
                raise RuntimeError("setup too slow: checks came due before the inserts ended")
            await asyncio.sleep(first_due_after - time.time())

            window_start = time.time()
            before = await pg_counters(db)
            cpu_before = app.cpu_seconds()
            rss_samples: list[int] = []
            overdue_max = 0.0
            overdue_count_max = 0
            own_xacts = 1  # the first pg_counters read
            async with profiled(app, args.profile, seconds=args.duration):
                while time.time() < window_start + args.duration:
                    rss_samples.append(app.rss_bytes())
                    async with db.read() as tx:
                        count, oldest = (await tx.execute(OVERDUE_SQL)).one()
                    own_xacts += 1
                    overdue_max = max(overdue_max, float(oldest))
                    overdue_count_max = max(overdue_count_max, int(count))
                    await asyncio.sleep(1.0)
            window_end = time.time()
            after = await pg_counters(db)
            cpu = app.cpu_seconds() - cpu_before
            final_rss = app.rss_bytes()
        await db.dispose()

    window = window_end - window_start
    late: list[float] = []
    due_total = 0
    checks = 0
    for row in rows:
        queries = [
            t
            for t in kie.records.queries.get(row.task_id, [])
            if window_start - 5 <= t < window_end
        ]
        job_late, came_due = lateness_of(
            schedule,
            submitted=row.submitted_at.timestamp(),
            expected=expected_of(row.model),
            first_due=row.next_check_at.timestamp(),
            queries=queries,
            end=window_end,
        )
        late.extend(job_late)
        due_total += came_due
        checks += len(queries)
    over = sum(1 for value in late if value > 1.0)
    rates = after.rates(before, own_xacts=own_xacts)
    max_rss = max(rss_samples)
    growth = (max_rss - idle_rss) / MB
    print(
        f"setup: {len(ids)} jobs ({', '.join(f'{m} {int(w * 100)}%' for m, w in MIX)}), "
        f"submitted over the last {args.spread:.0f} s; {args.jobs} simulator tasks in "
        f"{tasks_s:.1f} s, rows inserted in {insert_s:.1f} s"
    )
    print(
        f"memory: idle {idle_rss / MB:.1f} MB (median of 6), under load max {max_rss / MB:.1f} MB,"
        f" at the end {final_rss / MB:.1f} MB -> growth {growth:+.1f} MB"
    )
    print(
        f"checks: {checks} in {window:.1f} s ({checks / window:.0f}/s; the schedule made "
        f"{due_total} due); lateness p50 {percentile(late, 50) * 1000:.0f} ms, "
        f"p99 {percentile(late, 99) * 1000:.0f} ms, max {max(late) * 1000:.0f} ms; "
        f"{over} later than 1 s"
    )
    print(
        f"jobs table: at most {overdue_count_max} due jobs unclaimed at a sample, the oldest "
        f"{overdue_max * 1000:.0f} ms past due"
    )
    print(
        f"bot CPU: {cpu / window:.2f} of one core; database (pg_stat_database / pg_stat_user_tables"
        f", bench's own reads subtracted): {rates['xact/s']:.0f} transactions/s, "
        f"{rates['jobs scans/s']:.0f} jobs-table scans/s, "
        f"{rates['jobs rows updated/s']:.0f} jobs rows updated/s, "
        f"{rates['rows fetched/s']:.0f} rows fetched/s, "
        f"{rates['new connections/s']:.1f} new connections/s"
    )
    print(
        f"per check: {rates['xact/s'] * window / max(1, checks):.2f} transactions, "
        f"{rates['jobs scans/s'] * window / max(1, checks):.2f} jobs-table scans"
    )
    if args.profile is not None:
        print(f"py-spy profile of the bot during the window ({args.profile}):")
        print(summarize_profile(args.profile))
    worst = max(late)
    report(
        "scale",
        f"RSS {growth:+.1f} MB with {args.jobs} in flight; check lateness p99 "
        f"{percentile(late, 99) * 1000:.0f} ms, max {worst * 1000:.0f} ms "
        f"({checks / window:.0f} checks/s, {rates['xact/s']:.0f} DB xact/s)",
        f"idle RSS {idle_rss / MB:.1f} MB",
        max_rss / idle_rss,
        "growth <= 20 MB; every check <= 1 s late",
        growth <= 20 and worst <= 1.0,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, default=10_000)
    parser.add_argument("--spread", type=float, default=600.0)
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument("--idle", type=float, default=3.0)
    parser.add_argument("--profile", type=Path, help="py-spy raw profile of trt to this file")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
