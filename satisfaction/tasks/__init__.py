"""Celery tasks of the satisfaction app, one module per concern; importing them here registers them."""

from .alerts import *  # noqa: F403
from .imports import *  # noqa: F403
from .surveys import *  # noqa: F403
