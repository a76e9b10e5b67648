"""The project itself: paths, settings, terms, schemas, atomic writes, errors, logging."""
