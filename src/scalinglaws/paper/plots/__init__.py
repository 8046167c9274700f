"""Figures of the paper reproduction: Figure 1 (bottom), 2, 3, 5–9 and their layouts."""
