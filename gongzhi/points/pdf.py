"""The passbook (存折) as a PDF (A4), drawn with reportlab's built-in CID font, so no font file is needed."""

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from gongzhi.core import clock
from gongzhi.points.statements import PassbookLine

FONT = "STSong-Light"


def _font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def passbook_pdf(
    *, scheme_name: str, holder: str, account_code: str, balance: int, lines: list[PassbookLine], truncated: bool
) -> bytes:
    font = _font()
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, pageCompression=1)
    title = _("积分存折")
    c.setTitle(f"{title} {account_code}")
    width, height = A4
    left, right = 18 * mm, width - 18 * mm
    cols = (left, left + 30 * mm, left + 46 * mm, right - 50 * mm, right - 25 * mm, right)
    printed = timezone.localtime(clock.now()).strftime("%Y-%m-%d %H:%M")
    page = 1

    def header() -> float:
        y = height - 20 * mm
        c.setFont(font, 18)
        c.drawCentredString(width / 2, y, f"{scheme_name} · {title}")
        y -= 8 * mm
        c.setFont(font, 10)
        c.drawString(left, y, _("户名：%(holder)s") % {"holder": holder})
        c.drawRightString(right, y, _("账号：%(code)s") % {"code": account_code})
        y -= 6 * mm
        c.drawString(left, y, _("当前余额：%(balance)s 分") % {"balance": balance})
        c.drawRightString(right, y, _("打印时间：%(at)s　第 %(page)d 页") % {"at": printed, "page": page})
        y -= 8 * mm
        c.setFont(font, 9)
        c.drawString(cols[0], y, _("日期"))
        c.drawString(cols[1], y, _("类别"))
        c.drawString(cols[2], y, _("摘要"))
        c.drawRightString(cols[3] + 10 * mm, y, _("存入"))
        c.drawRightString(cols[4] + 8 * mm, y, _("支取"))
        c.drawRightString(cols[5], y, _("余额"))
        y -= 2 * mm
        c.line(left, y, right, y)
        return y - 5 * mm

    y = header()
    if truncated:
        c.drawString(left, y, _("（仅列出最近 %(n)d 笔，更早的记录请在线查询）") % {"n": len(lines)})
        y -= 5.5 * mm
    if not lines:
        c.drawString(left, y, _("暂无记录"))
    for line in lines:
        if y < 20 * mm:
            c.showPage()
            page += 1
            y = header()
        c.setFont(font, 9)
        c.drawString(cols[0], y, timezone.localtime(line.occurred_at).strftime("%Y-%m-%d %H:%M"))
        c.drawString(cols[1], y, line.kind)
        c.drawString(cols[2], y, line.memo[:30])
        if line.deposit is not None:
            c.drawRightString(cols[3] + 10 * mm, y, str(line.deposit))
        if line.withdrawal is not None:
            c.drawRightString(cols[4] + 8 * mm, y, str(line.withdrawal))
        c.drawRightString(cols[5], y, str(line.balance_after))
        y -= 5.5 * mm
    c.showPage()
    c.save()
    return buf.getvalue()
