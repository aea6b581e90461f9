"""Someone nobody knows may send at most ANONYMOUS_MAX_BODY_BYTES (issue 17, finding 8),
refused from Content-Length before the body is read: a 40 MB "sign-in" is answered 413 unread."""

import io
import socket

FORTY_MB = 40 * 1024 * 1024


class ExplodingStream(io.RawIOBase):
    """A body that fails the test if anything reads a byte of it."""

    def readable(self):
        return True

    def readinto(self, buffer):
        raise AssertionError("the body was read")


def multipart_headers(length):
    return {
        "CONTENT_TYPE": "multipart/form-data; boundary=xyz",
        "CONTENT_LENGTH": str(length),
        "wsgi.input": ExplodingStream(),
    }


def test_a_40_mb_multipart_sign_in_is_refused_unread(client, db):
    response = client.generic("POST", "/accounts/login/", **multipart_headers(FORTY_MB))
    assert response.status_code == 413
    assert "larger than this site accepts at once (1.0 MB)" in response.content.decode()


def test_a_body_just_under_the_limit_is_read_as_usual(client, db, settings):
    settings.ANONYMOUS_MAX_BODY_BYTES = 2_000
    response = client.post("/accounts/login/", {"username": "x", "password": "y" * 1_000})
    assert response.status_code == 200  # the form, with its error
    response = client.post("/accounts/login/", {"username": "x", "password": "y" * 3_000})
    assert response.status_code == 413


def test_the_api_answers_json_and_a_made_up_session_is_no_pass(client, db, settings):
    settings.ANONYMOUS_MAX_BODY_BYTES = 1_000
    client.cookies[settings.SESSION_COOKIE_NAME] = "made-up-session-key"
    response = client.generic(
        "POST", "/api/v1/projects/", "x" * 2_000, content_type="application/json"
    )
    assert response.status_code == 413 and response.json()["code"] == "payload_too_large"


def test_a_signed_in_person_may_send_more(client, editor_a, settings):
    settings.ANONYMOUS_MAX_BODY_BYTES = 1_000
    client.force_login(editor_a)
    response = client.post("/accounts/password/", {"old_password": "x" * 2_000})
    assert response.status_code == 200  # the form with its errors, not a 413


def test_over_a_socket_the_server_answers_before_the_body_arrives(db, live_server):
    """A real client announces 40 MB and sends nothing: the answer comes at once."""
    host, port = live_server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(
            b"POST /accounts/login/ HTTP/1.1\r\nHost: localhost\r\n"
            b"Content-Type: multipart/form-data; boundary=xyz\r\n"
            + f"Content-Length: {FORTY_MB}\r\n\r\n".encode()
        )
        first = sock.recv(64).decode("latin-1")
    assert first.startswith("HTTP/1.1 413")
