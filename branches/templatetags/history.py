from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from branches.history import history_url

register = template.Library()


@register.simple_tag
def history_link(obj, css="btn btn-sm btn-outline-secondary"):
    """A link to the record's history page ("修改记录"), if it has one."""
    url = history_url(obj)
    if url is None:
        return ""
    return format_html(
        '<a class="{}" href="{}" data-test="history-link">{}</a>', css, url, _("History")
    )
