from gateway.partners.job_board.app import PARTNER
from gateway.partners.subgraph import run_cli

run_cli(PARTNER)
