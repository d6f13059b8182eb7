"""The scheduler's footprint inside the app: job-run log, the job store table and the staff status page.

The scheduler itself lives in the top-level `schedules` package, which imports `app` (never the reverse).
"""

# Every scheduled job, in the order the status page lists them.
JOB_NAMES = (
    "dispatch",
    "proposal_deadlines",
    "order_expiry",
    "roster_publication",
    "reminders",
    "coverage_snapshot",
    "notifications",
    "housekeeping",
    "demand_reminders",
)
