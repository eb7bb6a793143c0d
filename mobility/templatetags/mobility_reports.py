"""Template tags for pages of other apps that show mobile-member records."""

from django import template

from mobility import reports

register = template.Library()


@register.simple_tag(takes_context=True)
def inflow_opinions(context, member):
    """The inflow organisations' opinions on `member`'s conversion the user may see."""
    return list(reports.opinions_for_member(context["request"].user, member))
