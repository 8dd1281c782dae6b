"""StarGuide: a self-hostable AI mentor and learning platform."""

__version__ = "0.1.0"
