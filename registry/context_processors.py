from registry.tenancy import actor_for_request


def actor(request):
    """Makes `actor` (who is asking, with their roles) available to every template."""
    return {"actor": actor_for_request(request)}
