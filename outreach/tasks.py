"""Celery finds tasks in `<app>.tasks`: the outreach areas keep theirs apart."""

from .tasks_cases import run_case_overdue_cycles, run_province_case_overdue  # noqa: F401
from .tasks_commitments import run_commitment_cycles, run_province_commitments  # noqa: F401
from .tasks_research import run_province_research_short, run_research_cycles  # noqa: F401
