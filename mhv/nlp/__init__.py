"""Text -> Parse: intents, entities, dates, recurrence, confidence. Pure Python, no I/O."""
