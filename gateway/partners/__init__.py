"""Partner subgraphs: departments that keep their own systems and join the alliance's graph.

Each is its own process with its own SQLite file; what they share is in ``subgraph``.
"""
