"""scalinglaws: fit, benchmark and extrapolate neural scaling laws.

The library behind the Snakemake workflow; importable without Snakemake.
Reference: Alabdulmohsin, Neyshabur, Zhai, "Revisiting Neural Scaling Laws in
Language and Vision", NeurIPS 2022 (arXiv:2209.06640).
"""

__version__ = "0.1.0"
