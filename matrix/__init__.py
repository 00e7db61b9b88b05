"""The template's tooling: variants, copier.yml's questions, rendering, checks, updates.

CONTRIBUTING.md describes each module; noxfile.py holds only the sessions that use them.
"""
