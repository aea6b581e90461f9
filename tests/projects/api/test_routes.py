"""Every API route has a test: the URL resolver's routes under api/ must equal COVERED's keys.

Adding a route without naming the test that covers it here fails this test; so does naming a
test that does not exist.
"""

import importlib

from django.urls import URLPattern, URLResolver, get_resolver

from projects.domain.workflow import TRANSITIONS

RECORD_TYPES = ("projects", "zones", "contacts")

COVERED = {
    "api-root": "test_records::test_api_root_links_every_collection",
    "api-schema": "test_schema::test_schema_is_served_and_describes_security",
    "api-docs": "test_schema::test_swagger_ui_is_served_without_the_internet",
    "api-not-found": "test_records::test_unknown_api_url_is_json_404",
    "api-organizations-list": "test_lists::test_organizations_and_sister_city_links",
    "api-organizations-detail": "test_lists::test_organizations_and_sister_city_links",
    "api-sister-city-links-list": "test_lists::test_organizations_and_sister_city_links",
    "api-sister-city-links-detail": "test_lists::test_organizations_and_sister_city_links",
    "api-sister-city-links-accept": "test_sister_city_links::test_propose_accept_end",
    "api-sister-city-links-decline": "test_sister_city_links::test_decline",
    "api-sister-city-links-end": "test_sister_city_links::test_propose_accept_end",
    "api-keys-list": "test_keys::test_create_key_shows_it_once_and_lists_without_it",
    "api-keys-detail": "test_keys::test_revoke_by_delete_and_by_post",
    "api-keys-revoke": "test_keys::test_revoke_by_delete_and_by_post",
    "api-participants-list": "test_workflow_api::test_participation_confirm_and_decline",
    "api-participants-confirm": "test_workflow_api::test_participation_confirm_and_decline",
    "api-participants-decline": "test_workflow_api::test_participation_decline_and_bad_requests",
    "api-review-queue": "test_workflow_api::test_review_queue",
    "api-changes": "test_changes::test_feed_follows_publish_update_archive",
    "api-stats": "test_lists::test_stats_count_what_the_caller_sees",
    # Data in and out (issue 9): tests in tests/io.
    "api-projects-export-iati": (
        "tests.projects.io.test_iati::test_an_activity_carries_every_element_of_the_issue"
    ),
    "api-organizations-export-iati-org": (
        "tests.projects.io.test_iati_rules::test_the_organisation_file_is_valid_and_breaks_no_rule"
    ),
    # Jobs and webhooks (issue 19).
    "api-job": "tests.registry.test_jobs::test_only_the_owner_reads_a_job",
    "api-job-file": "tests.projects.io.test_export_jobs::test_only_the_owner_downloads_an_export",
    "api-webhooks": "test_webhooks::test_an_admin_subscribes_and_sees_the_secret_once",
    "api-webhook": "test_webhooks::test_an_admin_ends_a_subscription",
    "api-webhook-deliveries": "test_webhooks::test_a_failing_receiver_is_logged_and_replayed",
    "api-webhook-replay": "test_webhooks::test_a_failing_receiver_is_logged_and_replayed",
}
for record_type in RECORD_TYPES:
    COVERED[f"api-{record_type}-list"] = "test_lists::test_bad_filter_values_are_400"
    COVERED[f"api-{record_type}-detail"] = "test_records::test_create_read_edit_delete"
    COVERED[f"api-{record_type}-history"] = "test_records::test_create_read_edit_delete"
    COVERED[f"api-{record_type}-import"] = (
        "tests.projects.io.test_import_faces::test_api_dry_run_then_import"
    )
    COVERED[f"api-{record_type}-export"] = (
        "tests.projects.io.test_export::test_export_holds_only_what_the_caller_may_see"
    )
    COVERED[f"api-{record_type}-export-jobs"] = (
        "tests.projects.io.test_export_jobs::test_export_jobs_refuse_bad_requests"
    )
    for action in TRANSITIONS:
        COVERED[f"api-{record_type}-{action.replace('_', '-')}"] = (
            "test_workflow_api::test_every_action_route_of_every_type"
        )


def api_route_names(patterns=None, prefix=""):
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            yield from api_route_names(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern) and (prefix + str(pattern.pattern)).startswith("api/"):
            yield pattern.name


def test_every_api_route_has_a_test():
    names = list(api_route_names())
    assert None not in names, "every API route needs a name"
    assert sorted(set(names)) == sorted(COVERED)


def test_every_named_test_exists():
    for covering in set(COVERED.values()):
        module_name, function_name = covering.split("::")
        if not module_name.startswith("tests."):
            module_name = f"tests.projects.api.{module_name}"
        module = importlib.import_module(module_name)
        assert callable(getattr(module, function_name, None)), covering
