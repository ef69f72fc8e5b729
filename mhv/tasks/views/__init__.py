"""What the one-shot read commands print (`mhv tl`, `mhv show`, `mhv next`, `mhv ts`), built here,
below the CLI, so that the CLI's direct path and the sync service's ``cli.*`` methods run the same
code and print the same bytes.

Each view takes the command's arguments as plain JSON (what the CLI parsed from its command line)
and the `Client` (mhv/tasks/views/client.py: the clock, the time zone and the terminal of the process
that prints), and returns a `Rendered`: the text for stdout and for stderr, or the data for
``--batch``. Errors are the same `MhvError`s either way.
"""

from mhv.tasks.views.client import Client, Rendered, with_client

__all__ = ["Client", "Rendered", "with_client"]
