"""The course folder's layout (autograder.course), the notebook predicates and the command table."""

import nbformat
import pytest

from autograder import __main__ as cli
from autograder.course import (
    autograded_notebook,
    find_submissions,
    gradebook_url,
    lesson_notebook,
    lessons,
    make_course,
    submission_notebook,
)
from autograder.notebooks import grade_id, graded_cells, has_hidden_tests, max_scores, without_hidden_tests


def test_paths_follow_nbgrader_layout(tmp_path):
    assert lesson_notebook("01_rnn_cell", root=tmp_path) == tmp_path / "source/01_rnn_cell/01_rnn_cell.ipynb"
    assert lesson_notebook("01_rnn_cell", "release", tmp_path) == tmp_path / "release/01_rnn_cell/01_rnn_cell.ipynb"
    assert submission_notebook("ann", "01_rnn_cell", tmp_path) == tmp_path / "submitted/ann/01_rnn_cell/01_rnn_cell.ipynb"
    assert autograded_notebook("ann", "01_rnn_cell", tmp_path) == tmp_path / "autograded/ann/01_rnn_cell/01_rnn_cell.ipynb"


def test_the_gradebook_is_the_course_sqlite_file_unless_a_url_is_given(tmp_path):
    assert gradebook_url(tmp_path) == f"sqlite:///{tmp_path}/gradebook.db"
    assert gradebook_url(tmp_path, "postgresql://host/db") == "postgresql://host/db"


def test_a_scratch_course_has_the_lessons_and_config(tmp_path):
    course = make_course(tmp_path / "course", ["01_rnn_cell"])
    assert lessons(course) == ["01_rnn_cell"]
    assert lesson_notebook("01_rnn_cell", root=course).is_file() and (course / "nbgrader_config.py").is_file()


def test_submissions_found_with_flags_for_folders_that_do_not_fit(tmp_path):
    lesson = "01_rnn_cell"
    for student, name in {"ann": f"{lesson}.ipynb", "bob": "homework.ipynb", "cy": "notes.txt"}.items():
        path = submission_notebook(student, lesson, tmp_path).with_name(name)
        path.parent.mkdir(parents=True)
        path.write_text("{}")
    found, flags = find_submissions(lesson, tmp_path)
    assert found == {"ann": submission_notebook("ann", lesson, tmp_path),
                     "bob": submission_notebook("bob", lesson, tmp_path).with_name("homework.ipynb"),
                     "cy": submission_notebook("cy", lesson, tmp_path)}
    assert len(flags) == 2 and any("bob: graded homework.ipynb" in f for f in flags)
    assert any(f.startswith("cy: no notebook") for f in flags)


def test_test_cells_points_and_hidden_parts(lesson01_source):
    tests = graded_cells(lesson01_source)
    assert tests and all(identifier.startswith("test_") for identifier in tests)
    assert sum(max_scores(lesson01_source).values()) == 100
    hidden = [cell.source for cell in tests.values() if has_hidden_tests(cell.source)]
    assert hidden and not any(has_hidden_tests(without_hidden_tests(source)) for source in hidden)


@pytest.mark.parametrize("metadata", [{"nbgrader": "garbage"}, {"nbgrader": {"grade": True}}, {}])
def test_grade_id_of_tampered_or_plain_cells_is_none(metadata):
    cell = nbformat.v4.new_code_cell("x = 1", metadata=metadata)
    assert grade_id(cell) is None


def test_every_command_has_one_function():
    parser = cli._parser()
    commands = next(action for action in parser._actions if action.dest == "command")
    assert set(commands.choices) == set(cli.COMMANDS)
