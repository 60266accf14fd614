"""A log formatter that never writes exception messages.

Exception texts can carry personal data (a database error quoting the duplicate email,
a validation error quoting input). Logs keep the exception type and the stack frames,
which is what debugging needs, and drop the message.
"""

import logging
import traceback


class RedactingFormatter(logging.Formatter):
    def formatException(self, ei) -> str:
        exc_type, exc, tb = ei
        frames = "".join(traceback.format_list(traceback.extract_tb(tb)))
        chain = []
        cause = exc.__cause__ or exc.__context__ if exc is not None else None
        while cause is not None:
            chain.append(type(cause).__qualname__)
            cause = cause.__cause__ or cause.__context__
        caused_by = f" (while handling: {', '.join(chain)})" if chain else ""
        return f"Traceback (most recent call last):\n{frames}{exc_type.__qualname__}: [message withheld]{caused_by}"
