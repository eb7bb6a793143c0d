from django.middleware.locale import LocaleMiddleware


class ChineseFirstLocaleMiddleware(LocaleMiddleware):
    """Chinese unless the user chose another language (the language cookie).

    The browser's Accept-Language is ignored: a Chinese office PC with an
    English browser must still show the Chinese interface.
    """

    def process_request(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        super().process_request(request)


class ContentSecurityPolicyMiddleware:
    """A strict Content-Security-Policy on every response: scripts only from
    this site's static files (no inline script, no event-handler attributes,
    no eval), nothing framed, forms only posted here. Styles allow inline
    `style` attributes (layout widths in a few templates and charts)."""

    def __init__(self, get_response):
        from django.conf import settings

        self.get_response = get_response
        self.policy = settings.CONTENT_SECURITY_POLICY

    def __call__(self, request):
        response = self.get_response(request)
        if self.policy:
            response.headers.setdefault("Content-Security-Policy", self.policy)
        return response


class DatabaseUnavailableMiddleware:
    """While PostgreSQL is unreachable (restarting, failing over), pages answer
    503 with a short Chinese/English notice and Retry-After instead of a
    server error; Django opens a new connection on the next request
    (CONN_HEALTH_CHECKS), so service resumes by itself."""

    RETRY_AFTER = 30

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from django.db import InterfaceError, OperationalError
        from django.http import HttpResponse
        from django.utils.translation import gettext as _

        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        import logging

        logging.getLogger(__name__).error("database unavailable: %s", exception)
        response = HttpResponse(
            _("The database is not reachable for a moment. Please try again shortly."),
            status=503,
            content_type="text/plain; charset=utf-8",
        )
        response["Retry-After"] = str(self.RETRY_AFTER)
        return response
