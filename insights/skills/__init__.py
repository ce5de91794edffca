"""Competency analytics: evidence mapped to competencies, per-person profiles with gaps,
k-anonymous team summaries and development suggestions. Pure: no I/O, no clock.

There is deliberately no composite "skill score": each competency stands on its own evidence.
"""
