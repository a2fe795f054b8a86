"""The explicit registry of automated checks, keyed by the id that grilles cite."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

from audit_ti.models.base import StrictModel
from audit_ti.models.fields import ExpectedPort
from audit_ti.models.grille import CheckRef

__all__ = ["CheckCatalog", "CheckParams", "CheckRegistry", "CheckScope", "CheckSpec", "NoParams"]


class CheckParams(StrictModel):
    """Base of the typed parameters a grille gives to a check.

    The scan plan asks every check of the grille what it needs, so that the grille alone decides
    which ports and NSE scripts the scan covers.
    """

    def required_scripts(self) -> frozenset[str]:
        """NSE scripts the check reads."""
        return frozenset()

    def required_ports(self) -> tuple[ExpectedPort, ...]:
        """Ports the scan must cover for the check to conclude."""
        return ()

    def credential_lists(self) -> frozenset[str]:
        """Ids of the factory-credential lists (``grilles/<id>.yaml``) the check's scripts try."""
        return frozenset()


class CheckScope(StrEnum):
    """What a check looks at: one gateway at a time, or the whole fleet."""

    GATEWAY = "passerelle"
    FLEET = "flotte"


class NoParams(CheckParams):
    """For checks that take no parameter."""


FunctionT = TypeVar("FunctionT", bound=Callable[..., Any])


@dataclass(frozen=True)
class CheckSpec:
    """A registered check.

    Attributes:
        id: the id grilles cite (``checks: [{check: <id>, params: …}]``).
        params_model: the model the grille's ``params`` are validated against at load time.
        function: the pure function that turns facts and parameters into observations.
        description: French one-liner shown in the documentation.
        scope: one gateway at a time, or the whole fleet.
    """

    id: str
    params_model: type[CheckParams]
    function: Callable[..., Any]
    description: str
    scope: CheckScope = CheckScope.GATEWAY

    def parse_params(self, params: Mapping[str, Any]) -> CheckParams:
        """A grille's ``params`` for this check, validated by their French names.

        Raises:
            pydantic.ValidationError: parameters the check does not accept (the grille loader
                reports them with their line; everywhere else, grilles were validated first).
        """
        return self.params_model.model_validate(params, by_alias=True, by_name=False)


class CheckCatalog:
    """The checks one module defines, declared on the function itself; a registry includes them.

    A module holds checks of one scope (one gateway at a time, or the whole fleet), said once here.
    """

    def __init__(self, scope: CheckScope = CheckScope.GATEWAY) -> None:
        self.scope = scope
        self.specs: list[CheckSpec] = []

    def check(
        self, check_id: str, *, params: type[CheckParams] = NoParams, description: str
    ) -> Callable[[FunctionT], FunctionT]:
        """Decorator declaring ``function`` as the check ``check_id`` (the id grilles cite)."""

        def decorator(function: FunctionT) -> FunctionT:
            self.specs.append(CheckSpec(check_id, params, function, description, self.scope))
            return function

        return decorator


class CheckRegistry:
    """Checks by id; registering the same id twice is a programming error."""

    def __init__(self) -> None:
        self._specs: dict[str, CheckSpec] = {}

    def add(self, spec: CheckSpec) -> None:
        """Register one check."""
        if spec.id in self._specs:
            raise ValueError(f"check {spec.id!r} registered twice")
        self._specs[spec.id] = spec

    def include(self, catalog: CheckCatalog) -> None:
        """Register every check a module declared."""
        for spec in catalog.specs:
            self.add(spec)

    def get(self, check_id: str) -> CheckSpec | None:
        """The check registered under this id, if any."""
        return self._specs.get(check_id)

    def params_of(self, ref: CheckRef) -> CheckParams | None:
        """The validated parameters of a check a grille cites; None for an unknown check."""
        spec = self.get(ref.check)
        return spec.parse_params(ref.params) if spec is not None else None

    def ids(self) -> list[str]:
        """Every registered id, sorted."""
        return sorted(self._specs)

    def __contains__(self, check_id: object) -> bool:
        return check_id in self._specs

    def __iter__(self) -> Iterator[CheckSpec]:
        return iter(self._specs[key] for key in self.ids())

    def __len__(self) -> int:
        return len(self._specs)
