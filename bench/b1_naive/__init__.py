"""B1, the naive peer: what a plain DRF project would serve over the same models.

A `ModelViewSet` with `ModelSerializer`s, page-number pagination (so a COUNT per page and OFFSET
for deep pages), DRF's SearchFilter (ILIKE) and django-filter for the filters, the public rows
with select_related / prefetch_related as DRF's documentation shows. No ETags, no throttling.
Served by our settings with another URLconf: DJANGO_SETTINGS_MODULE=bench.b1_naive.settings.
"""
