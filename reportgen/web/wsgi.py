"""WSGI entry point (waitress, or any WSGI server the IT department prefers)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reportgen.web.settings")
application = get_wsgi_application()
