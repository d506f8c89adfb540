"""Who is asking, and what may they see: OAuth server, token validation, role rules."""
