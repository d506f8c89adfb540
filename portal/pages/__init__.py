"""The portal's pages, one module per role plus the public ones."""
