"""Who is acting: the owner (api.token) or one account, with its role and scope.

Every handler gets one (`node.api.framework.principal_of`). The permission table said whether the
role may do the action at all; the `may_*` methods say whether this account may touch these rows.
`act()` is what signed and recorded acts carry: the pseudonymous id and role, never a name.
"""

from __future__ import annotations

from dataclasses import dataclass

from node.accounts.permissions import DESCRIPTIONS, Action, Role, allowed
from node.errors import Forbidden, NotPermitted

OWNER_ID = "owner"


@dataclass(frozen=True, slots=True)
class Principal:
    account_id: str
    role: Role
    person_id: int | None = None
    employer_id: int | None = None
    projects: tuple[int, ...] = ()
    org: str | None = None
    lang: str | None = None
    username: str = ""  # for the account's own pages only: never logged, signed or gossiped

    @classmethod
    def owner(cls) -> Principal:
        return cls(OWNER_ID, Role.OWNER)

    @property
    def staff(self) -> bool:
        """The owner and the office act for every row of the territory."""
        return self.role in (Role.OWNER, Role.OFFICE)

    def act(self) -> dict[str, str]:
        return {"account": self.account_id, "role": str(self.role)}

    def may(self, action: Action) -> bool:
        return allowed(self.role, action)

    def require(self, action: Action) -> None:
        if not self.may(action):
            raise NotPermitted(f"the role '{self.role}' may not {describe(action)}; ask the Engagement 21 office if you should")

    def may_person(self, person_id: int, employer_id: int | None = None) -> bool:
        """A person sees their own rows; an employer its employees'; staff everyone's."""
        if self.staff:
            return True
        if self.role is Role.PERSON:
            return self.person_id == person_id
        if self.role is Role.EMPLOYER:
            return employer_id is not None and self.employer_id == employer_id
        return False

    def may_project(self, project_id: int) -> bool:
        return self.staff or (self.role is Role.COORDINATOR and project_id in self.projects)

    def may_employer(self, employer_id: int) -> bool:
        return self.staff or (self.role is Role.EMPLOYER and self.employer_id == employer_id)

    def may_org(self, org: str) -> bool:
        return self.staff or (self.role is Role.PARTNER and self.org is not None and self.org.casefold() == org.casefold())

    def refuse(self, what: str) -> Forbidden:
        """The 403 for a row outside the scope; `what` names the kind of row, never the row itself."""
        return Forbidden(f"this {what} is not yours: a {self.role} account acts only for its own")


def describe(action: Action) -> str:
    return DESCRIPTIONS[action]
