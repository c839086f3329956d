"""callqa models."""
