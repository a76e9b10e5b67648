"""The synthetic demo: exports with planted personal data, and simulated analysts."""
