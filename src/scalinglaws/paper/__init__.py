"""The reproduction of Alabdulmohsin, Neyshabur, Zhai, "Revisiting Neural Scaling Laws in
Language and Vision" (NeurIPS 2022), built on the general tool.

- :mod:`.tables`: the paper's printed numbers, Tables 1-3 and the reproduction check;
- :mod:`.synthetic`: Figure 2's simulated logistic regression;
- :mod:`.fixed_exponent`: Figure 3's M2 with a fixed exponent;
- :mod:`.plots`: the paper's figure layouts.

This layer imports the tool (curves, estimators, metrics, rankings, plots); the tool never
imports it.
"""
