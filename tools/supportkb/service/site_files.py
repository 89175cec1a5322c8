"""The built site as static files, answered whole while `kb serve --watch` swaps sites.

`kb build` builds into a new folder and exchanges it with the site folder in one step
(`supportkb.site.build`), and Starlette's `StaticFiles` keeps the folder's path, not the
folder: after a swap, the next request reads the new site. One gap is left in Starlette's own
order of work: it looks a file up (`os.stat`: its size becomes Content-Length) and opens it by
its path later, when the answer is sent. A swap in between sends one site's length with the
other site's bytes (the connection is then broken off: "Response content longer than
Content-Length"), or finds no file (a 500). `SiteFiles` opens the file as it answers and
takes the size from the open file; the answer is sent from that open file (through
/proc/self/fd), so it is one site's page, whole, whichever site is in place a moment later.
"""

from __future__ import annotations

import os
import stat
import sys
from mimetypes import guess_type

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.responses import FileResponse, Response
from starlette.staticfiles import NotModifiedResponse, StaticFiles
from starlette.types import Receive, Scope, Send

_PINNED = sys.platform.startswith("linux") and os.path.isdir("/proc/self/fd")


class _OpenFileResponse(FileResponse):
    """A file answered from a file descriptor already open, closed once the answer is sent
    (or could not be)."""

    def __init__(self, fd: int, full_path: str, stat_result: os.stat_result, status: int) -> None:
        media_type = guess_type(full_path)[0] or "text/plain"
        super().__init__(
            f"/proc/self/fd/{fd}",
            status_code=status,
            media_type=media_type,
            stat_result=stat_result,
        )
        self.fd = fd

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            os.close(self.fd)


class SiteFiles(StaticFiles):
    """Starlette's `StaticFiles` whose file answers are pinned to the file opened."""

    def file_response(
        self,
        full_path: str | os.PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        if not _PINNED:
            return super().file_response(full_path, stat_result, scope, status_code)
        try:
            fd = os.open(full_path, os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:  # swapped away since it was looked up: not in this site
            raise HTTPException(status_code=404) from None
        try:
            opened = os.fstat(fd)
            if not stat.S_ISREG(opened.st_mode):
                raise HTTPException(status_code=404)
            response = _OpenFileResponse(fd, str(full_path), opened, status_code)
        except BaseException:
            os.close(fd)
            raise
        if self.is_not_modified(response.headers, Headers(scope=scope)):
            os.close(fd)
            return NotModifiedResponse(response.headers)
        return response
