"""gunicorn settings for a deployment: `.venv/bin/gunicorn -c gunicorn.conf.py` (README, Deployment).

The web workers only answer requests; timers, reminders and e-mail run in the separate
`flask --app webapp:create_app scheduler` process. Each setting can be changed by its environment
variable, or on the command line (`-w 8 -b 0.0.0.0:8000` win over this file).
"""
import multiprocessing
import os

wsgi_app = "webapp:create_app()"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Requests are mostly Python CPU (README, Performance): about one synchronous worker per core.
workers = int(os.environ.get("WEB_CONCURRENCY", max(2, multiprocessing.cpu_count())))
worker_class = "sync"
# Longer than any request should take (the engine's own budget per advance is shorter), so a
# stuck worker is replaced instead of holding its slot.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 60))
graceful_timeout = 30
keepalive = 5
# Replace each worker now and then, so slow growth of a worker's memory cannot build up.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 2000))
max_requests_jitter = 200
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None  # empty: no access log
errorlog = "-"
# Each worker builds its own app, so no database connection is opened before the fork and shared.
preload_app = False
