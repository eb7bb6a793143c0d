"""PDF rendering with WeasyPrint, Chinese included.

Use `render_pdf(template_name, context)` for every PDF of the application
(certificates, reports). Fonts come from the system (fonts-noto-cjk); the
FontConfiguration is passed to both CSS and write_pdf, without which
WeasyPrint ignores @font-face rules.
"""

from django.conf import settings
from django.template.loader import render_to_string
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

BASE_CSS = """
@page { size: A4; margin: 18mm 16mm; }
html { font-family: "Noto Sans CJK SC", "Noto Serif CJK SC", "WenQuanYi Micro Hei",
       "Source Han Sans SC", sans-serif; font-size: 10.5pt; line-height: 1.5; }
"""


def html_to_pdf(html: str, *, extra_css: str = "") -> bytes:
    font_config = FontConfiguration()
    stylesheets = [CSS(string=BASE_CSS + extra_css, font_config=font_config)]
    document = HTML(string=html, base_url=str(settings.BASE_DIR / "static"))
    return document.write_pdf(stylesheets=stylesheets, font_config=font_config)


def render_pdf(template_name: str, context: dict, *, extra_css: str = "") -> bytes:
    return html_to_pdf(render_to_string(template_name, context), extra_css=extra_css)
