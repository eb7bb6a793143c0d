"""The history of a record (audit trail, django-pghistory): who changed
what, when, for every tracked model, on a page reached from each record.

Reads go through the record's own `visible_to`: whoever may see the record
may see its history; anyone else gets 404. The event tables are append-only
for the application: `protect_event_tables` (run after every migrate)
puts a trigger on each that refuses UPDATE and DELETE.
"""

from __future__ import annotations

import functools

from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from pghistory.models import Event, Events

from .models import User


@functools.cache
def tracked_models() -> dict[str, type]:
    """{"app_label.model": model} of every model with a pghistory event model."""
    found = {}
    for model in apps.get_models():
        if issubclass(model, Event) and getattr(model, "pgh_tracked_model", None):
            tracked = model.pgh_tracked_model
            found[tracked._meta.label_lower] = tracked
    return found


def history_url(obj) -> str | None:
    label = obj._meta.label_lower
    if label not in tracked_models() or not hasattr(type(obj).objects, "visible_to"):
        return None
    return reverse("record_history", args=[label, obj.pk])


@login_required
def record_history(request, label: str, pk: int):
    model = tracked_models().get(label)
    if model is None or not hasattr(model.objects, "visible_to"):
        raise Http404
    obj = get_object_or_404(model.objects.visible_to(request.user), pk=pk)
    events = list(Events.objects.tracks(obj).order_by("-pgh_created_at", "-pgh_id")[:200])
    users = {
        (event.pgh_context or {}).get("user")
        for event in events
        if isinstance((event.pgh_context or {}).get("user"), int)
    }
    names = {u.pk: u.name or u.username for u in User.objects.filter(pk__in=users)}
    fields = {f.attname: f for f in model._meta.concrete_fields}
    rows = []
    for event in events:
        context = event.pgh_context or {}
        changes = []
        for name, (before, after) in sorted((event.pgh_diff or {}).items()):
            field = fields.get(name)
            label_text = field.verbose_name if field is not None else name
            changes.append((label_text, before, after))
        rows.append(
            {
                "at": event.pgh_created_at,
                "label": event.pgh_label,
                "who": names.get(context.get("user"), ""),
                "action": context.get("action") or context.get("url") or "",
                "changes": changes,
            }
        )
    return render(
        request,
        "branches/history.html",
        {"obj": obj, "kind": model._meta.verbose_name, "rows": rows},
    )


PROTECT_FUNCTION = """
CREATE OR REPLACE FUNCTION pb_history_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'history rows cannot be changed or deleted (%)', TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
"""


def event_tables() -> list[str]:
    return sorted(
        model._meta.db_table
        for model in apps.get_models()
        if issubclass(model, Event) and getattr(model, "pgh_tracked_model", None)
    )


def protect_event_tables(**kwargs) -> None:
    """Append-only event tables (post_migrate; idempotent)."""
    existing = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        cursor.execute(PROTECT_FUNCTION)
        for table in event_tables():
            if table not in existing:
                continue
            cursor.execute(f'DROP TRIGGER IF EXISTS pb_append_only ON "{table}"')
            cursor.execute(
                f'CREATE TRIGGER pb_append_only BEFORE UPDATE OR DELETE ON "{table}" '
                "FOR EACH ROW EXECUTE FUNCTION pb_history_append_only()"
            )
