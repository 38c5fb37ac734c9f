"""Tools of the repository itself (not shipped): the project's own import-linter contract types."""
