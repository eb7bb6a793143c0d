"""Hand-written SQL the benchmark compares the application with.

Both use the default policy figures (12 days of 8 hours for the cadre
sectors, 6 for the others; self-study not counted): the province-scale demo
has no local policy rule. A member flagged aged or infirm counts as meeting
the requirement (handled individually), as in education.selectors.
"""

from __future__ import annotations

from datetime import date, datetime

from django.db import connection
from django.utils import timezone

from branches.models import CADRE_SECTORS

CREDITED = ("present", "delivered")


def _params(year: int) -> dict:
    tz = timezone.get_current_timezone()
    return {
        "year": year,
        "first": date(year, 1, 1),
        "last": date(year, 12, 31),
        "start": datetime(year, 1, 1, tzinfo=tz),
        "end": datetime(year + 1, 1, 1, tzinfo=tz),
        "cadre": list(CADRE_SECTORS),
        "credited": list(CREDITED),
    }


# Members at the end of the year in each child's subtree, and how many of
# them have their hours, summed from the attendance rows of the year.
COMPLIANCE_BY_CHILD = """
WITH people AS (
    SELECT m.id, child.id AS child_id,
           CASE WHEN m.employer_sector = ANY(%(cadre)s) THEN 96 ELSE 48 END AS required,
           EXISTS (SELECT 1 FROM members_memberflag f
                   WHERE f.member_id = m.id AND f.kind = 'aged_infirm'
                     AND f.cleared_on IS NULL) AS aged
    FROM branches_organization child
    JOIN branches_organization b ON b.path <@ child.path
    JOIN members_member m ON m.branch_id = b.id
    WHERE child.parent_id = %(org)s
      AND m.joined_on <= %(last)s AND (m.left_on IS NULL OR m.left_on > %(last)s)
), hours AS (
    SELECT a.member_id, SUM(a.credited_hours) AS hours
    FROM education_attendance a
    JOIN education_activity act ON act.id = a.activity_id
    WHERE act.starts_at >= %(start)s AND act.starts_at < %(end)s
      AND a.status = ANY(%(credited)s)
      AND a.member_id IN (SELECT id FROM people)
    GROUP BY a.member_id
)
SELECT p.child_id, COUNT(*) AS members,
       COUNT(*) FILTER (WHERE p.aged OR COALESCE(h.hours, 0) >= p.required) AS met
FROM people p LEFT JOIN hours h ON h.member_id = p.id
GROUP BY p.child_id
ORDER BY p.child_id
"""


def compliance_by_child(org_id: int, year: int) -> list[tuple[int, int, int]]:
    """(child id, members, members meeting their hours) per child organisation."""
    with connection.cursor() as cursor:
        cursor.execute(COMPLIANCE_BY_CHILD, _params(year) | {"org": org_id})
        return cursor.fetchall()


# The yearly close in one statement: every member of the year's population
# gets the year's totals (upserted), then the members at the end of the
# year and the short ones are counted.
YEAR_CLOSE = """
WITH population AS (
    SELECT m.id, m.left_on,
           CASE WHEN m.employer_sector = ANY(%(cadre)s) THEN 96 ELSE 48 END AS required
    FROM members_member m
    WHERE m.province_id = %(province)s AND m.joined_on <= %(last)s
      AND (m.left_on IS NULL OR m.left_on >= %(first)s)
), attended AS (
    SELECT a.member_id,
           SUM(a.credited_hours) FILTER (WHERE a.status = ANY(%(credited)s)) AS hours,
           COUNT(*) FILTER (WHERE a.status = ANY(%(credited)s)) AS activities,
           COUNT(*) FILTER (WHERE a.status = 'absent') AS absences
    FROM education_attendance a
    JOIN education_activity act ON act.id = a.activity_id
    WHERE act.starts_at >= %(start)s AND act.starts_at < %(end)s
      AND a.member_id IN (SELECT id FROM population)
    GROUP BY a.member_id
), studied AS (
    SELECT s.member_id, SUM(s.hours) AS hours
    FROM education_selfstudy s
    WHERE s."on" BETWEEN %(first)s AND %(last)s
      AND s.member_id IN (SELECT id FROM population)
    GROUP BY s.member_id
), totals AS (
    INSERT INTO education_yearlytotal
        (member_id, year, hours, activities, absences, self_study_hours, updated_at)
    SELECT p.id, %(year)s, COALESCE(a.hours, 0), COALESCE(a.activities, 0),
           COALESCE(a.absences, 0), COALESCE(s.hours, 0), now()
    FROM population p
    LEFT JOIN attended a ON a.member_id = p.id
    LEFT JOIN studied s ON s.member_id = p.id
    ON CONFLICT (member_id, year) DO UPDATE SET
        hours = EXCLUDED.hours, activities = EXCLUDED.activities,
        absences = EXCLUDED.absences, self_study_hours = EXCLUDED.self_study_hours,
        updated_at = EXCLUDED.updated_at
    RETURNING member_id, hours
)
SELECT COUNT(*) AS members,
       COUNT(*) FILTER (
           WHERE t.hours < p.required
             AND NOT EXISTS (SELECT 1 FROM members_memberflag f
                             WHERE f.member_id = p.id AND f.kind = 'aged_infirm'
                               AND f.cleared_on IS NULL)
       ) AS short
FROM totals t JOIN population p ON p.id = t.member_id
WHERE p.left_on IS NULL OR p.left_on > %(last)s
"""


def year_close(province_id: int, year: int) -> tuple[int, int]:
    """(members at the end of the year, short ones), totals written."""
    with connection.cursor() as cursor:
        cursor.execute(YEAR_CLOSE, _params(year) | {"province": province_id})
        return cursor.fetchone()
