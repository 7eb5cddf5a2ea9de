"""The back-fill cursor: windows newest first, a window done only when walked to its end, resumable, then done."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import psycopg

from crawler.storage.backfills import BackfillStore

SINCE = datetime(2020, 1, 1, tzinfo=UTC)
UNTIL = datetime(2020, 1, 10, tzinfo=UTC)
WINDOW = timedelta(days=4)


def test_windows_walk_from_the_end_back_to_the_start_then_the_lists_phase(db_conn: psycopg.Connection) -> None:
    store = BackfillStore(db_conn)
    state, resumed = store.open("replica", SINCE, UNTIL, WINDOW)
    assert not resumed and state.phase == "api" and state.windows_left() == state.windows_total() == 4

    walked = []
    while state.phase == "api":
        walked.append(state.next_window())
        state = store.advance(state, window_done=True, articles=10)
    assert walked == [
        (datetime(2020, 1, 6, tzinfo=UTC), UNTIL),
        (datetime(2020, 1, 2, tzinfo=UTC), datetime(2020, 1, 6, tzinfo=UTC)),
        (SINCE, datetime(2020, 1, 2, tzinfo=UTC)),  # the last window stops at ``since``
    ]
    assert state.phase == "lists" and state.next_window() == (SINCE, UNTIL) and state.windows_left() == 1
    state = store.advance(state, window_done=True, articles=0)
    assert state.done and state.finished_at is not None and state.articles == 30 and state.batches == 4


def test_a_capped_batch_keeps_the_cursor_and_a_restart_resumes(db_conn: psycopg.Connection) -> None:
    store = BackfillStore(db_conn)
    state, _ = store.open("replica", SINCE, UNTIL, WINDOW)
    state = store.advance(state, window_done=True, articles=5)
    cursor = state.cursor
    state = store.advance(state, window_done=False, articles=7)  # capped, or cut off by a kill
    assert state.cursor == cursor and state.articles == 12

    resumed, was_resumed = BackfillStore(db_conn).open("replica", SINCE, None, WINDOW)
    assert was_resumed and resumed.id == state.id and resumed.cursor == cursor
    other, was_resumed = store.open("other", SINCE, UNTIL, WINDOW)
    assert not was_resumed and other.id != state.id


def test_a_finished_backfill_is_not_resumed(db_conn: psycopg.Connection) -> None:
    store = BackfillStore(db_conn)
    state, _ = store.open("replica", SINCE, UNTIL, WINDOW)
    state = store.advance_to(state, "done")
    again, resumed = store.open("replica", SINCE, UNTIL, WINDOW)
    assert state.done and not resumed and again.id != state.id and again.phase == "api"


def test_a_source_without_an_api_skips_to_the_lists(db_conn: psycopg.Connection) -> None:
    store = BackfillStore(db_conn)
    state, _ = store.open("replica", SINCE, UNTIL, WINDOW)
    state = store.skip_phase(state)
    assert state.phase == "lists" and state.next_window() == (SINCE, UNTIL)
