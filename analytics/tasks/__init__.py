"""Celery tasks of the analytics app, one module per concern; importing them here registers them."""

from .improvements import *  # noqa: F403
from .snapshots import *  # noqa: F403
