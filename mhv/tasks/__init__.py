"""The task service: the one door to the store (create, list, update, complete, undo, import...)."""
