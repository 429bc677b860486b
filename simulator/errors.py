"""The one error type that ends the program with a single line and exit status 2."""


class UserError(Exception):
    """Bad input from the user (a path, a file, a flag value): message is one line."""
