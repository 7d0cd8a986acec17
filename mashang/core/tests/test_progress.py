"""Long commands draw a bar with an ETA on a terminal and stay silent in logs."""

import io

from mashang.core.progress import progress


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_a_terminal_gets_a_bar_with_counts_and_an_eta():
    stream = Terminal()
    for _ in progress(range(3), desc="生成海报", stream=stream):
        pass
    text = stream.getvalue()
    assert "生成海报" in text and "3/3" in text and "<" in text  # elapsed<remaining


def test_a_pipe_gets_nothing():
    stream = io.StringIO()
    assert list(progress(range(3), desc="生成海报", stream=stream)) == [0, 1, 2]
    assert stream.getvalue() == ""
