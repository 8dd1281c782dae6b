"""Importing this module registers every domain's CLI commands."""

import starguide.quizzes.jobs  # noqa: F401  periodic jobs, also for `starguide worker`
from starguide.content import demo as _content_demo

_content_demo.register()
