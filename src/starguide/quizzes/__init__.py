"""Assessments, attempts and grading."""
