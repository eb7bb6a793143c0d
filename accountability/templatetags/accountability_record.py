"""The member's record of document 4 on the member page: assessments of the
organisations the member led as secretary, and commendations awarded."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def member_accountability_record(context, member) -> dict:
    """What the viewer may see of it; two queries."""
    from accountability.assessments.selectors import results_for_member
    from accountability.responsibility.models import Commendation, CommendationStatus

    user = context["request"].user
    return {
        "scorecards": list(results_for_member(member, user=user)[:20]),
        "commendations": list(
            Commendation.objects.visible_to(user)
            .filter(nominee_member=member, status=CommendationStatus.AWARDED)
            .select_related("awarded_by")
            .order_by("-year", "pk")[:20]
        ),
    }
