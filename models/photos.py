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
from dataclasses import dataclass, field

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
# WebP copies at the sizes pages show them (`<stem>.w<box>.webp`, each fitting a square box of
# that many pixels): 240 and 480 for cards and the gallery strip, 960 and the display size for
# the item page's main photo. Pages offer them in `srcset`; the original format stays the
# full-size photo (the link target) and the `src` fallback. A photo stored before they existed
# is served its thumbnail or display file under these names until `check --fix` makes them.
WEBP_BOXES = (240, 480, 960, DISPLAY_BOX[0])
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


def webp_filename(stem, box):
    """The name of a photo's WebP copy that fits a `box` px square."""
    return f"{stem}.w{box}.webp"


def required_filenames(stem, ext):
    """The files every stored photo has had from the first release: display and thumbnail."""
    return [f"{stem}.{ext}", f"{stem}.thumb.{ext}"]


def all_filenames(stem, ext):
    """Every file of a stored photo: the two of `required_filenames` and the WebP copies."""
    return [*required_filenames(stem, ext), *(webp_filename(stem, box) for box in WEBP_BOXES)]


def webp_sizes(width, height, largest=None):
    """The WebP copies worth offering for a display of `width` x `height`, up to the `largest`
    box: [(box, width, height)] with distinct widths (a small photo's larger boxes are the
    same image, as nothing is scaled up)."""
    sizes = []
    for box in WEBP_BOXES:
        if largest is not None and box > largest:
            break
        w, h = _fit((width, height), (box, box))
        if not sizes or w > sizes[-1][1]:
            sizes.append((box, w, h))
    return sizes


class _PhotoFiles:
    """The names of a photo's files, from its stem and extension (and size, for `webp_sizes`)."""

    __slots__ = ()

    @property
    def filename(self):
        return f"{self.stem}.{self.ext}"

    @property
    def thumb_filename(self):
        return f"{self.stem}.thumb.{self.ext}"

    def webp_filename(self, box):
        return webp_filename(self.stem, box)

    @property
    def thumb_size(self):
        """The thumbnail's width and height (None without the display size)."""
        if not self.width or not self.height:
            return None
        return _fit((self.width, self.height), THUMB_BOX)

    def webp_sizes(self, largest=None):
        """See `webp_sizes`; empty without the display size."""
        if not self.width or not self.height:
            return []
        return webp_sizes(self.width, self.height, largest)


class PhotoName(_PhotoFiles):
    """Just enough of a photo to link to it (lists read only the stem, extension and size)."""

    __slots__ = ("stem", "ext", "width", "height")

    def __init__(self, stem, ext, width=None, height=None):
        self.stem, self.ext, self.width, self.height = stem, ext, width, height


class Photo(_PhotoFiles, BaseModel):
    """One stored image: `<stem>.<ext>` for display, `<stem>.thumb.<ext>` for lists and the
    WebP copies `<stem>.w<box>.webp` (WEBP_BOXES)."""

    stem = CharField(max_length=40, unique=True)
    ext = CharField(max_length=8)
    width = IntegerField()
    height = IntegerField()
    uploaded_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)

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
    # {box: WebP bytes} for each of WEBP_BOXES.
    webp: dict = field(default_factory=dict)


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
            webp=_webp_copies(display),
        )
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        raise PhotoError(_l("The image is damaged or incomplete.")) from exc


def _webp_copies(display):
    """{box: WebP bytes} of the display image for each of WEBP_BOXES, largest first, each
    scaled from the one before it (cheaper than from the display every time, as sharp)."""
    copies = {}
    image = display
    for box in sorted(WEBP_BOXES, reverse=True):
        size = _fit(display.size, (box, box))
        if image.size != size:
            image = image.resize(size, Image.Resampling.LANCZOS, reducing_gap=1.5)
        copies[box] = _encode(image, "WEBP")
    return copies


def webp_copies_of(data):
    """The WebP copies made from a stored display file's bytes (photos stored before they existed)."""
    with Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS) as image:
        image.load()
        return _webp_copies(image)


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


def _files_of(processed, stem):
    """[(file name, bytes)] of a processed photo stored under `stem`; the display file last."""
    if set(processed.webp) != set(WEBP_BOXES):
        raise ValueError("a processed photo without its WebP copies")
    display, thumb = required_filenames(stem, processed.ext)
    files = [(webp_filename(stem, box), processed.webp[box]) for box in WEBP_BOXES]
    return [*files, (thumb, processed.thumb), (display, processed.display)]


def write_files(processed, directory=None):
    """Write every size (display, thumbnail, WebP copies) under a fresh random name; return the stem.

    Each file is written atomically; if one fails, those written are removed.
    """
    directory = directory or upload_dir()
    os.makedirs(directory, exist_ok=True)
    stem = new_stem()
    try:
        for name, data in _files_of(processed, stem):
            _write_atomic(os.path.join(directory, name), data)
    except BaseException:
        remove_files(stem, processed.ext, directory)
        raise
    return stem


def remove_files(stem, ext, directory=None):
    """Remove every size; a file that can't be removed is logged (an orphan for `check --fix`)."""
    directory = directory or upload_dir()
    for name in all_filenames(stem, ext):
        try:
            os.unlink(os.path.join(directory, name))
        except FileNotFoundError:
            pass
        except OSError as exc:
            # Cleaning up must not hide the error that made us clean up.
            log.warning("could not remove %s: %s", name, exc)


def file_path(photo, thumb=False, webp=None):
    """Where a stored photo lives (its thumbnail with `thumb`, its WebP copy for the `webp` box);
    built from the row, never from request input."""
    if webp is not None:
        name = photo.webp_filename(webp)
    else:
        name = photo.thumb_filename if thumb else photo.filename
    return os.path.join(upload_dir(), name)


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
    required = {}
    for photo in Photo.select(Photo.id, Photo.stem, Photo.ext):
        for name in all_filenames(photo.stem, photo.ext):
            known[name] = photo
        for name in required_filenames(photo.stem, photo.ext):
            required[name] = photo
    orphan_files = []
    present = set()
    for name in sorted(os.listdir(directory)) if os.path.isdir(directory) else []:
        path = os.path.join(directory, name)
        if not os.path.isfile(path) or name.startswith(".git"):
            continue
        present.add(name)
        if name not in known and now - os.path.getmtime(path) > ORPHAN_GRACE_SECONDS:
            orphan_files.append(name)
    # Only the display file and the thumbnail make a photo whole: a photo stored before the WebP
    # copies existed lacks those (`without_webp`), and is served its older files instead.
    missing = [photo for name, photo in required.items() if name not in present]
    return orphan_files, sorted({p.id: p for p in missing}.values(), key=lambda p: p.id)


def without_webp():
    """Photos whose display file is there but some WebP copy is not (stored before they existed)."""
    directory = upload_dir()
    present = set(os.listdir(directory)) if os.path.isdir(directory) else set()
    found = []
    for photo in Photo.select(Photo.id, Photo.stem, Photo.ext).order_by(Photo.id):
        if photo.filename in present and any(photo.webp_filename(box) not in present for box in WEBP_BOXES):
            found.append(photo)
    return found


def make_webp(photo):
    """Write the WebP copies of a stored photo from its display file; False (logged) if it can't."""
    try:
        with open(file_path(photo), "rb") as fh:
            copies = webp_copies_of(fh.read())
        for box, data in copies.items():
            _write_atomic(file_path(photo, webp=box), data)
    except (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError) as exc:
        log.warning("no WebP copies for photo %s: %s", photo.id, exc)
        return False
    return True


# ---------------------------------------------------------------- kept across a refused form
#
# A photo chosen on a form that is refused for another field is kept under a
# random token in UPLOAD_DIR/.staged/ (`<token>.json` says whose it is, and the
# re-encoded sizes and WebP copies sit beside it), so that submitting again without choosing
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
    """(meta, display, thumb, {box: webp}) paths of a kept photo; only the meta without `ext`."""
    directory = staged_dir()
    meta = os.path.join(directory, f"{token}.json")
    if ext is None:
        return meta, None, None, {}
    display, thumb = (os.path.join(directory, name) for name in required_filenames(token, ext))
    webp = {box: os.path.join(directory, webp_filename(token, box)) for box in WEBP_BOXES}
    return meta, display, thumb, webp


def _read_meta(token):
    if not isinstance(token, str) or not _TOKEN_RE.match(token):
        return None
    meta_path = _staged_paths(token)[0]
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
    meta_path, display_path, thumb_path, webp_paths = _staged_paths(token, processed.ext)
    name = os.path.basename((filename or "").replace("\\", "/"))[:120] or "photo"
    meta = {"user_id": user_id, "filename": name, "ext": processed.ext}
    meta.update(width=processed.width, height=processed.height)
    try:
        os.makedirs(staged_dir(), exist_ok=True)
        for box, path in webp_paths.items():
            _write_atomic(path, processed.webp[box])
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
    _m, display_path, thumb_path, webp_paths = _staged_paths(token, meta["ext"])
    try:
        with open(display_path, "rb") as fh:
            display = fh.read()
        with open(thumb_path, "rb") as fh:
            thumb = fh.read()
        webp = {}
        for box, path in webp_paths.items():
            with open(path, "rb") as fh:
                webp[box] = fh.read()
    except FileNotFoundError:
        # Kept by a release without WebP copies (an upgrade while a form was refused): make them.
        try:
            webp = webp_copies_of(display)
        except (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError):
            return None
    except OSError:
        return None
    processed = ProcessedImage(
        display=display,
        thumb=thumb,
        ext=meta["ext"],
        width=int(meta["width"]),
        height=int(meta["height"]),
        webp=webp,
    )
    return KeptPhoto(token=token, filename=meta["filename"], processed=processed)


def staged_file(token, user_id, thumb=True):
    """The path of a kept photo's file for its uploader (the form's preview), or None."""
    meta = staged_meta(token, user_id)
    if meta is None:
        return None, None
    _m, display_path, thumb_path, _w = _staged_paths(token, meta["ext"])
    return (thumb_path if thumb else display_path), CONTENT_TYPES[meta["ext"]]


def discard_staged(token, user_id, force=False, ext=None):
    """Remove a kept photo once used (only its uploader's, unless `force`)."""
    if not force:
        meta = staged_meta(token, user_id)
        if meta is None:
            return
        ext = meta["ext"]
    meta_path, display_path, thumb_path, webp_paths = _staged_paths(token, ext or "jpg")
    for path in (meta_path, display_path, thumb_path, *webp_paths.values()):
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
