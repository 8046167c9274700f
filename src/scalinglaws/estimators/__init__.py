"""Scaling-law estimators behind one interface; see :mod:`.registry` for the names."""
