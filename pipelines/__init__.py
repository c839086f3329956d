"""callqa pipelines."""
