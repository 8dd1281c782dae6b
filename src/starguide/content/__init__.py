"""Courses, lessons, skills, the question bank, and import/export."""
