from gateway.partners.social_insurance.app import PARTNER
from gateway.partners.subgraph import run_cli

run_cli(PARTNER)
