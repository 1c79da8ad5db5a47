"""People who sign in: admins of the console (editor, reviewer, owner)."""
