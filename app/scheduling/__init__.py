"""The scheduler's footprint inside the app: job-run log, the job store table and the staff status page.

The scheduler itself lives in the top-level `schedules` package, which imports `app` (never the reverse).
"""

# Every scheduled job, in the order the status page lists them: the one list of jobs. The scheduler process
# (schedules.jobs) gives each its body and trigger under the same name.
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
