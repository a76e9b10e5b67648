"""Samverkan: reproducible reports on deviations in municipal–regional collaboration.

Importing the package has no side effects: no logging set-up, no file access.
"""

__version__ = "0.1.0"
