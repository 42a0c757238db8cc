from zoo.tables import markdown_table


def test_cells_with_line_breaks_and_pipes_stay_in_their_row():
    table = markdown_table(["question", "answer"], [["Code?", "```python\ndef f(x):\n    return x | 1\n```"], ["n", 0.123456]])
    lines = table.splitlines()
    assert len(lines) == 4
    assert lines[2] == "| Code? | ```python<br>def f(x):<br>    return x \\| 1<br>``` |"
    assert lines[3] == "| n | 0.1235 |"
