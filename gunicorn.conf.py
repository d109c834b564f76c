"""gunicorn's settings for LotFlow's web processes (`bin/start web`, the Procfile's and compose's web).

Everything a deployment tunes comes from the environment:
  PORT / LOTFLOW_BIND         where to listen (default 0.0.0.0:$PORT, PORT 8000)
  LOTFLOW_WEB_WORKERS         processes per web instance (default 2 per CPU + 1, at most 8)
  LOTFLOW_WEB_THREADS         threads per process (default 1: sync workers; more switches to gthread)
  LOTFLOW_WEB_TIMEOUT         seconds a request may take before its worker is replaced (default 60)
  LOTFLOW_FORWARDED_ALLOW_IPS addresses of the proxy in front, trusted for X-Forwarded-* (default 127.0.0.1)
Graceful restart: SIGHUP (or `kill -HUP <master pid>`) starts new workers on the code now on disk and lets the old
ones finish their requests; SIGTERM stops after the requests in flight (up to the graceful timeout).
"""

import multiprocessing
import os
import subprocess
import sys
from pathlib import Path

wsgi_app = "portal.wsgi:application"
bind = os.environ.get("LOTFLOW_BIND") or f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("LOTFLOW_WEB_WORKERS") or min(2 * multiprocessing.cpu_count() + 1, 8))
threads = int(os.environ.get("LOTFLOW_WEB_THREADS", "1"))
worker_class = "gthread" if threads > 1 else "sync"
timeout = int(os.environ.get("LOTFLOW_WEB_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# A worker is replaced after this many requests (with jitter, so they are not all replaced at once).
max_requests = int(os.environ.get("LOTFLOW_WEB_MAX_REQUESTS", "2000"))
max_requests_jitter = max_requests // 10
# The application is loaded in each worker, not the master, so that SIGHUP loads the new code.
preload_app = False
forwarded_allow_ips = os.environ.get("LOTFLOW_FORWARDED_ALLOW_IPS", "127.0.0.1")
# Access and error logs to stdout/stderr: the process manager (systemd, compose) keeps them.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOTFLOW_WEB_LOG_LEVEL", "info")
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
proc_name = "lotflow-web"
# Heartbeat files in memory rather than on a container's overlay disk, where it exists.
if Path("/dev/shm").is_dir():
    worker_tmp_dir = "/dev/shm"


def on_starting(server):
    """Before any worker starts: the database answers, Redis answers and the schema is current, or stop here.

    In a child process, so that the master never loads Django (SIGHUP must load the new code in new workers).
    """
    root = Path(__file__).resolve().parent
    checked = subprocess.run(
        [sys.executable, str(root / "manage.py"), "preflight", "--migrated"], cwd=root, check=False
    )
    if checked.returncode:
        sys.exit(checked.returncode)
