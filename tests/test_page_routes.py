"""Every page route (outside api/ and Django's admin) has a test, and none answers 5xx.

A new page route fails `test_every_page_route_is_covered` until it is named here with the test
that covers it; the walk below then requests it as every kind of visitor, by GET and by an empty
POST, and fails on any server error.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.factories import member

PAGES = "accounts/test_pages.py::"
JOIN = "accounts/test_invitations.py::"
APPLY = "accounts/test_applications.py::"
PUBLIC = "projects/pages/public/"
SIGNED_IN = "projects/pages/signed_in/"
IO = "projects/io/"
WORK = SIGNED_IN + "test_record_forms.py::"
ACTIONS = SIGNED_IN + "test_record_actions.py::"
DOCUMENTS = SIGNED_IN + "test_documents.py::"
ORG = SIGNED_IN + "test_organization_pages.py::"
RESET = "accounts/test_password_reset.py::"
TWO_FACTOR = "accounts/test_two_factor.py::"
COVERED = {
    "home": PAGES + "test_sign_in_then_home_names_the_user_the_organization_and_the_role",
    "healthz": "test_health.py::test_healthz_answers_without_the_database",
    "readyz": "test_health.py::test_readyz_checks_the_database",
    "login": PAGES + "test_login_page_renders_the_form",
    "logout": PAGES + "test_sign_out_is_a_post",
    "password_change": PAGES + "test_password_change",
    "password_change_done": PAGES + "test_password_change",
    "switch_organization": PAGES + "test_switcher_lists_my_organizations_and_switches",
    "set_language": PAGES + "test_language_switcher_on_every_page_switches_to_russian",
    # Joining (issue 17).
    "invitation": JOIN + "test_a_newcomer_creates_an_account_from_the_link_and_works",
    "invitation-resend": JOIN + "test_revoke_asks_first_and_kills_the_link_resend_renews_it",
    "invitation-revoke": JOIN + "test_revoke_asks_first_and_kills_the_link_resend_renews_it",
    "profile": "accounts/test_profile.py::test_profile_needs_sign_in_and_saves_name_and_language",
    "profile-email-confirm": "accounts/test_profile.py::"
    + "test_a_new_address_changes_only_from_the_link_sent_to_it",
    "organization-apply": APPLY + "test_a_city_applies_and_is_told_in_its_language",
    "organization-application": APPLY
    + "test_platform_admin_sees_it_with_likely_duplicates_and_approves",
    "organization-application-approve": APPLY
    + "test_platform_admin_sees_it_with_likely_duplicates_and_approves",
    "organization-application-decline": APPLY
    + "test_decline_needs_a_reason_and_tells_the_applicant",
    # Issue 17: password reset, two-factor sign-in.
    "password_reset": RESET + "test_the_same_answer_whether_or_not_the_address_has_an_account",
    "password_reset_done": RESET + "test_the_same_answer_whether_or_not_the_address_has_an_account",
    "password_reset_confirm": RESET + "test_the_link_sets_a_new_password_once",
    "password_reset_complete": RESET + "test_the_link_sets_a_new_password_once",
    "two-factor": TWO_FACTOR
    + "test_enrolment_shows_the_key_and_qr_code_then_ten_recovery_codes_once",
    "two-factor-verify": TWO_FACTOR + "test_sign_in_asks_for_the_code_after_the_password",
    # Data in and out (issue 9).
    "records-export": IO
    + "test_export.py::test_the_catalogue_pages_export_with_their_query_string",
    "projects-export-iati": IO + "test_iati.py::test_the_catalogue_links_the_iati_export",
    "records-import": IO + "test_import_faces.py::test_page_checks_previews_and_confirms",
    "records-import-confirm": IO + "test_import_faces.py::test_page_checks_previews_and_confirms",
    "records-import-template": IO + "test_export.py::test_import_templates_download_in_each_format",
    "records-import-columns": IO
    + "test_official_words.py::test_the_column_guide_is_a_page_in_three_languages",
    # Open data (issue 20).
    "catalog-ttl": IO + "test_dcat.py::test_the_catalogue_conforms_to_dcat_ap",
    "catalog-jsonld": IO
    + "test_dcat.py::test_the_json_ld_catalogue_is_the_same_graph_and_the_licence_is_configurable",
    "sitemap": IO + "test_sitemap.py::test_the_sitemap_lists_the_public_pages_only",
    "data-file": IO
    + "test_dumps.py::test_build_dumps_writes_a_valid_data_package_served_under_data",
    # Public pages (issue 8).
    "project-list": PUBLIC + "test_catalogue.py::test_catalogue_renders_for_a_visitor_and_a_member",
    "zone-list": PUBLIC + "test_catalogue.py::test_catalogue_renders_for_a_visitor_and_a_member",
    "contact-list": PUBLIC + "test_catalogue.py::test_catalogue_renders_for_a_visitor_and_a_member",
    "project-detail": PUBLIC + "test_detail.py::test_project_page_shows_every_field_and_its_links",
    "zone-detail": PUBLIC + "test_detail.py::test_zone_page_shows_its_projects_contacts_and_map",
    "contact-detail": PUBLIC + "test_detail.py::test_contact_page_shows_how_to_reach_it",
    "map": PUBLIC + "test_map_stats.py::test_map_embeds_the_features_and_lists_them_for_readers",
    "stats": PUBLIC + "test_map_stats.py::test_stats_count_only_what_the_reader_may_see",
    "organization-list": PUBLIC
    + "test_organizations.py::test_directory_lists_active_organizations",
    "organization-detail": PUBLIC + "test_organizations.py::test_organization_page_shows_records",
    # Signed-in pages (issue 8).
    "dashboard": SIGNED_IN + "test_dashboard.py::test_dashboard_lists_what_waits_for_each_role",
    "dashboard-list": SIGNED_IN
    + "test_dashboard.py::test_every_list_counts_all_and_its_pages_walk_every_item_once",
    "project-create": WORK + "test_create_form_keeps_input_and_shows_field_errors",
    "zone-create": WORK + "test_zone_and_contact_forms_create_drafts",
    "contact-create": WORK + "test_zone_and_contact_forms_create_drafts",
    "project-edit": WORK + "test_editing_a_draft_changes_it_in_place",
    "zone-edit": WORK + "test_editing_a_published_record_opens_a_revision",
    "contact-edit": WORK + "test_who_may_open_the_edit_form",
    "project-participant-add": WORK + "test_adding_a_participant_from_the_edit_page",
    "participation-answer": SIGNED_IN + "test_workflow_pages.py::"
    "test_a_project_goes_from_the_form_to_the_public_api",
    "record-action": ACTIONS + "test_forbidden_actions_are_hidden_and_refused",
    "record-decision": SIGNED_IN + "test_decision_form.py::test_a_reviewer_decides_on_one_form",
    "record-discard-revision": ACTIONS + "test_discarding_a_pending_revision",
    "record-delete": ACTIONS + "test_deleting_a_draft",
    "record-documents": DOCUMENTS + "test_each_allowed_type_is_added_listed_and_downloaded",
    "record-document": DOCUMENTS + "test_a_published_records_document_is_public",
    "record-document-delete": DOCUMENTS + "test_removing_a_document_asks_first",
    "record-review": ACTIONS + "test_review_page_shows_the_diff_to_reviewers_only",
    "record-history": ACTIONS + "test_history_is_for_members_and_reviewers",
    "members": ORG + "test_members_page_is_for_admins",
    "member-role": ORG + "test_admin_changes_role_and_removes",
    "member-remove": ORG + "test_admin_changes_role_and_removes",
    "api-keys": ORG + "test_api_key_is_shown_once_and_revoked",
    "api-key-revoke": ORG + "test_api_key_is_shown_once_and_revoked",
    "sister-cities": ORG + "test_sister_city_proposal_and_answer",
    "sister-city-answer": ORG + "test_sister_city_proposal_and_answer",
    "lookup": SIGNED_IN + "test_lookup.py::test_another_organizations_drafts_stay_out",
    # Jobs (issue 19).
    "job": "registry/test_jobs.py::test_the_job_page_shows_the_progress_to_its_owner_only",
}
# Routes with arguments, and the arguments the walk below requests them with.
ROUTE_ARGS = {
    "lookup": ["projects"],
    "records-export": ["projects", "csv"],
    "records-import": ["zones"],
    "records-import-confirm": ["contacts"],
    "password_reset_confirm": ["MQ", "set-password"],
    "records-import-template": ["projects", "xlsx"],
    "records-import-columns": ["zones"],
    "data-file": ["manifest.json"],
    # Public pages (issue 8): identifiers that exist nowhere (the walk needs no 5xx, a 404 is fine).
    "project-detail": ["CN-XIAN-P-0001"],
    "zone-detail": ["CN-XIAN-Z-0001"],
    "contact-detail": ["CN-XIAN-C-0001"],
    "organization-detail": ["xian"],
    # Signed-in pages (issue 8): identifiers that do not exist (404, never 500).
    "project-edit": ["CN-XIAN-NONE"],
    "zone-edit": ["CN-XIAN-NONE"],
    "contact-edit": ["CN-XIAN-NONE"],
    "project-participant-add": ["CN-XIAN-NONE"],
    "participation-answer": ["CN-XIAN-NONE", 1, "confirm"],
    "record-action": ["projects", "CN-XIAN-NONE", "submit"],
    "record-decision": ["projects", "CN-XIAN-NONE"],
    "record-discard-revision": ["zones", "CN-XIAN-NONE"],
    "record-delete": ["contacts", "CN-XIAN-NONE"],
    "record-documents": ["projects", "CN-XIAN-NONE"],
    "record-document": ["zones", "CN-XIAN-NONE", 1],
    "record-document-delete": ["contacts", "CN-XIAN-NONE", 1],
    "record-review": ["projects", "CN-XIAN-NONE"],
    "record-history": ["zones", "CN-XIAN-NONE"],
    "member-role": [1],
    "invitation": ["no-such-token"],
    "invitation-resend": [1],
    "invitation-revoke": [1],
    "organization-application": [1],
    "profile-email-confirm": ["no-such-token"],
    "organization-application-approve": [1],
    "organization-application-decline": [1],
    "member-remove": [1],
    "api-key-revoke": ["nokey123"],
    "sister-city-answer": [1, "accept"],
    "job": [1],
    "dashboard-list": ["stale"],
}
SKIPPED_PREFIXES = (
    "api/",
    "admin/",
)  # the API has tests/projects/api/test_routes.py; the admin is Django's


def page_routes(patterns=None, prefix=""):
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from page_routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern) and not route.startswith(SKIPPED_PREFIXES):
            yield pattern.name, pattern


def test_every_page_route_is_covered():
    names = [name for name, _ in page_routes()]
    assert None not in names, "every page route needs a name"
    assert sorted(names) == sorted(COVERED)


def test_every_named_test_exists():
    from pathlib import Path

    tests_dir = Path(__file__).parent
    for target in set(COVERED.values()):
        path, test_name = target.split("::")
        assert f"def {test_name}(" in (tests_dir / path).read_text(), target


@pytest.fixture
def visitors(org_a, platform_admin, outsider):
    return {
        "anonymous": None,
        "outsider": outsider,
        "editor": member(org_a, "editor"),
        "platform_admin": platform_admin,
    }


@pytest.mark.parametrize("name", sorted(COVERED))
def test_no_page_answers_a_server_error(name, client, visitors):
    url = reverse(name, args=ROUTE_ARGS.get(name, []))
    for who, user in visitors.items():
        client.logout()
        if user is not None:
            client.force_login(user)
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code < 500, f"{method.__name__} {url} as {who}"
