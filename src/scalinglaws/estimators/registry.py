"""Estimators by name. Adding an estimator is one new module plus one line in ``ESTIMATORS``."""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Mapping
from typing import Any

from scalinglaws.errors import ScalingLawsError
from scalinglaws.estimators.base import Estimator
from scalinglaws.estimators.blend import Blend
from scalinglaws.estimators.bnsl import BNSL
from scalinglaws.estimators.m1 import M1
from scalinglaws.estimators.m2 import M2
from scalinglaws.estimators.m3 import M3
from scalinglaws.estimators.m4 import M4
from scalinglaws.estimators.median import Median
from scalinglaws.estimators.stack import Stack

ESTIMATORS: dict[str, type[Estimator]] = {
    "M1": M1,
    "M2": M2,
    "M3": M3,
    "M4": M4,
    "BNSL": BNSL,
    "BLEND": Blend,
    "MEDIAN": Median,
    "STACK": Stack,
}
# The estimator users get by default (config.yaml `recommended_estimator`; see
# docs/recommended_estimator.md for how it was chosen).
RECOMMENDED = "STACK"


def names() -> list[str]:
    """The registered estimator names, in registry order."""
    return list(ESTIMATORS)


def estimator_class(name: object) -> type[Estimator]:
    """The class registered as ``name``; an unknown name raises, listing the registered ones."""
    try:
        return ESTIMATORS[name]  # type: ignore[index]
    except (KeyError, TypeError):
        raise ScalingLawsError(
            f"unknown estimator {name!r}; registered: {', '.join(ESTIMATORS)}"
        ) from None


def make(name: str, **options: Any) -> Estimator:
    """Build the estimator ``name`` with ``options``; unknown names or options raise clearly."""
    cls = estimator_class(name)
    accepted = set(inspect.signature(cls).parameters)
    unknown = sorted(set(options) - accepted)
    if unknown:
        raise ScalingLawsError(
            f"estimator {name!r} has no option(s) {', '.join(unknown)}; "
            f"it accepts: {', '.join(sorted(accepted)) or 'none'}"
        )
    return cls(**options)


def check_entries(estimators: Mapping[str, Any], domains: Iterable[str] | None = None) -> None:
    """Build every estimator of a config's ``estimators`` section once per domain, so that an
    unknown name or a bad option fails before any fit, with a message naming the estimator,
    the domain and the option. ``domains`` default: those its ``by_domain`` entries name,
    plus any other domain (the plain ``options``)."""
    given = None if domains is None else list(domains)
    for name, spec in estimators.items():
        try:
            estimator_class(name)
        except ScalingLawsError as exc:
            raise ScalingLawsError(f"estimators: {exc}") from None
        by_domain = sorted((spec or {}).get("by_domain") or {})
        for domain in [*by_domain, None] if given is None else given:
            where = "any other domain" if domain is None else f"domain {domain}"
            try:
                make(name, **options_for(spec, domain or ""))
            except (ScalingLawsError, TypeError, ValueError) as exc:
                raise ScalingLawsError(f"estimators: {name}, options for {where}: {exc}") from None


def options_for(spec: Mapping[str, Any] | None, domain: str) -> dict[str, Any]:
    """Merge an estimator's config entry for one domain: ``options`` overlaid by ``by_domain``.

    ``spec`` is ``{"options": {...}, "by_domain": {"IC": {...}, ...}}`` (both keys optional).
    """
    spec = spec or {}
    merged = dict(spec.get("options") or {})
    merged.update((spec.get("by_domain") or {}).get(domain) or {})
    return merged


def overlay(spec: Mapping[str, Any] | None, override: Mapping[str, Any] | None) -> dict[str, Any]:
    """An estimator config entry with ``override``'s ``options`` and ``by_domain`` laid over it.

    For one domain the options become: spec options, spec domain options, override options,
    override domain options (later wins). Used for protocols, e.g. overlaying
    ``{"options": {"drop_max_loss": True}}`` on the notebook's per-domain M4 settings.
    """
    spec, override = spec or {}, override or {}
    spec_domains = spec.get("by_domain") or {}
    override_domains = override.get("by_domain") or {}
    override_options = override.get("options") or {}
    by_domain = {
        domain: {
            **(spec_domains.get(domain) or {}),
            **override_options,
            **(override_domains.get(domain) or {}),
        }
        for domain in sorted(set(spec_domains) | set(override_domains))
    }
    return {"options": {**(spec.get("options") or {}), **override_options}, "by_domain": by_domain}
