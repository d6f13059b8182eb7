"""Route sheets as PDF: one A4 page per volunteer's half-day, the households in visiting order."""

from __future__ import annotations

import io

from app.core.timeutil import to_local
from app.incentives.documents import CJK_FONT, PDF_MIMETYPE
from app.visits.service import RouteSheet

__all__ = ["PDF_MIMETYPE", "route_sheets_pdf"]
OUTCOME_BOXES = "□已走访  □不在家  □拒绝"


def route_sheets_pdf(sheets: list[RouteSheet], *, topic: str) -> bytes:
    """Route sheets in Chinese, for volunteers who visit with paper: time, address, tags and boxes to tick."""
    from xml.sax.saxutils import escape

    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
    title = ParagraphStyle("title", fontName=CJK_FONT, fontSize=16, leading=22, spaceAfter=3 * mm)
    body = ParagraphStyle("body", fontName=CJK_FONT, fontSize=10, leading=15)
    cell = ParagraphStyle("cell", fontName=CJK_FONT, fontSize=9.5, leading=13)
    story: list = []
    for number, sheet in enumerate(sheets):
        if number:
            story.append(PageBreak())
        start = to_local(sheet.shift_start)
        story += [
            Paragraph(f"入户走访路线单 · {escape(sheet.campaign.title)}", title),
            Paragraph(
                f"主题：{escape(topic)}　志愿者：{escape(sheet.volunteer.name)}（{escape(sheet.volunteer.code)}）"
                f"　日期：{start:%Y-%m-%d}　出发：{start:%H:%M}　共 {len(sheet.visits)} 户",
                body,
            ),
            Spacer(1, 4 * mm),
        ]
        data = [[Paragraph(h, cell) for h in ("序号", "时间", "户编号", "地址", "结果", "备注")]]
        for visit in sheet.visits:
            at = to_local(visit.planned_at).strftime("%H:%M") if visit.planned_at else ""
            data.append(
                [
                    Paragraph(str(visit.sequence or ""), cell),
                    Paragraph(at, cell),
                    Paragraph(escape(visit.household.code), cell),
                    Paragraph(escape(visit.household.address), cell),
                    Paragraph(OUTCOME_BOXES, cell),
                    "",
                ]
            )
        table = Table(data, colWidths=[10 * mm, 14 * mm, 20 * mm, 62 * mm, 42 * mm, 26 * mm], repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f3e9e7")),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ]
            )
        )
        story.append(table)
    if not story:
        story.append(Paragraph("尚未规划路线", title))
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=14 * mm, rightMargin=14 * mm, topMargin=16 * mm, bottomMargin=14 * mm,
        title="入户走访路线单",
    )  # fmt: skip
    doc.build(story)
    return buffer.getvalue()
