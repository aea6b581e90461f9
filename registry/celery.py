"""The Celery application (issue 19): `celery -A registry worker` (`make worker`) and
`celery -A registry beat` (`make beat`).

Redis is the broker (`REDIS_URL`, or `CELERY_BROKER_URL`); results are not kept by Celery but in
the job's own row (`registry.models.Job`). Without a broker (the `make run` quick start) tasks run
in-process at once (`CELERY_TASK_ALWAYS_EAGER`, registry/settings.py). The tasks live in
`registry.jobs` and in the modules the apps import when they are ready (`projects.io.jobs`).
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "registry.settings")

app = Celery("registry")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["registry"], related_name="jobs")
