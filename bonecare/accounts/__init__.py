"""Users, passwords, tokens, invitations and care teams."""
