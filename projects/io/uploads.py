"""Uploads of import files: refused early when too large, never read into memory whole.

A declared Content-Length over the limit is refused before a byte of the body is read. A body
without one (chunked) is counted as it streams in and cut off at the limit. Files over Django's
FILE_UPLOAD_MAX_MEMORY_SIZE go to a temporary file on disk, from which the readers stream.
Upload handlers can only be changed before the body is parsed, so faces call `limit_upload`
before anything (CSRF checks included) reads request.POST.
"""

from __future__ import annotations

from django.core.files.uploadhandler import FileUploadHandler

# Room for the multipart boundaries and headers around the file itself.
MULTIPART_OVERHEAD = 64 * 1024


class UploadTooLarge(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _too_large(limit: int) -> UploadTooLarge:
    return UploadTooLarge(
        f"The file is larger than {limit / 1048576:.0f} MB, the most the import takes. "
        "Split it into several files."
    )


class LimitedUploadHandler(FileUploadHandler):
    """Counts the bytes of the upload and stops it at the limit."""

    def __init__(self, request, limit: int):
        super().__init__(request)
        self.limit = limit
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            raise _too_large(self.limit)
        return raw_data  # the next handler stores it (memory or a temporary file)

    def file_complete(self, file_size):
        return None


def limit_upload(request, limit: int) -> None:
    """Refuse a declared length over `limit` now; cut off an undeclared one at `limit`."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit + MULTIPART_OVERHEAD:
        raise _too_large(limit)
    request.upload_handlers.insert(0, LimitedUploadHandler(request, limit))
