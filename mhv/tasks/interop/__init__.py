"""Import and export: Taskwarrior JSON both ways (`taskwarrior`), todo.txt (`todotxt`), CSV
(`csv_import`), their shared writer (`importing`) and export (`exporting`). Goes through the public
TaskService and its transaction; never imports the CLI, the UI, mhv.tasks.graph or mhv.tasks.search."""
