"""The one error type that ends the program with a single line and exit status 2."""


class UserError(Exception):
    """Bad input from the user (a path, a file, a flag value): message is one line."""


def extra_hint(extra: str, packages: str) -> str:
    """How to add an optional extra, for a pip install, a clone's venv (its own pip) and pipx."""
    return f"pip install 'cnn-simulator[{extra}]' (installed with pipx: pipx inject cnn-simulator {packages})"
