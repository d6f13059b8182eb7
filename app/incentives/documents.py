"""Printable documents of incentives: the service certificate as PDF, the subsidy report as XLSX."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font

from app.core.exports import safe_cell
from app.incentives.service import Certificate, SubsidyReport, SubsidyRow

PDF_MIMETYPE = "application/pdf"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Built into reportlab (Adobe's CID font for simplified Chinese), so no font file is needed.
CJK_FONT = "STSong-Light"


def _zh_day(day) -> str:  # noqa: ANN001
    return f"{day.year}年{day.month}月{day.day}日"


def certificate_pdf(cert: Certificate) -> bytes:
    """An A4 certificate: title, who, period, hours, the activities in a table, issuer and date."""
    from xml.sax.saxutils import escape

    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
    title = ParagraphStyle("title", fontName=CJK_FONT, fontSize=24, leading=32, alignment=1, spaceAfter=8 * mm)
    body = ParagraphStyle("body", fontName=CJK_FONT, fontSize=13, leading=22, firstLineIndent=26)
    right = ParagraphStyle("right", fontName=CJK_FONT, fontSize=13, leading=22, alignment=2)
    small = ParagraphStyle("small", fontName=CJK_FONT, fontSize=9, leading=12, textColor=colors.grey)
    cell = ParagraphStyle("cell", fontName=CJK_FONT, fontSize=10, leading=13)

    team = f"（{escape(cert.team_name)}）" if cert.team_name else ""
    text = (
        f"兹证明 <b>{escape(cert.volunteer_name)}</b>{team}（志愿者编号 {escape(cert.volunteer_code)}）"
        f"于 {_zh_day(cert.start)} 至 {_zh_day(cert.end)} 期间参加新时代文明实践志愿服务活动 "
        f"<b>{len(cert.lines)}</b> 次，累计服务时长 <b>{cert.hours:g}</b> 小时。"
    )
    story = [Paragraph("志愿服务证明", title), Paragraph(text, body), Spacer(1, 6 * mm)]
    data = [[Paragraph(h, cell) for h in ("日期", "服务项目", "服务站点", "时长（小时）")]]
    for line in cert.lines:
        data.append(
            [
                Paragraph(line.day.isoformat(), cell),
                Paragraph(escape(line.activity), cell),
                Paragraph(escape(line.station), cell),
                Paragraph(f"{line.minutes / 60:.1f}", cell),
            ]
        )
    if not cert.lines:
        data.append([Paragraph("本期间无服务记录", cell), "", "", ""])
    table = Table(data, colWidths=[28 * mm, 62 * mm, 62 * mm, 24 * mm], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f3e9e7")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    story += [
        table,
        Spacer(1, 12 * mm),
        Paragraph(escape(cert.issuer), right),
        Paragraph(_zh_day(cert.issued_on), right),
        Spacer(1, 8 * mm),
        Paragraph(f"证明编号 {escape(cert.serial)}", small),
    ]
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=22 * mm,
        bottomMargin=18 * mm,
        title=f"志愿服务证明 {cert.volunteer_code}",
        author=cert.issuer,
    )
    doc.build(story)
    return buffer.getvalue()


SUBSIDY_HEADERS = ["编码", "名称", "所属", "志愿者人数", "服务订单数", "服务时长(小时)", "补贴金额(元)"]


def _subsidy_cells(row: SubsidyRow) -> list:
    return [
        safe_cell(row.code),
        safe_cell(row.name),
        safe_cell(row.unit),
        row.volunteers,
        row.orders,
        row.hours,
        row.yuan,
    ]


def subsidy_xlsx(report: SubsidyReport) -> bytes:
    """The subsidy report as a workbook: one sheet each for volunteers, teams and stations, plus the terms."""
    book = Workbook()
    terms = book.active
    terms.title = "说明"
    terms.append(["期间", f"{report.start.isoformat()} 至 {report.end.isoformat()}"])
    terms.append(["补贴标准(元/小时)", report.yuan_per_hour])
    terms.append(["口径", "服务时长取服务时长台账（含更正）的净分钟数，按签到时间计入期间"])
    for title, rows in (("志愿者", report.volunteers), ("服务队", report.teams), ("站点", report.stations)):
        sheet = book.create_sheet(title)
        sheet.append(SUBSIDY_HEADERS)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append(_subsidy_cells(row))
        sheet.append(
            ["合计", "", "", "", "", round(sum(r.minutes for r in rows) / 60, 2), round(sum(r.yuan for r in rows), 2)]
        )
        for column, width in zip("ABCDEFG", (16, 28, 28, 12, 12, 16, 14), strict=True):
            sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
