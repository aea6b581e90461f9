"""The OpenAPI document served at /api/v1/schema/ is the committed docs/openapi-v1.json.

Partners generate clients from it, so it changes only on purpose: a refactor must leave it byte
for byte the same, and a deliberate API change updates the committed copy in the same commit
(`make openapi` writes it) so that the diff shows in review.
"""

import json
from pathlib import Path

SNAPSHOT = Path(__file__).resolve().parents[3] / "docs" / "openapi-v1.json"


def served_schema(client) -> dict:
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return json.loads(response.content)


def test_served_schema_is_the_committed_one(client, db):
    committed = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    served = served_schema(client)
    changed = sorted(
        path
        for path in set(served["paths"]) | set(committed["paths"])
        if served["paths"].get(path) != committed["paths"].get(path)
    )
    assert not changed, f"operations differ from docs/openapi-v1.json: {changed}; run make openapi"
    assert served == committed, "the schema differs from docs/openapi-v1.json; run make openapi"
