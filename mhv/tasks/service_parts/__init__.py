"""The parts of :class:`mhv.tasks.service.TaskService`, one responsibility each (mixins composed in
mhv/tasks/service.py, the one public door). May import mhv.store, mhv.errors and the other mhv.tasks
modules below the service; never the CLI, the UI, mhv.tasks.interop or mhv.tasks.search."""
