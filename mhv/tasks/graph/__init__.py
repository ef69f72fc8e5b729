"""The dependency graph: algorithms (`algorithms`), the in-memory cache that follows the event log
(`cache`), text/dot/mermaid/json renderers (`formats`), urgency (`urgency`) and the TaskService mixin
that answers graph views and the ranking (`queries`). May import mhv.errors, mhv.store and
mhv.tasks.models; never the CLI, the UI, mhv.tasks.interop or mhv.tasks.search."""
