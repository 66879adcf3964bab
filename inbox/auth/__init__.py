"""Who may do what: users and roles, passwords, signing in and the sessions it opens."""
