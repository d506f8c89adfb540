"""The social insurance partner as a deployable unit: ``uvicorn --factory ...app:create_app``."""

from gateway.partners.social_insurance import data
from gateway.partners.social_insurance.schema import schema
from gateway.partners.subgraph import Partner

PARTNER = Partner(
    name="social_insurance", schema=schema, metadata=data.metadata, seed_rows=data.seed_rows
)


def create_app():
    return PARTNER.create_app()
