"""Errors the daemon answers with, one class per stable code (schema/protocol.md)."""


class Error(Exception):
    """A request the daemon could not answer, or a connection that failed.

    ``code`` is the protocol's stable code (``"all_models_failed"``, ...), ``message`` is for
    people, ``attempts`` the model calls made before the error (``switchyard.Attempt``).
    """

    code = "error"

    def __init__(self, code, message, attempts=(), request_id=0, http_status=0):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.attempts = list(attempts)
        self.request_id = request_id
        self.http_status = http_status


class BadRequest(Error):
    """The argument is missing, of the wrong type or invalid; the message names the field."""


class NoSuchMethod(Error):
    """The daemon knows no such method."""


class NoRoute(Error):
    """``route`` names no configured route."""


class AllModelsFailed(Error):
    """Every tier was tried and failed; ``attempts`` says how."""


class DeadlineExceeded(Error):
    """The request's deadline passed before a tier answered."""


class RequestRejected(Error):
    """A provider refused the request as the client's fault (``http_status`` says how)."""


class PartialAnswer(Error):
    """A streamed answer broke after some of it was sent: the pieces received are all."""


class Overloaded(Error):
    """The daemon had no room for this request: back off and retry."""


class ShuttingDown(Error):
    """The daemon is stopping and did not finish this request."""


class ProtocolError(Error):
    """The daemon could not read this connection (``bad_frame``) or refused it
    (``forbidden``), and closed it."""


class ConnectionLost(Error):
    """The connection to the daemon closed, or could not be made, before an answer came."""


_BY_CODE = {
    "bad_request": BadRequest,
    "no_such_method": NoSuchMethod,
    "no_route": NoRoute,
    "all_models_failed": AllModelsFailed,
    "deadline_exceeded": DeadlineExceeded,
    "request_rejected": RequestRejected,
    "partial_answer": PartialAnswer,
    "overloaded": Overloaded,
    "shutting_down": ShuttingDown,
    "bad_frame": ProtocolError,
    "forbidden": ProtocolError,
    "connection_lost": ConnectionLost,
}


def error_class(code):
    return _BY_CODE.get(code, Error)
