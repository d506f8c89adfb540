"""The alliance supergraph: Hive Gateway in front of the alliance subgraph and partner subgraphs.

The Python side lives in ``gateway.partners`` (the partner subgraphs); composition and the gateway
itself are Node tools pinned in ``package.json`` (see README.md).
"""
