from django import template

from branches.models import Reminder

register = template.Library()


@register.simple_tag(takes_context=True)
def open_reminders(context, org, limit: int = 5) -> dict:
    """The first open reminders of the organisation's subtree, for a panel (two queries)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    rows = (
        Reminder.objects.visible_to(user)
        .filter(organization__path__descendant_of=org.path, resolved_at__isnull=True)
        .select_related("organization", "member")
        .order_by("due_on", "pk")
    )
    return {"rows": list(rows[:limit]), "total": rows.count()}
