# The Celery app is loaded with Django, so that every task finds it (registry/celery.py).
from registry.celery import app as celery_app

__all__ = ("celery_app",)
