"""GraphQL object and input types: one concern per module."""
