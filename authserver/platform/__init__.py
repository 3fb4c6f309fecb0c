"""Platform plumbing: error shapes, headers, request limits, logging and health, sessions, i18n."""
