"""The partner REST API v1 (SPEC 6): shared machinery for the API views of every app."""
