"""Who may do what: the roles, the actions every admin route and web page declares, and the one
table between them. `docs/accounts.md` prints this table; `tests/node/test_permissions.py` walks
every route and checks, for every role, a 403 exactly where the table says no.

The table answers "may this role ever do this action?". Which *rows* an account may touch (its own
person, its employer's persons, its projects' entries, its organisation's commitments) is its
scope, checked by the area that owns the rows (`node.accounts.principal.Principal`).
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    OWNER = "owner"  # holder of the node key and api.token: everything
    OFFICE = "office"  # Engagement 21 staff
    COORDINATOR = "coordinator"  # of named projects
    SECRETARIAT = "secretariat"  # the territorial assembly's decisions
    EMPLOYER = "employer"  # representative of one employer
    PERSON = "person"  # a DAS holder: own data only
    PARTNER = "partner"  # representative of one Pacte partner organisation
    RESIDENT = "resident"  # any inhabitant
    EVALUATOR = "evaluator"  # read-only: audit reports and published summaries


class Action(StrEnum):
    # the node itself and the network (the owner's business)
    NODE_READ = "node.read"
    NODE_ADMIN = "node.admin"
    NETWORK_READ = "network.read"
    NETWORK_ADMIN = "network.admin"
    COOP_READ = "coop.read"
    COOP_ACT = "coop.act"
    AUDIT_EXPORT = "audit.export"
    AUDIT_READ = "audit.read"
    # accounts
    ACCOUNT_MANAGE = "account.manage"
    ACCOUNT_SELF = "account.self"
    # Societal Activity Rights
    EMPLOYER_MANAGE = "das.employer.manage"
    EMPLOYER_VIEW = "das.employer.view"
    PERSON_MANAGE = "das.person.manage"
    PERSON_READ = "das.person.read"
    PROFILE_AGREE = "das.profile.agree"
    CONTRACT_MANAGE = "das.contract.manage"
    CONTRACT_READ = "das.contract.read"
    CONTRACT_ACCEPT = "das.contract.accept"
    FLEX_AGREE = "das.flex.agree"
    LEAVE_REQUEST = "das.leave.request"
    LEAVE_DECIDE = "das.leave.decide"
    PROJECT_READ = "das.project.read"
    PROJECT_MANAGE = "das.project.manage"
    PROJECT_DECIDE = "das.project.decide"
    ENTRY_RECORD = "das.entry.record"
    ENTRY_READ = "das.entry.read"
    ENTRY_DECIDE = "das.entry.decide"
    ENTRY_CORRECT = "das.entry.correct"
    STATEMENT_ISSUE = "das.statement.issue"
    STATEMENT_READ = "das.statement.read"
    LEDGER = "das.ledger"
    SUMMARY_PUBLISH = "das.summary.publish"
    SUMMARY_READ = "das.summary.read"
    # Pactes 21
    PACTE_READ = "pacte.read"
    PACTE_MANAGE = "pacte.manage"
    PACTE_COMMIT = "pacte.commit"


R = Role
A = Action

# Role by role, what each may do besides the owner (who may do everything). Read it as a sentence:
# "an employer may view its employer's page, read its persons' contracts, accept them, ...".
GRANTS: dict[Role, frozenset[Action]] = {
    R.OWNER: frozenset(Action),
    R.OFFICE: frozenset({
        A.NODE_READ, A.NETWORK_READ, A.ACCOUNT_MANAGE, A.ACCOUNT_SELF,
        A.EMPLOYER_MANAGE, A.EMPLOYER_VIEW, A.PERSON_MANAGE, A.PERSON_READ, A.PROFILE_AGREE,
        A.CONTRACT_MANAGE, A.CONTRACT_READ, A.CONTRACT_ACCEPT, A.FLEX_AGREE, A.LEAVE_DECIDE,
        A.PROJECT_READ, A.PROJECT_MANAGE, A.ENTRY_RECORD, A.ENTRY_READ, A.ENTRY_DECIDE, A.ENTRY_CORRECT,
        A.STATEMENT_ISSUE, A.STATEMENT_READ, A.LEDGER, A.SUMMARY_PUBLISH, A.SUMMARY_READ,
        A.PACTE_READ, A.PACTE_MANAGE, A.PACTE_COMMIT, A.COOP_READ, A.COOP_ACT,
    }),
    R.COORDINATOR: frozenset({A.ACCOUNT_SELF, A.PROJECT_READ, A.ENTRY_RECORD, A.ENTRY_READ, A.ENTRY_DECIDE, A.PACTE_READ}),
    R.SECRETARIAT: frozenset({A.ACCOUNT_SELF, A.PROJECT_READ, A.PROJECT_DECIDE, A.SUMMARY_READ, A.PACTE_READ, A.COOP_READ}),
    R.EMPLOYER: frozenset({
        A.ACCOUNT_SELF, A.EMPLOYER_VIEW, A.CONTRACT_READ, A.CONTRACT_ACCEPT, A.FLEX_AGREE, A.LEAVE_DECIDE,
        A.PROJECT_READ, A.PACTE_READ,
    }),
    R.PERSON: frozenset({
        A.ACCOUNT_SELF, A.PERSON_READ, A.PROFILE_AGREE, A.CONTRACT_READ, A.CONTRACT_ACCEPT, A.FLEX_AGREE,
        A.LEAVE_REQUEST, A.PROJECT_READ, A.ENTRY_RECORD, A.ENTRY_READ, A.STATEMENT_READ, A.PACTE_READ,
    }),
    R.PARTNER: frozenset({A.ACCOUNT_SELF, A.PROJECT_READ, A.PACTE_READ, A.PACTE_COMMIT}),
    R.RESIDENT: frozenset({A.ACCOUNT_SELF, A.PROJECT_READ, A.PACTE_READ}),
    R.EVALUATOR: frozenset({
        A.ACCOUNT_SELF, A.NODE_READ, A.NETWORK_READ, A.COOP_READ, A.AUDIT_EXPORT, A.AUDIT_READ, A.SUMMARY_READ, A.PACTE_READ,
        A.PROJECT_READ,
    }),
}

# What the role's scope names: the one row (or rows) of the territory an account of it acts for.
SCOPE_OF: dict[Role, str | None] = {
    R.OWNER: None, R.OFFICE: None, R.SECRETARIAT: None, R.RESIDENT: None, R.EVALUATOR: None,
    R.PERSON: "person", R.EMPLOYER: "employer", R.COORDINATOR: "projects", R.PARTNER: "org",
}

# Who may invite whom: the office invites everyone but the owner and other office staff.
INVITES: dict[Role, frozenset[Role]] = {
    R.OWNER: frozenset(Role) - {R.OWNER},
    R.OFFICE: frozenset(Role) - {R.OWNER, R.OFFICE},
}

DESCRIPTIONS: dict[Action, str] = {
    A.NODE_READ: "read the node's status, logs, records and proofs",
    A.NODE_ADMIN: "publish raw records, manage peers, sync",
    A.NETWORK_READ: "read the network's members",
    A.NETWORK_ADMIN: "rotate the node key, endorse or remove members",
    A.COOP_READ: "read peer reviews and their frameworks",
    A.COOP_ACT: "act in peer review, twinning, the fund and fork evidence",
    A.AUDIT_EXPORT: "export audit bundles",
    A.AUDIT_READ: "upload an audit bundle to the web door and read its report",
    A.ACCOUNT_MANAGE: "invite, list, disable and reset accounts",
    A.ACCOUNT_SELF: "see and manage one's own account, sessions and tokens",
    A.EMPLOYER_MANAGE: "add and list employers",
    A.EMPLOYER_VIEW: "view an employer's persons' hours (an employer: its own)",
    A.PERSON_MANAGE: "add, list, export and erase persons",
    A.PERSON_READ: "read a person's record (a person: their own)",
    A.PROFILE_AGREE: "agree a competence profile (the person and the office)",
    A.CONTRACT_MANAGE: "draft and amend DAS contracts",
    A.CONTRACT_READ: "read DAS contracts (a person or employer: their own)",
    A.CONTRACT_ACCEPT: "accept a DAS contract as one of its parties",
    A.FLEX_AGREE: "agree a flexibility move (the person and the employer)",
    A.LEAVE_REQUEST: "request DAS leave days (a person: their own)",
    A.LEAVE_DECIDE: "approve or refuse DAS leave (an employer: its persons')",
    A.PROJECT_READ: "read the local programme",
    A.PROJECT_MANAGE: "register, activate and close projects",
    A.PROJECT_DECIDE: "record the assembly's decision on a project",
    A.ENTRY_RECORD: "record time (a person: their own; a coordinator: on their projects)",
    A.ENTRY_READ: "read time entries (a person: their own; a coordinator: their projects')",
    A.ENTRY_DECIDE: "validate or reject time (a coordinator: on their projects)",
    A.ENTRY_CORRECT: "correct a validated entry",
    A.STATEMENT_ISSUE: "issue and attach final statements",
    A.STATEMENT_READ: "read final statements (a person: their own)",
    A.LEDGER: "spend, read and export the DAS ledger; import CSV",
    A.SUMMARY_PUBLISH: "publish the territory's DAS summary",
    A.SUMMARY_READ: "read published DAS summaries",
    A.PACTE_READ: "read Pactes 21",
    A.PACTE_MANAGE: "create pacts, partners, task forces, commitments, evaluations and certificates",
    A.PACTE_COMMIT: "accept commitments and report their progress (a partner: its organisation's)",
}


def allowed(role: Role, action: Action) -> bool:
    return action in GRANTS[role]


def may_invite(inviter: Role, role: Role) -> bool:
    return role in INVITES.get(inviter, frozenset())


def markdown_table() -> str:
    """The table as docs/accounts.md prints it (`tests/node/test_permissions.py` keeps the two equal)."""
    roles = list(Role)
    lines = ["| action | what it is | " + " | ".join(str(r) for r in roles) + " |",
             "|---|---|" + "---|" * len(roles)]
    for a in Action:
        marks = " | ".join("✓" if allowed(r, a) else "·" for r in roles)
        lines.append(f"| `{a}` | {DESCRIPTIONS[a]} | {marks} |")
    return "\n".join(lines)
