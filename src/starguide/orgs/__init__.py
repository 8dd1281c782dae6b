"""Organisations (tenants), memberships, invitations and roles."""
