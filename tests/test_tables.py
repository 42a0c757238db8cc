from zoo.tables import markdown_table


def test_cells_with_line_breaks_and_pipes_stay_in_their_row():
    table = markdown_table(["question", "answer"], [["Why?", "one | two\nthree"], ["n", 0.123456]])
    lines = table.splitlines()
    assert len(lines) == 4
    assert lines[2] == "| Why? | one \\| two<br>three |"
    assert lines[3] == "| n | 0.1235 |"


def test_a_code_block_in_a_cell_keeps_its_lines_and_indentation_as_inline_code():
    answer = "Like this:\n```python\ndef f(x):\n    return x | 1  # *not* _emphasis_\n```\ndone"
    cell = markdown_table(["question", "answer"], [["Code?", answer]]).splitlines()[2]
    assert cell == ("| Code? | Like this:<br><code>def f(x):<br>&nbsp;&nbsp;&nbsp;&nbsp;return x &#124; 1&nbsp;&nbsp;&#35; "
                    "&#42;not&#42; &#95;emphasis&#95;</code><br>done |")


def test_an_unclosed_code_block_runs_to_the_end_of_its_cell():
    cell = markdown_table(["answer", "n"], [["```\nprint('<b>')\nx = [1]", 2]]).splitlines()[2]
    assert cell == "| <code>print('&lt;b&gt;')<br>x = &#91;1&#93;</code> | 2 |"
