"""Explainable, priority-aware matching of graduates and positions (issue 5).

The public surface, for the GraphQL layer:
- ``matched_graduates`` / ``matched_positions`` (engine): exact top-k with scores, factors,
  reasons (为什么推荐) and missing requirements (缺少什么);
- ``refer`` (referral): a match becomes an application in stage ``recommended``;
- ``fair_shortlist`` (fair): the optimal assignment of a fair's graduates to its positions;
- ``MatchPolicy`` with ``FitWeights`` and ``PriorityWeights`` (scoring): the configurable weights;
- ``api``: the same behind the viewer's scope (``scope``), cursors and user errors, for the schema.
"""

from resolvers.matching.candidates import Reference
from resolvers.matching.engine import Match, MatchPage, matched_graduates, matched_positions
from resolvers.matching.fair import Shortlist, fair_shortlist, optimal_assignment
from resolvers.matching.referral import ReferralRefused, refer
from resolvers.matching.scoring import FitWeights, MatchPolicy, PriorityWeights

__all__ = [
    "FitWeights",
    "Match",
    "MatchPage",
    "MatchPolicy",
    "PriorityWeights",
    "Reference",
    "ReferralRefused",
    "Shortlist",
    "fair_shortlist",
    "matched_graduates",
    "matched_positions",
    "optimal_assignment",
    "refer",
]
