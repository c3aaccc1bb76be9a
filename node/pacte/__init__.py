"""Pactes 21 on one node: pacts, partners, task forces, commitments, evaluations, certificates."""
