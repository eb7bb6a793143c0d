"""Template tags that show a member's outreach record on pages of other apps.

- `{% member_outreach_records member as records %}`: this and last year's
  record as the user may see it (the member page; see _member_record.html).
- `{% outreach_summaries members year as summaries %}` and
  `{{ summaries|summary_for:member.pk }}`: a short record per member for
  lists such as the democratic review (constant queries).
"""

from django import template
from django.utils import timezone

from outreach.record import member_record, member_summaries

register = template.Library()


@register.simple_tag(takes_context=True)
def member_outreach_records(context, member):
    user = context["request"].user
    year = timezone.localdate().year
    return [member_record(user, member, y) for y in (year, year - 1)]


@register.simple_tag(takes_context=True)
def outreach_summaries(context, members, year):
    """`members`: members, or rows with a `member` attribute (e.g. the review's rows)."""
    members = [m["member"] if isinstance(m, dict) else getattr(m, "member", m) for m in members]
    return member_summaries(context["request"].user, members, int(year))


@register.filter
def summary_for(summaries, member_pk):
    return (summaries or {}).get(member_pk)
