"""callqa qa_rules."""
