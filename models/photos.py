"""Photos: the one pipeline every uploaded or generated image goes through.

An upload is checked and re-encoded in memory (`process_image`), then written
under the upload folder with a random name, atomically (`write_files`), and only
then recorded in the database. A crash therefore leaves at worst an orphan file
(found and removed by `flask check --fix`), never a row without its files or a
half-written file.
"""

import io
import json
import logging
import os
import re
import secrets
import tempfile
import time
import warnings
from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l
from peewee import CharField, DateTimeField, ForeignKeyField, IntegerField
from PIL import Image, ImageOps, UnidentifiedImageError

from .db import BaseModel
from .errors import DomainError
from .users import User, utcnow

log = logging.getLogger("flea_market")

MAX_BYTES = 10 * 1024 * 1024
# Photos a listing can have (the first is its main photo).
MAX_PHOTOS = 8
MAX_PIXELS = 40_000_000
DISPLAY_BOX = (1600, 1600)
THUMB_BOX = (480, 480)
# The formats we decode at all; anything else is refused before decoding.
ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
ALLOWED_EXTENSIONS = {".jpg", ".jpeg", ".jpe", ".png", ".webp", ".gif"}
# What each accepted format is stored as. GIF becomes a still PNG of its first frame.
STORED_AS = {"JPEG": ("JPEG", "jpg"), "PNG": ("PNG", "png"), "WEBP": ("WEBP", "webp"), "GIF": ("PNG", "png")}
CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}


class PhotoError(ValueError):
    """An upload that is not an acceptable photo; the message is shown next to the field."""


class PhotoStorageError(DomainError):
    """The photo could not be written (disk full, read-only or unwritable upload folder).

    Shown on the form like any other refusal, so what the user typed is kept.
    """

    def __init__(self, error=None):
        super().__init__(
            _l("Photos can't be stored right now. Try again later, or save without a photo."), field="photo"
        )
        self.error = error


class PhotoName:
    """Just enough of a photo to link to it (lists read only the stem and extension)."""

    __slots__ = ("stem", "ext")

    def __init__(self, stem, ext):
        self.stem, self.ext = stem, ext

    @property
    def filename(self):
        return f"{self.stem}.{self.ext}"

    @property
    def thumb_filename(self):
        return f"{self.stem}.thumb.{self.ext}"


class Photo(BaseModel):
    """One stored image: `<stem>.<ext>` for display and `<stem>.thumb.<ext>` for lists."""

    stem = CharField(max_length=40, unique=True)
    ext = CharField(max_length=8)
    width = IntegerField()
    height = IntegerField()
    uploaded_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)

    @property
    def filename(self):
        return PhotoName(self.stem, self.ext).filename

    @property
    def thumb_filename(self):
        return PhotoName(self.stem, self.ext).thumb_filename

    @property
    def content_type(self):
        return CONTENT_TYPES[self.ext]


@dataclass
class ProcessedImage:
    """A re-encoded image held in memory, ready to be written."""

    display: bytes
    thumb: bytes
    ext: str
    width: int
    height: int


def upload_dir():
    return current_app.config["UPLOAD_DIR"]


def _check_name(filename):
    ext = os.path.splitext(filename or "")[1].lower()
    if filename and ext not in ALLOWED_EXTENSIONS:
        raise PhotoError(_l("Only JPEG, PNG, WebP or GIF photos can be uploaded."))


def _fit(size, box):
    """The size `size` scaled down to fit in `box`, keeping the aspect ratio."""
    w, h = size
    scale = min(box[0] / w, box[1] / h, 1.0)
    return max(1, round(w * scale)), max(1, round(h * scale))


def _encode(image, fmt):
    out = io.BytesIO()
    if fmt == "JPEG":
        if image.mode != "RGB":
            image = image.convert("RGB")
        # Baseline with optimised Huffman tables: smaller than plain, twice as fast as progressive.
        image.save(out, "JPEG", quality=85, optimize=True)
    elif fmt == "WEBP":
        if image.mode not in ("RGB", "RGBA"):
            image = image.convert("RGBA")
        image.save(out, "WEBP", quality=82, method=4)
    else:
        if image.mode not in ("RGB", "RGBA", "L", "LA"):
            image = image.convert("RGBA")
        image.save(out, "PNG", optimize=False)
    # No `exif=` or `pnginfo=` is passed, so no metadata (GPS included) survives.
    return out.getvalue()


def process_image(data, filename=None):
    """Check and re-encode raw image bytes; raise PhotoError with a readable reason."""
    _check_name(filename)
    if len(data) > MAX_BYTES:
        raise PhotoError(_l("The photo is larger than 10 MB."))
    if not data:
        raise PhotoError(_l("The file is empty."))
    try:
        with warnings.catch_warnings():
            # Pillow only warns between its own limit and twice that; treat it as a refusal.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS) as probe:
                fmt = probe.format
                width, height = probe.size
                # Checked from the header, before anything is decoded.
                if width * height > MAX_PIXELS:
                    raise PhotoError(_l("The photo is larger than 40 megapixels."))
                probe.verify()
            image = Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS)
            if fmt == "JPEG":
                # Let the JPEG decoder scale down while decoding: several times faster.
                # The display box is square, so EXIF rotation does not change the target.
                image.draft("RGB", _fit((width, height), DISPLAY_BOX))
            image.load()
    except PhotoError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoError(_l("The photo is larger than 40 megapixels.")) from None
    except UnidentifiedImageError:
        raise PhotoError(_l("This file is not a JPEG, PNG, WebP or GIF image.")) from None
    except (OSError, SyntaxError, ValueError, EOFError, TypeError, IndexError, KeyError):
        raise PhotoError(_l("The image is damaged or incomplete.")) from None

    try:
        image = ImageOps.exif_transpose(image)
        if fmt == "GIF":
            image = image.convert("RGBA")
        out_fmt, ext = STORED_AS[fmt]
        display = image
        if display.size != _fit(display.size, DISPLAY_BOX):
            display = display.resize(_fit(display.size, DISPLAY_BOX), Image.Resampling.LANCZOS)
        # One resize with a reducing gap: as sharp as thumbnail(), about twice as fast.
        thumb = display.resize(_fit(display.size, THUMB_BOX), Image.Resampling.LANCZOS, reducing_gap=1.5)
        return ProcessedImage(
            display=_encode(display, out_fmt),
            thumb=_encode(thumb, out_fmt),
            ext=ext,
            width=display.width,
            height=display.height,
        )
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        raise PhotoError(_l("The image is damaged or incomplete.")) from exc


def _process_umask():
    umask = os.umask(0o077)
    os.umask(umask)
    return umask


# The mode `open()` gives a new file under the process's umask (read once, at import, while
# single-threaded). mkstemp's own 0600 would hide the photos from a front server that sends
# them itself (nginx through X-Accel-Redirect runs as another user; deploy/README.md).
FILE_MODE = 0o666 & ~_process_umask()


def _write_atomic(path, data):
    directory = os.path.dirname(path)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".upload-", suffix=".tmp")
    try:
        os.fchmod(fd, FILE_MODE)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def new_stem():
    return secrets.token_hex(16)


def write_files(processed, directory=None):
    """Write both sizes under a fresh random name; return the stem."""
    directory = directory or upload_dir()
    os.makedirs(directory, exist_ok=True)
    stem = new_stem()
    display_path = os.path.join(directory, f"{stem}.{processed.ext}")
    thumb_path = os.path.join(directory, f"{stem}.thumb.{processed.ext}")
    try:
        _write_atomic(thumb_path, processed.thumb)
        _write_atomic(display_path, processed.display)
    except BaseException:
        remove_files(stem, processed.ext, directory)
        raise
    return stem


def remove_files(stem, ext, directory=None):
    """Remove both sizes; a file that can't be removed is logged (an orphan for `check --fix`)."""
    directory = directory or upload_dir()
    for name in (f"{stem}.{ext}", f"{stem}.thumb.{ext}"):
        try:
            os.unlink(os.path.join(directory, name))
        except FileNotFoundError:
            pass
        except OSError as exc:
            # Cleaning up must not hide the error that made us clean up.
            log.warning("could not remove %s: %s", name, exc)


def file_path(photo, thumb=False):
    """Where a stored photo lives; built from the row, never from request input."""
    return os.path.join(upload_dir(), photo.thumb_filename if thumb else photo.filename)


class StagedPhoto:
    """Files written to disk whose row is created inside the caller's transaction.

    Use as a context manager: if the block raises, the files are removed, so a
    failed transaction leaves no orphan behind.
    """

    def __init__(self, processed, uploaded_by=None):
        self.processed = processed
        self.uploaded_by = uploaded_by
        self.stem = None

    def __enter__(self):
        try:
            self.stem = write_files(self.processed)
        except OSError as exc:
            log.error("photo not stored: %s", exc)
            raise PhotoStorageError(exc) from exc
        return self

    def create_row(self):
        return Photo.create(
            stem=self.stem,
            ext=self.processed.ext,
            width=self.processed.width,
            height=self.processed.height,
            uploaded_by=self.uploaded_by,
        )

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            remove_files(self.stem, self.processed.ext)
        return False


def delete_photo(photo):
    """Remove a photo row and then its files (call after the change is committed)."""
    Photo.delete().where(Photo.id == photo.id).execute()
    remove_files(photo.stem, photo.ext)


# Files younger than this may belong to an upload whose transaction is still running.
ORPHAN_GRACE_SECONDS = 600


def find_orphans(now=None):
    """What a crash can leave behind: files without a row, rows without files.

    Returns (orphan_files, photos_missing_files). Files written in the last
    ORPHAN_GRACE_SECONDS are left out: their upload may still be committing.
    """
    import time

    now = now or time.time()
    directory = upload_dir()
    known = {}
    for photo in Photo.select(Photo.id, Photo.stem, Photo.ext):
        known[photo.filename] = photo
        known[photo.thumb_filename] = photo
    orphan_files = []
    present = set()
    for name in sorted(os.listdir(directory)) if os.path.isdir(directory) else []:
        path = os.path.join(directory, name)
        if not os.path.isfile(path) or name.startswith(".git"):
            continue
        present.add(name)
        if name not in known and now - os.path.getmtime(path) > ORPHAN_GRACE_SECONDS:
            orphan_files.append(name)
    missing = [photo for name, photo in known.items() if name not in present]
    return orphan_files, sorted({p.id: p for p in missing}.values(), key=lambda p: p.id)


# ---------------------------------------------------------------- kept across a refused form
#
# A photo chosen on a form that is refused for another field is kept under a
# random token in UPLOAD_DIR/.staged/ (`<token>.json` says whose it is, and the
# two re-encoded sizes sit beside it), so that submitting again without choosing
# it again uses it. Only its uploader can use a token; it expires after
# STAGED_PHOTO_TTL seconds and is removed on use or by `purge_staged()`.

STAGED_DIR = ".staged"
_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{32,64}$")


@dataclass
class KeptPhoto:
    """A staged photo as its uploader gets it back."""

    token: str
    filename: str
    processed: ProcessedImage


def staged_dir():
    return os.path.join(upload_dir(), STAGED_DIR)


def _staged_ttl():
    return current_app.config["STAGED_PHOTO_TTL"]


def _staged_paths(token, ext=None):
    directory = staged_dir()
    meta = os.path.join(directory, f"{token}.json")
    if ext is None:
        return meta, None, None
    return meta, os.path.join(directory, f"{token}.{ext}"), os.path.join(directory, f"{token}.thumb.{ext}")


def _read_meta(token):
    if not isinstance(token, str) or not _TOKEN_RE.match(token):
        return None
    meta_path, _d, _t = _staged_paths(token)
    try:
        with open(meta_path, encoding="utf-8") as fh:
            meta = json.load(fh)
        age = time.time() - os.path.getmtime(meta_path)
    except (OSError, ValueError):
        return None
    if not isinstance(meta, dict) or meta.get("ext") not in CONTENT_TYPES or age > _staged_ttl():
        return None
    return meta


def stage_photo(processed, user_id, filename):
    """Keep a processed photo for its uploader; return its token. Raises PhotoStorageError."""
    purge_staged()
    token = secrets.token_urlsafe(32)
    meta_path, display_path, thumb_path = _staged_paths(token, processed.ext)
    name = os.path.basename((filename or "").replace("\\", "/"))[:120] or "photo"
    meta = {"user_id": user_id, "filename": name, "ext": processed.ext}
    meta.update(width=processed.width, height=processed.height)
    try:
        os.makedirs(staged_dir(), exist_ok=True)
        _write_atomic(display_path, processed.display)
        _write_atomic(thumb_path, processed.thumb)
        # The meta file last: a token is usable only once its images are complete.
        _write_atomic(meta_path, json.dumps(meta).encode("utf-8"))
    except OSError as exc:
        discard_staged(token, user_id, force=True, ext=processed.ext)
        log.error("photo not kept: %s", exc)
        raise PhotoStorageError(exc) from exc
    return token


def staged_meta(token, user_id):
    """The kept photo's description (filename, ext) if `token` is the user's and still valid, else None."""
    meta = _read_meta(token)
    if meta is None or meta.get("user_id") != user_id:
        return None
    return meta


def load_staged(token, user_id):
    """The user's kept photo for `token`, or None (unknown, forged, expired or someone else's)."""
    meta = staged_meta(token, user_id)
    if meta is None:
        return None
    _m, display_path, thumb_path = _staged_paths(token, meta["ext"])
    try:
        with open(display_path, "rb") as fh:
            display = fh.read()
        with open(thumb_path, "rb") as fh:
            thumb = fh.read()
    except OSError:
        return None
    processed = ProcessedImage(
        display=display, thumb=thumb, ext=meta["ext"], width=int(meta["width"]), height=int(meta["height"])
    )
    return KeptPhoto(token=token, filename=meta["filename"], processed=processed)


def staged_file(token, user_id, thumb=True):
    """The path of a kept photo's file for its uploader (the form's preview), or None."""
    meta = staged_meta(token, user_id)
    if meta is None:
        return None, None
    _m, display_path, thumb_path = _staged_paths(token, meta["ext"])
    return (thumb_path if thumb else display_path), CONTENT_TYPES[meta["ext"]]


def discard_staged(token, user_id, force=False, ext=None):
    """Remove a kept photo once used (only its uploader's, unless `force`)."""
    if not force:
        meta = staged_meta(token, user_id)
        if meta is None:
            return
        ext = meta["ext"]
    meta_path, display_path, thumb_path = _staged_paths(token, ext or "jpg")
    for path in (meta_path, display_path, thumb_path):
        try:
            os.unlink(path)
        except OSError:
            pass


def purge_staged(now=None):
    """Remove kept photos older than STAGED_PHOTO_TTL (and leftovers of failed writes); return how many files."""
    directory = staged_dir()
    if not os.path.isdir(directory):
        return 0
    now = now or time.time()
    removed = 0
    for name in os.listdir(directory):
        path = os.path.join(directory, name)
        try:
            if now - os.path.getmtime(path) > _staged_ttl():
                os.unlink(path)
                removed += 1
        except OSError:
            pass
    return removed
