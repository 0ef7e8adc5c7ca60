from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from gongzhi.core import clock


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        database = {"status": "ok", "vendor": connection.vendor}
        status = 200
    except Exception as exc:  # any driver error means "down"; the body says which
        database = {"status": "error", "vendor": connection.vendor, "error": str(exc)[:200]}
        status = 503
    return JsonResponse(
        {"status": "ok" if status == 200 else "degraded", "time": clock.now().isoformat(), "database": database},
        status=status,
    )
