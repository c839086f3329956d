"""callqa evaluation."""
