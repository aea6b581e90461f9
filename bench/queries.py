"""Queries per request, counted in-process with Django's CaptureQueriesContext.

bench/run.py runs this once per data size (DATABASE_URL names the database), sending the same
requests as the load generator through Django's test client, and reads one JSON object back:
{"<app> <case>": count}. B1 is counted under its own URLconf; B0 reports its own count in the
X-Query-Count header instead (it has no Django).
"""

import json
import os
import sys


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "registry.settings")
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    requests = json.load(sys.stdin)  # [{"key", "app", "path", "headers"}]
    client = Client(HTTP_HOST="127.0.0.1", HTTP_X_FORWARDED_PROTO="https")
    counts = {}
    for request in requests:
        headers = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in request["headers"].items()}
        urlconf = "bench.b1_naive.urls" if request["app"] == "B1" else None
        with override_settings(**({"ROOT_URLCONF": urlconf} if urlconf else {})):
            client.get(request["path"], **headers)  # warm: content types, prepared plans
            with CaptureQueriesContext(connection) as captured:
                response = client.get(request["path"], **headers)
                if getattr(response, "streaming", False):
                    for _chunk in response.streaming_content:
                        pass
        counts[request["key"]] = {"queries": len(captured), "status": response.status_code}
    json.dump(counts, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
