"""The project's exceptions: one base class, so callers can catch everything the library raises on purpose."""


class LeaderboardError(Exception):
    """Base class for every error the library raises on purpose."""


class InputError(LeaderboardError):
    """Input that cannot be read: names the file and line (or JSON pointer) and says what to do."""

    def __init__(self, message: str, file: str | None = None, line: int | None = None, hint: str | None = None):
        self.file, self.line, self.hint, self.bare_message = file, line, hint, message
        where = f"{file}:{line}: " if file and line else (f"{file}: " if file else "")
        super().__init__(where + message + (f" ({hint})" if hint else ""))


class ListingError(InputError):
    """A listing file (page dump or API JSON) that cannot be parsed."""


class RegistryError(InputError):
    """The benchmark registry or alias file is missing or invalid."""


class ResultFileError(InputError):
    """A result file that cannot be read at all (validation findings are Issues, not exceptions)."""


class FetchError(LeaderboardError):
    """A remote API answered with something unusable; what was fetched before is kept."""


class GitError(LeaderboardError):
    """A git revision or repository that cannot be read."""


class SyncRefused(InputError):
    """A sync that would add too many claims or touch a person's claim: nothing was written."""


class CacheDirError(InputError):
    """A build cache directory that must not be used (git tracks files in it)."""
