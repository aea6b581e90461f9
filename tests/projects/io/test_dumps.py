"""Published dumps: `manage.py build_dumps` writes the public set with a manifest and a
Frictionless Data Package that `frictionless validate` finds valid; /data/ serves them."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

from django.core.management import call_command
from lxml import etree

from projects.models import Contact, Project, Zone
from tests.projects.factories import create, place_in_state


def test_build_dumps_writes_a_valid_data_package_served_under_data(
    tmp_path, settings, client, org_a, org_b, editor_a, editor_b
):
    settings.OPEN_DATA_DUMPS_DIR = tmp_path
    place_in_state(create(Project, org_a, editor_a, ref="TRAIN"), "published")
    place_in_state(create(Project, org_b, editor_b, ref="WEEK", countries=["KZ"]), "archived")
    create(Project, org_a, editor_a, ref="DRAFT")  # not public: not in the dumps
    place_in_state(create(Zone, org_a, editor_a, ref="KHORGOS"), "published")
    place_in_state(create(Contact, org_b, editor_b, ref="HOTLINE"), "published")
    call_command("build_dumps", verbosity=0)

    manifest = json.loads((tmp_path / "manifest.json").read_text())
    files = manifest["files"]
    assert files["projects.csv"]["records"] == 2
    assert files["zones.geojson"]["records"] == 1 and files["contacts.json"]["records"] == 1
    for name, facts in files.items():
        data = (tmp_path / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == facts["sha256"]
        assert len(data) == facts["bytes"]
    projects = json.loads((tmp_path / "projects.json").read_text())
    assert {p["identifier"] for p in projects} == {"CN-XIAN-TRAIN", "KZ-ALA-WEEK"}
    geojson = json.loads((tmp_path / "projects.geojson").read_text())
    assert len(geojson["features"]) == 2
    iati = etree.parse(str(tmp_path / "projects.iati.xml"))
    assert len(iati.findall("iati-activity")) == 2

    # frictionless validate, as a partner runs it.
    result = subprocess.run(
        [
            str(Path(sys.executable).with_name("frictionless")),
            "validate",
            "--json",
            str(tmp_path / "datapackage.json"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    report = json.loads(result.stdout)
    assert report["valid"], json.dumps(report, indent=1)[:4000]
    package = json.loads((tmp_path / "datapackage.json").read_text())
    assert {r["path"] for r in package["resources"]} == {
        "projects.csv",
        "zones.csv",
        "contacts.csv",
    }

    response = client.get("/data/projects.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert b"".join(response.streaming_content) == (tmp_path / "projects.csv").read_bytes()
    served = client.get("/data/manifest.json")
    assert json.loads(b"".join(served.streaming_content)) == manifest
    assert client.get("/data/secrets.txt").status_code == 404
    assert client.get("/data/..%2Fsettings.py").status_code == 404


def test_the_frictionless_check_finds_a_broken_package(tmp_path, settings, org_a, editor_a):
    settings.OPEN_DATA_DUMPS_DIR = tmp_path
    place_in_state(create(Project, org_a, editor_a, ref="TRAIN"), "published")
    call_command("build_dumps", verbosity=0)
    package = json.loads((tmp_path / "datapackage.json").read_text())
    budget = next(f for f in package["resources"][0]["schema"]["fields"] if f["name"] == "title.en")
    budget["type"] = "integer"  # a title is no integer: frictionless must say so
    (tmp_path / "datapackage.json").write_text(json.dumps(package))
    result = subprocess.run(
        [
            str(Path(sys.executable).with_name("frictionless")),
            "validate",
            "--json",
            str(tmp_path / "datapackage.json"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert json.loads(result.stdout)["valid"] is False


def test_data_answers_404_before_any_dump(tmp_path, settings, client, db):
    settings.OPEN_DATA_DUMPS_DIR = tmp_path / "none"
    assert client.get("/data/manifest.json").status_code == 404


def test_the_scheduler_rebuilds_the_dumps(tmp_path, settings, org_a, editor_a):
    """`make beat` runs the dumps' task (CELERY_BEAT_SCHEDULE); run here as the worker would."""
    from registry.celery import app

    settings.OPEN_DATA_DUMPS_DIR = tmp_path
    place_in_state(create(Project, org_a, editor_a), "published")
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "projects.io.jobs.build_dumps" in scheduled
    built = app.tasks["projects.io.jobs.build_dumps"].apply().get()
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert built == len(manifest["files"]) > 0
    assert manifest["files"]["projects.csv"]["records"] == 1
