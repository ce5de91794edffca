"""Calibration and bias signals over review ratings: statistics for HR, never verdicts.

Inputs are plain records (`records.py`); each signal module returns frozen dataclasses with
the test used, an effect size with its interval, sample sizes, a multiple-testing-adjusted
p-value, a flag and a plain-language caveat. `report.py` runs them all.
"""
