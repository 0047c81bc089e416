"""Named exceptions raised by the Article Atlas library."""

__all__ = ["AssetError", "AtlasError", "DataError", "ExportError", "InputError"]


class AtlasError(Exception):
    """Base class of every error the library raises on purpose."""


class DataError(AtlasError):
    """A bundled data file is missing, corrupt or inconsistent."""


class InputError(AtlasError, ValueError):
    """A value given by a user or caller is out of range or malformed."""


class ExportError(AtlasError):
    """A snapshot could not be written."""


class AssetError(AtlasError):
    """A web asset (JavaScript or CSS) is not available offline."""
