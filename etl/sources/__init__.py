"""One module per source family: read (file -> frame), schema, and pure transforms."""
