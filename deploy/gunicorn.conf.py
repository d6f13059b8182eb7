"""gunicorn settings for Diandan (`gunicorn --config deploy/gunicorn.conf.py wsgi:app`), from the environment."""

import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '5000')}"
# Sync workers with a few threads each: requests are short database work, dispatch runs elsewhere.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("DIANDAN_WEB_THREADS", "4"))
worker_class = "gthread"
timeout = int(os.environ.get("DIANDAN_WEB_TIMEOUT_S", "30"))
graceful_timeout = 20
keepalive = 5
# The app logs each request as a JSON line with its request id; gunicorn's own access log would repeat it.
accesslog = None
errorlog = "-"
# Workers import the app themselves: nothing (database pools, threads) is shared across a fork.
preload_app = False
max_requests = int(os.environ.get("DIANDAN_WEB_MAX_REQUESTS", "0"))
max_requests_jitter = 100
# gunicorn's control socket defaults to one path per user; several servers on one machine would share it.
control_socket_disable = True
