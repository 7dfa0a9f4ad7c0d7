"""Traveller profiles (the get_user_profile response shape of contracts/tools.md) and the
port through which tools read them. DynamoDB implements it in the cloud; a JSON file does
for the CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.alias_generators import to_camel

from loyalty_maximizer.errors import Forbidden, InvalidRequest, LoyaltyError
from loyalty_maximizer.facts.models import Cabin


class _ProfileModel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class RedeemableBalance(_ProfileModel):
    amount: Annotated[int, Field(ge=0)]
    currency_name: str


class EliteMetricValue(_ProfileModel):
    metric_name: str
    current_value: Annotated[float, Field(ge=0)]
    unit: str | None = None


class ProgramMembership(_ProfileModel):
    program_id: str
    program_name: str | None = None
    status_tier: str | None = None
    redeemable_balance: RedeemableBalance | None = None
    elite_qualifying_metrics: list[EliteMetricValue] = []


class Preferences(_ProfileModel):
    home_airport: str | None = None
    preferred_airlines: list[str] = []
    preferred_alliances: list[str] = []
    preferred_cabin: Cabin | None = None


class UserProfile(_ProfileModel):
    user_id: Annotated[str, Field(min_length=1)]
    loyalty_programs: list[ProgramMembership] = []
    preferences: Preferences = Preferences()


class ProfileNotFound(LoyaltyError):
    code = "not_found"


class ProfileStore(Protocol):
    def get(self, user_id: str) -> UserProfile: ...


class FileProfileStore:
    """One profile in a JSON file (``loyalty --profile FILE``)."""

    def __init__(self, path: Path) -> None:
        try:
            self._profile = UserProfile.model_validate_json(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise InvalidRequest(f"profile file {path}: {exc.strerror}", "profile") from None
        except ValidationError as exc:
            error = exc.errors(include_url=False)[0]
            where = ".".join(str(p) for p in error["loc"])
            raise InvalidRequest(f"profile file {path}: {where}: {error['msg']}", where) from None

    @property
    def profile(self) -> UserProfile:
        return self._profile

    def get(self, user_id: str) -> UserProfile:
        if user_id != self._profile.user_id:
            raise ProfileNotFound(f'no profile for user "{user_id}"')
        return self._profile


def read_own_profile(store: ProfileStore, caller_id: str | None, user_id: str) -> UserProfile:
    """A caller reads only its own profile."""
    if caller_id is not None and caller_id != user_id:
        raise Forbidden("a caller may only read its own profile")
    return store.get(user_id)


def profile_json(profile: UserProfile) -> dict[str, object]:
    return json.loads(profile.model_dump_json(by_alias=True))  # type: ignore[no-any-return]
