import subprocess

from config.pdf import html_to_pdf


def pdf_tool(tool: str, pdf: bytes, tmp_path) -> str:
    path = tmp_path / "out.pdf"
    path.write_bytes(pdf)
    args = [tool, str(path), "-"] if tool == "pdftotext" else [tool, str(path)]
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


def test_chinese_text_is_rendered_with_an_embedded_cjk_font(tmp_path):
    pdf = html_to_pdf("<h1>流动党员活动证</h1><p>中共某某支部委员会 2026年</p>")

    assert pdf.startswith(b"%PDF-")
    text = pdf_tool("pdftotext", pdf, tmp_path)
    assert "流动党员活动证" in text
    assert "中共某某支部委员会" in text
    fonts = pdf_tool("pdffonts", pdf, tmp_path)
    assert "CJK" in fonts, fonts
