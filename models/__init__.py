"""The alliance's data model (SQLAlchemy 2). Importing the package registers every table."""

from models import (  # noqa: F401  (imported for their tables and hooks)
    alerts,
    applications,
    audit,
    catalogue,
    classes,
    destinations,
    evaluation,
    fairs,
    jobs,
    lengths,
    matching_keys,
    oauth,
    organisations,
    people,
    positions,
    regions,
    statistics,
    tracking,
    transfers,
)
from models.base import Base

metadata = Base.metadata
