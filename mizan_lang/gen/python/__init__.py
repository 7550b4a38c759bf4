"""Helpers shared by the Python targets (FastAPI, Django): how IR types,
literals, docstrings and signatures are spelled in generated Python.

Everything here returns text already in the style `ruff format` writes
(double quotes unless that needs more escapes, magic trailing commas,
100-column lines), so output is formatted without running a formatter at
generation time: the bytes cannot depend on which ruff is installed.
"""
