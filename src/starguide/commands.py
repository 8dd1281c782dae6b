"""Importing this module registers every domain's CLI commands."""

import starguide.auth.cli
import starguide.orgs.demo  # noqa: F401
