"""The error a user causes and can fix: `usm` prints it as one line naming the cause, exit status 2."""


class UserError(Exception):
    """A wrong argument, setting or folder; the message names it and says what would be right."""
