"""Objects of assessments for the generic URL walk (tests/test_scope_walk.py).

`add_assessments(a, b, user)`: the walker (secretary of a["branch1"]) is
assessed by no one (branches are not assessed: committees are), so nothing
of this app is in its reach by role. Out of reach: a scheme of a["city"]
assessing a["county"] and one of b["city"] assessing b["county"], each with
an indicator, a scorecard and a scored indicator carrying an evidence file.
In reach, by object grants (an assessment working group member may be shown
one scheme): a second scheme of a["city"], with its scorecard of a["county"]
and its score, each granted VIEW to the walker — so the scheme, scorecard
and evidence pages have an object in reach."""

import datetime
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone

from accountability.assessments.models import (
    AssessmentIndicator,
    AssessmentScheme,
    Score,
    Scorecard,
)
from branches import services as branch_services
from branches.models import Role
from tests.factories import RoleAssignmentFactory, UserFactory

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def add_scorecard(assessor, assessed, by, year):
    scheme = AssessmentScheme.objects.create(
        organization=assessor,
        year=year,
        title=f"{year}年度抓基层党建工作考核",
        status="published",
        published_at=timezone.now(),
        created_by=by,
    )
    indicator = AssessmentIndicator.objects.create(
        scheme=scheme, position=1, name="书记抓党建", kind="manual", weight=Decimal(100)
    )
    scorecard = Scorecard.objects.create(scheme=scheme, organization=assessed)
    score = Score(
        scorecard=scorecard,
        indicator=indicator,
        points=Decimal(90),
        comment="好",
        scored_by=by,
        scored_at=timezone.now(),
        token=f"walk{scorecard.pk:028d}",
        extension=".pdf",
        original_name="述职报告.pdf",
        content_type="application/pdf",
        size=len(PDF),
    )
    score.evidence.save(score.token + ".pdf", ContentFile(PDF), save=False)
    score.save()
    return scheme, scorecard, score


def add_assessments(a, b, user):
    year = datetime.date.today().year - 1
    for assessor, assessed, y in (
        (a["city"], a["county"], year),
        (b["city"], b["county"], year),
        (a["city"], a["county"], year - 1),
    ):
        by = UserFactory()
        RoleAssignmentFactory(user=by, role=Role.ORG_STAFF, organization=assessor)
        objects = add_scorecard(assessor, assessed, by, y)
        if y == year - 1:
            for obj in objects:
                branch_services.grant_object_permission(
                    actor=None, user=user, obj=obj, action="view", reason="考核工作组"
                )
