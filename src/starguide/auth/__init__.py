"""Accounts: users, passwords, access and refresh tokens, sessions, and the permission dependencies."""
