"""The AI mentor: conversations with a tutor grounded in the organisation's own content."""
