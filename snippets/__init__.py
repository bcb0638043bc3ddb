"""Snippet sets: the TOML format, loading with precise errors, merging and precedence."""
