"""Importing this module registers every domain's CLI commands."""

import starguide.auth.cli
import starguide.content.demo  # the demo course joins `seed-demo`
import starguide.orgs.demo
import starguide.quizzes.jobs  # noqa: F401  periodic jobs, also for `starguide worker`
