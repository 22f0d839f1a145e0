"""The printable certificate: a PDF with the CJK font bundled from a package and a QR code to the
public verification page. Nothing is fetched at run time."""
from __future__ import annotations

import io
from functools import lru_cache

import segno
from fpdf import FPDF

from ...models import TitleHolding
from ...titles import category_label, level_label


@lru_cache(maxsize=1)
def font_path() -> str:
    """Noto Serif SC from the `pylopdf-fonts-zh-cn` package (installed with the app).

    The mainland (SC) glyph forms: a pan-CJK font's default forms are another region's, and
    print 骨 of 骨干教师 with its inner stroke mirrored, as Taiwan writes it. A serif face, as
    certificates are set in China (宋体).
    """
    import pylopdf_fonts_zh_cn

    return str(pylopdf_fonts_zh_cn.serif_path())


def qr_png(url: str) -> io.BytesIO:
    """The verification address as a PNG QR code."""
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="png", scale=6, border=2)
    out.seek(0)
    return out


def render(title: TitleHolding, holder_name: str, county_name: str, verify_url: str) -> bytes:
    """An A4 landscape certificate in Chinese with the English title underneath."""
    pdf = FPDF(orientation="L", format="A4")
    pdf.set_title(f"证书 {title.certificate_no}")
    pdf.set_creator("sanji-workflow")
    pdf.add_page()
    pdf.add_font("cjk", fname=font_path())
    pdf.set_draw_color(150, 20, 20)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, 277, 190)
    pdf.set_font("cjk", size=30)
    pdf.set_y(30)
    pdf.cell(0, 16, "荣 誉 证 书", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=12)
    pdf.cell(0, 8, "Certificate of title", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(10)
    pdf.set_font("cjk", size=18)
    level, category = level_label(title.level, english=False), category_label(title.category, english=False)
    pdf.set_x(30)
    pdf.multi_cell(237, 12, f"{holder_name} 同志：\n经培养考核合格，被授予“{level}{category}”称号。", align="L",
                   new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=11)
    pdf.set_x(30)
    pdf.multi_cell(237, 7, f"{holder_name}: {level_label(title.level, english=True)} "
                           f"{category_label(title.category, english=True)}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font("cjk", size=13)
    for line in (f"证书编号 Certificate No.：{title.certificate_no}",
                 f"有效期 Valid：{title.valid_from.isoformat()} — {title.valid_until.isoformat()}",
                 f"颁发单位 Issued by：{county_name}"):
        pdf.set_x(30)
        pdf.cell(0, 9, line, new_x="LMARGIN", new_y="NEXT")
    pdf.image(qr_png(verify_url), x=232, y=140, w=40)
    pdf.set_font("cjk", size=8)
    pdf.set_xy(212, 181)
    pdf.cell(80, 5, "扫码核验 Scan to verify", align="C")
    return bytes(pdf.output())
