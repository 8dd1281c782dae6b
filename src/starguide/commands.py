"""Importing this module registers every domain's CLI commands."""
