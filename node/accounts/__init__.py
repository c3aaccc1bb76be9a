"""Accounts: the territory's people (office staff, persons, employers, coordinators, partners, ...)
each acting for themselves, with a role, a scope and a pseudonymous id that signed acts carry."""
