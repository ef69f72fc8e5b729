"""mhv: a keyboard-driven terminal workspace for tasks across many git repositories."""

__version__ = "0.1.0"
