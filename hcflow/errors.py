"""The one exception type the CLI turns into a one-line error and exit code 1."""


class HcflowError(Exception):
    """A problem the user can fix (bad input, database down, unknown model...).

    The message must fit on one line and name the problem; the CLI prints
    ``error: <message>`` and exits non-zero, without a stack trace.
    """


class DatabaseError(HcflowError):
    """The database failed (down, unreachable, refused the login or a write).

    Not the fault of the item being processed: a builder stops (one line)
    rather than recording the item as failed.
    """


def os_error_message(exc: OSError, path: object) -> str:
    """One line for a failed write of ``path``, saying what to do about it."""
    import errno

    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return (
            f"no space left on the device of {path}: free some space (or choose "
            "another folder) and run again; nothing was written"
        )
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"cannot write {path}: permission denied (read-only file or folder)"
    if exc.errno == errno.EISDIR:
        return f"cannot write {path}: it is a folder; give a file name"
    return f"cannot write {path}: {exc.strerror or exc}"


class TooShortError(HcflowError):
    """A trajectory too short for the analysis settings (fit window, lags,
    coarse-graining time): its D is not estimable, which is a result, not a
    failure of the run (a builder records it and exits 0)."""
