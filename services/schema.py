"""The whole schema: services/models.py and every services/*_models.py module beside it.

Alembic, the schema test and the benchmark's index check all need every table registered
on one MetaData; finding the modules by name means a new one cannot be forgotten.
"""

from __future__ import annotations

import importlib
import pkgutil

from sqlalchemy import MetaData

import services
from services.models import Base


def metadata() -> MetaData:
    for module in pkgutil.iter_modules(services.__path__):
        if module.name.endswith("_models"):
            importlib.import_module(f"services.{module.name}")
    return Base.metadata
