"""The domain's one error base, and its kinds.

Every refusal of the rules (a move not allowed, a field that is not acceptable,
a thing that does not exist or belongs to someone else) is a `DomainError`. Its
`kind` says how a door shows it: the web layer turns `NOT_FOUND` into 404,
`FORBIDDEN` into 403 and `INVALID` into 422 in one place (`web.errors`); a form
that can show an `INVALID` error next to its `field` catches it first.
"""

INVALID = "invalid"
NOT_FOUND = "not_found"
FORBIDDEN = "forbidden"
CONFLICT = "conflict"  # allowed fields, but the change breaks a rule about what exists (409)


class DomainError(Exception):
    """A rule refused something. `message` is for the user; `field` names the form field, if any."""

    def __init__(self, message, field=None, kind=INVALID):
        super().__init__(str(message))
        self.message = str(message)
        self.field = field
        self.kind = kind

    @property
    def not_found(self):
        return self.kind == NOT_FOUND

    @property
    def forbidden(self):
        return self.kind == FORBIDDEN

    @property
    def status_code(self):
        return {NOT_FOUND: 404, FORBIDDEN: 403, CONFLICT: 409}.get(self.kind, 422)
