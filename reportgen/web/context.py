"""Values every page of the workbench needs (a Django context processor)."""

from __future__ import annotations

from django.conf import settings


def limits(request) -> dict:
    """``max_upload_bytes``: the upload limit (bytes), so the browser stops a
    file over it before sending it (base.html); the server checks again."""
    return {"max_upload_bytes": settings.MAX_UPLOAD_BYTES}
