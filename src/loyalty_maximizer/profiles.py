"""Traveller profiles (the get_user_profile response shape of contracts/tools.md) and the
ports through which tools read and save them. DynamoDB implements them in the cloud; a
JSON file does for the CLI and the MCP server."""

from __future__ import annotations

import contextlib
import json
import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Protocol, runtime_checkable

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


class ProfileUnavailable(LoyaltyError):
    """No profile store, a store that cannot save, or a save that failed."""

    code = "profile_unavailable"


class ProfileStore(Protocol):
    def get(self, user_id: str) -> UserProfile: ...


@runtime_checkable
class WritableProfileStore(ProfileStore, Protocol):
    """A store that can also save a profile (creating or replacing it): what
    update_user_profile needs. A read-only store is only a ``ProfileStore``."""

    def put(self, profile: UserProfile) -> None: ...


class FileProfileStore:
    """One profile in a JSON file (``loyalty --profile FILE``)."""

    def __init__(self, path: Path) -> None:
        self.path = path
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

    def put(self, profile: UserProfile) -> None:
        """Save the profile to the file, in the shape it is read in. The file is replaced
        atomically, so a reader (or a crash) never sees half a profile."""
        if profile.user_id != self._profile.user_id:
            raise Forbidden(
                f'profile file {self.path} holds the profile of "{self._profile.user_id}"; '
                f'it cannot store the profile of "{profile.user_id}"'
            )
        text = json.dumps(profile_json(profile), indent=2, ensure_ascii=False) + "\n"
        try:
            _replace_file(self.path, text)
        except OSError as exc:
            raise ProfileUnavailable(
                f"profile file {self.path}: could not be saved: {exc.strerror or exc}"
            ) from None
        self._profile = profile


def _replace_file(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file beside ``path`` (same file system, same
    permissions) and rename it over ``path``."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        with contextlib.suppress(FileNotFoundError):
            os.chmod(temporary, stat.S_IMODE(path.stat().st_mode))
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def read_own_profile(store: ProfileStore, caller_id: str | None, user_id: str) -> UserProfile:
    """A caller reads only its own profile."""
    if caller_id is not None and caller_id != user_id:
        raise Forbidden("a caller may only read its own profile")
    return store.get(user_id)


def update_own_profile(
    store: WritableProfileStore,
    caller_id: str | None,
    user_id: str,
    change: Callable[[UserProfile], UserProfile],
) -> UserProfile:
    """Apply ``change`` to the caller's profile (an empty one when none is stored yet),
    save and return it. A caller updates only its own profile, as it reads only its own."""
    if caller_id is not None and caller_id != user_id:
        raise Forbidden("a caller may only update its own profile")
    try:
        current = store.get(user_id)
    except ProfileNotFound:
        current = UserProfile(user_id=user_id)
    updated = change(current)
    store.put(updated)
    return updated


def profile_json(profile: UserProfile) -> dict[str, object]:
    return json.loads(profile.model_dump_json(by_alias=True))  # type: ignore[no-any-return]
