"""Fetch new listings from public APIs (Hugging Face Daily Papers, arXiv) into the data directory.

Each date or arXiv id becomes one listing file in the JSON format of `leaderboard.sources.listing`:

* `DATA/hf-daily-papers/YYYY-MM-DD.json` from `GET {api_url}/api/daily_papers?date=YYYY-MM-DD`;
* `DATA/arxiv/<id>.json` from `GET {api_url}/api/query?id_list=ID,ID&max_results=N` (Atom).

The listing files are the cache: a date or id whose file exists is not fetched again unless
`refresh` is set, and because every file is written atomically once its response has been
checked, an interrupted or failed run keeps what it finished and the next run resumes after it.
Daily Papers keeps growing during the day, so today's (UTC) listing and later ones are always
fetched again. An optional `cache_dir` also keeps the raw responses (safe to delete at any time).

HTTP: one `requests.Session` with a User-Agent, connect/read timeouts, and retries (urllib3's `Retry`,
mounted on the session) with exponential backoff on connection errors, timeouts, 429 and 5xx,
honouring `Retry-After` up to a cap.
`HttpSettings` holds these settings for both sources (and `sync`).
The library never prints: pass `progress(item, outcome)` to hear about each date or id.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import MaxRetryError, NewConnectionError, ResponseError
from urllib3.exceptions import TimeoutError as UrllibTimeout
from urllib3.util import Retry

from .. import __version__
from ..errors import FetchError
from .listing import SOURCE_ARXIV, SOURCE_HF_DAILY_PAPERS, listing_paper, write_listing, write_text_atomic

DEFAULT_HF_API = "https://huggingface.co"
DEFAULT_ARXIV_API = "https://export.arxiv.org"
USER_AGENT = f"leaderboard/{__version__} (+https://github.com/OWNER/leaderboard)"
DEFAULT_TIMEOUT = 30.0  # seconds to wait for the server's answer (read timeout)
MAX_CONNECT_TIMEOUT = 10.0
DEFAULT_RETRIES = 4  # retries after the first attempt
BACKOFF_SECONDS = 1.0  # first wait; doubles on every retry
MAX_WAIT_SECONDS = 60.0  # longest wait between attempts; a longer Retry-After gives up instead
ARXIV_BATCH = 50  # ids per arXiv query
ARXIV_INTERVAL_SECONDS = 3.0  # arXiv asks clients to leave 3 s between requests

# (item, outcome): item is a date ("2025-06-30") or an arXiv id; outcome "fetched" or "cached".
ProgressCallback = Callable[[str, str], None]
Sleep = Callable[[float], None]

_ATOM = "{http://www.w3.org/2005/Atom}"
_NEW_ARXIV_ID = re.compile(r"^\d{4}\.\d{4,5}$")
_OLD_ARXIV_ID = re.compile(r"^[a-z][a-z.-]*(?:\.[A-Z]{2})?/\d{7}$")
_ARXIV_ID_PREFIX = re.compile(r"^(?:arxiv:|https?://(?:export\.)?arxiv\.org/(?:abs|pdf)/)", re.IGNORECASE)
_VERSION_SUFFIX = re.compile(r"v\d+$")


@dataclass(frozen=True)
class FetchSummary:
    """What a fetch did: listings written, listings already there (skipped), papers written."""

    written: tuple[Path, ...] = ()
    cached: tuple[Path, ...] = ()
    papers: int = 0


# --- HTTP ------------------------------------------------------------------------------------


def new_session() -> requests.Session:
    """A session that names this tool to the servers it calls."""
    session = requests.Session()
    session.headers["User-Agent"] = USER_AGENT
    return session


RETRY_STATUSES = frozenset({429, *range(500, 600)})


class _Retry(Retry):
    """urllib3's Retry with the waits this module promises: BACKOFF_SECONDS before the first retry,
    doubling on each one (urllib3's own backoff starts at the second), at most MAX_WAIT_SECONDS; a
    Retry-After (seconds or an HTTP date) instead when the server sends one, and a longer one than
    MAX_WAIT_SECONDS ends the retries at once (`HttpClient` then says so). Each wait is at least
    `least_wait` (a server's politeness interval) and goes through `wait`, which tests replace."""

    wait: Sleep = staticmethod(time.sleep)
    least_wait: float = 0.0

    def new(self, **kw) -> _Retry:
        retry = super().new(**kw)
        retry.wait, retry.least_wait = self.wait, self.least_wait
        return retry

    def increment(self, method=None, url=None, response=None, error=None, _pool=None, _stacktrace=None) -> _Retry:
        asked = _retry_after(response)
        if asked is not None and asked > MAX_WAIT_SECONDS:
            raise MaxRetryError(_pool, url, ResponseError(f"Retry-After {asked:.0f} s"))
        return super().increment(method, url, response, error, _pool, _stacktrace)

    def get_backoff_time(self) -> float:
        return min(BACKOFF_SECONDS * 2 ** (len(self.history) - 1), MAX_WAIT_SECONDS) if self.history else 0.0

    def sleep(self, response=None) -> None:
        asked = _retry_after(response)
        self.wait(max(self.get_backoff_time() if asked is None else asked, self.least_wait))


def _retry_after(response) -> float | None:
    return retry_after_seconds(response.headers.get("Retry-After")) if response is not None else None


@dataclass
class HttpClient:
    """GET with timeouts, retries and backoff; every failure is a FetchError naming the URL.

    The retries are urllib3's (`_Retry`), mounted on `session` for http and https."""

    session: requests.Session
    timeout: float = DEFAULT_TIMEOUT
    retries: int = DEFAULT_RETRIES
    sleep: Sleep = time.sleep
    min_interval: float = 0.0  # politeness: least time between two requests
    cache_dir: Path | None = None
    _last_request: float | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        retry = _Retry(total=self.retries, status_forcelist=RETRY_STATUSES, allowed_methods={"GET"},
                       raise_on_status=False, respect_retry_after_header=False)
        retry.wait, retry.least_wait = self.sleep, self.min_interval
        adapter = HTTPAdapter(max_retries=retry)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    def get_text(self, url: str, params: dict[str, str], accept: str) -> str:
        """The body of a successful response (from `cache_dir` when it has it)."""
        full_url = _url_of(url, params)
        cached = self._cached(full_url)
        if cached is not None:
            return cached
        gave_up = f"gave up after {self.retries + 1} attempts"
        self._keep_interval()
        try:
            response = self.session.get(full_url, headers={"Accept": accept},
                                        timeout=(min(self.timeout, MAX_CONNECT_TIMEOUT), self.timeout))
        except requests.RequestException as exc:
            raise FetchError(f"GET {full_url}: {self._failure(exc)} ({gave_up})") from None
        finally:
            self._last_request = time.monotonic()
        if response.status_code < 400:
            return _decoded(response)
        failure = f"HTTP {response.status_code} {response.reason}"
        if response.status_code not in RETRY_STATUSES:
            raise FetchError(f"GET {full_url}: {failure}")
        asked = _retry_after(response)
        if asked is not None and asked > MAX_WAIT_SECONDS:
            raise FetchError(f"GET {full_url}: {failure}, and the server asks to wait {asked:.0f} s "
                             f"(more than {MAX_WAIT_SECONDS:.0f} s): try again later")
        retries = getattr(response.raw, "retries", None)
        attempts = len(retries.history) + 1 if retries is not None else self.retries + 1
        raise FetchError(f"GET {full_url}: {failure} (gave up after {attempts} attempts)")

    def _failure(self, exc: requests.RequestException) -> str:
        """Why a request got no answer, once urllib3 has run out of retries."""
        reason = exc.args[0] if exc.args and isinstance(exc.args[0], Exception) else exc  # what requests wrapped
        if isinstance(reason, MaxRetryError):
            reason = reason.reason
        if isinstance(reason, NewConnectionError) or not isinstance(reason, UrllibTimeout | requests.Timeout):
            return f"connection failed ({type(reason).__name__}: {reason})"
        return f"no answer within {self.timeout:g} s (timeout)"

    def remember(self, url: str, params: dict[str, str], text: str) -> None:
        """Keep a response that proved usable, so that a re-run with the same cache reads it offline."""
        if self.cache_dir is not None:
            write_text_atomic(self._cache_path(_url_of(url, params)), text)

    def _keep_interval(self) -> None:
        if self._last_request is not None and self.min_interval > 0:
            remaining = self.min_interval - (time.monotonic() - self._last_request)
            if remaining > 0:
                self.sleep(remaining)

    def _cache_path(self, url: str) -> Path:
        assert self.cache_dir is not None
        return self.cache_dir / (hashlib.sha256(url.encode("utf-8")).hexdigest()[:32] + ".body")

    def _cached(self, url: str) -> str | None:
        if self.cache_dir is None:
            return None
        path = self._cache_path(url)
        return path.read_text(encoding="utf-8") if path.is_file() else None


def _decoded(response: requests.Response) -> str:
    """Both APIs send UTF-8; without a declared charset requests would guess (and may guess wrong)."""
    if "charset=" not in response.headers.get("Content-Type", "").lower():
        response.encoding = "utf-8"
    return response.text


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds asked for by a Retry-After header (delta-seconds or HTTP date); None if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


@dataclass(frozen=True)
class HttpSettings:
    """How both sources reach their API: the session (a new one by default), the timeout and retries,
    the sleep that the waits go through (tests inject one that records), and where raw responses are
    kept (None: nowhere)."""

    session: requests.Session | None = None
    cache_dir: Path | None = None
    timeout: float = DEFAULT_TIMEOUT
    retries: int = DEFAULT_RETRIES
    sleep: Sleep = time.sleep

    def client(self, min_interval: float = 0.0) -> HttpClient:
        return HttpClient(self.session or new_session(), timeout=self.timeout, retries=self.retries,
                          sleep=self.sleep, cache_dir=Path(self.cache_dir) if self.cache_dir else None,
                          min_interval=min_interval)


DEFAULT_HTTP = HttpSettings()


# --- Hugging Face Daily Papers ------------------------------------------------------------------


def date_range(start: date, end: date) -> list[date]:
    """Every date from `start` to `end`, both included."""
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def daily_papers_path(data_dir: Path, day: date) -> Path:
    return Path(data_dir) / SOURCE_HF_DAILY_PAPERS / f"{day.isoformat()}.json"


def fetch_daily_papers(dates: Iterable[date], data_dir: Path, api_url: str = DEFAULT_HF_API,
                       http: HttpSettings = DEFAULT_HTTP, progress: ProgressCallback | None = None, *,
                       refresh: bool = False, today: date | None = None) -> FetchSummary:
    """Fetch the Daily Papers listing of each date into `data_dir/hf-daily-papers/DATE.json`.

    Dates whose listing exists are skipped (unless `refresh`, or the date is not over yet in UTC).
    On a bad response, raises FetchError after keeping every listing written before it.
    """
    client = http.client()
    today = today or datetime.now(UTC).date()
    url = f"{api_url.rstrip('/')}/api/daily_papers"
    written: list[Path] = []
    cached: list[Path] = []
    papers = 0
    for day in sorted(set(dates)):
        path = daily_papers_path(data_dir, day)
        if path.exists() and not refresh and day < today:
            cached.append(path)
            _report(progress, day.isoformat(), "cached")
            continue
        params = {"date": day.isoformat()}
        with _keeping(written):
            text = client.get_text(url, params, accept="application/json")
            entries = parse_daily_papers(text, _url_of(url, params))
            write_listing(path, SOURCE_HF_DAILY_PAPERS, params, entries)
        client.remember(url, params, text)
        written.append(path)
        papers += len(entries)
        _report(progress, day.isoformat(), "fetched")
    return FetchSummary(tuple(written), tuple(cached), papers)


def parse_daily_papers(text: str, url: str) -> list[dict]:
    """Listing papers from a Daily Papers response: a JSON list of `{"paper": {...}, ...}` items.

    Fields are read from the nested `paper` object first, then from the item itself (older and
    mirrored responses put them at the top level).
    """
    document = _load_json(text, url)
    if not isinstance(document, list):
        raise FetchError(f"{url}: expected a JSON list of papers, got {_json_type(document)}")
    return [_daily_paper(item, f"/{index}", url) for index, item in enumerate(document)]


def _daily_paper(item: object, pointer: str, url: str) -> dict:
    if not isinstance(item, dict):
        raise FetchError(f"{url}: {pointer}: expected an object, got {_json_type(item)}")
    fields = _DailyFields(item, pointer, url)
    hf_id = fields.string("id", required=True)
    organization = fields.get("organization", (dict, str))
    if isinstance(organization, dict):
        organization = organization.get("fullname") or organization.get("name")
    published = fields.string("publishedAt")
    return listing_paper(
        fields.string("title", required=True),
        fields.string("summary", required=True),
        arxiv_id=_version_free(hf_id) if is_arxiv_id(_version_free(hf_id)) else None,
        hf_id=hf_id,
        published=_iso_date(published, fields.pointer("publishedAt"), url) if published else None,
        authors=_author_names(fields.get("authors", (list,)), fields.pointer("authors"), url),
        organization=organization if isinstance(organization, str) and organization else None,
        upvotes=fields.get("upvotes", (int,)),
    )


class _DailyFields:
    """Field lookup in a Daily Papers item: the nested `paper` object first, then the item itself."""

    def __init__(self, item: dict, pointer: str, url: str):
        nested = item.get("paper")
        if nested is not None and not isinstance(nested, dict):
            raise FetchError(f"{url}: {pointer}/paper: expected an object, got {_json_type(nested)}")
        self.item, self.nested, self.base, self.url = item, nested or {}, pointer, url

    def pointer(self, key: str) -> str:
        in_nested = key in self.nested or (key not in self.item and "paper" in self.item)
        return f"{self.base}/paper/{key}" if in_nested else f"{self.base}/{key}"

    def get(self, key: str, types: tuple[type, ...], required: bool = False):
        value = self.nested.get(key, self.item.get(key))
        if value is None:
            if required:
                raise FetchError(f"{self.url}: {self.pointer(key)}: missing (every paper needs a {key!r})")
            return None
        if not isinstance(value, types) or isinstance(value, bool):
            expected = " or ".join(_TYPE_NAMES[t] for t in types)
            raise FetchError(f"{self.url}: {self.pointer(key)}: expected {expected}, got {_json_type(value)}")
        return value

    def string(self, key: str, required: bool = False) -> str | None:
        value = self.get(key, (str,), required)
        if required and not value.strip():
            raise FetchError(f"{self.url}: {self.pointer(key)}: empty (every paper needs a {key!r})")
        return value


def _author_names(authors: list | None, pointer: str, url: str) -> list[str] | None:
    if authors is None:
        return None
    names = []
    for index, author in enumerate(authors):
        name = author.get("name") if isinstance(author, dict) else author
        if not isinstance(name, str):
            raise FetchError(f"{url}: {pointer}/{index}: expected an author name, got {_json_type(author)}")
        names.append(" ".join(name.split()))
    return names


# --- arXiv -------------------------------------------------------------------------------------


def normalise_arxiv_id(text: str) -> str:
    """`arXiv:2406.12345v2`, `https://arxiv.org/abs/2406.12345` -> `2406.12345`; FetchError if no arXiv id."""
    candidate = _version_free(_ARXIV_ID_PREFIX.sub("", text.strip()).removesuffix(".pdf"))
    if not is_arxiv_id(candidate):
        raise FetchError(f"not an arXiv id: {text!r} (expected e.g. 2406.12345 or hep-th/9901001)")
    return candidate


def is_arxiv_id(text: str) -> bool:
    return bool(_NEW_ARXIV_ID.match(text) or _OLD_ARXIV_ID.match(text))


def arxiv_path(data_dir: Path, arxiv_id: str) -> Path:
    """Old-style ids hold a slash (`hep-th/9901001`): it becomes `_` in the file name."""
    return Path(data_dir) / SOURCE_ARXIV / f"{arxiv_id.replace('/', '_')}.json"


def fetch_arxiv(ids: Iterable[str], data_dir: Path, api_url: str = DEFAULT_ARXIV_API,
                http: HttpSettings = DEFAULT_HTTP, progress: ProgressCallback | None = None, *,
                refresh: bool = False, batch_size: int = ARXIV_BATCH) -> FetchSummary:
    """Fetch arXiv metadata for `ids` into `data_dir/arxiv/<id>.json`, `batch_size` ids a request.

    Ids whose listing exists are skipped unless `refresh`. An id arXiv does not know raises
    FetchError after the listings of the ids it did return are written.
    """
    client = http.client(min_interval=ARXIV_INTERVAL_SECONDS)
    url = f"{api_url.rstrip('/')}/api/query"
    wanted = list(dict.fromkeys(normalise_arxiv_id(i) for i in ids))
    cached = [arxiv_path(data_dir, i) for i in wanted if arxiv_path(data_dir, i).exists() and not refresh]
    for path in cached:
        _report(progress, _id_of_path(path), "cached")
    todo = [i for i in wanted if arxiv_path(data_dir, i) not in cached]
    written: list[Path] = []
    for batch in _batches(todo, batch_size):
        params = {"id_list": ",".join(batch), "max_results": str(len(batch))}
        with _keeping(written):
            text = client.get_text(url, params, accept="application/atom+xml")
            entries = parse_arxiv_feed(text, _url_of(url, params))
            for arxiv_id in batch:
                if arxiv_id in entries:
                    path = arxiv_path(data_dir, arxiv_id)
                    write_listing(path, SOURCE_ARXIV, {"id": arxiv_id}, [entries[arxiv_id]])
                    written.append(path)
                    _report(progress, arxiv_id, "fetched")
            missing = [i for i in batch if i not in entries]
            if missing:
                raise FetchError(f"{_url_of(url, params)}: arXiv returned no paper for {', '.join(missing)}")
        client.remember(url, params, text)
    return FetchSummary(tuple(written), tuple(cached), len(written))


def parse_arxiv_feed(text: str, url: str) -> dict[str, dict]:
    """Listing papers from an arXiv Atom feed, by version-free arXiv id."""
    if _looks_like_html(text):
        raise FetchError(f"{url}: expected an Atom feed, got HTML (is the API URL right?)")
    try:
        feed = ET.fromstring(text)
    except ET.ParseError as exc:
        raise FetchError(f"{url}: invalid XML ({exc}); truncated response?") from None
    if feed.tag != f"{_ATOM}feed":
        raise FetchError(f"{url}: expected an Atom <feed>, got <{feed.tag}>")
    papers = {}
    for index, entry in enumerate(feed.findall(f"{_ATOM}entry"), start=1):
        arxiv_id, paper = _arxiv_entry(entry, f"/feed/entry[{index}]", url)
        papers[arxiv_id] = paper
    return papers


def _arxiv_entry(entry: ET.Element, where: str, url: str) -> tuple[str, dict]:
    def text_of(tag: str, required: bool = True) -> str | None:
        value = entry.findtext(f"{_ATOM}{tag}")
        if required and not (value and value.strip()):
            raise FetchError(f"{url}: {where}/{tag}: missing")
        return value.strip() if value else None

    entry_id = text_of("id")
    if "/api/errors" in entry_id:  # arXiv reports a bad id as an entry, not as an HTTP error
        raise FetchError(f"{url}: arXiv says: {text_of('summary', required=False) or entry_id}")
    arxiv_id = _version_free(re.sub(r"^https?://arxiv\.org/abs/", "", entry_id))
    if not is_arxiv_id(arxiv_id):
        raise FetchError(f"{url}: {where}/id: {entry_id!r} is not an arXiv abstract URL")
    published = text_of("published", required=False)
    authors = [" ".join(name.split()) for name in
               (a.findtext(f"{_ATOM}name") or "" for a in entry.findall(f"{_ATOM}author")) if name.strip()]
    paper = listing_paper(
        text_of("title"),
        text_of("summary"),
        arxiv_id=arxiv_id,
        published=_iso_date(published, f"{where}/published", url) if published else None,
        authors=authors or None,
    )
    return arxiv_id, paper


# --- shared helpers ----------------------------------------------------------------------------


@contextmanager
def _keeping(written: list[Path]) -> Iterator[None]:
    """Re-raise a FetchError saying that the listings written so far are kept (so a re-run resumes)."""
    try:
        yield
    except FetchError as exc:
        if not written:
            raise
        raise FetchError(f"{exc} [{len(written)} listing(s) written before this are kept; run again to continue]") from exc


def _load_json(text: str, url: str):
    if _looks_like_html(text):
        raise FetchError(f"{url}: expected JSON, got HTML (is the API URL right, or is the site down?)")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        # A cut-off body fails at its very end, or inside a string that never closes.
        truncated = exc.pos >= len(text.rstrip()) or exc.msg.startswith("Unterminated string")
        hint = "truncated response?" if truncated else "not JSON"
        what = exc.msg.removesuffix(" starting at").lower()
        raise FetchError(f"{url}: invalid JSON at line {exc.lineno} column {exc.colno}: {what} ({hint})") from None


def _looks_like_html(text: str) -> bool:
    head = text.lstrip()[:200].lower()
    return head.startswith(("<!doctype html", "<html")) or "<html" in head


def _iso_date(text: str, pointer: str, url: str) -> str:
    """`2024-06-18T13:22:31.000Z` -> `2024-06-18`."""
    try:
        return date.fromisoformat(text.strip()[:10]).isoformat()
    except ValueError:
        raise FetchError(f"{url}: {pointer}: {text!r} is not an ISO date") from None


def _version_free(arxiv_id: str) -> str:
    return _VERSION_SUFFIX.sub("", arxiv_id)


def _id_of_path(path: Path) -> str:
    return path.stem.replace("_", "/")


def _batches(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), max(1, size)):
        yield items[start:start + max(1, size)]


def _url_of(url: str, params: dict[str, str]) -> str:
    return requests.Request("GET", url, params=params).prepare().url or url


def _report(progress: ProgressCallback | None, item: str, outcome: str) -> None:
    if progress is not None:
        progress(item, outcome)


_TYPE_NAMES = {str: "a string", int: "an integer", list: "a list", dict: "an object"}


def _json_type(value: object) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", int: "a number",
             float: "a number", type(None): "null"}
    return names.get(type(value), type(value).__name__)
