"""学籍系统, the Node partner subgraph (server.mjs); this package only writes its demo records."""
