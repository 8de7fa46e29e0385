"""The one exception type the CLI turns into a one-line error and exit code 1."""


class HcflowError(Exception):
    """A problem the user can fix (bad input, database down, unknown model...).

    The message must fit on one line and name the problem; the CLI prints
    ``error: <message>`` and exits non-zero, without a stack trace.
    """
