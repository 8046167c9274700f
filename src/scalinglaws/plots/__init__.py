"""Figures of the general tool: theme, law curves, fitted-curve panels, comparisons.

Importing this package selects matplotlib's non-interactive Agg backend (see :mod:`.theme`).
"""

from scalinglaws.plots.theme import apply_theme, not_applicable, save

__all__ = ["apply_theme", "not_applicable", "save"]
