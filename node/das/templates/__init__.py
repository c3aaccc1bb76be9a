"""Jinja2 templates of DAS statements (a package so that they ship in wheels)."""
