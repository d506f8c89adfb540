"""The job board partner as a deployable unit: ``uvicorn --factory ...app:create_app``."""

from gateway.partners.job_board import data
from gateway.partners.job_board.schema import schema
from gateway.partners.subgraph import Partner

PARTNER = Partner(name="job_board", schema=schema, metadata=data.metadata, seed_rows=data.seed_rows)


def create_app():
    return PARTNER.create_app()
