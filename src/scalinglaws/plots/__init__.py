"""Figures of the paper reproduction: theme, law curves, curve panels, bars and exponents.

Importing this package selects matplotlib's non-interactive Agg backend (see :mod:`.theme`).
"""

from scalinglaws.plots.theme import apply_theme, not_applicable, save

__all__ = ["apply_theme", "not_applicable", "save"]
