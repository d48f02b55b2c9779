"""Request timing (请求用时): a request slower than
``REPORTGEN_SLOW_REQUEST_S`` seconds (default 1.0) is logged as a warning
with its wall time and the CPU time of its thread, so the IT person sees
when the workbench stops being responsive.  ``REPORTGEN_TIMING=1`` logs
every request (for bench/web_load.py and profiling)."""

from __future__ import annotations

import logging
import os
import time

log = logging.getLogger("reportgen.web.timing")


class TimingMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.slow = float(os.environ.get("REPORTGEN_SLOW_REQUEST_S", "1.0"))
        self.every = os.environ.get("REPORTGEN_TIMING") == "1"

    def __call__(self, request):
        wall, cpu = time.perf_counter(), time.thread_time()
        response = self.get_response(request)
        wall, cpu = time.perf_counter() - wall, time.thread_time() - cpu
        if self.every or wall >= self.slow:
            log.warning("%s %s %s %.3fs cpu %.3fs", request.method, request.path, response.status_code, wall, cpu)
        return response
