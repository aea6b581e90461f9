"""The API face of organizations, sister-city links and API keys."""
