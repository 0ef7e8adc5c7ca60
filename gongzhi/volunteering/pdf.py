"""The certificate as a PDF (A4), drawn with reportlab's built-in CID font, so no font file has to be installed."""

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from gongzhi.volunteering.models import Certificate

FONT = "STSong-Light"
MAX_ROWS = 28


def _font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def certificate_pdf(certificate: Certificate, *, verify_url: str) -> bytes:
    font = _font()
    v = certificate.volunteer
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, pageCompression=1)
    c.setTitle(f"{_('志愿服务证明')} {certificate.number}")
    width, height = A4
    left, y = 25 * mm, height - 30 * mm

    c.setFont(font, 22)
    c.drawCentredString(width / 2, y, _("志愿服务证明"))
    y -= 10 * mm
    c.setFont(font, 10)
    c.drawCentredString(width / 2, y, _("证明编号：%(number)s") % {"number": certificate.number})
    y -= 14 * mm

    c.setFont(font, 12)
    period_from = certificate.period_from.isoformat() if certificate.period_from else "—"
    lines = [
        _("兹证明 %(name)s（志愿者编号 %(number)s）") % {"name": v.name, "number": v.number},
        _("于 %(start)s 至 %(end)s 期间参加志愿服务活动 %(count)s 次，")
        % {"start": period_from, "end": certificate.period_to.isoformat(), "count": certificate.activity_count},
        _("经组织者确认的志愿服务时长累计 %(hours)s 小时（不含往返路程时间）。") % {"hours": certificate.total_hours},
        _("特此证明。"),
    ]
    for line in lines:
        c.drawString(left, y, line)
        y -= 8 * mm

    y -= 4 * mm
    c.setFont(font, 11)
    c.drawString(left, y, _("服务内容"))
    y -= 7 * mm
    c.setFont(font, 9)
    c.drawString(left, y, _("日期"))
    c.drawString(left + 30 * mm, y, _("活动"))
    c.drawRightString(width - left, y, _("时长（小时）"))
    y -= 2 * mm
    c.line(left, y, width - left, y)
    y -= 5 * mm
    rows = certificate.content[:MAX_ROWS]
    for row in rows:
        c.drawString(left, y, row["date"])
        c.drawString(left + 30 * mm, y, row["title"][:40])
        c.drawRightString(width - left, y, row["hours"])
        y -= 5.5 * mm
    if len(certificate.content) > MAX_ROWS:
        c.drawString(left, y, _("另有 %(n)s 条记录，详见在线核验页面") % {"n": len(certificate.content) - MAX_ROWS})
        y -= 5.5 * mm

    y = max(y - 12 * mm, 45 * mm)
    c.setFont(font, 12)
    c.drawRightString(width - left, y, _("出具单位：%(issuer)s") % {"issuer": certificate.issuer_name})
    y -= 8 * mm
    issued = timezone.localtime(certificate.issued_at).date().isoformat()
    c.drawRightString(width - left, y, _("出具日期：%(date)s") % {"date": issued})

    c.setFont(font, 9)
    c.drawString(left, 25 * mm, _("核验：打开 %(url)s 或在核验页输入证明编号") % {"url": verify_url})
    c.drawString(left, 20 * mm, _("本证明依据《志愿服务记录与证明出具办法》出具，记录以志愿者编号标识，不含身份证号。"))
    c.showPage()
    c.save()
    return buf.getvalue()
