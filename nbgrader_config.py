"""nbgrader configuration: the course root is this folder (source/, release/, submitted/, ...)."""

import os

c = get_config()  # noqa: F821 (provided by nbgrader when it loads this file)

c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.course_id = "rnn-course"
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(c.CourseDirectory.root, "gradebook.db")
# Only the lesson notebooks are assignment content; caches and checkpoints stay behind.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", ".DS_Store"]
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
c.Execute.timeout = 120
# nbgrader gives up on the whole notebook when a cell's last output arrives more than iopub_timeout seconds after
# the cell finished (4 s by default): on a machine busy grading a class that happens; wait longer instead.
c.Execute.iopub_timeout = 30
