"""The API face of the registry records: serializers and views under /api/v1/."""
