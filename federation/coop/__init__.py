"""Cooperation between territories: peer review, twinning, the coresponsibility fund, evidence."""
